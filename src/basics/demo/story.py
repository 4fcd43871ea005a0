"""The demo company's month: its time span, its deploys and the incidents planted in its data.

Tillwise is a fictional payments company. Everything here is a constant so that tests, docs and the
CLI can name the same moments the generator plants.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

UTC = dt.UTC

COMPANY = "Tillwise"
START = dt.datetime(2026, 2, 1, tzinfo=UTC)
"""First instant of the demo data (inclusive)."""
END = dt.datetime(2026, 3, 3, tzinfo=UTC)
"""End of the demo data (exclusive): 30 days after START."""
DAYS = (END - START).days

BIGGEST_MERCHANT = "m-00001"
MERCHANT_NAMES = {
    "m-00001": "Acme Retail",
    "m-00002": "Northwind Books",
    "m-00003": "Blue Fern Coffee",
    "m-00004": "Harbor & Pine",
    "m-00005": "Quayside Cycles",
}


def _at(day: int, hour: int, minute: int = 0, second: int = 0, month: int = 2) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


@dataclass(frozen=True)
class Deploy:
    """One version reaching production: from `at` on, the service reports `version`."""

    service: str
    version: str
    at: dt.datetime


@dataclass(frozen=True)
class Incident:
    """A planted incident: a time range on one service, and the sentence that tells it."""

    name: str
    service: str
    start: dt.datetime
    end: dt.datetime
    summary: str


# 1. Full outage: every checkout request fails with 503 for six minutes, after a bad deploy.
CHECKOUT_OUTAGE_START = _at(10, 9, 12)
CHECKOUT_OUTAGE_END = _at(10, 9, 18)
CHECKOUT_OUTAGE_STATUS = 503
CHECKOUT_BAD_VERSION = "2.7.0"
CHECKOUT_BAD_DEPLOY = _at(10, 9, 11, 30)

# 2. Partial outage: payments fails with 500 for the biggest merchant only.
PAYMENTS_MERCHANT_OUTAGE_START = _at(18, 15, 0)
PAYMENTS_MERCHANT_OUTAGE_END = _at(18, 16, 30)
PAYMENTS_MERCHANT_OUTAGE_STATUS = 500
PAYMENTS_MERCHANT_OUTAGE_USER = BIGGEST_MERCHANT

# 3. Latency regression: search 3.5.0 makes /search slow until 3.5.1 ships.
SEARCH_REGRESSION_START = _at(24, 10, 0)
SEARCH_REGRESSION_END = _at(25, 16, 0)
SEARCH_REGRESSION_ROUTE = "/search"
SEARCH_VERSION_BEFORE = "3.4.2"
SEARCH_VERSION_SLOW = "3.5.0"
SEARCH_VERSION_FIXED = "3.5.1"
SEARCH_MEDIAN_FACTOR = 3.0
SEARCH_TAIL_FACTOR = 5.0

# 4. A 15-second blip: the web front end answers 502 to everything.
WWW_BLIP_START = _at(2, 14, 0, 5, month=3)
WWW_BLIP_END = _at(2, 14, 0, 20, month=3)
WWW_BLIP_STATUS = 502

# 5. Planned maintenance on payments, excluded from the budget by a correction in basics.yaml.
PAYMENTS_MAINTENANCE_START = _at(1, 2, 0, month=3)
PAYMENTS_MAINTENANCE_END = _at(1, 2, 20, month=3)
PAYMENTS_MAINTENANCE_STATUS = 503
PAYMENTS_CORRECTION_START = _at(1, 2, 0, month=3)
PAYMENTS_CORRECTION_END = _at(1, 3, 0, month=3)
PAYMENTS_CORRECTION_REASON = "planned maintenance"

DEPLOYS: tuple[Deploy, ...] = (
    Deploy("www", "2026.02.1", START),
    Deploy("www", "2026.02.2", _at(9, 11, 5)),
    Deploy("www", "2026.02.3", _at(19, 14, 40)),
    Deploy("www", "2026.03.1", _at(2, 10, 15, month=3)),
    Deploy("api", "2.18.0", START),
    Deploy("api", "2.18.1", _at(3, 10, 30)),
    Deploy("api", "2.19.0", _at(11, 13, 0)),
    Deploy("api", "2.19.1", _at(17, 9, 45)),
    Deploy("api", "2.20.0", _at(25, 11, 20)),
    Deploy("payments", "4.1.3", START),
    Deploy("payments", "4.2.0", _at(3, 14, 0)),
    Deploy("payments", "4.2.1", _at(26, 10, 30)),
    Deploy("checkout", "2.6.2", START),
    Deploy("checkout", "2.6.3", _at(5, 15, 10)),
    Deploy("checkout", CHECKOUT_BAD_VERSION, CHECKOUT_BAD_DEPLOY),
    Deploy("checkout", "2.6.3", CHECKOUT_OUTAGE_END),
    Deploy("checkout", "2.7.1", _at(12, 10, 0)),
    Deploy("checkout", "2.8.0", _at(23, 14, 30)),
    Deploy("search", "3.4.0", START),
    Deploy("search", "3.4.1", _at(6, 11, 0)),
    Deploy("search", SEARCH_VERSION_BEFORE, _at(16, 15, 30)),
    Deploy("search", SEARCH_VERSION_SLOW, SEARCH_REGRESSION_START),
    Deploy("search", SEARCH_VERSION_FIXED, SEARCH_REGRESSION_END),
    Deploy("notifications", "0.9.4", START),
    Deploy("notifications", "0.10.0", _at(13, 12, 0)),
    Deploy("notifications", "0.10.1", _at(27, 9, 30)),
)
"""Every service's versions over the month, in time order per service."""

