"""Reading OpenSLO documents: YAML with exact decimals, common field checks, shared helpers."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml
from pydantic import ValidationError

API_VERSION = "openslo/v1"
SUPPORTED_KINDS = ("SLO", "SLI", "Service", "AlertPolicy", "AlertCondition")
IGNORED_KINDS = {
    "AlertNotificationTarget": "Basics reports a firing tier's severity (page or ticket) "
    "and sends no notifications",
    "DataSource": "Basics reads events from the sources of basics.yaml, not metric backends",
}

GOOD_ANNOTATION = "basics.dev/good"
VALID_ANNOTATION = "basics.dev/valid"
OWNER_ANNOTATION = "basics.dev/owner"
SHORT_WINDOW_ANNOTATION = "basics.dev/short-window"
BUDGET_SHARE_ANNOTATION = "basics.dev/budget-share"
MIN_EVENTS_ANNOTATION = "basics.dev/min-events"
NO_DATA_ANNOTATION = "basics.dev/no-data"
POLICY_ANNOTATION = "basics.dev/policy"
SERVICE_ANNOTATION = "basics.dev/service"
SLO_ANNOTATION = "basics.dev/slo"
METRIC_SOURCE_TYPE = "basics"

_SHORTHAND = re.compile(r"^([0-9]+)([mhdwMQY])$")

_DOC_FIELDS = ("apiVersion", "kind", "metadata", "spec")
_METADATA_FIELDS = ("name", "displayName", "labels", "annotations")
_SPEC_FIELDS: dict[str, tuple[str, ...]] = {
    "SLO": (
        "description",
        "service",
        "indicator",
        "indicatorRef",
        "timeWindow",
        "budgetingMethod",
        "objectives",
        "alertPolicies",
    ),
    "SLI": ("description", "thresholdMetric", "ratioMetric"),
    "Service": ("description",),
    "AlertPolicy": (
        "description",
        "alertWhenNoData",
        "alertWhenResolved",
        "alertWhenBreaching",
        "conditions",
        "notificationTargets",
    ),
    "AlertCondition": ("description", "severity", "condition"),
}
_RATIO_FIELDS = ("counter", "good", "bad", "total", "rawType", "raw")


# --- YAML --------------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """SafeLoader that reads floats as Decimal, so `target: 0.999` stays exactly 0.999."""


def _construct_decimal(loader: _Loader, node: yaml.ScalarNode) -> Decimal | float:
    text = str(loader.construct_scalar(node)).replace("_", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        return loader.construct_yaml_float(node)  # .inf, .nan, sexagesimal
    return number if number.is_finite() else loader.construct_yaml_float(node)


_Loader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)


class _Dumper(yaml.SafeDumper):
    """SafeDumper that indents lists under their key and writes Decimal as plain numbers."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def plain(value: Decimal) -> str:
    """The shortest exact text of a decimal, never with an exponent: 99.900 -> 99.9."""
    text = format(value.normalize(), "f")
    return "0" if text == "-0" else text


def exact(value: Decimal) -> Decimal:
    """The same number written plainly: 1E+2 -> 100, 99.900 -> 99.9."""
    return Decimal(plain(value))


def _represent_decimal(dumper: _Dumper, value: Decimal) -> yaml.Node:
    text = plain(value)
    tag = "tag:yaml.org,2002:float" if "." in text else "tag:yaml.org,2002:int"
    return dumper.represent_scalar(tag, text)


_Dumper.add_representer(Decimal, _represent_decimal)


def dump(documents: Iterable[Any], *, explicit_start: bool = False) -> str:
    """YAML text of documents, in the order of their keys, with Decimals as plain numbers."""
    return yaml.dump_all(
        documents,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=4096,
        explicit_start=explicit_start,
    )


# --- documents and the problems found in them ----------------------------------------------


@dataclass(frozen=True)
class Doc:
    """One OpenSLO object: its kind, name, metadata and spec, and where it was written."""

    kind: str
    name: str
    metadata: dict[str, Any]
    spec: dict[str, Any]
    where: str

    @property
    def label(self) -> str:
        """`SLO "name"`: how messages name the object."""
        return f'{self.kind} "{self.name}"'

    @property
    def annotations(self) -> dict[str, Any]:
        """metadata.annotations, or nothing when they are not a mapping."""
        value = self.metadata.get("annotations")
        return value if isinstance(value, dict) else {}


