"""The demo company's basics.yaml: a commented template filled from the story's times."""

from __future__ import annotations

import datetime as dt
from string import Template

from basics.demo import story


def render_config() -> str:
    """The demo's basics.yaml, commented for a newcomer."""
    return _CONFIG.substitute(
        correction_from=_iso(story.PAYMENTS_CORRECTION_START),
        correction_to=_iso(story.PAYMENTS_CORRECTION_END),
        correction_reason=story.PAYMENTS_CORRECTION_REASON,
    )


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_CONFIG = Template("""\
# basics.yaml for Tillwise, a fictional payments company (written by `basics demo`).
#
# This file is everything Basics knows about your systems: the time zone you read reports in,
# where the store lives, how to read your logs (sources) and what "reliable enough" means for
# each service (SLOs). Change it and run the reports again; nothing else holds state you edit.

# Calendar windows (`window: month`) and daily reports follow this time zone.
timezone: Europe/London

# The DuckDB file that holds events and per-minute rollups, relative to this file.
store: basics.duckdb

# Where reports end when no --at / --to is given. The demo's history ends in March 2026, so
# `latest` (the newest event) rather than `now`, which shows an empty window. A team whose
# logs arrive as they happen keeps the default, `now`.
reports:
  end: latest

# Burn-rate alerts. `basics alerts replay SLO --from ...` shows how a policy would have behaved on
# this history and judges it against the recorded incidents; `basics alerts evaluate` shows now.
alerting:
  default_policy: workbook   # the SRE Workbook's multi-window, multi-burn-rate policy (built in)
  grace: 15m                 # a firing this close to an incident still counts as catching it

# Sources: how to read each kind of file. `fields` maps a canonical field (on the left:
# ts, service, operation, user, status, duration_ms, attrs.<name>) to the name your team's logs
# use (on the right). Dots reach into nested objects: `merchant.id` reads {"merchant": {"id": ..}}.
# Each data file is read with one source: data/payments.jsonl with `payments`, and so on.
sources:
  # The web front end: nginx's combined log with $$request_time appended (in seconds).
  web:
    format: nginx
    service: www
  # The API gateway logs the HTTP details in a nested object.
  api:
    format: jsonl
    fields:
      ts: timestamp
      service: service
      operation: http.path
      user: user_id
      status: http.status
      duration_ms: latency_ms
      attrs.method: http.method
      attrs.region: region
      attrs.version: version
      attrs.host: instance
  payments:
    format: jsonl
    fields:
      ts: time
      service: svc
      operation: route
      user: merchant.id
      status: http_status
      duration_ms: latency_ms
      attrs.region: region
      attrs.version: version
      attrs.host: host
  checkout:
    format: jsonl
    fields:
      ts: ts
      service: app
      operation: endpoint
      user: customer
      status: code
      duration_ms: took_ms
      attrs.region: region
      attrs.version: release
      attrs.host: pod
  search:
    format: jsonl
    fields:
      ts: time
      service: service
      operation: op
      user: account
      status: status
      duration_ms: elapsed_ms
      attrs.region: meta.region
      attrs.version: meta.version
      attrs.host: meta.host
  # Notifications already logs the canonical names (ts, service, operation, user, status,
  # duration_ms and an `attrs` object), so it needs no mapping at all.
  notifications:
    format: jsonl

# Services and their SLOs. An SLO counts the events that are `good` among those that are `valid`
# (all events when `valid` is absent) over a rolling window such as 30d, or a calendar month.
# The error budget is the share of events allowed to be bad: 99.9 % leaves 0.1 %.
# 4xx answers (404, 429) are the client's problem, so availability counts only 5xx as bad.
# Each SLO's `prometheus:` block says how the same SLI looks in Prometheus (request counters,
# a latency histogram), so `basics alerts export prometheus` writes rules Prometheus can run.
services:
  www:
    owner: web                   # a team under teams: (below)
    oncall: platform-primary     # the rotation that takes its pages
    runbook: https://runbooks.tillwise.internal/www
    description: The web front end at tillwise.com, behind nginx.
    slos:
      availability:
        objective: 99.9
        window: 30d
        good: status < 500
        valid: operation != "/health"
        prometheus:
          errors: 'http_requests_total{job="www",code=~"5.."}'
          total: 'http_requests_total{job="www"}'
      latency:
        objective: 99
        window: 30d
        good: duration_ms <= 500
        valid: operation != "/health"
        prometheus:
          histogram: http_request_duration_seconds
          selector: '{job="www"}'
          buckets: [0.1, 0.25, 0.5, 1, 2.5]
          threshold_s: 0.5

  api:
    owner: platform
    oncall: platform-primary     # the rotation that takes its pages
    runbook: https://runbooks.tillwise.internal/api
    description: The public API gateway in front of payments, checkout and search.
    slos:
      availability:
        objective: 99.9
        window: 30d
        good: status < 500
        valid: operation != "/health"
        prometheus:
          errors: 'http_requests_total{job="api",code=~"5.."}'
          total: 'http_requests_total{job="api"}'
      latency:
        objective: 99
        window: 30d
        good: duration_ms <= 500
        valid: operation != "/health"
        prometheus:
          histogram: http_request_duration_seconds
          selector: '{job="api"}'
          buckets: [0.1, 0.25, 0.5, 1, 2.5]
          threshold_s: 0.5

  payments:
    owner: payments
    oncall: platform-primary     # the rotation that takes its pages
    runbook: https://runbooks.tillwise.internal/payments
    description: Charges, captures, refunds and payouts. Money moves here.
    slos:
      availability:
        objective: 99.9
        window: 30d
        good: status < 500
        valid: operation != "/health"
        prometheus:
          errors: 'http_requests_total{job="payments",code=~"5.."}'
          total: 'http_requests_total{job="payments"}'
      latency:
        objective: 99
        # A calendar month in Europe/London: the budget resets on the 1st, as finance reports do.
        window: month
        good: duration_ms <= 1000
        valid: operation != "/health"
        prometheus:
          histogram: http_request_duration_seconds
          selector: '{job="payments"}'
          buckets: [0.1, 0.25, 0.5, 1, 2.5]
          threshold_s: 1
    # Budget corrections: time ranges left out of every SLO of this service, with a reason.
    corrections:
      - from: $correction_from
        to: $correction_to
        reason: $correction_reason

  checkout:
    owner: payments
    oncall: platform-primary     # the rotation that takes its pages
    runbook: https://runbooks.tillwise.internal/checkout
    description: Carts and hosted checkout sessions.
    slos:
      availability:
        objective: 99.9
        window: 30d
        good: status < 500
        valid: operation != "/health"
        prometheus:
          errors: 'http_requests_total{job="checkout",code=~"5.."}'
          total: 'http_requests_total{job="checkout"}'
      latency:
        objective: 99
        window: 30d
        good: duration_ms <= 600
        valid: operation != "/health"
        prometheus:
          histogram: http_request_duration_seconds
          selector: '{job="checkout"}'
          buckets: [0.1, 0.3, 0.6, 1.2, 2.5]
          threshold_s: 0.6

  search:
    owner: search
    oncall: platform-primary     # the rotation that takes its pages
    runbook: https://runbooks.tillwise.internal/search
    description: Merchant search over transactions and customers.
    slos:
      availability:
        objective: 99.5
        window: 30d
        good: status < 500
        valid: operation != "/health"
        prometheus:
          errors: 'http_requests_total{job="search",code=~"5.."}'
          total: 'http_requests_total{job="search"}'
      latency:
        # Timeslices: a minute is good when at least 95 % of its requests are fast enough,
        # and 95 % of the window's minutes must be good.
        objective: 95
        window: 30d
        good: duration_ms <= 300
        valid: operation != "/health"
        prometheus:
          histogram: http_request_duration_seconds
          selector: '{job="search"}'
          buckets: [0.05, 0.1, 0.3, 1, 2.5]
          threshold_s: 0.3
        budgeting: timeslices
        slice: 1m
        slice_target: 95

  notifications:
    owner: growth
    oncall: platform-primary     # the rotation that takes its pages
    description: E-mail, SMS and webhook delivery to merchants.
    slos:
      availability:
        objective: 99.5
        window: 30d
        good: status < 500
        valid: operation != "/health"
        prometheus:
          errors: 'http_requests_total{job="notifications",code=~"5.."}'
          total: 'http_requests_total{job="notifications"}'
      latency:
        objective: 95
        window: 30d
        good: duration_ms <= 400
        valid: operation != "/health"
        prometheus:
          histogram: http_request_duration_seconds
          selector: '{job="notifications"}'
          buckets: [0.1, 0.2, 0.4, 1, 2.5]
          threshold_s: 0.4

# People who can be paged, each in their own time zone: the on-call report counts a page at
# 23:00 in London as a night page for someone in London, and as an evening one in New York.
people:
  amara: {name: Amara Okafor, timezone: Europe/London}
  ben: {name: Ben Hughes, timezone: Europe/London}
  dana: {name: Dana Whitfield, timezone: Europe/London}
  kofi: {name: Kofi Mensah, timezone: America/New_York}
  lucia: {name: Lucia Ortega, timezone: America/New_York}

# Teams own services (`owner:`) and carry rotations; `--team` keeps a report to one team's
# (`basics deploys dora --team payments`: payments and checkout). Platform runs the API gateway
# and carries the pager for every service (platform-primary); its members keep the toil sheet.
# The product teams list no members yet, so their toil is not measured: `basics check` says
# so under toil.cap until they do.
teams:
  platform: {members: [amara, ben, dana, kofi, lucia]}
  web: {}
  payments: {}
  search: {}
  growth: {}

# On-call rotations: people take turns, handing over at a local day and time (so daylight
# saving never moves the handover). Pages from Alertmanager name nobody: each goes to whoever
# was on call when it fired. `basics oncall report --from 2026-02-01 --to 2026-03-03` shows
# the load per shift, the noisiest alerts and how evenly the pages fell.
rotations:
  platform-primary:
    team: platform
    timezone: Europe/London
    every: weekly
    handover: monday 09:00
    start: 2026-01-26
    people: [amara, kofi, dana, ben, lucia]
    # Overrides put someone else on call over [from, to). Dana covered Ben's and Lucia's weeks
    # back to back after her own, so she carried most of February's pages.
    overrides:
      - {person: dana, from: 2026-02-16T09:00:00Z, to: 2026-02-23T09:00:00Z}
      - {person: dana, from: 2026-02-23T09:00:00Z, to: 2026-03-02T09:00:00Z}
""")
