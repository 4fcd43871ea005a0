"""Four Keys (github.com/dora-team/fourkeys) exports as JSON lines, rows of several tables in
one file, each row told by its fields:

    deployments  deploy_id, time_created, main_commit, changes[], source   a deploy
    changes      change_id, time_created, event_type                       a commit's time
    incidents    incident_id, time_created, time_resolved, changes[]       an incident
    events_raw   event_type, metadata (the webhook body as a string), id,  re-read as below
                 time_created, signature, msg_id, source

and the webhook bodies themselves (what Four Keys' data generator posts, or a capture).
Export each table with `bq extract --destination_format NEWLINE_DELIMITED_JSON` (or a query
with `--format=json`) and concatenate the files; row order does not matter.

Four Keys' derived tables hold only successful deploys and name no service or environment:
their deploys are "succeeded", in "production", of the service passed in; their key is
`fourkeys:<source>:<deploy_id>`. A deploy's changes are its `changes`, each with the time
the changes table gives it (as the commit time) when a row for it is in the input.
Incidents keep their root-cause commits, each once however often Four Keys repeated it.
Raw events are re-read with Basics' own rules (the github and gitlab readers): a GitHub
deployment status, a GitLab deployment, pipeline or job; a push gives its commits' times and
the commits a deploy of its head shipped; an issue labelled "Incident" with
"root cause: <sha>" in its text is an incident. Import the raw events or the derived tables,
not both: their keys differ.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from basics.deploys.formats import github, gitlab
from basics.deploys.formats.common import (
    DeploySet,
    JsonRecord,
    RecordError,
    Skip,
    decode,
    json_object,
    json_type,
    json_values,
    make_reject,
    optional_text,
    optional_time,
    required_text,
    required_time,
    skip,
    value_at,
)
from basics.deploys.models import Change, DeployRead, DeployRecord, DeployReject, IncidentRecord

SOURCE = "fourkeys"
_ROOT_CAUSE = re.compile(r"root cause: ([0-9A-Za-z]+)")


@dataclass
class _Incident:
    """What the rows or events of one incident say, folded."""

    line: int
    raw: str
    started_at: dt.datetime
    resolved_at: dt.datetime | None
    resolved_field: str  # where the end is told, for messages
    root_causes: list[str] = field(default_factory=list)
    labelled: bool = True
    service: str | None = None
    title: str = ""


@dataclass
class _Read:
    """Everything the rows say, before deploys get their changes."""

    service: str | None
    deploys: list[tuple[DeployRecord, tuple[str, ...]]] = field(default_factory=list)
    commit_times: dict[str, dt.datetime] = field(default_factory=dict)
    pushed: dict[str, tuple[str, ...]] = field(default_factory=dict)  # head sha → its commits
    incidents: dict[str, _Incident] = field(default_factory=dict)
    rejects: list[DeployReject] = field(default_factory=list)


def read(
    data: bytes, name: str, mapping: dict[str, str] | None = None, service: str | None = None
) -> DeployRead:
    """Deploys and incidents from Four Keys table exports and raw events; `service` names
    the deploys of the derived tables (which name none). `mapping` is unused."""
    text, rejects = decode(data, name)
    records, broken = json_values(text)
    state = _Read(service, rejects=rejects + broken)
    for record in records:
        try:
            if not isinstance(record.value, dict):
                raise RecordError(None, f"expected a JSON object, found {json_type(record.value)}")
            _row(state, record, record.value)
        except Skip as skipped:
            state.rejects.append(skip(record.line, skipped.why, record.raw))
        except RecordError as error:
            state.rejects.append(make_reject(record.line, error, record.raw))
    return _finish(state)


def _row(state: _Read, record: JsonRecord, row: dict[str, Any]) -> None:
    if "deploy_id" in row:
        state.deploys.append(_deployments_row(row, state.service))
    elif "change_id" in row:
        _changes_row(state, row)
    elif "incident_id" in row:
        _incidents_row(state, record, row)
    elif "metadata" in row and "event_type" in row:
        _event(state, record, _event_type(row), _metadata(row), _source(row))
    else:
        kind, source = _payload_kind(row)
        _event(state, record, kind, row, source)


# --- derived tables --------------------------------------------------------------------------


def _deployments_row(
    row: dict[str, Any], service: str | None
) -> tuple[DeployRecord, tuple[str, ...]]:
    deploy_id = required_text(row, "deploy_id")
    if service is None:
        raise RecordError(
            "service",
            "missing service: Four Keys' deployments table names none; pass the service "
            "these deploys are of",
        )
    deploy = DeployRecord(
        service=service,
        deployed_at=_required_time(row, "time_created"),
        source_key=f"{SOURCE}:{_source(row)}:{deploy_id}",
        commit=optional_text(row, "main_commit"),
    )
    return deploy, _shas(row, "changes")


def _changes_row(state: _Read, row: dict[str, Any]) -> None:
    sha = required_text(row, "change_id")
    state.commit_times[sha] = _required_time(row, "time_created")


def _incidents_row(state: _Read, record: JsonRecord, row: dict[str, Any]) -> None:
    incident_id = required_text(row, "incident_id")
    _fold_incident(
        state,
        f"{SOURCE}:{_source(row)}:{incident_id}",
        _Incident(
            record.line,
            record.raw,
            started_at=_required_time(row, "time_created"),
            resolved_at=optional_time(value_at(row, "time_resolved"), "time_resolved"),
            resolved_field="time_resolved",
            root_causes=list(_shas(row, "changes")),
            service=state.service,
        ),
    )


def _fold_incident(state: _Read, key: str, told: _Incident) -> None:
    held = state.incidents.setdefault(key, dataclasses.replace(told, root_causes=[]))
    held.started_at = min(held.started_at, told.started_at)
    if told.resolved_at is not None and (
        held.resolved_at is None or told.resolved_at > held.resolved_at
    ):
        held.resolved_at = told.resolved_at
    # Four Keys repeats a root cause once per update of its issue: each commit counts once.
    held.root_causes += [sha for sha in told.root_causes if sha not in held.root_causes]
    held.labelled = held.labelled or told.labelled
    held.title = told.title or held.title  # the latest event's title: issues get renamed


# --- raw events and webhook bodies -----------------------------------------------------------


def _event_type(row: dict[str, Any]) -> str:
    return required_text(row, "event_type")


def _metadata(row: dict[str, Any]) -> dict[str, Any]:
    value = row.get("metadata")
    found = (
        value if isinstance(value, dict) else json_object(value) if isinstance(value, str) else None
    )
    if found is None:
        raise RecordError("metadata", "expected the webhook body as a JSON object in a string")
    return found


def _source(row: dict[str, Any]) -> str:
    # Four Keys writes "githubmock" / "gitlabmock" for its generator's events.
    return optional_text(row, "source") or "unknown"


def _payload_kind(payload: dict[str, Any]) -> tuple[str, str]:
    """The event type and source of a bare webhook body, told by its shape."""
    kind = payload.get("object_kind")
    if isinstance(kind, str):
        return kind, "gitlab"
    for key, event_type in (("deployment_status", "deployment_status"), ("issue", "issues")):
        if key in payload:
            return event_type, "github"
    if "commits" in payload:
        return "push", "github"
    names = ", ".join(list(payload)[:8])
    raise RecordError(
        None,
        "expected a Four Keys row (deployments, changes, incidents or events_raw) or a "
        f"webhook body; found fields: {names}",
    )


def _event(state: _Read, record: JsonRecord, kind: str, body: dict[str, Any], source: str) -> None:
    platform = "gitlab" if source.startswith("gitlab") else "github"
    if kind == "deployment_status" or (kind == "deployment" and platform == "github"):
        state.deploys.append((github.deploy_from_payload(body, state.service), ()))
    elif kind in ("deployment", "pipeline", "build", "job") and platform == "gitlab":
        found, dropped = gitlab.deploys_from_payload(
            {**body, "object_kind": "build" if kind == "job" else kind},
            state.service,
            record.line,
            record.raw,
        )
        state.deploys += [(deploy, ()) for deploy in found]
        state.rejects += dropped
    elif kind in ("push", "tag_push"):
        _push(state, body, platform)
    elif kind in ("issues", "issue"):
        _issue(state, record, body, platform, source)
    else:
        raise Skip(f'a "{kind}" event says nothing about deploys or incidents')


def _push(state: _Read, body: dict[str, Any], platform: str) -> None:
    head = optional_text(body, "checkout_sha" if platform == "gitlab" else "head_commit.id")
    commits = value_at(body, "commits")
    if not isinstance(commits, list):
        raise RecordError("commits", "expected an array of commits in the push")
    shas: list[str] = []
    for index, commit in enumerate(commits):
        if not isinstance(commit, dict):
            raise RecordError(f"commits[{index}]", "expected a commit object")
        sha = optional_text(commit, "id")
        if sha is None:
            raise RecordError(f"commits[{index}].id", "missing the commit's id")
        shas.append(sha)
        committed = optional_time(commit.get("timestamp"), f"commits[{index}].timestamp")
        if committed is not None:
            state.commit_times[sha] = committed
    if head is not None:
        state.pushed[head] = tuple(dict.fromkeys(shas))


def _issue(
    state: _Read, record: JsonRecord, body: dict[str, Any], platform: str, source: str
) -> None:
    at = "object_attributes" if platform == "gitlab" else "issue"
    number = optional_text(body, f"{at}.id" if platform == "gitlab" else f"{at}.number")
    if number is None:
        raise RecordError(f"{at}.id", f"missing the issue's id in {at}")
    label_key = "title" if platform == "gitlab" else "name"
    labels = value_at(body, f"{at}.labels") or []
    text = optional_text(body, f"{at}.description" if platform == "gitlab" else f"{at}.body") or ""
    _fold_incident(
        state,
        f"{SOURCE}:{source}:{number}",
        _Incident(
            record.line,
            record.raw,
            started_at=_required_time(body, f"{at}.created_at"),
            resolved_at=optional_time(value_at(body, f"{at}.closed_at"), f"{at}.closed_at"),
            resolved_field=f"{at}.closed_at",
            root_causes=list(dict.fromkeys(_ROOT_CAUSE.findall(text))),
            labelled=isinstance(labels, list)
            and any(isinstance(x, dict) and x.get(label_key) == "Incident" for x in labels),
            service=state.service or optional_text(body, "repository.name"),
            title=optional_text(body, f"{at}.title") or "",
        ),
    )


# --- assembling ------------------------------------------------------------------------------


def _finish(state: _Read) -> DeployRead:
    deploys = DeploySet()
    for deploy, listed in state.deploys:
        shas = listed or state.pushed.get(deploy.commit or "", ())
        changes = tuple(Change(sha, committed_at=state.commit_times.get(sha)) for sha in shas)
        deploys.add(dataclasses.replace(deploy, changes=changes))
    incidents: list[IncidentRecord] = []
    for key, told in state.incidents.items():
        try:
            incidents.append(_incident(key, told))
        except Skip as skipped:
            state.rejects.append(skip(told.line, skipped.why, told.raw))
        except RecordError as error:
            state.rejects.append(make_reject(told.line, error, told.raw))
    rejects = sorted(state.rejects, key=lambda reject: reject.line)
    return DeployRead(deploys=deploys.deploys(), incidents=incidents, rejects=rejects)


def _incident(key: str, told: _Incident) -> IncidentRecord:
    """The incident the folded rows or events tell; Skip or RecordError when it cannot be
    stored: Basics keeps incidents with their end (an open one is judged once it ends)."""
    if not told.labelled:
        raise Skip(f"issue {key} is not labelled Incident")
    if told.resolved_at is None:
        raise Skip(f"incident {key} is still open: import again once it is resolved")
    if told.resolved_at <= told.started_at:
        raise RecordError(
            told.resolved_field,
            f"incident {key} ends ({told.resolved_at:%Y-%m-%d %H:%M:%S}) no later than it "
            f"starts ({told.started_at:%Y-%m-%d %H:%M:%S}): expected its end after its start",
        )
    return IncidentRecord(
        source_key=key,
        started_at=told.started_at,
        resolved_at=told.resolved_at,
        root_causes=tuple(told.root_causes),
        title=told.title,
        service=told.service,
    )


_FOUR_KEYS_TIME = "a time such as 2024-05-01 12:00:00 UTC"


def _required_time(row: dict[str, Any], name: str) -> dt.datetime:
    return required_time(value_at(row, name), name, _FOUR_KEYS_TIME)


def _shas(row: dict[str, Any], name: str) -> tuple[str, ...]:
    value = value_at(row, name)
    if value is None:
        return ()
    if not isinstance(value, list):
        raise RecordError(
            name, f"expected an array of commit shas for {name}, found {json_type(value)}"
        )
    return tuple(dict.fromkeys(str(sha).strip() for sha in value if sha not in (None, "")))
