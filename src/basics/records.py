"""The JSON records of the reports: what `--json` prints and the API returns, built once.

The unit rule (docs/cli.md): ratios in [0, 1] unless the name ends in `_percent`; counts
named as counts; times RFC 3339 UTC; durations end in `_s`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from fractions import Fraction
from typing import Any

from basics.core.clock import iso_utc


def plain(value: Any) -> Any:
    """Dataclasses, times and decimals as JSON-ready values (times in ISO 8601 UTC)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # Fields, then the derived figures a record names in JSON_EXTRA (Counts' `bad`).
        names = [f.name for f in dataclasses.fields(value)]
        names += getattr(type(value), "JSON_EXTRA", ())
        return {name: plain(getattr(value, name)) for name in names}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dt.datetime):
        return iso_utc(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    if isinstance(value, Fraction):
        return value.numerator if value.denominator == 1 else float(value)
    return value


def status_record(r: Any) -> dict[str, Any]:
    """One SLO of `slo status` (an `SLOStatus`): objective as a ratio and in percent."""
    return {
        "slo": r.slo,
        "service": r.service,
        "objective": plain(r.objective / 100),
        "objective_percent": plain(r.objective),
        "window": r.window,
        "budgeting": r.budgeting,
        "window_start": plain(r.window_start),
        "window_end": plain(r.window_end),
        "total": r.counts.total,
        "good": r.counts.good,
        "bad": r.counts.bad,
        "sli": r.sli,
        "budget_events": float(r.budget.total),
        "budget_total": float(r.budget.total),
        "budget_consumed": r.budget.consumed,
        "budget_remaining": r.budget.remaining,
        "burn_rates": r.burn_rates,
        "time_to_exhaustion_s": r.time_to_exhaustion_s,
        "status": r.status,
        "note": r.note,
    }


def replay_record(result: Any) -> dict[str, Any]:
    """One replay (a `Replay`), its range named `from` and `to` as the options are."""
    data: dict[str, Any] = plain(result)
    data["from"], data["to"] = data.pop("start"), data.pop("end")
    return data


def rejects_record(path: str, rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """The rejects of a batch (line, field, reason, raw), each naming the batch's file."""
    header = ("line", "field", "reason", "raw")
    return [dict(zip(header, row, strict=True)) | {"file": path} for row in rows]


def postmortem_row(pm: Any) -> dict[str, Any]:
    """One post-mortem in `postmortems list`: what it is and what it says in figures."""
    detect = (pm.detected - pm.started).total_seconds() if pm.detected and pm.started else None
    return {
        "id": pm.id,
        "title": pm.title,
        "path": pm.path,
        "date": plain(pm.date),
        "severity": pm.severity,
        "services": list(pm.services),
        "detection": pm.detection,
        "time_to_detect_s": detect,
        "action_items": len(pm.action_items),
        "action_items_done": sum(1 for i in pm.action_items if i.status == "done"),
    }


def action_row(pm: Any, item: Any, overdue: bool) -> dict[str, Any]:
    """One action item in `postmortems actions`, with the post-mortem it belongs to."""
    return {
        "postmortem": pm.id,
        "title": item.title,
        "owner": item.owner,
        "type": item.type,
        "status": item.status,
        "due": plain(item.due),
        "closed": plain(item.closed),
        "overdue": overdue,
    }


def theme_record(theme: Any) -> dict[str, Any]:
    """A theme as `postmortems themes --json` writes it."""
    return {
        "name": theme.name,
        "terms": theme.terms,
        "recurring": theme.recurring,
        "first": plain(theme.first),
        "last": plain(theme.last),
        "postmortems": [
            {"id": pm.id, "title": pm.title, "path": pm.path, "date": plain(pm.date)}
            for pm in theme.postmortems
        ],
        "action_items": [{"postmortem": owner} | plain(item) for owner, item in theme.action_items],
        "recurrences": plain(theme.recurrences),
    }
