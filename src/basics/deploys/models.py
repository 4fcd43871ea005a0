"""Records of the deploys domain: a deploy of a service, the changes (commits) it shipped,
and a deploy's link to an incident it caused.

Times are naive UTC. A deploy's `source_key` is its identity within its source (a git tag,
a GitHub deployment id, a Four Keys deploy id), so importing the same history twice updates
rather than duplicates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

DeployStatus = Literal["succeeded", "failed", "rolled-back"]
STATUSES: tuple[DeployStatus, ...] = ("succeeded", "failed", "rolled-back")
DeployFormat = Literal["github", "gitlab", "fourkeys", "jsonl", "csv"]
FORMATS: tuple[DeployFormat, ...] = ("github", "gitlab", "fourkeys", "jsonl", "csv")
SKIPPED = "skipped"
"""The `field` of a `DeployReject` that is not an error: a record that is not a finished
deploy to count (a GitHub status still pending, a pipeline without a deploy job)."""


@dataclass(frozen=True)
class Change:
    """One commit a deploy shipped: its sha and its authored and committed times."""

    sha: str
    authored_at: dt.datetime | None = None
    committed_at: dt.datetime | None = None


@dataclass(frozen=True)
class DeployRecord:
    """A deploy as a source tells it, before the store gives it an id."""

    service: str
    deployed_at: dt.datetime
    source_key: str
    status: DeployStatus = "succeeded"
    version: str | None = None
    commit: str | None = None
    environment: str = "production"
    actor: str | None = None
    url: str | None = None
    changes: tuple[Change, ...] = ()
    status_event: bool = False
    """`deployed_at` is the time of the status a webhook delivery reports (a GitHub
    deployment status, a GitLab hook): deliveries arrive in any order, so a status older
    than the one stored for the deploy does not replace it. An export or a CI record is a
    fresh telling of the deploy, and replaces what is stored whatever its time."""


@dataclass(frozen=True)
class Deploy:
    """A deploy in the store."""

    id: int
    service: str
    environment: str
    version: str | None
    commit: str | None
    deployed_at: dt.datetime
    status: DeployStatus
    actor: str | None
    url: str | None
    source: str
    changes: int = 0
    incidents: tuple[int, ...] = ()


@dataclass(frozen=True)
class DeployReject:
    """A record an importer could not turn into a deploy, and why."""

    line: int
    field: str | None
    reason: str
    raw: str


@dataclass(frozen=True)
class IncidentRecord:
    """An incident a deploy source reports (Four Keys' incidents, from GitHub issues or
    PagerDuty), with the commits named as its root cause: each is linked to the first
    deploy that shipped that commit. Only a resolved incident is one (readers skip those
    still open), ending after it starts."""

    source_key: str
    started_at: dt.datetime
    resolved_at: dt.datetime
    root_causes: tuple[str, ...] = ()
    title: str = ""
    service: str | None = None


@dataclass
class DeployRead:
    """What reading one file or payload found: deploys, incidents and rejects."""

    deploys: list[DeployRecord] = field(default_factory=list)
    incidents: list[IncidentRecord] = field(default_factory=list)
    rejects: list[DeployReject] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """How the input was read, where a user should know (the records inside an API
    response's wrapper object)."""


def recorded_key(
    service: str, version: str | None, commit: str | None, deployed_at: dt.datetime
) -> str:
    """The key of a deploy recorded from CI without an id of its own: recording the same
    deploy again (same service, version, commit and time) updates it."""
    return f"{service}:{version or ''}:{commit or ''}:{deployed_at.isoformat()}"
