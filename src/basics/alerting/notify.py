"""Alerts that page: `basics serve` evaluates every policy each interval and tells
Alertmanager (and generic webhooks) when a tier starts firing, while it fires, and when it
resolves.

Each firing of a tier is a row of `alert_firings`, so a restart neither pages again nor
forgets a resolution: a tier found firing with an open row is re-sent (Alertmanager expects
an alert again before its `endsAt` passes), not opened anew. Labels and annotations are the
ones the Prometheus export gives the same alert (`prometheus.py`): `alertname`
BasicsSLOBurnRate, `slo`, `service`, `severity`, `long_window`, `short_window`.

`plan` is pure (rows, evaluations and clocks in; what to store and send out); `Notifier`
reads and writes the store; `send` is the only network code.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from basics.alerting.prometheus import ALERT
from basics.core.clock import iso_utc

if TYPE_CHECKING:
    from basics.alerting.models import Evaluation
    from basics.alerting.service import AlertingService
    from basics.config.models import Config, NotifySettings
    from basics.store.duckdb_store import Store

SEND_TIMEOUT_S = 10.0
ENDS_AFTER_RESENDS = 4
"""A firing alert's endsAt is this many re-send intervals ahead: missed re-sends resolve
it in Alertmanager only after several in a row."""


@dataclass(frozen=True)
class FiringRow:
    """One firing of a tier, as `alert_firings` keeps it."""

    slo: str
    policy: str
    tier: str
    severity: str
    started_at: dt.datetime
    resolved_at: dt.datetime | None = None
    sent_at: dt.datetime | None = None
    resolution_sent_at: dt.datetime | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return self.slo, self.policy, self.tier


@dataclass
class Plan:
    """What one evaluation changes: rows opened and resolved, and the rows to send now."""

    opened: list[FiringRow] = field(default_factory=list)
    resolved: list[FiringRow] = field(default_factory=list)
    to_send: list[FiringRow] = field(default_factory=list)


def plan(
    rows: Sequence[FiringRow],
    evaluations: Sequence[Evaluation],
    at: dt.datetime,
    now: dt.datetime,
    resend_s: float,
) -> Plan:
    """Compare the open firings with the tiers' states at `at` (data time; `now` is the
    wall clock, for re-sends): a tier firing without an open row opens one; one firing with
    a row is re-sent when `resend_s` has passed since it was last sent (or never was); an
    open row whose tier no longer fires (or no longer exists) is resolved at `at`; a
    resolution not yet delivered is sent again."""
    result = Plan()
    open_rows = {row.key: row for row in rows if row.resolved_at is None}
    seen = set()
    for evaluation in evaluations:
        for tier in evaluation.tiers:
            key = (evaluation.slo, evaluation.policy, tier.tier)
            seen.add(key)
            row = open_rows.get(key)
            if tier.state == "firing" and row is None:
                row = FiringRow(*key, tier.severity, at)
                result.opened.append(row)
                result.to_send.append(row)
            elif tier.state == "firing" and row is not None:
                due = row.sent_at is None or (now - row.sent_at).total_seconds() >= resend_s
                if due:
                    result.to_send.append(row)
            elif row is not None:
                result.resolved.append(_resolve(row, at))
    for key, row in open_rows.items():
        if key not in seen:  # the SLO or its policy left the config: its firing ends
            result.resolved.append(_resolve(row, at))
    result.to_send += result.resolved
    result.to_send += [
        row for row in rows if row.resolved_at is not None and row.resolution_sent_at is None
    ]
    return result


def _resolve(row: FiringRow, at: dt.datetime) -> FiringRow:
    return dataclasses.replace(row, resolved_at=max(at, row.started_at))


def alert_body(
    row: FiringRow, config: Config, now: dt.datetime, resend_s: float, url: str
) -> dict[str, Any]:
    """One alert as Alertmanager's API takes it (POST /api/v2/alerts)."""
    service_name, _, slo_name = row.slo.partition("/")
    long_window, _, short_window = row.tier.partition("/")
    service = config.services.get(service_name)
    slo = service.slos.get(slo_name) if service else None
    annotations = {"summary": f"{row.slo} is burning its error budget too fast ({row.tier})"}
    if slo is not None:
        annotations["description"] = (
            f"Policy {row.policy}, tier {row.tier} ({row.severity}): the burn rate of "
            f"{row.slo} over {row.tier.replace('/', ' and ')} is above its factor; the "
            f"objective is {slo.objective}% over {slo.window}."
        )
    if service is not None and service.runbook:
        annotations["runbook_url"] = service.runbook
    ends = row.resolved_at or now + dt.timedelta(seconds=ENDS_AFTER_RESENDS * resend_s)
    labels = {
        "alertname": ALERT,
        "slo": row.slo,
        "service": service_name,
        "severity": row.severity,
        "long_window": long_window,
        "short_window": short_window,
        "policy": row.policy,
    }
    return {
        # An empty label is no label (Prometheus and Alertmanager drop them).
        "labels": {name: value for name, value in labels.items() if value},
        "annotations": annotations,
        "startsAt": iso_utc(row.started_at),
        "endsAt": iso_utc(ends),
        "generatorURL": f"{url}/alerts/{row.slo}?policy={row.policy}",
    }


