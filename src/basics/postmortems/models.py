"""Post-mortems as Basics reads them: Markdown files, with or without YAML front matter.

Times are naive UTC. A field a document does not state is None (never guessed from
another): `found` and `missing` say what the reader could and could not tell.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from typing import Literal

Detection = Literal["alert", "customer", "employee", "unknown"]
DETECTIONS: tuple[Detection, ...] = ("alert", "customer", "employee", "unknown")
ItemStatus = Literal["open", "done"]

SECTIONS = (
    "summary",
    "impact",
    "timeline",
    "trigger",
    "root_cause",
    "contributing_factors",
    "detection",
    "resolution",
    "what_went_well",
    "what_went_wrong",
    "lucky",
    "lessons",
    "action_items",
)
"""The canonical sections, whatever a template calls them (`parse.HEADINGS`)."""


@dataclass(frozen=True)
class ActionItem:
    """A follow-up: what, who, what kind, whether done, by when."""

    title: str
    owner: str | None = None
    type: str | None = None
    status: ItemStatus = "open"
    due: dt.date | None = None
    closed: dt.date | None = None
    ticket: str | None = None  # the tracker's key of it, as written (PAY-220, #2345)


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a timeline: when (UTC, None when the line gives no time) and what."""

    at: dt.datetime | None
    text: str


@dataclass(frozen=True)
class PostMortem:
    """One post-mortem document, parsed."""

    id: str
    path: str
    title: str
    sha256: str
    severity: str | None = None
    services: tuple[str, ...] = ()
    started: dt.datetime | None = None
    detected: dt.datetime | None = None
    mitigated: dt.datetime | None = None
    resolved: dt.datetime | None = None
    detection: Detection = "unknown"
    detected_by: str | None = None
    trigger: str | None = None
    contributing_factors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    deploys: tuple[str, ...] = ()  # the deploys that caused it: ids or SERVICE@VERSION
    action_items: tuple[ActionItem, ...] = ()
    timeline: tuple[TimelineEntry, ...] = ()
    sections: dict[str, str] = field(default_factory=dict)
    found: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    day: dt.date | None = None  # the document's own date (a "Date:" line, the timeline's)
    zone: str = "UTC"  # the time zone its dates are local to (basics.yaml's `timezone`)

    @property
    def date(self) -> dt.date | None:
        """The day it started, in `zone` (a Sunday evening in California is that Sunday,
        not Monday in UTC), else the document's date, else None."""
        if self.started is None:
            return self.day
        local = self.started.replace(tzinfo=dt.UTC).astimezone(zoneinfo.ZoneInfo(self.zone))
        return local.date()


@dataclass(frozen=True)
class LintFinding:
    """Something a post-mortem should say and does not, or says inconsistently."""

    id: str
    path: str
    field: str
    problem: str