class Log:
    """Problems and notes, each with the `source:line` of its document (or "" for none)."""

    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []
        self.notes: list[tuple[str, str]] = []
        self.order: dict[str, tuple[int, int]] = {}  # `source:line` -> (source number, line)

    def problem(self, where: str, message: str) -> None:
        """Something that could not be mapped."""
        self.problems.append((where, message))

    def note(self, where: str, message: str) -> None:
        """Something mapped with a loss, or ignored on purpose."""
        self.notes.append((where, message))

    def doc_problem(self, doc: Doc, message: str) -> None:
        """A problem of one object, after its label: `SLO "x": <message>`."""
        self.problem(doc.where, f"{doc.label}: {message}")

    def doc_note(self, doc: Doc, message: str) -> None:
        """A note about one object, after its label: `SLO "x": <message>`."""
        self.note(doc.where, f"{doc.label}: {message}")

    def lines(self, entries: list[tuple[str, str]]) -> list[str]:
        """One line each, in the order of the documents; those of no document last."""
        last = (len(self.order) + 1, 0)
        ordered = sorted(entries, key=lambda entry: self.order.get(entry[0], last))
        return [f"{where}: {message}" if where else message for where, message in ordered]


def _describe_type(value: Any) -> str:
    if value is None:
        return "nothing"
    names: dict[type, str] = {
        list: "a list",
        str: "a string",
        dict: "a mapping",
        int: "a number",
        float: "a number",
        Decimal: "a number",
        bool: "true or false",
    }
    return names.get(type(value), type(value).__name__)


_DOCUMENT_START = re.compile(r"^---(?:[ \t]|$)")
_PREAMBLE = re.compile(r"^(?:[ \t]*(?:#.*)?|%.*)$")  # blank, comment or directive lines


def split_documents(text: str) -> list[tuple[int, str]]:
    """(line offset, text) of each `---`-separated part of a YAML stream, split at `---` lines
    in column 0, so that a syntax error in one document cannot hide the ones after it. A part
    of only comments and directives stays with the document after it."""
    parts: list[tuple[int, list[str]]] = [(0, [])]
    for number, line in enumerate(text.splitlines(keepends=True)):
        current = parts[-1][1]
        preamble = all(_PREAMBLE.match(kept.rstrip("\r\n")) for kept in current)
        if _DOCUMENT_START.match(line.rstrip("\r\n")) and current and not preamble:
            parts.append((number, [line]))
        else:
            current.append(line)
    return [(offset, "".join(lines)) for offset, lines in parts]


def read_documents(text: str, source: str, number: int, log: Log) -> list[tuple[str, Any]]:
    """(`source:line`, document) for every document of a `---` stream or a YAML list; a
    document that is not valid YAML is a problem at its line, and the others are read."""
    found: list[tuple[str, Any]] = []
    for offset, part in split_documents(text):
        found += _read_part(part, offset, source, number, log)
    return found


def _read_part(text: str, offset: int, source: str, number: int, log: Log) -> list[tuple[str, Any]]:
    """The documents of one part of a stream, its lines counted from `offset`."""
    loader = _Loader(text)
    found: list[tuple[str, Any]] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            data = loader.construct_document(node)
            if isinstance(node, yaml.SequenceNode) and isinstance(data, list):
                items = [
                    (item_node.start_mark.line + 1, item)
                    for item_node, item in zip(node.value, data, strict=True)
                ]
            else:
                items = [(node.start_mark.line + 1, data)] if data is not None else []
            for line, item in items:
                log.order[f"{source}:{offset + line}"] = (number, offset + line)
                found.append((f"{source}:{offset + line}", item))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = offset + mark.line + 1 if mark else offset + 1
        where = f"{source}:{line}"
        log.order[where] = (number, line)
        problem = getattr(error, "problem", None) or str(error)
        start = f" (the document from line {offset + 1})" if offset else ""
        log.problem(where, f"not valid YAML{start}: {problem}")
    finally:
        loader.dispose()
    return found


def mapping(value: Any) -> dict[str, Any] | None:
    """The value when it is a mapping, else None."""
    return value if isinstance(value, dict) else None


def check_fields(
    log: Log, doc: Doc, node: dict[str, Any], allowed: Iterable[str], path: str
) -> None:
    """A problem for every key of `node` (at `path` in `doc`) that is not `allowed`."""
    known = set(allowed)
    for key in node:
        if key not in known:
            log.doc_problem(doc, f'unsupported field "{path}{key}"')


