"""The demo company's pages: a month of Alertmanager webhook payloads for Tillwise's on-call.

Alertmanager posts one payload per notification of an alert group (here: alertname and service).
The group's first notification goes out `GROUP_WAIT` after an alert starts, a still-firing
group is notified again every `REPEAT_INTERVAL`, a resolution is notified within one
`GROUP_INTERVAL`, and every payload repeats the group's other firing alerts. The two replicas of
the HA pair sometimes both deliver. Basics folds all of that into one page per alert
(fingerprint and startsAt), so the file has many more lines than pages.

The pages tell three stories:

* the planted incidents of `story` page at their times (checkout outage, payments for Acme,
  the search regression, and the payments maintenance nobody silenced);
* `NOISY_ALERT` on notifications fires most nights while the nightly batches drain, and
  resolves on its own within minutes: the report's noisiest alert, likely noise;
* the `ROTATION` hands over weekly, but `CONCENTRATED_PERSON` covered two colleagues' weeks
  (overrides in basics.yaml), so she answered most of the month's pages.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from basics.demo import story
from basics.oncall.models import Page
from basics.oncall.report import OncallReport

FORMAT = "alertmanager"
FILE = "alertmanager.jsonl"
TEAM = "platform"
ROTATION = "platform-primary"
CONCENTRATED_PERSON = "dana"
NOISY_ALERT = "QueueLagHigh"
NOISY_SERVICE = "notifications"
QUICK = dt.timedelta(minutes=10)
"""What "resolved within minutes" means for the noisy alert's summary and tests."""

LONDON = zoneinfo.ZoneInfo("Europe/London")
NIGHT_START_HOUR = 22
NIGHT_HOURS = 10  # 22:00-08:00 London

GROUP_WAIT = dt.timedelta(seconds=30)
GROUP_INTERVAL = dt.timedelta(minutes=5)
REPEAT_INTERVAL = dt.timedelta(hours=1)
DUPLICATE_CHANCE = 0.08
"""Share of notifications that both Alertmanager replicas deliver."""

_ZERO_TIME = "0001-01-01T00:00:00Z"
_EXTERNAL_URL = "http://alertmanager.tillwise.internal:9093"
_PROMETHEUS = "http://prometheus.tillwise.internal:9090/graph?g0.expr="
_RECEIVER = "platform-pager"


