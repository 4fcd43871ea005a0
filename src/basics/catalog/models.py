"""The scorecard: for each service, each basic measured, with its verdict, the number that
decided it, and how to fix it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

Verdict = Literal["pass", "warn", "fail", "excepted"]
RANK: dict[Verdict, int] = {"pass": 0, "excepted": 0, "warn": 1, "fail": 2}
"""How bad a verdict is: an excepted check counts as passing, until its exception expires."""


@dataclass(frozen=True)
class Check:
    """One basic of one service: the verdict, the measured figure that decided it (`value`
    and `measured`, in words), the line it was held to, and how to fix it."""

    check: str
    basic: str
    verdict: Verdict
    measured: str
    value: float | None = None
    threshold: str | None = None
    fix: str | None = None
    evidence: str | None = None  # the command that shows it
    exception: str | None = None  # the reason, when excepted (or expired)


@dataclass(frozen=True)
class Scorecard:
    """A service's checks, and its worst verdict."""

    service: str
    owner: str | None
    team: str | None
    verdict: Verdict
    passed: int
    warned: int
    failed: int
    checks: list[Check] = field(default_factory=list)


@dataclass(frozen=True)
class CheckReport:
    """Every service's scorecard at a moment."""

    at: dt.datetime
    verdict: Verdict
    services: list[Scorecard]
    skipped: list[str]


@dataclass(frozen=True)
class HistoryRow:
    """A service's scorecard in one ISO week: the last snapshot of that week."""

    week: str
    day: dt.date
    service: str
    verdict: Verdict
    passed: int
    warned: int
    failed: int
    failing: list[str]
