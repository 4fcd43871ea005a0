"""JSON Schemas of every report's `--json`, derived from the records the reports return.

The schema follows `output.plain`, which writes the JSON: a record's fields and the derived
figures it names in `JSON_EXTRA`; times as RFC 3339 UTC strings; decimals as numbers.
`scripts/json_schemas.py` writes them to docs/schemas/, and a test validates every report's
real output against its schema, so the two cannot drift apart.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal, TypedDict

# Records only (dataclasses): the single replay's schema extends them.
from basics.alerting.models import Firing, Replay
from basics.deploys.bands import Bands

DRAFT = "https://json-schema.org/draft/2020-12/schema"


class StatusRow(TypedDict):
    """One SLO in `slo status --json` (built by the command, not a record)."""

    slo: str
    service: str
    objective: float
    objective_percent: float
    window: str
    budgeting: Literal["occurrences", "timeslices"]
    window_start: dt.datetime
    window_end: dt.datetime
    total: int
    good: int
    bad: int
    sli: float | None
    budget_events: float
    budget_total: float
    budget_consumed: float | None
    budget_remaining: float | None
    burn_rates: dict[str, float | None]
    time_to_exhaustion_s: float | None
    status: Literal["ok", "burning", "exhausted", "no_data"]
    note: str | None


class RejectRow(TypedDict):
    """One rejected record in `ingest rejects --json`."""

    line: int
    field: str | None
    reason: str
    raw: str | None
    file: str


class SuspectRow(TypedDict):
    """A deploy shortly before a firing or an incident (`deploys_before`, `slo changes`)."""

    deploy: int
    service: str
    version: str | None
    commit: str | None
    status: Literal["succeeded", "failed", "rolled-back"]
    deployed_at: dt.datetime
    before_s: float
    linked: bool


class SpreadRow(TypedDict):
    """Durations in seconds: nearest-rank median and p90, and how many."""

    median: float | None
    p90: float | None
    n: int


class FailureRow(TypedDict):
    """Change failure rate: failed deploys (each once) over deploys, and why they failed."""

    failed: int
    deploys: int
    ratio: float | None
    status_failed: int
    rolled_back: int
    incident_linked: int


class ReworkRow(TypedDict):
    """Rework rate: the first good deploys after failed ones, over deploys."""

    rework: int
    deploys: int
    ratio: float | None


class DoraFigures(TypedDict):
    """DORA for one service, or `all`."""

    service: str
    deploys: int
    per_day: float | None
    per_week: float | None
    deploy_days_per_week: float | None
    lead_time_s: SpreadRow
    lead_time_unmeasured: int
    change_failure_rate: FailureRow
    recovery_time_s: SpreadRow
    unrecovered: int
    rework_rate: ReworkRow
    bands: Bands


DoraRow = TypedDict(
    "DoraRow",
    {"from": dt.datetime, "to": dt.datetime, "environment": str,
     "services": list[DoraFigures], "total": DoraFigures},
)  # fmt: skip
DoraRow.__doc__ = "`deploys dora --json`: per service, then for all of them."


class VersionRow(TypedDict):
    """A version holding most of the bad events around a moment."""

    version: str
    bad: int
    total: int
    share_of_bad: float
    bad_rate: float
    others_bad_rate: float | None


class MomentRow(TypedDict):
    """A firing or an incident, and what changed before it."""

    kind: Literal["firing", "incident"]
    start: dt.datetime
    what: str
    incident: int | None
    deploys: list[SuspectRow]
    versions: list[VersionRow]


ChangesRow = TypedDict(
    "ChangesRow",
    {"slo": str, "service": str, "from": dt.datetime, "to": dt.datetime, "within_s": int,
     "moments": list[MomentRow]},
)  # fmt: skip
ChangesRow.__doc__ = "`slo changes --json`: the moments of an SLO and the deploys before each."


@dataclasses.dataclass(frozen=True)
class FiringWithDeploys(Firing):
    """A firing of a tier, and the deploys shortly before it."""

    deploys_before: list[SuspectRow]


@dataclasses.dataclass(frozen=True)
class ReplayWithDeploys(Replay):
    """One SLO's replay, with the deploys shortly before each firing."""

    firings: list[FiringWithDeploys]  # type: ignore[assignment]


