"""The demo company's post-mortems: the month's three recorded incidents and four older
ones, so `postmortems themes` finds causes that recur (one after its fix was closed) and
`postmortems basics` says which basic to fix first."""

from __future__ import annotations

from pathlib import Path

POSTMORTEMS: dict[str, str] = {
    "2025-10-14-checkout-db-connections.md": """---
id: PM-2025-031
title: Checkout errors while the database ran out of connections in the autumn sale
severity: SEV2
services: [checkout]
started: 2025-10-14T17:02:00Z
detected: 2025-10-14T17:05:00Z
mitigated: 2025-10-14T17:31:00Z
resolved: 2025-10-14T18:10:00Z
detection: alert
detected_by: ErrorBudgetBurn checkout/availability
trigger: sale traffic tripled the checkout pods
contributing_factors:
  - each checkout pod opens its own connection pool; at 30 pods the database refused new connections
  - no alert on connection pool saturation, only on errors
action_items:
  - title: Alert on connection pool saturation
    owner: dana
    type: detect
    status: done
    due: 2025-10-31
    closed: 2025-10-30
  - title: Size the pool per pod from the database's limit
    owner: lee
    type: prevent
    status: done
    due: 2025-11-07
    closed: 2025-11-05
---
## Summary

During the autumn sale checkout scaled to 30 pods and the database ran out of connections:
"too many clients already". One in five checkouts failed for half an hour.

## What went wrong

The pool size was set per pod when checkout ran on 8 pods and never revisited.
""",
    "2026-02-10-checkout-outage.md": """---
id: PM-2026-004
title: Checkout down for six minutes after the 2.7.0 deploy
severity: SEV1
services: [checkout]
started: 2026-02-10T09:12:00Z
detected: 2026-02-10T09:13:00Z
mitigated: 2026-02-10T09:18:00Z
resolved: 2026-02-10T09:18:00Z
detection: alert
detected_by: HighErrorRate checkout
trigger: deploy of checkout 2.7.0
deploys: [checkout@2.7.0]
contributing_factors:
  - 2.7.0 opened a connection pool per request; the database ran out of connections within a minute
  - the canary stage was skipped for a hotfix
action_items:
  - title: Lint for connection pools created per request
    owner: lee
    type: prevent
    status: open
    due: 2026-03-15
  - title: No deploy without the canary stage
    owner: dana
    type: process
    status: open
    due: 2026-02-28
---
## Summary

Every checkout request failed with 503 from 09:12 to 09:18 UTC: the database refused new
connections because 2.7.0 exhausted the pool. Rolled back to 2.6.3.

## What went wrong

The connection pool exhaustion of October again, through a different door: the pool alert
from then fired two minutes after the error alert.
""",
    "2025-12-02-queue-lag-false-page.md": """# QueueLagHigh paged at 03:10 for nothing

Date: 2025-12-02

## Summary

QueueLagHigh paged the on-call at 03:10 UTC. The notifications queue was draining a
nightly batch as it does every night; no message was late. It was a false alarm: paged for
nothing, no customer impact.

## Timeline

**2025-12-02** (all times UTC)

* 03:10 QueueLagHigh pages amara
* 03:24 lag back under the threshold by itself; resolved

## Action Items

| Action Item | Type | Owner | Status |
|---|---|---|---|
| Alert on message age, not queue length | detect | amara | open |
""",
    "2026-01-20-queue-lag-paged-again.md": """---
id: PM-2026-002
title: QueueLagHigh woke the on-call again, with no customer impact
severity: SEV4
services: [notifications]
started: 2026-01-20T02:55:00Z
detected: 2026-01-20T02:55:00Z
resolved: 2026-01-20T03:20:00Z
detection: alert
detected_by: QueueLagHigh
contributing_factors:
  - the threshold counts messages, and the nightly batch is large; a false alarm, again
action_items:
  - title: Replace QueueLagHigh with a burn-rate alert on delivery latency
    owner: amara
    type: detect
    status: open
    due: 2026-02-15
---
## Summary

A flapping QueueLagHigh alert paged at night; nothing was wrong. Second false page from this
alert in two months.
""",
    "2025-11-18-refunds-one-merchant.md": """---
id: PM-2025-036
title: Refunds failing for one merchant, found by support
severity: SEV3
services: [payments]
started: 2025-11-18T10:00:00Z
detected: 2025-11-18T11:40:00Z
resolved: 2025-11-18T12:30:00Z
detection: customer
detected_by: support ticket
contributing_factors:
  - the error rate of all merchants together stayed under the alert's threshold
  - we could not break the errors down by merchant, so it took an hour to see it was one merchant
action_items:
  - title: Per-merchant error breakdown on the payments dashboard
    owner: lee
    type: detect
    status: open
    due: 2025-12-15
---
## Summary

Refunds of one merchant failed for two hours. Support told us; the dashboards showed a
payments error rate well inside its objective.
""",
    "2026-02-18-payments-acme.md": """---
id: PM-2026-006
title: Payments failing for Acme Retail only
severity: SEV2
services: [payments]
started: 2026-02-18T15:00:00Z
detected: 2026-02-18T15:40:00Z
resolved: 2026-02-18T16:30:00Z
detection: customer
detected_by: Acme Retail's account manager
contributing_factors:
  - only the biggest merchant failed, so the overall error rate looked almost fine
  - no per-merchant breakdown; we could not tell which merchants were affected
action_items:
  - title: Burn-rate alert per top-20 merchant
    owner: dana
    type: detect
    status: open
    due: 2026-03-20
---
## Summary

Every payment of Acme Retail failed with 500 for 90 minutes. Reported by the merchant before
any alert; `basics slo breakdown payments/availability --by user` shows it in one line.
""",
    "2026-02-24-search-regression.md": """---
id: PM-2026-007
title: Search slow for a day after 3.5.0
severity: SEV3
services: [search]
started: 2026-02-24T10:00:00Z
detected: 2026-02-24T13:20:00Z
resolved: 2026-02-25T16:00:00Z
detection: employee
trigger: deploy of search 3.5.0
deploys: [search@3.5.0]
contributing_factors:
  - a new ranking stage ran on every query instead of the top 100 results
action_items:
  - title: Latency budget test in the search pipeline
    owner: lee
    type: prevent
    status: open
    due: 2026-03-31
---
## Summary

/search was three times slower at the median and five times at p99 until 3.5.1 shipped.
""",
}


def write_postmortems(folder: Path) -> list[Path]:
    """Write the demo's post-mortems into `folder/postmortems`; their paths."""
    target = folder / "postmortems"
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in POSTMORTEMS.items():
        path = target / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
