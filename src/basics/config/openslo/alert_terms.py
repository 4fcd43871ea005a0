"""One OpenSLO AlertPolicy and its AlertConditions as a basics.yaml alert policy and its tiers."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from pydantic import ValidationError

from basics.config.alerting import AlertPolicy
from basics.config.openslo.documents import (
    BUDGET_SHARE_ANNOTATION,
    MIN_EVENTS_ANNOTATION,
    NO_DATA_ANNOTATION,
    SHORT_WINDOW_ANNOTATION,
    Doc,
    Log,
    basics_duration,
    check_fields,
    finite_number,
    mapping,
    nonempty,
    read_object,
    unknown_ref,
    validation_message,
)
from basics.core.durations import parse_duration_s

_CONDITION_FIELDS = ("kind", "op", "threshold", "lookbackWindow", "alertAfter")


@dataclass(frozen=True)
class ShareCheck:
    """A condition with both a threshold and the basics.dev/budget-share annotation: the
    share wins (Basics derives the factor for each SLO's window), and the threshold is checked
    against it once the windows of the SLOs using the policy are known."""

    condition: Doc
    threshold: Decimal
    share: Decimal
    long_window: str

    def disagreement(self, window: str) -> str | None:
        """A note when the threshold is not the share's factor for an SLO window, else None."""
        from basics.config.openslo.exporter import NOMINAL_WINDOW_S, fraction_decimal

        window_s = NOMINAL_WINDOW_S.get(window) or parse_duration_s(window)
        factor = Fraction(self.share) / 100 * window_s / parse_duration_s(self.long_window)
        derived = fraction_decimal(factor)
        if derived == self.threshold:
            return None
        return (
            f"{BUDGET_SHARE_ANNOTATION} {self.share} and threshold {self.threshold} disagree: "
            f"{self.share} % of a {window} budget within {self.long_window} is a burn rate of "
            f"{derived.normalize():f}; the budget share is used (remove the annotation to "
            "use the threshold as a fixed burn_rate)"
        )


def policy(
    log: Log, doc: Doc, conditions: dict[str, Doc], shares: list[ShareCheck] | None = None
) -> dict[str, Any] | None:
    """An AlertPolicy in basics.yaml shape; `conditions` are the AlertConditions by name.
    Conditions whose threshold must be checked against their budget share go to `shares`."""
    spec = doc.spec
    if spec.get("alertWhenNoData") is True:
        log.doc_note(
            doc,
            "alertWhenNoData ignored: Basics does not alert on missing data "
            "(no_data: keep holds the last state instead)",
        )
    if spec.get("alertWhenResolved") is True:
        log.doc_note(doc, "alertWhenResolved ignored")
    if spec.get("alertWhenBreaching") is False:
        log.doc_note(doc, "alertWhenBreaching false ignored: Basics alerts on breach")
    items = spec.get("conditions")
    if not isinstance(items, list) or not items:
        log.doc_problem(doc, "needs spec.conditions, a list")
        return None
    tiers = []
    for index, item in enumerate(items):
        condition = _condition_doc(log, doc, index, item, conditions)
        if condition is not None:
            tier = _tier(log, condition, shares if shares is not None else [])
            if tier is not None:
                tiers.append(tier)
    if not tiers:
        log.doc_problem(doc, "no condition could be mapped; not imported")
        return None
    mapped: dict[str, Any] = {}
    description = nonempty(spec.get("description"))
    if description is not None:
        mapped["description"] = description
    annotations = doc.annotations
    if MIN_EVENTS_ANNOTATION in annotations:
        events = str(annotations[MIN_EVENTS_ANNOTATION]).strip()
        mapped["min_events"] = int(events) if events.isdigit() else events
    if NO_DATA_ANNOTATION in annotations:
        mapped["no_data"] = annotations[NO_DATA_ANNOTATION]
    mapped["tiers"] = tiers
    try:
        AlertPolicy.model_validate(mapped)
    except ValidationError as error:
        log.doc_problem(doc, validation_message(error))
        return None
    return mapped


def _condition_doc(
    log: Log, policy: Doc, index: int, item: Any, conditions: dict[str, Doc]
) -> Doc | None:
    path = f"spec.conditions[{index}]"
    if isinstance(item, dict) and "conditionRef" in item:
        check_fields(log, policy, item, ("conditionRef",), path + ".")
        ref = str(item["conditionRef"])
        found = conditions.get(ref)
        if found is None:
            log.doc_problem(policy, unknown_ref("conditionRef", "AlertCondition", ref))
        return found
    return read_object(log, policy.where, item, "AlertCondition", f"{policy.label}: {path}")


def _tier(log: Log, doc: Doc, shares: list[ShareCheck]) -> dict[str, Any] | None:
    condition = mapping(doc.spec.get("condition"))
    if condition is None:
        log.doc_problem(doc, "needs spec.condition, a mapping")
        return None
    check_fields(log, doc, condition, _CONDITION_FIELDS, "spec.condition.")
    kind = condition.get("kind", "burnrate")
    if kind != "burnrate":
        log.doc_problem(doc, f'unsupported condition kind "{kind}" (supported: burnrate)')
        return None
    op = condition.get("op", "gt")
    if op == "gte":
        log.doc_note(
            doc, "op gte read as gt: Basics fires when the burn rate exceeds the threshold"
        )
    elif op != "gt":
        log.doc_problem(doc, f'unsupported condition op "{op}" (supported: gt, gte)')
        return None
    threshold = finite_number(condition.get("threshold"))
    if threshold is None or threshold <= 0:
        log.doc_problem(
            doc, f'condition threshold "{condition.get("threshold")}" is not a positive number'
        )
        return None
    lookback = condition.get("lookbackWindow")
    long_window = basics_duration(lookback)
    if long_window is None:
        log.doc_problem(doc, f'unsupported lookbackWindow "{lookback}"')
        return None
    tier: dict[str, Any] = {"long": long_window}
    annotations = doc.annotations
    short = annotations.get(SHORT_WINDOW_ANNOTATION)
    if short is not None:
        short_window = basics_duration(short)
        if short_window is None or parse_duration_s(short_window) >= parse_duration_s(long_window):
            log.doc_problem(
                doc,
                f'{SHORT_WINDOW_ANNOTATION} "{short}" is not a duration '
                f"shorter than lookbackWindow {long_window}; no short window",
            )
        else:
            tier["short"] = short_window
    after = condition.get("alertAfter")
    if after is not None and str(after) not in ("0", "0m", "0h", "0d"):
        log.doc_note(
            doc,
            f'alertAfter "{after}" ignored: Basics fires at the end of the first minute over '
            f"the threshold; confirm with {SHORT_WINDOW_ANNOTATION} instead",
        )
    share = finite_number(annotations.get(BUDGET_SHARE_ANNOTATION))
    if share is not None:
        tier["budget_share"] = share
        shares.append(ShareCheck(doc, threshold, share, long_window))
    else:
        tier["burn_rate"] = threshold
    tier["severity"] = _severity(log, doc)
    return tier


def _severity(log: Log, doc: Doc) -> str:
    severity = doc.spec.get("severity")
    if severity is None:
        return "page"
    if severity in ("page", "ticket"):
        return str(severity)
    log.doc_note(doc, f'severity "{severity}" is not page or ticket: page assumed')
    return "page"
