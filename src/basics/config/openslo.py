"""OpenSLO v1 import and export: OpenSLO documents to basics.yaml blocks, and back.

Pure: text in, text or plain data out; the CLI does the reading and writing.

Basics computes SLIs from events, not from metric queries, so an SLI maps only through
the annotations `basics.dev/good` (and optionally `basics.dev/valid`): SLI expressions over
event fields. Without them the SLO is reported as not mappable, never guessed. Every
problem is one line, `<source>:<line of the document>: <message>`, and one bad document
never stops the others. See docs/openslo.md.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

import yaml
from pydantic import ValidationError

from basics.config.alerting import BUILTIN_POLICIES, AlertPolicy
from basics.config.expressions import parse_expression
from basics.config.models import Config, ServiceConfig, SLOConfig
from basics.core.durations import format_duration, parse_duration_s
from basics.core.errors import BasicsError

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
METRIC_SOURCE_TYPE = "basics"
CALENDAR_START = "2020-01-01 00:00:00"
NOTIFICATION_TARGET = "basics"
# Calendar windows have no single length; exported burn-rate thresholds of budget-share
# tiers are computed for these (Basics itself uses each month's and quarter's real length).
NOMINAL_WINDOW_S = {"month": 30 * 86400, "quarter": 90 * 86400}

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_SHORTHAND = re.compile(r"^([0-9]+)([mhdwMQY])$")
_SLUG = re.compile(r"[^a-z0-9]+")

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
_OBJECTIVE_FIELDS = (
    "displayName",
    "op",
    "value",
    "target",
    "targetPercent",
    "timeSliceTarget",
    "timeSliceWindow",
)
_RATIO_FIELDS = ("counter", "good", "bad", "total", "rawType", "raw")
_CONDITION_FIELDS = ("kind", "op", "threshold", "lookbackWindow", "alertAfter")


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


def _plain(value: Decimal) -> str:
    """The shortest exact text of a decimal, never with an exponent: 99.900 -> 99.9."""
    text = format(value.normalize(), "f")
    return "0" if text == "-0" else text


def _exact(value: Decimal) -> Decimal:
    """The same number written plainly: 1E+2 -> 100, 99.900 -> 99.9."""
    return Decimal(_plain(value))


def _represent_decimal(dumper: _Dumper, value: Decimal) -> yaml.Node:
    text = _plain(value)
    tag = "tag:yaml.org,2002:float" if "." in text else "tag:yaml.org,2002:int"
    return dumper.represent_scalar(tag, text)


_Dumper.add_representer(Decimal, _represent_decimal)


def _dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=4096)


# --- the result of an import ---------------------------------------------------------------


@dataclass
class OpenSLOImport:
    """What an import mapped, in basics.yaml shape, and what it could not map.

    `services` is `services:` of basics.yaml (name -> owner, description, slos) and
    `policies` is `alerting.policies:`; values are plain dicts, lists, strings and Decimals.
    `problems` are the things that could not be mapped (one line each); `notes` are things
    that were mapped with a loss or ignored on purpose.
    """

    services: dict[str, dict[str, Any]] = field(default_factory=dict)
    policies: dict[str, dict[str, Any]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def slo_names(self) -> list[str]:
        """Every mapped SLO as `service/slo`."""
        return [
            f"{service}/{name}"
            for service, entry in self.services.items()
            for name in entry.get("slos", {})
        ]

    def to_yaml(self) -> str:
        """A `services:` (and `alerting: policies:`) block to merge into basics.yaml by hand."""
        header = [
            "# Mapped from OpenSLO by `basics openslo import`: merge these keys into",
            "# basics.yaml by hand, then run `basics config validate`.",
        ]
        if self.problems:
            header.append("# Not mapped (see docs/openslo.md):")
            header += [f"#   {problem}" for problem in self.problems]
        data: dict[str, Any] = {"services": self.services}
        if self.policies:
            data["alerting"] = {"policies": self.policies}
        return "\n".join(header) + "\n" + _dump(data)


# --- reading documents -------------------------------------------------------------------


@dataclass(frozen=True)
class _Doc:
    """One OpenSLO object: its kind, name, metadata and spec, and where it was written."""

    kind: str
    name: str
    metadata: dict[str, Any]
    spec: dict[str, Any]
    where: str

    @property
    def label(self) -> str:
        return f'{self.kind} "{self.name}"'

    @property
    def annotations(self) -> dict[str, Any]:
        return _annotations(self.metadata)


class _Log:
    """Problems and notes, each with the `source:line` of its document (or "" for none)."""

    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []
        self.notes: list[tuple[str, str]] = []
        self.order: dict[str, tuple[int, int]] = {}  # `source:line` -> (source number, line)

    def problem(self, where: str, message: str) -> None:
        self.problems.append((where, message))

    def note(self, where: str, message: str) -> None:
        self.notes.append((where, message))

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


def _read(text: str, source: str, number: int, log: _Log) -> list[tuple[str, Any]]:
    """(`source:line`, document) for every document of a `---` stream or a YAML list."""
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
                log.order[f"{source}:{line}"] = (number, line)
                found.append((f"{source}:{line}", item))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark else source
        log.order[where] = (number, mark.line + 1 if mark else 0)
        problem = getattr(error, "problem", None) or str(error)
        log.problem(where, f"not valid YAML: {problem}")
    finally:
        loader.dispose()
    return found


def _annotations(metadata: dict[str, Any]) -> dict[str, Any]:
    value = metadata.get("annotations")
    return value if isinstance(value, dict) else {}


def _mapping(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None


def _check_fields(
    log: _Log, where: str, label: str, node: dict[str, Any], allowed: Iterable[str], path: str
) -> None:
    known = set(allowed)
    for key in node:
        if key not in known:
            log.problem(where, f'{label}: unsupported field "{path}{key}"')


def _object(log: _Log, where: str, data: Any, kind: str | None, label_hint: str) -> _Doc | None:
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
        version = data.get("apiVersion")
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
            log.problem(
                where, f'unsupported kind "{kind}" (supported: {", ".join(SUPPORTED_KINDS)})'
            )
            return None
    assert kind is not None
    metadata = _mapping(data.get("metadata"))
    name = metadata.get("name") if metadata else None
    if metadata is None or not isinstance(name, str) or not name:
        log.problem(where, f"{label_hint if inline else kind}: missing metadata.name")
        return None
    doc = _Doc(str(kind), name, metadata, {}, where)
    if doc.kind in IGNORED_KINDS:
        return doc
    _check_fields(log, where, doc.label, data, _DOC_FIELDS, "")
    _check_fields(log, where, doc.label, metadata, _METADATA_FIELDS, "metadata.")
    if "annotations" in metadata and not isinstance(metadata["annotations"], dict):
        log.problem(where, f"{doc.label}: metadata.annotations must be a mapping")
    spec = data.get("spec", {})
    if not isinstance(spec, dict):
        log.problem(where, f"{doc.label}: spec must be a mapping, found {_describe_type(spec)}")
        return None
    _check_fields(log, where, doc.label, spec, _SPEC_FIELDS[doc.kind], "spec.")
    ratio = spec.get("ratioMetric") if doc.kind == "SLI" else None
    if isinstance(ratio, dict):
        _check_fields(log, where, doc.label, ratio, _RATIO_FIELDS, "spec.ratioMetric.")
    return _Doc(doc.kind, name, metadata, spec, where)


# --- numbers and durations ---------------------------------------------------------------


def _number(value: Any) -> Decimal | None:
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


def _basics_duration(value: Any) -> str | None:
    """An OpenSLO duration-shorthand with unit m, h, d or w as a Basics duration, else None."""
    match = _SHORTHAND.match(str(value)) if isinstance(value, str | int) else None
    if not match or int(match.group(1)) == 0 or match.group(2) not in "mhdw":
        return None
    return f"{int(match.group(1))}{match.group(2)}"


def _slug(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-")


def _validation_message(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        loc = ".".join(str(part) for part in item["loc"])
        message = str(item["ctx"]["error"]) if item["type"] == "value_error" else item["msg"]
        parts.append(f"{loc}: {message}" if loc else message)
    return "; ".join(parts)


# --- import ------------------------------------------------------------------------------


def import_openslo(text: str, source_name: str) -> OpenSLOImport:
    """Map the OpenSLO v1 documents of one text (a `---` stream or a YAML list of them)."""
    return import_openslo_many([(source_name, text)])


def import_openslo_many(sources: Sequence[tuple[str, str]]) -> OpenSLOImport:
    """Map the OpenSLO v1 documents of several texts, `(source name, text)`, together:
    an `indicatorRef`, `alertPolicyRef` or `conditionRef` may point into another one."""
    return _Importer(sources).run()


class _Importer:
    def __init__(self, sources: Sequence[tuple[str, str]]) -> None:
        self.sources = sources
        self.result = OpenSLOImport()
        self.log = _Log()
        self.docs: dict[str, dict[str, _Doc]] = {kind: {} for kind in SUPPORTED_KINDS}
        self.slo_policies: dict[str, list[str]] = {}
        self.policy_dicts: dict[str, dict[str, Any]] = {}  # OpenSLO name -> basics.yaml shape
        self.policy_names: dict[str, str] = {}  # OpenSLO name -> Basics name
        self.zones: dict[str, list[str]] = {}

    def run(self) -> OpenSLOImport:
        for number, (source, text) in enumerate(self.sources):
            for where, data in _read(text, source, number, self.log):
                doc = _object(self.log, where, data, None, "document")
                if doc is not None:
                    self._add(doc)
        for doc in self.docs["SLO"].values():
            self.slo_policies[doc.name] = self._slo_policy_refs(doc)
        for doc in self.docs["AlertPolicy"].values():
            policy = self._policy(doc)
            if policy is not None:
                self.policy_dicts[doc.name] = policy
        self._policy_names()
        for doc in self.docs["Service"].values():
            self._service(doc)
        for doc in self.docs["SLO"].values():
            self._slo(doc)
        self._time_zones()
        self.result.problems = self.log.lines(self.log.problems)
        self.result.notes = self.log.lines(self.log.notes)
        return self.result

    def _add(self, doc: _Doc) -> None:
        if doc.kind in IGNORED_KINDS:
            self.log.note(doc.where, f"{doc.label} ignored: {IGNORED_KINDS[doc.kind]}")
            return
        known = self.docs[doc.kind]
        if doc.name in known:
            self.log.problem(
                doc.where, f"duplicate {doc.label} (first at {known[doc.name].where}); ignored"
            )
            return
        known[doc.name] = doc

    # -- services --------------------------------------------------------------------

    def _service_entry(self, name: str) -> dict[str, Any]:
        return self.result.services.setdefault(name, {})

    def _service(self, doc: _Doc) -> None:
        if not _NAME.match(doc.name):
            self.log.problem(doc.where, f"{doc.label}: {_name_problem(doc.name)}")
            return
        entry = self._service_entry(doc.name)
        owner = doc.annotations.get(OWNER_ANNOTATION)
        if isinstance(owner, str) and owner:
            entry["owner"] = owner
        description = doc.spec.get("description")
        if isinstance(description, str) and description and description != _owned_by(owner):
            entry["description"] = description

    # -- SLIs ------------------------------------------------------------------------

    def _indicator(self, slo: _Doc) -> _Doc | None:
        inline = slo.spec.get("indicator")
        ref = slo.spec.get("indicatorRef")
        if inline is not None:
            if ref is not None:
                self.log.note(slo.where, f"{slo.label}: indicator given, indicatorRef ignored")
            return _object(self.log, slo.where, inline, "SLI", f"{slo.label}: spec.indicator")
        if ref is None:
            self.log.problem(slo.where, f"{slo.label}: needs spec.indicator or spec.indicatorRef")
            return None
        found = self.docs["SLI"].get(str(ref))
        if found is None:
            self.log.problem(
                slo.where, f'{slo.label}: indicatorRef "{ref}": no SLI named "{ref}" in the input'
            )
        return found

    def _expressions(self, slo: _Doc, sli: _Doc) -> tuple[str, str | None] | None:
        """(good, valid) from the annotations, else from a `basics` metric source."""
        annotations = {**sli.annotations, **slo.annotations}
        good: Any = annotations.get(GOOD_ANNOTATION)
        valid: Any = annotations.get(VALID_ANNOTATION)
        names = (f"annotation {GOOD_ANNOTATION}", f"annotation {VALID_ANNOTATION}")
        if good is None:
            ratio = _mapping(sli.spec.get("ratioMetric"))
            source = _metric_source(ratio.get("good") if ratio else None)
            if source and source.get("type") == METRIC_SOURCE_TYPE:
                spec = _mapping(source.get("spec")) or {}
                good, valid = spec.get("good"), spec.get("valid")
                path = "ratioMetric.good.metricSource.spec"
                names = (f"{path}.good", f"{path}.valid")
            else:
                self.log.problem(
                    slo.where,
                    f"{slo.label}: not mappable: {_sli_shape(sli)}; Basics computes SLIs from "
                    f"events: add the annotation {GOOD_ANNOTATION} (and optionally "
                    f"{VALID_ANNOTATION}) with an event expression such as "
                    f'{GOOD_ANNOTATION}: "status < 500"',
                )
                return None
        elif _has_metric_queries(sli):
            self.log.note(
                slo.where,
                f"{slo.label}: SLI measured from events by {GOOD_ANNOTATION}; its metric "
                "queries are not used",
            )
        checked: list[str | None] = []
        for name, text in zip(names, (good, valid), strict=True):
            if text is None:
                checked.append(None)
                continue
            if not isinstance(text, str):
                self.log.problem(slo.where, f"{slo.label}: {name}: expected a string expression")
                return None
            try:
                parse_expression(text)
            except BasicsError as error:
                first = str(error).splitlines()[0]
                self.log.problem(slo.where, f'{slo.label}: {name} "{text}": {first}')
                return None
            checked.append(text)
        if checked[0] is None:
            self.log.problem(slo.where, f"{slo.label}: {names[0]} is missing")
            return None
        return checked[0], checked[1]

    # -- windows and budgeting ---------------------------------------------------------

    def _window(self, slo: _Doc) -> str | None:
        value = slo.spec.get("timeWindow")
        if value is None:
            self.log.note(slo.where, f"{slo.label}: no timeWindow: Basics's default 30d rolling")
            return "30d"
        items = [value] if isinstance(value, dict) else value
        if not isinstance(items, list) or len(items) != 1 or not isinstance(items[0], dict):
            count = len(items) if isinstance(items, list) else 0
            self.log.problem(
                slo.where, f"{slo.label}: timeWindow needs exactly one item, found {count}"
            )
            return None
        item: dict[str, Any] = items[0]
        allowed = ("duration", "isRolling", "calendar")
        _check_fields(self.log, slo.where, slo.label, item, allowed, "spec.timeWindow[0].")
        duration = item.get("duration")
        calendar = item.get("calendar")
        rolling = item.get("isRolling", calendar is None)
        if not isinstance(rolling, bool):
            self.log.problem(slo.where, f"{slo.label}: timeWindow isRolling must be true or false")
            return None
        unsupported = (
            f'{slo.label}: unsupported timeWindow duration "{duration}" '
            f"with isRolling {'true' if rolling else 'false'}"
        )
        if rolling:
            window = _basics_duration(duration)
            if window is None:
                self.log.problem(slo.where, unsupported)
            elif calendar is not None:
                self.log.note(slo.where, f"{slo.label}: calendar ignored for a rolling window")
            return window
        spec = {"1M": "month", "1Q": "quarter", "3M": "quarter"}.get(str(duration))
        if spec is None:
            self.log.problem(slo.where, unsupported)
            return None
        if calendar is not None:
            self._calendar(slo, spec, calendar)
        return spec

    def _calendar(self, slo: _Doc, spec: str, calendar: Any) -> None:
        if not isinstance(calendar, dict):
            self.log.problem(slo.where, f"{slo.label}: timeWindow calendar must be a mapping")
            return
        path = "spec.timeWindow[0].calendar."
        _check_fields(self.log, slo.where, slo.label, calendar, ("startTime", "timeZone"), path)
        start = calendar.get("startTime")
        if start is not None:
            moment = _datetime(start)
            if moment is None:
                self.log.problem(
                    slo.where, f'{slo.label}: calendar startTime "{start}" is not a date and time'
                )
            elif not _period_start(moment, spec):
                self.log.problem(
                    slo.where,
                    f'{slo.label}: calendar startTime "{start}" is not the start of a {spec}; '
                    "Basics calendar windows start on the 1st at 00:00"
                    + (" of January, April, July or October" if spec == "quarter" else ""),
                )
        zone = calendar.get("timeZone")
        if zone is None:
            return
        try:
            zoneinfo.ZoneInfo(str(zone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            self.log.problem(slo.where, f'{slo.label}: unknown calendar timeZone "{zone}"')
            return
        self.zones.setdefault(str(zone), []).append(slo.name)

    def _time_zones(self) -> None:
        if len(self.zones) == 1:
            zone = next(iter(self.zones))
            self.log.note(
                "",
                f'calendar windows are in time zone "{zone}": Basics uses basics.yaml\'s '
                f"`timezone` for every calendar window; set `timezone: {zone}` there",
            )
        elif len(self.zones) > 1:
            self.log.problem(
                "",
                f"calendar windows in several time zones ({', '.join(sorted(self.zones))}): "
                "Basics uses one for every calendar window, basics.yaml's `timezone`",
            )

    def _budgeting(self, slo: _Doc) -> str | None:
        method = slo.spec.get("budgetingMethod")
        if method is None:
            self.log.note(slo.where, f"{slo.label}: no budgetingMethod: Occurrences assumed")
            return "occurrences"
        mapped = {"Occurrences": "occurrences", "Timeslices": "timeslices"}.get(str(method))
        if mapped is None:
            self.log.problem(
                slo.where,
                f'{slo.label}: unsupported budgetingMethod "{method}" '
                "(supported: Occurrences, Timeslices)",
            )
        return mapped

    # -- objectives ------------------------------------------------------------------

    def _objective(self, slo: _Doc, index: int, item: Any, budgeting: str) -> dict[str, Any] | None:
        path = f"spec.objectives[{index}]"
        if not isinstance(item, dict):
            self.log.problem(slo.where, f"{slo.label}: {path} must be a mapping")
            return None
        _check_fields(self.log, slo.where, slo.label, item, _OBJECTIVE_FIELDS, f"{path}.")
        target, percent = item.get("target"), item.get("targetPercent")
        if (target is None) == (percent is None):
            self.log.problem(
                slo.where, f"{slo.label}: {path} needs exactly one of target or targetPercent"
            )
            return None
        given = target if target is not None else percent
        number = _number(given)
        if number is None:
            self.log.problem(slo.where, f'{slo.label}: {path} target "{given}" is not a number')
            return None
        percent_value = number.scaleb(2) if target is not None else number
        mapped: dict[str, Any] = {"objective": _exact(percent_value)}
        if "value" in item:
            self.log.note(
                slo.where,
                f"{slo.label}: {path} op and value ignored: an event is good when it matches "
                f"{GOOD_ANNOTATION}",
            )
        has_slices = "timeSliceTarget" in item or "timeSliceWindow" in item
        if budgeting != "timeslices":
            if has_slices:
                self.log.note(
                    slo.where, f"{slo.label}: {path} timeslice fields ignored with Occurrences"
                )
            return mapped
        slice_target = _number(item.get("timeSliceTarget"))
        if slice_target is None:
            self.log.problem(
                slo.where, f"{slo.label}: {path} needs timeSliceTarget with Timeslices"
            )
            return None
        slice_window = item.get("timeSliceWindow")
        if slice_window is None:
            self.log.note(slo.where, f"{slo.label}: {path} has no timeSliceWindow: 1m assumed")
            slice_text: str | None = "1m"
        else:
            slice_text = _slice(slice_window)
        if slice_text is None:
            self.log.problem(
                slo.where, f'{slo.label}: unsupported timeSliceWindow "{slice_window}"'
            )
            return None
        mapped["slice"] = slice_text
        mapped["slice_target"] = _exact(slice_target.scaleb(2))
        return mapped

    # -- alert policies ----------------------------------------------------------------

    def _slo_policy_refs(self, slo: _Doc) -> list[str]:
        """The names of an SLO's alert policies; inline ones are registered as documents."""
        items = slo.spec.get("alertPolicies")
        if items is None:
            return []
        if not isinstance(items, list):
            self.log.problem(slo.where, f"{slo.label}: spec.alertPolicies must be a list")
            return []
        names = []
        for index, item in enumerate(items):
            path = f"spec.alertPolicies[{index}]"
            if isinstance(item, str):
                names.append(item)
            elif isinstance(item, dict) and "alertPolicyRef" in item:
                _check_fields(self.log, slo.where, slo.label, item, ("alertPolicyRef",), path + ".")
                names.append(str(item["alertPolicyRef"]))
            else:
                doc = _object(self.log, slo.where, item, "AlertPolicy", f"{slo.label}: {path}")
                if doc is not None:
                    self._add(doc)
                    names.append(doc.name)
        return names

    def _policy(self, doc: _Doc) -> dict[str, Any] | None:
        spec = doc.spec
        if spec.get("alertWhenNoData") is True:
            self.log.note(
                doc.where,
                f"{doc.label}: alertWhenNoData ignored: Basics does not alert on missing data "
                "(no_data: keep holds the last state instead)",
            )
        if spec.get("alertWhenResolved") is True:
            self.log.note(doc.where, f"{doc.label}: alertWhenResolved ignored")
        if spec.get("alertWhenBreaching") is False:
            self.log.note(
                doc.where, f"{doc.label}: alertWhenBreaching false ignored: Basics alerts on breach"
            )
        conditions = spec.get("conditions")
        if not isinstance(conditions, list) or not conditions:
            self.log.problem(doc.where, f"{doc.label}: needs spec.conditions, a list")
            return None
        tiers = []
        for index, item in enumerate(conditions):
            condition = self._condition_doc(doc, index, item)
            if condition is not None:
                tier = self._tier(condition)
                if tier is not None:
                    tiers.append(tier)
        if not tiers:
            self.log.problem(doc.where, f"{doc.label}: no condition could be mapped; not imported")
            return None
        policy: dict[str, Any] = {}
        description = spec.get("description")
        if isinstance(description, str) and description:
            policy["description"] = description
        annotations = doc.annotations
        if MIN_EVENTS_ANNOTATION in annotations:
            events = str(annotations[MIN_EVENTS_ANNOTATION]).strip()
            policy["min_events"] = int(events) if events.isdigit() else events
        if NO_DATA_ANNOTATION in annotations:
            policy["no_data"] = annotations[NO_DATA_ANNOTATION]
        policy["tiers"] = tiers
        try:
            AlertPolicy.model_validate(policy)
        except ValidationError as error:
            self.log.problem(doc.where, f"{doc.label}: {_validation_message(error)}")
            return None
        return policy

    def _condition_doc(self, policy: _Doc, index: int, item: Any) -> _Doc | None:
        path = f"spec.conditions[{index}]"
        if isinstance(item, dict) and "conditionRef" in item:
            _check_fields(self.log, policy.where, policy.label, item, ("conditionRef",), path + ".")
            ref = str(item["conditionRef"])
            found = self.docs["AlertCondition"].get(ref)
            if found is None:
                self.log.problem(
                    policy.where,
                    f'{policy.label}: conditionRef "{ref}": no AlertCondition named "{ref}" '
                    "in the input",
                )
            return found
        return _object(self.log, policy.where, item, "AlertCondition", f"{policy.label}: {path}")

    def _tier(self, doc: _Doc) -> dict[str, Any] | None:
        condition = _mapping(doc.spec.get("condition"))
        if condition is None:
            self.log.problem(doc.where, f"{doc.label}: needs spec.condition, a mapping")
            return None
        _check_fields(
            self.log, doc.where, doc.label, condition, _CONDITION_FIELDS, "spec.condition."
        )
        kind = condition.get("kind", "burnrate")
        if kind != "burnrate":
            self.log.problem(
                doc.where, f'{doc.label}: unsupported condition kind "{kind}" (supported: burnrate)'
            )
            return None
        op = condition.get("op", "gt")
        if op == "gte":
            self.log.note(
                doc.where,
                f"{doc.label}: op gte read as gt: Basics fires when the burn rate exceeds the "
                "threshold",
            )
        elif op != "gt":
            self.log.problem(
                doc.where, f'{doc.label}: unsupported condition op "{op}" (supported: gt, gte)'
            )
            return None
        threshold = _number(condition.get("threshold"))
        if threshold is None or threshold <= 0:
            self.log.problem(
                doc.where,
                f'{doc.label}: condition threshold "{condition.get("threshold")}" is not a '
                "positive number",
            )
            return None
        lookback = condition.get("lookbackWindow")
        long_window = _basics_duration(lookback)
        if long_window is None:
            self.log.problem(doc.where, f'{doc.label}: unsupported lookbackWindow "{lookback}"')
            return None
        tier: dict[str, Any] = {"long": long_window}
        annotations = doc.annotations
        short = annotations.get(SHORT_WINDOW_ANNOTATION)
        if short is not None:
            short_window = _basics_duration(short)
            if short_window is None or parse_duration_s(short_window) >= parse_duration_s(
                long_window
            ):
                self.log.problem(
                    doc.where,
                    f'{doc.label}: {SHORT_WINDOW_ANNOTATION} "{short}" is not a duration '
                    f"shorter than lookbackWindow {long_window}; no short window",
                )
            else:
                tier["short"] = short_window
        after = condition.get("alertAfter")
        if after is not None and str(after) not in ("0", "0m", "0h", "0d"):
            self.log.note(
                doc.where,
                f'{doc.label}: alertAfter "{after}" ignored: Basics fires at the end of the first '
                f"minute over the threshold; confirm with {SHORT_WINDOW_ANNOTATION} instead",
            )
        share = _number(annotations.get(BUDGET_SHARE_ANNOTATION))
        if share is not None:
            tier["budget_share"] = share
        else:
            tier["burn_rate"] = threshold
        severity = doc.spec.get("severity")
        if severity is None:
            tier["severity"] = "page"
        elif severity in ("page", "ticket"):
            tier["severity"] = severity
        else:
            tier["severity"] = "page"
            self.log.note(
                doc.where, f'{doc.label}: severity "{severity}" is not page or ticket: page assumed'
            )
        return tier

    def _policy_names(self) -> None:
        """Basics names for the mapped policies: exported copies of one Basics policy (one per
        SLO window, annotated basics.dev/policy) fold back into it when they are identical,
        and into a reference to the built-in policy when they equal it."""
        groups: dict[str, list[str]] = {}
        for name in self.policy_dicts:
            original = self.docs["AlertPolicy"][name].annotations.get(POLICY_ANNOTATION)
            if isinstance(original, str) and original:
                groups.setdefault(original, []).append(name)
        for name, policy in self.policy_dicts.items():
            original = self.docs["AlertPolicy"][name].annotations.get(POLICY_ANNOTATION)
            members = groups.get(original, []) if isinstance(original, str) else []
            same = all(self.policy_dicts[member] == policy for member in members)
            taken = original in self.policy_dicts and original not in members
            if not members or not same or taken:
                self.policy_names[name] = name
                self.result.policies[name] = policy
                continue
            assert isinstance(original, str)
            self.policy_names[name] = original
            builtin = BUILTIN_POLICIES.get(original)
            if builtin is None or AlertPolicy.model_validate(policy) != builtin:
                self.result.policies.setdefault(original, policy)

    def _alert_policy(self, slo: _Doc) -> str | None:
        names = self.slo_policies.get(slo.name, [])
        mapped: list[str] = []
        for name in names:
            if name in self.policy_names:
                mapped.append(name)
            elif name in self.docs["AlertPolicy"]:
                self.log.note(
                    slo.where, f'{slo.label}: AlertPolicy "{name}" was not mapped; not used'
                )
            else:
                self.log.problem(
                    slo.where,
                    f'{slo.label}: alertPolicyRef "{name}": no AlertPolicy named "{name}" '
                    "in the input",
                )
        basics_names = list(dict.fromkeys(self.policy_names[name] for name in mapped))
        if not basics_names:
            return None
        if len(basics_names) == 1:
            return basics_names[0]
        combined = "+".join(basics_names)
        if combined not in self.result.policies:
            tiers = [tier for name in mapped for tier in self.policy_dicts[name]["tiers"]]
            self.result.policies[combined] = {
                "description": f"the tiers of {', '.join(basics_names)}",
                "tiers": tiers,
            }
        self.log.note(
            slo.where,
            f'{slo.label}: alert policies {", ".join(basics_names)} combined into "{combined}" '
            "(each tier fires on its own, as each OpenSLO policy does)",
        )
        return combined

    # -- SLOs ------------------------------------------------------------------------

    def _slo(self, slo: _Doc) -> None:
        service = slo.spec.get("service")
        if not isinstance(service, str) or not service:
            self.log.problem(
                slo.where, f"{slo.label}: needs spec.service: Basics files every SLO under one"
            )
            return
        if not _NAME.match(service):
            self.log.problem(
                slo.where, f'{slo.label}: service "{service}": {_name_problem(service)}'
            )
            return
        base = slo.name.removeprefix(f"{service}-") or slo.name
        if not _NAME.match(base):
            self.log.problem(slo.where, f"{slo.label}: {_name_problem(base)}")
            return
        sli = self._indicator(slo)
        if sli is None:
            return
        expressions = self._expressions(slo, sli)
        window = self._window(slo)
        budgeting = self._budgeting(slo)
        objectives = slo.spec.get("objectives")
        if not isinstance(objectives, list) or not objectives:
            self.log.problem(slo.where, f"{slo.label}: needs spec.objectives, a non-empty list")
            return
        if expressions is None or window is None or budgeting is None:
            return
        good, valid = expressions
        common: dict[str, Any] = {"window": window, "good": good}
        if valid is not None:
            common["valid"] = valid
        if budgeting != "occurrences":
            common["budgeting"] = budgeting
        description = slo.spec.get("description")
        policy = self._alert_policy(slo)
        named = self._objective_names(slo, base, objectives)
        for index, (item, name) in enumerate(zip(objectives, named, strict=True)):
            objective = self._objective(slo, index, item, budgeting)
            if objective is None:
                continue
            mapped: dict[str, Any] = {"objective": objective.pop("objective"), **common}
            mapped.update(objective)
            if isinstance(description, str) and description:
                mapped["description"] = description
            if policy is not None:
                mapped["alert_policy"] = policy
            self._add_slo(slo, service, name, mapped)

    def _objective_names(self, slo: _Doc, base: str, objectives: list[Any]) -> list[str]:
        if len(objectives) == 1:
            return [base]
        names = []
        for index, item in enumerate(objectives):
            label = item.get("displayName") if isinstance(item, dict) else None
            suffix = _slug(label) if isinstance(label, str) and _slug(label) else str(index + 1)
            names.append(f"{base}-{suffix}")
        self.log.note(
            slo.where,
            f"{slo.label}: {len(objectives)} objectives: one Basics SLO each ({', '.join(names)})",
        )
        return names

    def _add_slo(self, slo: _Doc, service: str, name: str, mapped: dict[str, Any]) -> None:
        try:
            SLOConfig.model_validate(mapped)
        except ValidationError as error:
            self.log.problem(slo.where, f"{slo.label}: {_validation_message(error)}")
            return
        slos: dict[str, Any] = self._service_entry(service).setdefault("slos", {})
        if name in slos:
            self.log.problem(
                slo.where, f'{slo.label}: SLO "{service}/{name}" mapped twice; ignored'
            )
            return
        slos[name] = mapped