def read_object(log: Log, where: str, data: Any, kind: str | None, label_hint: str) -> Doc | None:
    """A document (or inline object, when `kind` is given) checked for its common fields."""
    if not isinstance(data, dict):
        log.problem(
            where,
            f"{label_hint}: expected a mapping with apiVersion, kind, metadata and spec, "
            f"found {_describe_type(data)}",
        )
        return None
    inline = kind is not None
    if not inline:
        kind = _document_kind(log, where, data)
        if kind is None:
            return None
    assert kind is not None
    metadata = mapping(data.get("metadata"))
    name = metadata.get("name") if metadata else None
    if metadata is None or not isinstance(name, str) or not name:
        log.problem(where, f"{label_hint if inline else kind}: missing metadata.name")
        return None
    doc = Doc(str(kind), name, metadata, {}, where)
    if doc.kind in IGNORED_KINDS:
        return doc
    check_fields(log, doc, data, _DOC_FIELDS, "")
    check_fields(log, doc, metadata, _METADATA_FIELDS, "metadata.")
    if "annotations" in metadata and not isinstance(metadata["annotations"], dict):
        log.doc_problem(doc, "metadata.annotations must be a mapping")
    spec = data.get("spec", {})
    if not isinstance(spec, dict):
        log.doc_problem(doc, f"spec must be a mapping, found {_describe_type(spec)}")
        return None
    check_fields(log, doc, spec, _SPEC_FIELDS[doc.kind], "spec.")
    ratio = spec.get("ratioMetric") if doc.kind == "SLI" else None
    if isinstance(ratio, dict):
        check_fields(log, doc, ratio, _RATIO_FIELDS, "spec.ratioMetric.")
    return Doc(doc.kind, name, metadata, spec, where)


_TRANSLATE = 'translate it by hand (see docs/openslo.md, "Other SLO formats")'


def other_format(data: dict[str, Any]) -> str | None:
    """What a document of another SLO tool is, in words, or None when it is not one."""
    version, kind = str(data.get("apiVersion", "")), data.get("kind")
    if data.get("version") == "prometheus/v1" and "slos" in data:
        return "a Sloth SLO file (version: prometheus/v1)"
    if version.startswith("sloth.slok.dev/") or kind == "PrometheusServiceLevel":
        return f"a Sloth Kubernetes SLO (kind: {kind or 'PrometheusServiceLevel'})"
    if version.startswith("pyrra.dev/"):
        return "a Pyrra ServiceLevelObjective"
    if version.startswith("sre.google.com/") or {"service_name", "slo_name"} <= set(data):
        return "a Google slo-generator SLO"
    if version.startswith("n9/"):
        return "a Nobl9 document (its own dialect of OpenSLO)"
    return None


def _document_kind(log: Log, where: str, data: dict[str, Any]) -> str | None:
    """The kind of a top-level document, once its apiVersion and kind are supported."""
    version = data.get("apiVersion")
    found = other_format(data)
    if found is not None:
        log.problem(where, f"this is {found}, not OpenSLO: only OpenSLO v1 is read; {_TRANSLATE}")
        return None
    if version is None:
        log.problem(where, f"missing apiVersion (supported: {API_VERSION})")
        return None
    if version != API_VERSION:
        log.problem(where, f'unsupported apiVersion "{version}" (supported: {API_VERSION})')
        return None
    kind = data.get("kind")
    if kind is None:
        log.problem(where, f"missing kind (supported: {', '.join(SUPPORTED_KINDS)})")
        return None
    if kind not in SUPPORTED_KINDS and kind not in IGNORED_KINDS:
        log.problem(where, f'unsupported kind "{kind}" (supported: {", ".join(SUPPORTED_KINDS)})')
        return None
    return str(kind)


# --- values ------------------------------------------------------------------------------


def finite_number(value: Any) -> Decimal | None:
    """A finite number from YAML (Decimal, int, float or numeric string), else None."""
    if isinstance(value, bool):
        return None
    try:
        if isinstance(value, Decimal):
            number = value
        elif isinstance(value, int | float | str):
            number = Decimal(str(value).strip())
        else:
            return None
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def basics_duration(value: Any) -> str | None:
    """An OpenSLO duration-shorthand with unit m, h, d or w as a Basics duration, else None."""
    match = _SHORTHAND.match(str(value)) if isinstance(value, str | int) else None
    if not match or int(match.group(1)) == 0 or match.group(2) not in "mhdw":
        return None
    return f"{int(match.group(1))}{match.group(2)}"


def nonempty(value: Any) -> str | None:
    """The value when it is a non-empty string, else None."""
    return value if isinstance(value, str) and value else None


def owned_by(owner: str | None) -> str | None:
    """The description Basics exports for a service that has an owner and no description."""
    return f"Owned by {owner}" if owner else None


def unknown_ref(field: str, kind: str, ref: Any) -> str:
    """The problem of a reference to an object that is not in the input."""
    return f'{field} "{ref}": no {kind} named "{ref}" in the input'


def validation_message(error: ValidationError) -> str:
    """A pydantic validation error as one line: `loc: message; loc: message`."""
    parts = []
    for item in error.errors():
        loc = ".".join(str(part) for part in item["loc"])
        message = str(item["ctx"]["error"]) if item["type"] == "value_error" else item["msg"]
        parts.append(f"{loc}: {message}" if loc else message)
    return "; ".join(parts)
