"""The JSON records of the reports: what `--json` prints and the API returns, built once.

The unit rule (docs/cli.md): ratios in [0, 1] unless the name ends in `_percent`; counts
named as counts; times RFC 3339 UTC; durations end in `_s`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
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
    if isinstance(value, float) and not math.isfinite(value):
        return None  # no number JSON can hold: said as no data, never NaN
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


def series_record(s: Any) -> dict[str, Any]:
    """One SLO's series (a `Series`) as JSON: the objective as a ratio and in percent, as in
    `status_record`, and its window's budget as `budget_events` (`budget_total` kept)."""
    data: dict[str, Any] = plain(s)
    data["objective"], data["objective_percent"] = plain(s.objective / 100), plain(s.objective)
    data["budget_events"] = data["budget_total"]
    return data


def replay_record(result: Any, deploys_before: list[list[Any]] | None = None) -> dict[str, Any]:
    """One replay (a `Replay`), its range named `from` and `to` as the options are; with
    `deploys_before`, each firing lists the deploys shortly before it (`Suspect`s)."""
    data: dict[str, Any] = plain(result)
    data["from"], data["to"] = data.pop("start"), data.pop("end")
    if deploys_before is not None:
        for firing, found in zip(data["firings"], deploys_before, strict=True):
            firing["deploys_before"] = [suspect_record(s) for s in found]
    return data


def rejects_record(path: str, rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """The rejects of a batch (line, field, reason, raw), each naming the batch's file."""
    header = ("line", "field", "reason", "raw")
    return [dict(zip(header, row, strict=True)) | {"file": path} for row in rows]


POSTMORTEM_COLUMNS = ("id", "title", "path", "date", "severity", "services", "detection",
                      "time_to_detect_s", "action_items", "action_items_done")  # fmt: skip
"""The keys of `postmortem_row`: the columns of `postmortems list --csv`, empty or not."""
ACTION_COLUMNS = ("postmortem", "title", "owner", "type", "status", "due", "closed", "overdue")
"""The keys of `action_row`."""
THEME_COLUMNS = ("name", "terms", "recurring", "first", "last", "postmortems", "action_items",
                 "recurrences")  # fmt: skip
"""The keys of `theme_record`."""


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


def dora_figures(d: Any) -> dict[str, Any]:
    """One service's DORA (a `deploys.compute.Dora`), as `deploys dora --json` gives it."""
    return {
        "service": d.service,
        "deploys": d.deploys,
        "per_day": d.per_day,
        "per_week": d.per_week,
        "deploy_days_per_week": d.deploy_days_per_week,
        "lead_time_s": plain(d.lead_time_s),
        "lead_time_unmeasured": d.lead_time_skipped,
        "change_failure_rate": {
            "failed": d.change_failure_rate.count,
            "deploys": d.change_failure_rate.deploys,
            "ratio": d.change_failure_rate.ratio,
            "status_failed": d.failed,
            "rolled_back": d.rolled_back,
            "incident_linked": d.incident_linked,
        },
        "recovery_time_s": plain(d.recovery_time_s),
        "unrecovered": d.unrecovered,
        "rework_rate": {
            "rework": d.rework_rate.count,
            "deploys": d.rework_rate.deploys,
            "ratio": d.rework_rate.ratio,
        },
        "bands": plain(d.bands),
    }


def dora_record(report: Any) -> dict[str, Any]:
    """`deploys dora --json` (a `deploys.dora.DoraReport`): per service, then the total."""
    return {
        "from": plain(report.start),
        "to": plain(report.end),
        "environment": report.environment,
        "services": [dora_figures(d) for d in report.services],
        "total": dora_figures(report.total),
    }


def suspect_record(s: Any) -> dict[str, Any]:
    """A deploy before a firing or an incident (a `deploys.changes.Suspect`)."""
    d = s.deploy
    return {
        "deploy": d.id,
        "service": d.service,
        "version": d.version,
        "commit": d.commit,
        "status": d.status,
        "deployed_at": plain(d.deployed_at),
        "before_s": s.before_s,
        "linked": s.linked,
    }


def changes_record(found: Any) -> dict[str, Any]:
    """`slo changes --json` (a `deploys.changes.Changes`)."""
    return {
        "slo": found.slo,
        "service": found.service,
        "from": plain(found.start),
        "to": plain(found.end),
        "within_s": found.within_s,
        "moments": [
            {
                "kind": m.kind,
                "start": plain(m.start),
                "what": m.what,
                "incident": m.incident,
                "deploys": [suspect_record(s) for s in m.deploys],
                "versions": plain(m.versions),
            }
            for m in found.moments
        ],
    }