def _name_problem(name: str) -> str:
    return f'"{name}" is not a Basics name (letters, digits, "-", "_" or ".")'


def _owned_by(owner: Any) -> str | None:
    return f"Owned by {owner}" if isinstance(owner, str) and owner else None


def _metric_source(part: Any) -> dict[str, Any] | None:
    node = _mapping(part)
    return _mapping(node.get("metricSource")) if node else None


def _has_metric_queries(sli: _Doc) -> bool:
    ratio = _mapping(sli.spec.get("ratioMetric"))
    if sli.spec.get("thresholdMetric") is not None:
        return True
    if ratio is None:
        return False
    sources = [_metric_source(ratio.get(key)) for key in ("good", "bad", "total", "raw")]
    return any(s is not None and s.get("type") != METRIC_SOURCE_TYPE for s in sources)


def _sli_shape(sli: _Doc) -> str:
    """Why an SLI without the hint cannot be mapped, in words."""
    threshold = _metric_source(sli.spec.get("thresholdMetric"))
    if sli.spec.get("thresholdMetric") is not None:
        kind = f" ({threshold.get('type')})" if threshold and threshold.get("type") else ""
        return f"its SLI is a thresholdMetric{kind}, a metric's value against a threshold"
    ratio = _mapping(sli.spec.get("ratioMetric"))
    if ratio is None:
        return "its SLI has neither ratioMetric nor thresholdMetric"
    if ratio.get("raw") is not None:
        return "its SLI is a precomputed ratio (ratioMetric.raw)"
    types = sorted(
        {
            str(source.get("type"))
            for key in ("good", "bad", "total")
            if (source := _metric_source(ratio.get(key))) is not None and source.get("type")
        }
    )
    kind = f" ({', '.join(types)})" if types else ""
    return f"its SLI is a ratio of metric queries{kind}"


