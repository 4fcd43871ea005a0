"""Alert policies in basics.yaml: multi-window, multi-burn-rate tiers (SRE Workbook ch. 5)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from basics.core.durations import parse_duration_s
from basics.core.errors import BasicsError


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _duration(value: str) -> str:
    try:
        seconds = parse_duration_s(value)
    except BasicsError as error:
        raise ValueError(str(error)) from None
    if seconds % 60 or not 60 <= seconds <= 366 * 86400:
        # Alerts are evaluated on per-minute rollups: a window is whole minutes, at most a year.
        raise ValueError(
            "an alert window is a whole number of minutes (1m, 5m, 1h), at most 366d, "
            f'got "{value}"'
        )
    return value


class AlertTier(_Model):
    """Fire when the burn rate over both windows exceeds the tier's factor.

    The factor is given either as a share of the SLO window's budget spent within the long
    window (`budget_share`, percent: the Workbook's 2 %, 5 %, 10 %), from which it is derived
    for the SLO's own window as `share × window / long window`, or directly (`burn_rate`).
    """

    long_window: str = Field(alias="long")
    short_window: str | None = Field(default=None, alias="short")
    budget_share: Decimal | None = None
    burn_rate: Decimal | None = None
    severity: Literal["page", "ticket"] = "page"

    @field_validator("long_window", "short_window")
    @classmethod
    def _window(cls, value: str | None) -> str | None:
        return None if value is None else _duration(value)

    @field_validator("budget_share", "burn_rate", mode="before")
    @classmethod
    def _positive(cls, value: Any) -> Any:
        if value is None:
            return None
        try:
            number = Decimal(str(value))
        except ArithmeticError:
            raise ValueError(f'expected a positive number, got "{value}"') from None
        if not number.is_finite() or number <= 0:
            raise ValueError(f'expected a positive number, got "{value}"')
        return number

    @model_validator(mode="after")
    def _one_threshold(self) -> AlertTier:
        if (self.budget_share is None) == (self.burn_rate is None):
            raise ValueError("give a tier exactly one of budget_share (percent) or burn_rate")
        if self.budget_share is not None and self.budget_share > 100:
            raise ValueError(f"budget_share is a percentage (0-100], got {self.budget_share}")
        if self.short_window is not None and parse_duration_s(
            self.short_window
        ) >= parse_duration_s(self.long_window):
            raise ValueError("a tier's short window must be shorter than its long window")
        return self

    @property
    def long_s(self) -> int:
        """Long window in seconds."""
        return parse_duration_s(self.long_window)

    @property
    def short_s(self) -> int | None:
        """Short window in seconds, if the tier has one."""
        return None if self.short_window is None else parse_duration_s(self.short_window)


class AlertPolicy(_Model):
    """Tiers plus the guards that keep an alert honest."""

    tiers: list[AlertTier]
    min_events: int = Field(default=0, ge=0)
    no_data: Literal["ok", "keep"] = "ok"
    description: str | None = None

    @field_validator("tiers")
    @classmethod
    def _some(cls, value: list[AlertTier]) -> list[AlertTier]:
        if not value:
            raise ValueError("a policy needs at least one tier")
        return value


class AlertingConfig(_Model):
    """`alerting:` in basics.yaml."""

    default_policy: str = "workbook"
    grace: str = "15m"
    policies: dict[str, AlertPolicy] = Field(default_factory=dict)

    @field_validator("grace", mode="before")
    @classmethod
    def _grace(cls, value: Any) -> str:
        # 0 (or 0m, 0s): a firing catches an incident only inside it, no minute either side.
        if str(value).strip() in ("0", "0s", "0m", "0h"):
            return "0m"
        return _duration(str(value))

    @property
    def grace_s(self) -> int:
        """The grace in seconds (0 allowed, unlike a window)."""
        return 0 if self.grace == "0m" else parse_duration_s(self.grace)


# Built-in policies, always available by name (a policy of the same name in basics.yaml wins).
BUILTIN_POLICIES: dict[str, AlertPolicy] = {
    # SRE Workbook, ch. 5, approach 6: multiwindow, multi-burn-rate alerts.
    "workbook": AlertPolicy.model_validate(
        {
            "description": "SRE Workbook multi-window multi-burn-rate (approach 6)",
            "tiers": [
                {"long": "1h", "short": "5m", "budget_share": 2, "severity": "page"},
                {"long": "6h", "short": "30m", "budget_share": 5, "severity": "page"},
                {"long": "3d", "short": "6h", "budget_share": 10, "severity": "ticket"},
            ],
        }
    ),
    # Approach 4: alert on burn rate, one window.
    "single-1h": AlertPolicy.model_validate(
        {
            "description": "burn rate above 36 over 1 h, no short window (approach 4)",
            "tiers": [{"long": "1h", "burn_rate": 36, "severity": "page"}],
        }
    ),
    # Approach 1: the error ratio above the SLO's threshold over 10 minutes.
    "error-rate": AlertPolicy.model_validate(
        {
            "description": "error ratio above the SLO threshold over 10 min (approach 1)",
            "tiers": [{"long": "10m", "burn_rate": 1, "severity": "page"}],
        }
    ),
}
