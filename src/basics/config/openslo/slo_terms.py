"""One OpenSLO SLO's SLI, time window, budgeting method and objectives in basics.yaml terms."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import Any

from basics.config.expressions import parse_expression
from basics.config.openslo.documents import (
    GOOD_ANNOTATION,
    METRIC_SOURCE_TYPE,
    VALID_ANNOTATION,
    Doc,
    Log,
    basics_duration,
    check_fields,
    exact,
    finite_number,
    mapping,
    plain,
)
from basics.core.durations import parse_duration_s
from basics.core.errors import BasicsError

_OBJECTIVE_FIELDS = (
    "displayName",
    "op",
    "value",
    "target",
    "targetPercent",
    "timeSliceTarget",
    "timeSliceWindow",
)

# --- SLIs --------------------------------------------------------------------------------


def expressions(log: Log, slo: Doc, sli: Doc) -> tuple[str, str | None] | None:
    """(good, valid) from the annotations, else from a `basics` metric source."""
    annotations = {**sli.annotations, **slo.annotations}
    good: Any = annotations.get(GOOD_ANNOTATION)
    valid: Any = annotations.get(VALID_ANNOTATION)
    names = (f"annotation {GOOD_ANNOTATION}", f"annotation {VALID_ANNOTATION}")
    if good is None:
        ratio = mapping(sli.spec.get("ratioMetric"))
        source = _metric_source(ratio.get("good") if ratio else None)
        if source and source.get("type") == METRIC_SOURCE_TYPE:
            spec = mapping(source.get("spec")) or {}
            good, valid = spec.get("good"), spec.get("valid")
            path = "ratioMetric.good.metricSource.spec"
            names = (f"{path}.good", f"{path}.valid")
        else:
            log.doc_problem(
                slo,
                f"not mappable: {_sli_shape(sli)}; Basics computes SLIs from "
                f"events: add the annotation {GOOD_ANNOTATION} (and optionally "
                f"{VALID_ANNOTATION}) with an event expression such as "
                f'{GOOD_ANNOTATION}: "status < 500"',
            )
            return None
    elif _has_metric_queries(sli):
        log.doc_note(
            slo,
            f"SLI measured from events by {GOOD_ANNOTATION}; its metric queries are not used",
        )
    checked: list[str | None] = []
    for name, text in zip(names, (good, valid), strict=True):
        if text is None:
            checked.append(None)
            continue
        if not isinstance(text, str):
            log.doc_problem(slo, f"{name}: expected a string expression")
            return None
        try:
            parse_expression(text)
        except BasicsError as error:
            first = str(error).splitlines()[0]
            log.doc_problem(slo, f'{name} "{text}": {first}')
            return None
        checked.append(text)
    if checked[0] is None:
        log.doc_problem(slo, f"{names[0]} is missing")
        return None
    return checked[0], checked[1]


def _metric_source(part: Any) -> dict[str, Any] | None:
    node = mapping(part)
    return mapping(node.get("metricSource")) if node else None


def _ratio_sources(ratio: dict[str, Any], keys: tuple[str, ...]) -> list[dict[str, Any]]:
    """The metric sources of a ratioMetric's `keys` that are given."""
    sources = [_metric_source(ratio.get(key)) for key in keys]
    return [source for source in sources if source is not None]


def _has_metric_queries(sli: Doc) -> bool:
    ratio = mapping(sli.spec.get("ratioMetric"))
    if sli.spec.get("thresholdMetric") is not None:
        return True
    if ratio is None:
        return False
    sources = _ratio_sources(ratio, ("good", "bad", "total", "raw"))
    return any(source.get("type") != METRIC_SOURCE_TYPE for source in sources)


def _sli_shape(sli: Doc) -> str:
    """Why an SLI without the hint cannot be mapped, in words."""
    threshold = _metric_source(sli.spec.get("thresholdMetric"))
    if sli.spec.get("thresholdMetric") is not None:
        kind = f" ({threshold.get('type')})" if threshold and threshold.get("type") else ""
        return f"its SLI is a thresholdMetric{kind}, a metric's value against a threshold"
    ratio = mapping(sli.spec.get("ratioMetric"))
    if ratio is None:
        return "its SLI has neither ratioMetric nor thresholdMetric"
    if ratio.get("raw") is not None:
        return "its SLI is a precomputed ratio (ratioMetric.raw)"
    sources = _ratio_sources(ratio, ("good", "bad", "total"))
    types = sorted({str(source.get("type")) for source in sources if source.get("type")})
    kind = f" ({', '.join(types)})" if types else ""
    return f"its SLI is a ratio of metric queries{kind}"