@dataclass(frozen=True)
class _Alert:
    """One alert instance: labels, annotations and [starts, ends); ends None = still firing."""

    labels: tuple[tuple[str, str], ...]
    summary: str
    expr: str
    starts: dt.datetime
    ends: dt.datetime | None

    @property
    def name(self) -> str:
        return dict(self.labels)["alertname"]

    @property
    def service(self) -> str:
        return dict(self.labels)["service"]

    @property
    def group(self) -> tuple[str, str]:
        return (self.name, self.service)

    @property
    def fingerprint(self) -> str:
        text = json.dumps(sorted(self.labels), separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class _Background:
    """An alert that pages now and then over the month."""

    name: str
    services: tuple[str, ...]
    severity: str
    count: int
    minutes: tuple[float, float]
    summary: str
    expr: str
    extra: tuple[str, tuple[str, ...]] | None = None


_BACKGROUND: tuple[_Background, ...] = (
    _Background(
        "HighLatency",
        ("api", "checkout"),
        "warning",
        12,
        (8, 60),
        "p99 latency above 800ms on {service}",
        "histogram_quantile(0.99, rate(http_duration_seconds_bucket[5m])) > 0.8",
    ),
    _Background(
        "PodCrashLooping",
        ("api", "payments", "checkout", "search", "notifications"),
        "critical",
        14,
        (5, 40),
        "A {service} pod restarted more than 3 times in 10 minutes",
        "increase(kube_pod_container_status_restarts_total[10m]) > 3",
        ("pod", ("a1", "b7", "c3", "d9")),
    ),
    _Background(
        "TargetDown",
        ("www", "api", "search"),
        "critical",
        8,
        (3, 20),
        "Prometheus cannot scrape {service}",
        "up == 0",
        ("instance", ("10.0.1.12:9100", "10.0.2.31:9100", "10.0.3.7:9100")),
    ),
    _Background(
        "HostMemoryHigh",
        ("payments", "search"),
        "warning",
        10,
        (20, 180),
        "Memory above 90 % on a {service} host",
        "node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes < 0.1",
        ("instance", ("host-1", "host-2", "host-3")),
    ),
    _Background(
        "AcquirerTimeouts",
        ("payments",),
        "critical",
        9,
        (5, 30),
        "More than 2 % of calls to the card acquirer time out",
        "rate(acquirer_timeouts_total[5m]) / rate(acquirer_calls_total[5m]) > 0.02",
        ("acquirer", ("eu-acq", "uk-acq")),
    ),
    _Background(
        "WebhookDeliveryFailures",
        ("notifications",),
        "warning",
        10,
        (10, 90),
        "Merchant webhook deliveries failing above 5 %",
        "rate(webhook_failures_total[10m]) / rate(webhook_attempts_total[10m]) > 0.05",
    ),
    _Background(
        "ReplicationLag",
        ("search",),
        "warning",
        9,
        (5, 45),
        "Search index replica more than 5 minutes behind",
        "search_replica_lag_seconds > 300",
        ("replica", ("replica-1", "replica-2")),
    ),
)

_NOISY_QUEUES = ("email-digest", "sms", "webhooks")


def write_pages(out_dir: Path, seed: int = 7) -> tuple[str, Path]:
    """Write a month of Alertmanager webhook payloads to `out_dir/data/alertmanager.jsonl`.

    Returns the format to import it with and its path. Same seed, same bytes.
    """
    rng = random.Random(seed)
    alerts = sorted(
        _incident_alerts() + _noisy_alerts(rng) + _background_alerts(rng),
        key=lambda a: (a.starts, a.fingerprint),
    )
    path = out_dir / "data" / FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for line in _payload_lines(alerts, rng):
            out.write(line + "\n")
    return FORMAT, path


# --- alerts ----------------------------------------------------------------------------------


def _alert(
    name: str,
    service: str,
    severity: str,
    starts: dt.datetime,
    ends: dt.datetime | None,
    summary: str,
    expr: str,
    **extra: str,
) -> _Alert:
    labels = {"alertname": name, "service": service, "severity": severity, "team": TEAM}
    labels.update(extra)
    return _Alert(tuple(labels.items()), summary, expr, starts, ends)


def _incident_alerts() -> list[_Alert]:
    """Pages for the incidents planted in the events, at their times."""
    m = dt.timedelta(minutes=1)
    checkout_start, checkout_end = story.CHECKOUT_OUTAGE_START, story.CHECKOUT_OUTAGE_END
    acme_start, acme_end = story.PAYMENTS_MERCHANT_OUTAGE_START, story.PAYMENTS_MERCHANT_OUTAGE_END
    search_start, search_end = story.SEARCH_REGRESSION_START, story.SEARCH_REGRESSION_END
    maint_start, maint_end = story.PAYMENTS_MAINTENANCE_START, story.PAYMENTS_MAINTENANCE_END
    errors = 'sum(rate(http_requests_total{{service="{s}",code=~"5.."}}[1m])) > 0.05'
    burn = 'slo:error_budget_burn_rate{{service="{s}",slo="{slo}"}} > 14.4'
    latency = "histogram_quantile(0.99, rate(http_duration_seconds_bucket[5m])) > 0.8"
    alerts = [
        _alert(
            "HighErrorRate",
            "checkout",
            "critical",
            checkout_start + m,
            checkout_end + 1.5 * m,
            "More than 5 % of checkout requests fail",
            errors.format(s="checkout"),
        ),
        _alert(
            "ErrorBudgetBurn",
            "checkout",
            "critical",
            checkout_start + 2 * m,
            checkout_end + 27 * m,
            "checkout availability is burning its error budget 14x too fast",
            burn.format(s="checkout", slo="availability"),
            slo="availability",
        ),
        _alert(
            "MerchantErrorRate",
            "payments",
            "critical",
            acme_start + 3 * m,
            acme_end + 2 * m,
            f"Every payment of merchant {story.BIGGEST_MERCHANT} fails",
            'merchant:error_ratio{service="payments"} > 0.5',
            merchant=story.BIGGEST_MERCHANT,
        ),
        _alert(
            "ErrorBudgetBurn",
            "payments",
            "critical",
            acme_start + 6 * m,
            acme_end + 11 * m,
            "payments availability is burning its error budget 14x too fast",
            burn.format(s="payments", slo="availability"),
            slo="availability",
        ),
        _alert(
            "ErrorBudgetBurn",
            "search",
            "warning",
            search_start + 35 * m,
            search_end + 20 * m,
            "search latency is burning its error budget 6x too fast",
            burn.format(s="search", slo="latency").replace("14.4", "6"),
            slo="latency",
        ),
        # The maintenance window was corrected in the budget but never silenced in Alertmanager.
        _alert(
            "HighErrorRate",
            "payments",
            "critical",
            maint_start + 2 * m,
            maint_end + 1 * m,
            "More than 5 % of payments requests fail",
            errors.format(s="payments"),
        ),
    ]
    # The search latency alert flaps while 3.5.0 is out: four pages, one of them at night.
    for begin, end in (
        (search_start + 7 * m, search_start + 100 * m),
        (search_start + 260 * m, search_start + 485 * m),
        (search_start + 630 * m, search_start + 910 * m),
        (search_end - 405 * m, search_end + 8 * m),
    ):
        alerts.append(
            _alert(
                "HighLatency",
                "search",
                "warning",
                begin,
                end,
                "p99 latency above 800ms on search",
                latency,
            )
        )
    return alerts


def _noisy_alerts(rng: random.Random) -> list[_Alert]:
    """Queue lag on notifications: most nights while batches drain, gone in a few minutes."""
    alerts = []
    first_night = dt.datetime.combine(
        story.START.astimezone(LONDON).date() - dt.timedelta(days=1),
        dt.time(NIGHT_START_HOUR),
        tzinfo=LONDON,
    )
    for day in range(story.DAYS + 1):
        night = (first_night + dt.timedelta(days=day)).astimezone(dt.UTC)
        starts = [
            night + dt.timedelta(seconds=rng.uniform(0, NIGHT_HOURS * 3600))
            for _ in range(rng.choice((1, 2, 2, 3, 3, 3, 4, 5)))
        ]
        if rng.random() < 0.4:  # now and then in the day too
            starts.append(night + dt.timedelta(hours=rng.uniform(NIGHT_HOURS + 1, 23)))
        for start in starts:
            minutes = rng.uniform(2, 9) if rng.random() < 0.85 else rng.uniform(15, 75)
            queue = rng.choice(_NOISY_QUEUES)
            alerts.append(
                _alert(
                    NOISY_ALERT,
                    NOISY_SERVICE,
                    "critical",
                    _ms(start),
                    _ms(start + dt.timedelta(minutes=minutes)),
                    f"Queue {queue} is more than 60s behind",
                    f'queue_lag_seconds{{queue="{queue}"}} > 60',
                    queue=queue,
                )
            )
    return [a for a in alerts if a.starts >= story.START and a.ends and a.ends < story.END]


def _background_alerts(rng: random.Random) -> list[_Alert]:
    """Ordinary pages: mostly in London business hours, a few at any time, some left firing."""
    alerts = []
    for spec in _BACKGROUND:
        for _ in range(spec.count + rng.randint(-2, 2)):
            start = _background_start(rng)
            low, high = spec.minutes
            ends: dt.datetime | None = _ms(start + dt.timedelta(minutes=rng.uniform(low, high)))
            if ends is not None and ends >= story.END:
                ends = None
            service = rng.choice(spec.services)
            extra = {spec.extra[0]: rng.choice(spec.extra[1])} if spec.extra else {}
            alerts.append(
                _alert(
                    spec.name,
                    service,
                    spec.severity,
                    _ms(start),
                    ends,
                    spec.summary.format(service=service),
                    spec.expr,
                    **extra,
                )
            )
    # A certificate nobody renewed until the Monday after it started to warn.
    alerts.append(
        _alert(
            "CertificateExpiringSoon",
            "www",
            "warning",
            dt.datetime(2026, 2, 20, 10, 0, 12, tzinfo=dt.UTC),
            dt.datetime(2026, 2, 23, 11, 34, 40, tzinfo=dt.UTC),
            "The TLS certificate of tillwise.com expires in less than 14 days",
            'probe_ssl_earliest_cert_expiry{instance="https://tillwise.com"} - time() < 14 * 86400',
            instance="https://tillwise.com",
        )
    )
    # Still firing when the month ends: its endsAt stays Go's zero time.
    alerts.append(
        _alert(
            "ReplicationLag",
            "search",
            "warning",
            dt.datetime(2026, 3, 2, 23, 41, 7, 250000, tzinfo=dt.UTC),
            None,
            "Search index replica more than 5 minutes behind",
            "search_replica_lag_seconds > 300",
            replica="replica-2",
        )
    )
    return alerts


def _background_start(rng: random.Random) -> dt.datetime:
    while True:
        moment = story.START + dt.timedelta(seconds=rng.uniform(0, story.DAYS * 86400))
        local = moment.astimezone(LONDON)
        business = local.weekday() < 5 and 8 <= local.hour < 18
        if business or rng.random() < 0.3:
            return moment


def _ms(moment: dt.datetime) -> dt.datetime:
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


# --- notifications ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Notification:
    at: dt.datetime
    alert: _Alert
    resolved: bool


def _notifications(alert: _Alert) -> list[_Notification]:
    """When Alertmanager notifies about one alert: first, repeats, and the resolution."""
    last = min(alert.ends or story.END, story.END)
    times = []
    moment = alert.starts + GROUP_WAIT
    while moment < last:
        times.append(_Notification(moment, alert, resolved=False))
        moment += REPEAT_INTERVAL
    if alert.ends is not None:
        # The resolution goes out at the group's next flush, within one group interval.
        offset = dt.timedelta(seconds=(alert.ends - alert.starts).total_seconds() % 300)
        sent = alert.ends + (GROUP_INTERVAL - offset if offset else dt.timedelta(0))
        if sent < story.END:
            times.append(_Notification(sent, alert, resolved=True))
    return times


def _payload_lines(alerts: list[_Alert], rng: random.Random) -> list[str]:
    """One JSON payload per notification, each with the group's other firing alerts."""
    by_group: dict[tuple[str, str], list[_Alert]] = defaultdict(list)
    for alert in alerts:
        by_group[alert.group].append(alert)
    sends = sorted(
        (n for alert in alerts for n in _notifications(alert)),
        key=lambda n: (n.at, n.alert.fingerprint, n.resolved),
    )
    lines = []
    for send in sends:
        others = [
            other
            for other in by_group[send.alert.group]
            if other is not send.alert
            and other.starts + GROUP_WAIT <= send.at
            and (other.ends is None or send.at < other.ends)
        ]
        line = json.dumps(_payload(send, others))
        lines.append(line)
        if rng.random() < DUPLICATE_CHANCE:
            lines.append(line)  # the other replica delivered it too
    return lines


def _payload(send: _Notification, others: list[_Alert]) -> dict[str, object]:
    name, service = send.alert.group
    entries = [_entry(send.alert, send.resolved)] + [_entry(other, False) for other in others]
    firing = any(entry["status"] == "firing" for entry in entries)
    return {
        "receiver": _RECEIVER,
        "status": "firing" if firing else "resolved",
        "alerts": entries,
        "groupLabels": {"alertname": name, "service": service},
        "commonLabels": {"alertname": name, "service": service, "team": TEAM},
        "commonAnnotations": {},
        "externalURL": _EXTERNAL_URL,
        "version": "4",
        "groupKey": f'{{}}/{{team="{TEAM}"}}:{{alertname="{name}", service="{service}"}}',
        "truncatedAlerts": 0,
    }


def _entry(alert: _Alert, resolved: bool) -> dict[str, object]:
    ends = _ZERO_TIME if not resolved or alert.ends is None else _timestamp(alert.ends)
    return {
        "status": "resolved" if resolved else "firing",
        "labels": dict(alert.labels),
        "annotations": {
            "summary": alert.summary,
            "runbook_url": f"https://runbooks.tillwise.internal/{alert.name.lower()}",
        },
        "startsAt": _timestamp(alert.starts),
        "endsAt": ends,
        "generatorURL": _PROMETHEUS + alert.expr.replace(" ", "+"),
        "fingerprint": alert.fingerprint,
    }


def _timestamp(moment: dt.datetime) -> str:
    utc = moment.astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


# --- summary ---------------------------------------------------------------------------------


def is_night(moment: dt.datetime) -> bool:
    """Whether a moment falls in 22:00-08:00 London time (naive moments are UTC)."""
    aware = moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment
    hour = aware.astimezone(LONDON).hour
    return hour >= NIGHT_START_HOUR or hour < (NIGHT_START_HOUR + NIGHT_HOURS) % 24


def summary(report: OncallReport) -> str:
    """The story's on-call line, in the on-call report's own figures and words, so the two
    always agree (night = the responder's sleep hours; not actionable = tagged outcomes)."""
    noisy = next(a for a in report.alerts if a.alert == NOISY_ALERT)
    top = report.concentration
    return (
        f"{report.pages} Alertmanager pages for team {TEAM}; {NOISY_ALERT} on {NOISY_SERVICE} "
        f"sent {noisy.count} of them, {_share(noisy.night_share)} in its responder's sleep "
        f"hours and {_share(noisy.not_actionable_share)} not actionable (it clears by itself, "
        f"median resolve {_minutes(noisy.median_resolve_s)}; Alertmanager records no "
        f"acknowledgements, so the report's auto-resolved column is —), and {top.top} answered "
        f"{_share(top.top_share)} after covering two colleagues' weeks; see "
        f"`basics oncall report --from {story.START:%Y-%m-%d} --to {story.END:%Y-%m-%d}`."
    )


def _minutes(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds / 60:.0f} min"


def _share(value: float | None) -> str:
    return "—" if value is None else f"{round(100 * value)} %"


def outcomes(pages: list[Page]) -> list[tuple[str, str]]:
    """(page id, outcome) as the demo team classified its month: the noisy alert's quick
    self-resolving pages were a wrong threshold, its others could have waited; the planted
    incidents' pages were real. The rest stays unclassified, as in most teams."""
    incident_alerts = {"HighErrorRate", "MerchantErrorRate", "ErrorBudgetBurn"}
    tagged = []
    for page in pages:
        if page.alert == NOISY_ALERT:
            quick = page.resolved_at is not None and page.resolved_at - page.created_at <= QUICK
            outcome = "not-actionable/threshold-wrong" if quick else "actionable/could-have-waited"
            tagged.append((page.id, outcome))
        elif page.alert in incident_alerts:
            tagged.append((page.id, "actionable/service-issue"))
    return tagged