def _datetime(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _period_start(moment: dt.datetime, spec: str) -> bool:
    midnight = (moment.hour, moment.minute, moment.second, moment.microsecond) == (0, 0, 0, 0)
    month_ok = spec == "month" or moment.month in (1, 4, 7, 10)
    return moment.day == 1 and midnight and month_ok


def _slice(value: Any) -> str | None:
    """An OpenSLO timeSliceWindow (minutes as a number, or a duration) as a Basics slice."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value}m" if value > 0 else None
    if not isinstance(value, str):
        return None
    try:
        seconds = parse_duration_s(value)
    except BasicsError:
        return None
    return value.strip() if seconds % 60 == 0 else None


# --- export ------------------------------------------------------------------------------


def export_openslo(config: Config) -> str:
    """Every service and SLO of a configuration, and their alert policies, as OpenSLO v1."""
    documents: list[dict[str, Any]] = []
    policies: dict[str, dict[str, Any]] = {}
    for service_name, service in config.services.items():
        documents.append(_export_service(service_name, service))
        for slo_name, slo in service.slos.items():
            policy_name = config.policy_of(service_name, slo_name)
            exported, policy_doc = _export_policy(
                policy_name, config.alert_policy(policy_name), slo.window
            )
            policies.setdefault(exported, policy_doc)
            documents.append(_export_slo(service_name, slo_name, slo, config.timezone, exported))
    documents += policies.values()
    if policies:
        documents.append(
            _document(
                "AlertNotificationTarget",
                {"name": NOTIFICATION_TARGET},
                {
                    "description": "Basics reports each firing tier with its severity, page or "
                    "ticket; route them in your pager",
                    "target": NOTIFICATION_TARGET,
                },
            )
        )
    header = "# OpenSLO v1 documents exported from basics.yaml by `basics openslo export`.\n"
    return header + yaml.dump_all(
        documents,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=4096,
        explicit_start=True,
    )


def _document(kind: str, metadata: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": API_VERSION, "kind": kind, "metadata": metadata, "spec": spec}


def _export_service(name: str, service: ServiceConfig) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if service.owner:
        metadata["annotations"] = {OWNER_ANNOTATION: service.owner}
    description = service.description or _owned_by(service.owner)
    return _document("Service", metadata, {"description": description} if description else {})


def _export_slo(
    service: str, name: str, slo: SLOConfig, timezone: str, policy: str
) -> dict[str, Any]:
    annotations = {GOOD_ANNOTATION: slo.good}
    good_spec = {"good": slo.good}
    if slo.valid is not None:
        annotations[VALID_ANNOTATION] = slo.valid
        good_spec["valid"] = slo.valid
    indicator = {
        "metadata": {"name": f"{service}-{name}", "annotations": annotations},
        "spec": {
            "ratioMetric": {
                "counter": False,
                "good": {"metricSource": {"type": METRIC_SOURCE_TYPE, "spec": good_spec}},
                "total": {
                    "metricSource": {
                        "type": METRIC_SOURCE_TYPE,
                        "spec": {"valid": slo.valid if slo.valid is not None else "true"},
                    }
                },
            }
        },
    }
    objective: dict[str, Any] = {"displayName": name, "target": slo.objective.scaleb(-2)}
    if slo.budgeting == "timeslices":
        assert slo.slice_target is not None
        objective["timeSliceTarget"] = slo.slice_target.scaleb(-2)
        objective["timeSliceWindow"] = format_duration(slo.slice_s)
    spec: dict[str, Any] = {}
    if slo.description:
        spec["description"] = slo.description
    spec |= {
        "service": service,
        "indicator": indicator,
        "timeWindow": [_export_window(slo.window, timezone)],
        "budgetingMethod": "Timeslices" if slo.budgeting == "timeslices" else "Occurrences",
        "objectives": [objective],
        "alertPolicies": [{"alertPolicyRef": policy}],
    }
    return _document("SLO", {"name": f"{service}-{name}", "displayName": f"{service}/{name}"}, spec)


def _export_window(window: str, timezone: str) -> dict[str, Any]:
    if window in ("month", "quarter"):
        return {
            "duration": "1M" if window == "month" else "1Q",
            "isRolling": False,
            "calendar": {"startTime": CALENDAR_START, "timeZone": timezone},
        }
    seconds = parse_duration_s(window)
    duration = format_duration(seconds) if window.strip().endswith("s") else window.strip()
    return {"duration": duration, "isRolling": True}


def _window_s(window: str) -> int:
    return NOMINAL_WINDOW_S.get(window) or parse_duration_s(window)


def _export_policy(name: str, policy: AlertPolicy, window: str) -> tuple[str, dict[str, Any]]:
    """The AlertPolicy of a Basics policy for one SLO window (budget shares depend on it)."""
    by_share = any(tier.budget_share is not None for tier in policy.tiers)
    exported = f"{name}-{window}" if by_share else name
    conditions = []
    for index, tier in enumerate(policy.tiers):
        # The same factor as basics.alerting.compute.resolve_tiers.
        if tier.budget_share is not None:
            factor = Fraction(tier.budget_share) / 100 * _window_s(window) / tier.long_s
        else:
            assert tier.burn_rate is not None
            factor = Fraction(tier.burn_rate)
        annotations: dict[str, str] = {}
        if tier.short_window is not None:
            annotations[SHORT_WINDOW_ANNOTATION] = tier.short_window
        if tier.budget_share is not None:
            annotations[BUDGET_SHARE_ANNOTATION] = _plain(tier.budget_share)
        metadata: dict[str, Any] = {"name": f"{exported}-{index + 1}"}
        if annotations:
            metadata["annotations"] = annotations
        threshold = _fraction_decimal(factor)
        windows = tier.long_window + (f" and {tier.short_window}" if tier.short_window else "")
        conditions.append(
            {
                "kind": "AlertCondition",
                "metadata": metadata,
                "spec": {
                    "description": f"{tier.severity} when the burn rate over {windows} "
                    f"exceeds {_plain(threshold)}",
                    "severity": tier.severity,
                    "condition": {
                        "kind": "burnrate",
                        "op": "gt",
                        "threshold": threshold,
                        "lookbackWindow": tier.long_window,
                        "alertAfter": "0m",
                    },
                },
            }
        )
    metadata = {"name": exported}
    extra: dict[str, str] = {POLICY_ANNOTATION: name}
    if policy.min_events:
        extra[MIN_EVENTS_ANNOTATION] = str(policy.min_events)
    if policy.no_data != "ok":
        extra[NO_DATA_ANNOTATION] = policy.no_data
    metadata["annotations"] = extra
    spec: dict[str, Any] = {}
    if policy.description:
        spec["description"] = policy.description
    spec |= {
        "alertWhenNoData": False,
        "alertWhenResolved": False,
        "alertWhenBreaching": True,
        "conditions": conditions,
        "notificationTargets": [{"targetRef": NOTIFICATION_TARGET}],
    }
    return exported, _document("AlertPolicy", metadata, spec)


def _fraction_decimal(value: Fraction) -> Decimal:
    """A fraction as an exact decimal when it has one (14.4), else to 6 places (0.233333)."""
    denominator = value.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    quotient = Decimal(value.numerator) / Decimal(value.denominator)
    if denominator == 1:
        return quotient
    return quotient.quantize(Decimal("0.000001"), rounding=ROUND_HALF_EVEN)