# --- windows and budgeting -----------------------------------------------------------------


def window(log: Log, slo: Doc, zones: dict[str, list[str]]) -> str | None:
    """The Basics window of an SLO's timeWindow; a calendar's time zone is added to `zones`."""
    value = slo.spec.get("timeWindow")
    if value is None:
        log.doc_note(slo, "no timeWindow: Basics's default 30d rolling")
        return "30d"
    items = [value] if isinstance(value, dict) else value
    if not isinstance(items, list) or len(items) != 1 or not isinstance(items[0], dict):
        count = len(items) if isinstance(items, list) else 0
        log.doc_problem(slo, f"timeWindow needs exactly one item, found {count}")
        return None
    item: dict[str, Any] = items[0]
    allowed = ("duration", "isRolling", "calendar")
    check_fields(log, slo, item, allowed, "spec.timeWindow[0].")
    duration = item.get("duration")
    calendar = item.get("calendar")
    rolling = item.get("isRolling", calendar is None)
    if not isinstance(rolling, bool):
        log.doc_problem(slo, "timeWindow isRolling must be true or false")
        return None
    unsupported = (
        f'unsupported timeWindow duration "{duration}" '
        f"with isRolling {'true' if rolling else 'false'}"
    )
    if rolling:
        found = basics_duration(duration)
        if found is None:
            log.doc_problem(slo, unsupported)
        elif calendar is not None:
            log.doc_note(slo, "calendar ignored for a rolling window")
        return found
    spec = {"1M": "month", "1Q": "quarter", "3M": "quarter"}.get(str(duration))
    if spec is None:
        log.doc_problem(slo, unsupported)
        return None
    if calendar is not None:
        _calendar(log, slo, spec, calendar, zones)
    return spec