INCIDENTS: tuple[Incident, ...] = (
    Incident(
        "checkout-outage",
        "checkout",
        CHECKOUT_OUTAGE_START,
        CHECKOUT_OUTAGE_END,
        "Full outage: checkout answered 503 to every request on 2026-02-10 from 09:12 to 09:18 "
        f"UTC (6 minutes), after deploying {CHECKOUT_BAD_VERSION}; rolling back to 2.6.3 ended it.",
    ),
    Incident(
        "payments-acme",
        "payments",
        PAYMENTS_MERCHANT_OUTAGE_START,
        PAYMENTS_MERCHANT_OUTAGE_END,
        f"Partial outage: payments answered 500 to every request from merchant {BIGGEST_MERCHANT} "
        f"({MERCHANT_NAMES[BIGGEST_MERCHANT]}, the biggest) on 2026-02-18 from 15:00 to 16:30 "
        "UTC while every other merchant was fine; try `breakdown --by auto` on payments.",
    ),
    Incident(
        "search-regression",
        "search",
        SEARCH_REGRESSION_START,
        SEARCH_REGRESSION_END,
        f"Latency regression: search {SEARCH_VERSION_SLOW}, deployed 2026-02-24 10:00 UTC, made "
        f"{SEARCH_REGRESSION_ROUTE} 3x slower at the median and 5x in the tail until "
        f"{SEARCH_VERSION_FIXED} shipped on 2026-02-25 16:00 UTC.",
    ),
    Incident(
        "www-blip",
        "www",
        WWW_BLIP_START,
        WWW_BLIP_END,
        "A 15-second blip: www answered 502 to every request on 2026-03-02 from 14:00:05 to "
        "14:00:20 UTC. Was it okay? Ask for the cost of that interval in error budget.",
    ),
    Incident(
        "payments-maintenance",
        "payments",
        PAYMENTS_MAINTENANCE_START,
        PAYMENTS_MAINTENANCE_END,
        "Planned maintenance: payments answered 503 on 2026-03-01 from 02:00 to 02:20 UTC; a "
        "correction in basics.yaml (02:00-03:00) keeps it out of the error budget.",
    ),
)
"""The planted incidents, in the order the story tells them."""
