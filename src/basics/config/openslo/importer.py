"""OpenSLO import: documents to the `services:` and `alerting: policies:` of basics.yaml."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from basics.config.alerting import BUILTIN_POLICIES, AlertPolicy
from basics.config.models import SLOConfig
from basics.config.openslo import alert_terms, slo_terms
from basics.config.openslo.documents import (
    IGNORED_KINDS,
    OWNER_ANNOTATION,
    POLICY_ANNOTATION,
    SERVICE_ANNOTATION,
    SLO_ANNOTATION,
    SUPPORTED_KINDS,
    Doc,
    Log,
    check_fields,
    dump,
    nonempty,
    owned_by,
    read_documents,
    read_object,
    unknown_ref,
    validation_message,
)

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_SLUG = re.compile(r"[^a-z0-9]+")


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
        return "\n".join(header) + "\n" + dump([data])


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
        self.log = Log()
        self.docs: dict[str, dict[str, Doc]] = {kind: {} for kind in SUPPORTED_KINDS}
        self.slo_policies: dict[str, list[str]] = {}
        self.policy_dicts: dict[str, dict[str, Any]] = {}  # OpenSLO name -> basics.yaml shape
        self.policy_names: dict[str, str] = {}  # OpenSLO name -> Basics name
        self.zones: dict[str, list[str]] = {}
        self.service_names: dict[str, str] = {}  # OpenSLO name -> Basics name
        self.shares: dict[str, list[alert_terms.ShareCheck]] = {}  # by AlertPolicy name
        self.share_notes: set[tuple[str, str, str]] = set()

    def run(self) -> OpenSLOImport:
        for number, (source, text) in enumerate(self.sources):
            said = len(self.log.problems)
            documents = list(read_documents(text, source, number, self.log))
            if not documents and len(self.log.problems) == said:
                # An empty file (separators or comments alone) maps nothing: said, not 0.
                self.log.problem(source, "no OpenSLO document in it (empty, or comments alone)")
            for where, data in documents:
                doc = read_object(self.log, where, data, None, "document")
                if doc is not None:
                    self._add(doc)
        for doc in self.docs["SLO"].values():
            self.slo_policies[doc.name] = self._slo_policy_refs(doc)
        for doc in self.docs["AlertPolicy"].values():
            shares = self.shares.setdefault(doc.name, [])
            policy = alert_terms.policy(self.log, doc, self.docs["AlertCondition"], shares)
            if policy is not None:
                self.policy_dicts[doc.name] = policy
        self._policy_names()
        for doc in self.docs["Service"].values():
            self._service(doc)
        for doc in self.docs["SLO"].values():
            self._slo(doc)
        slo_terms.report_time_zones(self.log, self.zones)
        self.result.problems = self.log.lines(self.log.problems)
        self.result.notes = self.log.lines(self.log.notes)
        return self.result

    def _add(self, doc: Doc) -> None:
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

    def _service(self, doc: Doc) -> None:
        name = nonempty(doc.annotations.get(SERVICE_ANNOTATION)) or doc.name
        if not _NAME.match(name):
            self.log.doc_problem(doc, _name_problem(name))
            return
        self.service_names[doc.name] = name
        entry = self._service_entry(name)
        owner = nonempty(doc.annotations.get(OWNER_ANNOTATION))
        if owner is not None:
            entry["owner"] = owner
        description = nonempty(doc.spec.get("description"))
        if description is not None and description != owned_by(owner):
            entry["description"] = description

    # -- alert policies ----------------------------------------------------------------

    def _slo_policy_refs(self, slo: Doc) -> list[str]:
        """The names of an SLO's alert policies; inline ones are registered as documents."""
        items = slo.spec.get("alertPolicies")
        if items is None:
            return []
        if not isinstance(items, list):
            self.log.doc_problem(slo, "spec.alertPolicies must be a list")
            return []
        names = []
        for index, item in enumerate(items):
            path = f"spec.alertPolicies[{index}]"
            if isinstance(item, str):
                names.append(item)
            elif isinstance(item, dict) and "alertPolicyRef" in item:
                check_fields(self.log, slo, item, ("alertPolicyRef",), path + ".")
                names.append(str(item["alertPolicyRef"]))
            else:
                doc = read_object(self.log, slo.where, item, "AlertPolicy", f"{slo.label}: {path}")
                if doc is not None:
                    self._add(doc)
                    names.append(doc.name)
        return names

    def _policy_names(self) -> None:
        """Basics names for the mapped policies: exported copies of one Basics policy (one per
        SLO window, annotated basics.dev/policy) fold back into it when they are identical,
        and into a reference to the built-in policy when they equal it."""
        originals = {
            name: self.docs["AlertPolicy"][name].annotations.get(POLICY_ANNOTATION)
            for name in self.policy_dicts
        }
        groups: dict[str, list[str]] = {}
        for name, original in originals.items():
            if isinstance(original, str) and original:
                groups.setdefault(original, []).append(name)
        for name, policy in self.policy_dicts.items():
            original = originals[name]
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

    def _alert_policy(self, slo: Doc) -> str | None:
        names = self.slo_policies.get(slo.name, [])
        mapped: list[str] = []
        for name in names:
            if name in self.policy_names:
                mapped.append(name)
            elif name in self.docs["AlertPolicy"]:
                self.log.doc_note(slo, f'AlertPolicy "{name}" was not mapped; not used')
            else:
                self.log.doc_problem(slo, unknown_ref("alertPolicyRef", "AlertPolicy", name))
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
        self.log.doc_note(
            slo,
            f'alert policies {", ".join(basics_names)} combined into "{combined}" '
            "(each tier fires on its own, as each OpenSLO policy does)",
        )
        return combined

    # -- SLOs ------------------------------------------------------------------------

    def _indicator(self, slo: Doc) -> Doc | None:
        inline = slo.spec.get("indicator")
        ref = slo.spec.get("indicatorRef")
        if inline is not None:
            if ref is not None:
                self.log.doc_note(slo, "indicator given, indicatorRef ignored")
            return read_object(self.log, slo.where, inline, "SLI", f"{slo.label}: spec.indicator")
        if ref is None:
            self.log.doc_problem(slo, "needs spec.indicator or spec.indicatorRef")
            return None
        found = self.docs["SLI"].get(str(ref))
        if found is None:
            self.log.doc_problem(slo, unknown_ref("indicatorRef", "SLI", ref))
        return found

    def _slo(self, slo: Doc) -> None:
        service = slo.spec.get("service")
        if not isinstance(service, str) or not service:
            self.log.doc_problem(slo, "needs spec.service: Basics files every SLO under one")
            return
        # The export keeps Basics names the OpenSLO ones cannot carry in annotations.
        base = nonempty(slo.annotations.get(SLO_ANNOTATION))
        base = base or slo.name.removeprefix(f"{service}-") or slo.name
        service = nonempty(slo.annotations.get(SERVICE_ANNOTATION)) or self.service_names.get(
            service, service
        )
        if not _NAME.match(service):
            self.log.doc_problem(slo, f'service "{service}": {_name_problem(service)}')
            return
        if not _NAME.match(base):
            self.log.doc_problem(slo, _name_problem(base))
            return
        sli = self._indicator(slo)
        if sli is None:
            return
        expressions = slo_terms.expressions(self.log, slo, sli)
        window = slo_terms.window(self.log, slo, self.zones)
        budgeting = slo_terms.budgeting(self.log, slo)
        objectives = slo.spec.get("objectives")
        if not isinstance(objectives, list) or not objectives:
            self.log.doc_problem(slo, "needs spec.objectives, a non-empty list")
            return
        if expressions is None or window is None or budgeting is None:
            return
        good, valid = expressions
        common: dict[str, Any] = {"window": window, "good": good}
        if valid is not None:
            common["valid"] = valid
        if budgeting != "occurrences":
            common["budgeting"] = budgeting
        description = nonempty(slo.spec.get("description"))
        policy = self._alert_policy(slo)
        self._check_shares(slo, window)
        named = self._objective_names(slo, base, objectives)
        goods = slo_terms.objective_goods(self.log, slo, objectives, good)
        for index, (item, name) in enumerate(zip(objectives, named, strict=True)):
            objective = slo_terms.objective(self.log, slo, index, item, budgeting)
            if objective is None or goods[index] is None:
                continue
            mapped: dict[str, Any] = {"objective": objective.pop("objective"), **common}
            mapped["good"] = goods[index]
            mapped.update(objective)
            if description is not None:
                mapped["description"] = description
            if policy is not None:
                mapped["alert_policy"] = policy
            self._add_slo(slo, service, name, mapped)

    def _check_shares(self, slo: Doc, window: str) -> None:
        """A note (once per condition and window) where a condition's threshold is not the
        factor its budget share gives for this SLO's window."""
        for name in self.slo_policies.get(slo.name, []):
            for check in self.shares.get(name, []):
                key = (check.condition.where, check.condition.name, window)
                message = check.disagreement(window)
                if message is not None and key not in self.share_notes:
                    self.share_notes.add(key)
                    self.log.doc_note(check.condition, f'for SLO "{slo.name}": {message}')

    def _objective_names(self, slo: Doc, base: str, objectives: list[Any]) -> list[str]:
        if len(objectives) == 1:
            return [base]
        names: list[str] = []
        for index, item in enumerate(objectives):
            label = item.get("displayName") if isinstance(item, dict) else None
            suffix = _slug(label) if isinstance(label, str) and _slug(label) else str(index + 1)
            name, count = f"{base}-{suffix}", 1
            while name in names:  # displayNames that slug alike ("Fast!", "fast?")
                count += 1
                name = f"{base}-{suffix}-{count}"
            if count > 1:
                self.log.doc_note(
                    slo,
                    f'spec.objectives[{index}] displayName "{label}" gives the name of an '
                    f'earlier objective: named "{name}"',
                )
            names.append(name)
        self.log.doc_note(
            slo, f"{len(objectives)} objectives: one Basics SLO each ({', '.join(names)})"
        )
        return names

    def _add_slo(self, slo: Doc, service: str, name: str, mapped: dict[str, Any]) -> None:
        try:
            SLOConfig.model_validate(mapped)
        except ValidationError as error:
            self.log.doc_problem(slo, validation_message(error))
            return
        slos: dict[str, Any] = self._service_entry(service).setdefault("slos", {})
        if name in slos:
            self.log.doc_problem(slo, f'SLO "{service}/{name}" mapped twice; ignored')
            return
        slos[name] = mapped


def _name_problem(name: str) -> str:
    return f'"{name}" is not a Basics name (letters, digits, "-", "_" or ".")'


def _slug(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-")