def reports() -> dict[str, tuple[Any, dict[str, str]]]:
    """Report name -> (the type its --json holds, renamed keys of its top-level record)."""
    from basics.alerting.models import Evaluation, Incident, Tuning
    from basics.catalog.models import CheckReport, HistoryRow
    from basics.deploys.models import Deploy
    from basics.ingest.batches import Batch
    from basics.oncall.models import Page
    from basics.oncall.report import OncallReport
    from basics.review.models import Review
    from basics.slo.models import Breakdown, Cost, PercentileReport, Period
    from basics.toil.models import ToilEntry
    from basics.toil.report import ToilReport

    replay_keys = {"start": "from", "end": "to"}
    return {
        "slo-status": (list[StatusRow], {}),
        "slo-breakdown": (Breakdown, {}),
        "slo-breakdown-auto": (list[Breakdown], {}),
        "slo-cost": (Cost, {}),
        "slo-history": (list[Period], {}),
        "slo-percentiles": (PercentileReport, {}),
        "alerts-evaluate": (list[Evaluation], {}),
        "alerts-replay": (ReplayWithDeploys, replay_keys),
        "alerts-replay-all": (list[Replay], replay_keys),
        "alerts-compare": (list[Replay], replay_keys),
        "alerts-tune": (Tuning, {}),
        "incidents-list": (list[Incident], {}),
        "batches-list": (list[Batch], {}),
        "ingest-rejects": (list[RejectRow], {}),
        "pages-list": (list[Page], {}),
        "oncall-report": (OncallReport, {}),
        "deploys-list": (list[Deploy], {}),
        "deploys-dora": (DoraRow, {}),
        "slo-changes": (ChangesRow, {}),
        "toil-list": (list[ToilEntry], {}),
        "check": (CheckReport, {}),
        "check-history": (list[HistoryRow], {}),
        "review": (Review, {}),
        "toil-report": (ToilReport, {}),
    }


def schema_of(name: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one report's --json."""
    kind, renamed = reports()[name]
    definitions: dict[str, Any] = {}
    body = _schema(kind, definitions, renamed)
    document: dict[str, Any] = {"$schema": DRAFT, "title": f"basics {name.replace('-', ' ')}"}
    document |= body
    if definitions:
        document["$defs"] = dict(sorted(definitions.items()))
    return document


def _schema(kind: Any, definitions: dict[str, Any], renamed: dict[str, str]) -> dict[str, Any]:
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    simple = _SIMPLE.get(kind)
    if simple is not None:
        return dict(simple)
    if kind is type(None):
        return {"type": "null"}
    if origin is Literal:
        return {"enum": list(args)}
    if origin in (types.UnionType, typing.Union):
        return {"anyOf": [_schema(arg, definitions, {}) for arg in args]}
    if origin is list or (origin is tuple and len(args) == 2 and args[1] is Ellipsis):
        return {"type": "array", "items": _schema(args[0], definitions, renamed)}
    if origin is dict:
        return {"type": "object", "additionalProperties": _schema(args[1], definitions, {})}
    if isinstance(kind, type) and (dataclasses.is_dataclass(kind) or _is_typed_dict(kind)):
        return _record(kind, definitions, renamed)
    raise TypeError(f"no JSON Schema for {kind!r}")


def _record(kind: type, definitions: dict[str, Any], renamed: dict[str, str]) -> dict[str, Any]:
    """A record as an object with every key required and no others: `$ref` to its def."""
    name = kind.__name__ + ("".join(f"_{a}_{b}" for a, b in renamed.items()) if renamed else "")
    if name not in definitions:
        definitions[name] = {}  # reserve: records may refer to themselves
        hints = typing.get_type_hints(kind)
        if dataclasses.is_dataclass(kind):
            fields = {f.name: hints[f.name] for f in dataclasses.fields(kind)}
            for extra in getattr(kind, "JSON_EXTRA", ()):
                getter: Callable[..., Any] = getattr(kind, extra).fget
                fields[extra] = typing.get_type_hints(getter)["return"]
        else:
            fields = hints
        properties = {
            renamed.get(key, key): _schema(value, definitions, {}) for key, value in fields.items()
        }
        definitions[name] = {
            "type": "object",
            "description": (kind.__doc__ or "").strip().splitlines()[0],
            "properties": properties,
            "required": list(properties),
            "additionalProperties": False,
        }
    return {"$ref": f"#/$defs/{name}"}


def _is_typed_dict(kind: type) -> bool:
    return isinstance(kind, type) and issubclass(kind, dict) and hasattr(kind, "__total__")


_SIMPLE: dict[Any, dict[str, Any]] = {
    str: {"type": "string"},
    bool: {"type": "boolean"},
    int: {"type": "integer"},
    float: {"type": "number"},
    Decimal: {"type": "number"},
    Fraction: {"type": "number"},
    dt.datetime: {"type": "string", "format": "date-time", "pattern": "Z$"},
    dt.date: {"type": "string", "format": "date"},
    Any: {},
}