def send(
    alerts: list[dict[str, Any]], news: list[dict[str, Any]], settings: NotifySettings, url: str
) -> list[str]:
    """Send the alerts to every Alertmanager (re-sends keep a firing alert active there),
    and the `news` of them (a firing not delivered yet, a resolution) to every webhook, one
    body per status; the failures, one line each (empty when every target took them)."""
    failures = []
    for base in settings.alertmanager:
        failures += _post(f"{base}/api/v2/alerts", alerts)
    for hook in settings.webhooks:
        for status in ("firing", "resolved"):
            group = [a for a in news if _status(a) == status]
            if group:
                failures += _post(hook, _webhook_body(group, status, url))
    return failures


def _status(alert: dict[str, Any]) -> str:
    ends = dt.datetime.fromisoformat(alert["endsAt"].replace("Z", "+00:00"))
    return "resolved" if ends <= dt.datetime.now(dt.UTC) else "firing"


def _webhook_body(alerts: list[dict[str, Any]], status: str, url: str) -> dict[str, Any]:
    """Alertmanager's webhook body (version 4), so a receiver of those takes it as is."""
    return {
        "version": "4",
        "receiver": "basics",
        "status": status,
        "alerts": [a | {"status": status} for a in alerts],
        "groupLabels": {},
        "commonLabels": {"alertname": ALERT},
        "commonAnnotations": {},
        "externalURL": url,
        "truncatedAlerts": 0,
    }


def _post(target: str, body: Any) -> list[str]:
    request = urllib.request.Request(
        target,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=SEND_TIMEOUT_S) as answer:
            answer.read()
    except urllib.error.HTTPError as error:
        return [f"{target}: HTTP {error.code} {error.reason}"]
    except (urllib.error.URLError, OSError) as error:
        return [f"{target}: {getattr(error, 'reason', error)}"]
    return []


class Notifier:
    """Evaluates, records firings (and, for `page` tiers, pages) and marks what was sent."""

    def __init__(self, store: Store, config: Config, alerting: AlertingService) -> None:
        self.store = store
        self.config = config
        self.alerting = alerting

    def step(self, at: dt.datetime, now: dt.datetime) -> list[FiringRow]:
        """Evaluate at `at`, store the firings opened and resolved; the rows to send."""
        settings = self.config.serve.notify
        evaluations = self.alerting.evaluate(at)
        result = plan(self.rows(), evaluations, at, now, settings.resend_s)
        with self.store.transaction() as db:
            for row in result.opened:
                db.execute(
                    "INSERT INTO alert_firings (slo, policy, tier, severity, started_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [row.slo, row.policy, row.tier, row.severity, row.started_at],
                )
            for row in result.resolved:
                db.execute(
                    "UPDATE alert_firings SET resolved_at = ? WHERE slo = ? AND policy = ? "
                    "AND tier = ? AND started_at = ?",
                    [row.resolved_at, *row.key, row.started_at],
                )
        if settings.record_pages:
            self._record_pages([r for r in result.opened + result.resolved if r.severity == "page"])
        return result.to_send

    def mark_sent(self, rows: list[FiringRow], now: dt.datetime) -> None:
        """Record that `rows` reached every target (firing: `sent_at`; resolved: both)."""
        with self.store.transaction() as db:
            for row in rows:
                column = "sent_at" if row.resolved_at is None else "resolution_sent_at"
                db.execute(
                    f"UPDATE alert_firings SET {column} = ? WHERE slo = ? AND policy = ? "
                    "AND tier = ? AND started_at = ?",
                    [now, *row.key, row.started_at],
                )

    def rows(self, since: dt.datetime | None = None) -> list[FiringRow]:
        """Open firings, resolutions not yet delivered, and (with `since`) every firing
        that started since then."""
        found = self.store.query(
            "SELECT slo, policy, tier, severity, started_at, resolved_at, sent_at, "
            "resolution_sent_at FROM alert_firings WHERE resolved_at IS NULL "
            "OR resolution_sent_at IS NULL OR started_at >= coalesce(?, 'infinity'::TIMESTAMP) "
            "ORDER BY started_at, slo, tier",
            [since],
        )
        return [FiringRow(*row) for row in found]

    def _record_pages(self, rows: list[FiringRow]) -> None:
        """Page-severity firings as pages of source `basics`, so the on-call report counts
        them (their responder comes from the shift on call, as for any page)."""
        from basics.oncall.models import Page
        from basics.oncall.service import OncallService

        if not rows:
            return
        pages = []
        for row in rows:
            source_id = f"{row.slo}:{row.policy}:{row.tier}:{iso_utc(row.started_at)}"
            page = Page(
                id=f"basics:{source_id}", source="basics", source_id=source_id,
                incident_key=source_id, alert=ALERT, service=row.slo.partition("/")[0],
                urgency=row.severity, created_at=row.started_at, acknowledged_at=None,
                resolved_at=row.resolved_at, responder=None,
            )  # fmt: skip
            pages.append(page)
        OncallService(self.store, self.config).record_pages(pages, "basics", "basics serve")
