"""The scorecard's settings in basics.yaml (`checks:`): thresholds, checks that do not apply,
and per-service exceptions, each with a reason and an expiry date."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, field_validator

from basics.core.durations import parse_duration_s

CHECKS: dict[str, str] = {
    "slo.availability": "an availability SLO is defined",
    "slo.latency": "a latency SLO is defined",
    "slo.receiving": "its SLOs are receiving events",
    "alerts.replay": "its alerts catch the known incidents without paging for nothing",
    "owner": "it has an owner",
    "runbook": "every paging alert has a runbook",
    "oncall.rotation": "an on-call rotation of at least two people",
    "oncall.concentration": "no one carries most of the pages or night pages",
    "oncall.load": "shifts stay within two incidents per 12 hours",
    "postmortems.coverage": "serious incidents have a post-mortem",
    "postmortems.actions": "action items are owned and not overdue",
    "deploys.recorded": "deploys are recorded",
    "deploys.dora": "change failure rate and lead time are known",
    "toil.cap": "toil stays under the cap",
}
"""Every check of the scorecard, by id, with the basic it measures."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _check_id(value: str) -> str:
    if value not in CHECKS:
        raise ValueError(f'unknown check "{value}" (known: {", ".join(CHECKS)})')
    return value


def _duration(value: str) -> str:
    from basics.core.errors import InputError

    try:
        parse_duration_s(value)
    except InputError as error:
        raise ValueError(str(error)) from None
    return value


class CheckException(_Model):
    """A check that does not apply to one service, for a reason, until a date (an expired
    exception fails the check: exceptions are reviewed, not forgotten)."""

    service: str
    check: str
    reason: str = Field(min_length=3)
    until: dt.date

    @field_validator("check")
    @classmethod
    def _known(cls, value: str) -> str:
        return _check_id(value)


class ChecksSettings(_Model):
    """What the scorecard measures and where each check's line is."""

    skip: list[str] = Field(default_factory=list)
    receiving_within: str = "24h"
    replay_window: str = "90d"
    min_recall: float = Field(default=1.0, ge=0, le=1)
    max_false_pages_per_month: float = Field(default=2.0, ge=0)
    max_pager_share_percent: float = Field(default=50.0, gt=0, le=100)
    min_pages: int = Field(default=10, ge=1)  # fewer pages are too few to judge who carries them
    oncall_window: str = "30d"
    postmortem_severity: int = Field(default=2, ge=1, le=9)
    deploys_window: str = "90d"
    toil_weeks: int = Field(default=4, ge=1, le=52)
    exceptions: list[CheckException] = Field(default_factory=list)

    @field_validator("skip")
    @classmethod
    def _skip(cls, value: list[str]) -> list[str]:
        return [_check_id(v) for v in value]

    @field_validator("receiving_within", "replay_window", "oncall_window", "deploys_window")
    @classmethod
    def _windows(cls, value: str) -> str:
        return _duration(value)

    def seconds(self, name: str) -> int:
        """One of the window settings (`replay_window`, …) in seconds."""
        return parse_duration_s(str(getattr(self, name)))
