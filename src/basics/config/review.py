"""The weekly review's settings in basics.yaml (`review:`): the one cost scale that ranks what
to fix next, in engineer-hours, with its weights."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ReviewWeights(_Model):
    """What each measured cost is worth in engineer-hours, so that all candidates rank on one
    scale. Change them to say what your team values; the review shows every product."""

    toil_hour: float = Field(default=1.0, ge=0)
    page: float = Field(default=0.25, ge=0)  # a daytime page: the interruption
    night_page: float = Field(default=2.0, ge=0)  # the sleep lost, and the next day
    budget_percent: float = Field(default=0.5, ge=0)  # 1 % of an SLO's error budget burned
    postmortem: float = Field(default=4.0, ge=0)  # each one a theme recurred in
    overdue_action: float = Field(default=2.0, ge=0)  # each overdue action item
    failing_check: float = Field(default=1.0, ge=0)  # each failing scorecard check


class ReviewSettings(_Model):
    """The review's cost scale and how much of it to show."""

    weights: ReviewWeights = Field(default_factory=ReviewWeights)
    min_budget_percent: float = Field(default=1.0, ge=0)
    top: int = Field(default=10, ge=1, le=100)