def _calendar(log: Log, slo: Doc, spec: str, calendar: Any, zones: dict[str, list[str]]) -> None:
    if not isinstance(calendar, dict):
        log.doc_problem(slo, "timeWindow calendar must be a mapping")
        return
    path = "spec.timeWindow[0].calendar."
    check_fields(log, slo, calendar, ("startTime", "timeZone"), path)
    start = calendar.get("startTime")
    if start is not None:
        moment = _datetime(start)
        if moment is None:
            log.doc_problem(slo, f'calendar startTime "{start}" is not a date and time')
        elif not _period_start(moment, spec):
            log.doc_problem(
                slo,
                f'calendar startTime "{start}" is not the start of a {spec}; '
                "Basics calendar windows start on the 1st at 00:00"
                + (" of January, April, July or October" if spec == "quarter" else ""),
            )
    zone = calendar.get("timeZone")
    if zone is None:
        return
    try:
        zoneinfo.ZoneInfo(str(zone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        log.doc_problem(slo, f'unknown calendar timeZone "{zone}"')
        return
    zones.setdefault(str(zone), []).append(slo.name)


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


def report_time_zones(log: Log, zones: dict[str, list[str]]) -> None:
    """A note for the one time zone of the calendar windows, a problem for several."""
    if len(zones) == 1:
        zone = next(iter(zones))
        log.note(
            "",
            f'calendar windows are in time zone "{zone}": Basics uses basics.yaml\'s '
            f"`timezone` for every calendar window; set `timezone: {zone}` there",
        )
    elif len(zones) > 1:
        log.problem(
            "",
            f"calendar windows in several time zones ({', '.join(sorted(zones))}): "
            "Basics uses one for every calendar window, basics.yaml's `timezone`",
        )


def budgeting(log: Log, slo: Doc) -> str | None:
    """The Basics budgeting of an SLO's budgetingMethod."""
    method = slo.spec.get("budgetingMethod")
    if method is None:
        log.doc_note(slo, "no budgetingMethod: Occurrences assumed")
        return "occurrences"
    mapped = {"Occurrences": "occurrences", "Timeslices": "timeslices"}.get(str(method))
    if mapped is None:
        log.doc_problem(
            slo,
            f'unsupported budgetingMethod "{method}" (supported: Occurrences, Timeslices)',
        )
    return mapped


# --- objectives --------------------------------------------------------------------------


def objective(log: Log, slo: Doc, index: int, item: Any, budgeting: str) -> dict[str, Any] | None:
    """`objective` (and `slice`, `slice_target` with Timeslices) of one of an SLO's objectives."""
    path = f"spec.objectives[{index}]"
    if not isinstance(item, dict):
        log.doc_problem(slo, f"{path} must be a mapping")
        return None
    check_fields(log, slo, item, _OBJECTIVE_FIELDS, f"{path}.")
    target, percent = item.get("target"), item.get("targetPercent")
    if (target is None) == (percent is None):
        log.doc_problem(slo, f"{path} needs exactly one of target or targetPercent")
        return None
    given = target if target is not None else percent
    number = finite_number(given)
    if number is None:
        log.doc_problem(slo, f'{path} target "{given}" is not a number')
        return None
    if target is not None and not 0 <= number <= 1:
        ratio = f" ({plain(number.scaleb(-2))})" if 1 < number < 100 else ""
        log.doc_problem(
            slo,
            f"{path}.target: expected a ratio between 0 and 1{ratio}, found {plain(number)}; "
            "use targetPercent for a percent",
        )
        return None
    percent_value = number.scaleb(2) if target is not None else number
    mapped: dict[str, Any] = {"objective": exact(percent_value)}
    has_slices = "timeSliceTarget" in item or "timeSliceWindow" in item
    if budgeting != "timeslices":
        if has_slices:
            log.doc_note(slo, f"{path} timeslice fields ignored with Occurrences")
        return mapped
    slice_target = finite_number(item.get("timeSliceTarget"))
    if slice_target is None:
        log.doc_problem(slo, f"{path} needs timeSliceTarget with Timeslices")
        return None
    slice_window = item.get("timeSliceWindow")
    if slice_window is None:
        log.doc_note(slo, f"{path} has no timeSliceWindow: 1m assumed")
        slice_text: str | None = "1m"
    else:
        slice_text = _slice(slice_window)
    if slice_text is None:
        log.doc_problem(slo, f'unsupported timeSliceWindow "{slice_window}"')
        return None
    mapped["slice"] = slice_text
    mapped["slice_target"] = exact(slice_target.scaleb(2))
    return mapped


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


# --- thresholds of several objectives ------------------------------------------------------

_OPS = {"lt": "<", "lte": "<=", "gt": ">", "gte": ">="}
_ONE_COMPARISON = re.compile(
    r"^\s*(duration_ms|status)\s*(<=|>=|<|>)\s*(-?[0-9]+(?:\.[0-9]+)?)\s*$"
)


def objective_goods(log: Log, slo: Doc, objectives: list[Any], good: str) -> list[str | None]:
    """The `good` expression of each objective (None: not mappable, with a problem).

    Objectives of a thresholdMetric compare the metric with their own `value`. When they all
    have the same value, the hint says which events are good and op/value are noted as
    unused. When the values differ, each objective needs its own threshold: the hint must be
    one comparison (`duration_ms <= 300`) with the objectives' op and one of their values
    (which shows they are in the hint's unit); each objective then gets the same comparison
    with its own value (`duration_ms <= 1000`). Otherwise it is a problem naming the objective.
    """
    items = [item if isinstance(item, dict) else {} for item in objectives]
    values = [finite_number(item.get("value")) for item in items]
    given = {value for item, value in zip(items, values, strict=True) if "value" in item}
    if len(given) <= 1:
        for index, item in enumerate(items):
            if "value" in item:
                log.doc_note(
                    slo,
                    f"spec.objectives[{index}] op and value ignored: an event is good when it "
                    f"matches {GOOD_ANNOTATION}",
                )
        return [good] * len(objectives)
    match = _ONE_COMPARISON.match(good)
    anchored = match is not None and any(
        value is not None and value == finite_number(match.group(3)) for value in values
    )
    goods: list[str | None] = []
    for index, (item, value) in enumerate(zip(items, values, strict=True)):
        path = f"spec.objectives[{index}]"
        label = item.get("displayName")
        named = f'{path} ("{label}")' if isinstance(label, str) and label else path
        op = _OPS.get(str(item.get("op", "")))
        if match and anchored and value is not None and op == match.group(2):
            found = f"{match.group(1)} {op} {plain(value)}"
            if found != good.strip():
                log.doc_note(
                    slo, f"{named}: good: {found} ({GOOD_ANNOTATION} with this objective's value)"
                )
            goods.append(found if value != finite_number(match.group(3)) else good)
            continue
        why = (
            f'op "{item.get("op")}" and value "{item.get("value")}"'
            if "value" in item
            else "no op and value"
        )
        log.doc_problem(
            slo,
            f'{named}: {why} cannot be applied to {GOOD_ANNOTATION} "{good}": the objectives '
            "have different thresholds, so the hint must be one comparison such as "
            '"duration_ms <= 300" with their op and one of their values; or write each '
            f"objective as its own SLO with its own {GOOD_ANNOTATION}",
        )
        goods.append(None)
    return goods
