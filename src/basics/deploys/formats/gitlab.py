"""GitLab webhook payloads: Deployment Hook, Pipeline Hook and Job Hook bodies, one body, a
JSON array of bodies, or JSON lines of bodies (a capture).

A deploy is a CI job that deploys to an environment. Its key is the job's id
(`gitlab:job:<id>`) whichever hook told it: a Deployment Hook names its job in
`deployable_id`, a Pipeline Hook lists its jobs in `builds` (those with an `environment`
whose action is `start`), a Job Hook is one job. So a project that sends several kinds of
events, and GitLab's repeated deliveries as a pipeline moves on, still make one deploy per
job, with its latest status (each a status event, `DeployRecord.status_event`: one
delivered after a newer one replaces nothing stored). A deployment made through the API has
no job: its key is `gitlab:deployment:<deployment_id>`. Statuses map as:

    success                              succeeded
    failed                               failed
    created, pending, running, waiting_  skipped: not final
    for_resource, preparing, blocked,
    manual, scheduled
    canceled, skipped                    skipped: it did not finish, so it shipped nothing
                                         we can count

A pipeline without a job that deploys to an environment is not a deploy (skipped).
GitLab has no "rolled back" status: a rollback is a new deployment of an older commit.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from basics.deploys.formats.common import (
    DeploySet,
    JsonRecord,
    RecordError,
    Skip,
    decode,
    finish,
    json_type,
    json_values,
    make_reject,
    normalize_environment,
    optional_text,
    required_time,
    skip,
    value_at,
)
from basics.deploys.models import DeployRead, DeployRecord, DeployReject, DeployStatus

SOURCE = "gitlab"
_FINAL: dict[str, DeployStatus] = {"success": "succeeded", "failed": "failed"}
_NOT_RUN = ("canceled", "cancelled", "skipped")
_NOT_FINAL = (
    "created", "pending", "running", "waiting_for_resource", "preparing", "blocked",
    "manual", "scheduled", "waiting_for_callback", "canceling",
)  # fmt: skip
_SHA = re.compile(r"[0-9a-f]{40}")


def read(
    data: bytes, name: str, mapping: dict[str, str] | None = None, service: str | None = None
) -> DeployRead:
    """Deploys from GitLab deployment, pipeline and job webhook payloads; `service` names
    the deploys (default: the project's path). `mapping` is unused."""
    text, rejects = decode(data, name)
    records, broken = json_values(text)
    rejects += broken
    deploys = DeploySet()
    for record in records:
        found, dropped = read_record(record, service)
        for deploy in found:
            deploys.add(deploy)
        rejects += dropped
    return finish(deploys, rejects)


def read_record(
    record: JsonRecord, service: str | None
) -> tuple[list[DeployRecord], list[DeployReject]]:
    """The deploys one payload tells (a pipeline may deploy several times), and the jobs or
    payloads skipped or rejected."""
    try:
        if not isinstance(record.value, dict):
            raise RecordError(None, "expected a GitLab webhook payload (a JSON object)")
        return deploys_from_payload(record.value, service, record.line, record.raw)
    except Skip as skipped:
        return [], [skip(record.line, skipped.why, record.raw)]
    except RecordError as error:
        return [], [make_reject(record.line, error, record.raw)]


def deploys_from_payload(
    payload: dict[str, Any], service: str | None, line: int, raw: str
) -> tuple[list[DeployRecord], list[DeployReject]]:
    """The deploys of one payload by its object_kind; Skip or RecordError for the payload."""
    kind = optional_text(payload, "object_kind")
    if kind == "deployment":
        return [_deployment(payload, service)], []
    if kind == "pipeline":
        return _pipeline(payload, service, line, raw)
    if kind == "build":
        return [_job(payload, service)], []
    if kind is None:
        raise RecordError("object_kind", "missing object_kind: expected a GitLab webhook payload")
    raise Skip(f'a "{kind}" event, not a deployment, pipeline or job event')


# --- Deployment Hook -----------------------------------------------------------------------


def _deployment(payload: dict[str, Any], service: str | None) -> DeployRecord:
    status = _status(payload, "status", f"deployment {optional_text(payload, 'deployment_id')}")
    job_id = optional_text(payload, "deployable_id")
    deployment_id = optional_text(payload, "deployment_id")
    if job_id is None and deployment_id is None:
        raise RecordError("deployment_id", "missing deployment_id: expected the deployment's id")
    return DeployRecord(
        service=_service(payload, service),
        deployed_at=_time(payload, "status_changed_at"),
        source_key=f"{SOURCE}:job:{job_id}" if job_id else f"{SOURCE}:deployment:{deployment_id}",
        status=status,
        commit=_commit_from_url(payload) or optional_text(payload, "short_sha"),
        environment=_environment(
            optional_text(payload, "environment"), optional_text(payload, "environment_tier")
        ),
        actor=optional_text(payload, "user.username") or optional_text(payload, "user.name"),
        url=optional_text(payload, "deployable_url"),
        status_event=True,
    )


def _commit_from_url(payload: dict[str, Any]) -> str | None:
    # The hook gives only short_sha; the full sha ends commit_url.
    url = optional_text(payload, "commit_url") or ""
    found = _SHA.search(url.rsplit("/", 1)[-1])
    return found.group() if found else None


# --- Pipeline Hook -------------------------------------------------------------------------


def _pipeline(
    payload: dict[str, Any], service: str | None, line: int, raw: str
) -> tuple[list[DeployRecord], list[DeployReject]]:
    jobs = [(i, job) for i, job in _builds(payload) if _deploys_to(job.get("environment"))]
    if not jobs:
        pipeline = optional_text(payload, "object_attributes.id")
        raise Skip(f"pipeline {pipeline} has no job that deploys to an environment")
    deploys: list[DeployRecord] = []
    dropped: list[DeployReject] = []
    for index, job in jobs:
        try:
            deploys.append(_pipeline_job(payload, job, service))
        except Skip as skipped:
            dropped.append(skip(line, skipped.why, raw))
        except RecordError as error:
            error.field = f"builds[{index}].{error.field}" if error.field else f"builds[{index}]"
            dropped.append(make_reject(line, error, raw))
    return deploys, dropped


def _builds(payload: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    builds = value_at(payload, "builds")
    if builds is None:
        return []
    if not isinstance(builds, list):
        raise RecordError("builds", f"expected an array for builds, found {json_type(builds)}")
    return [(index, job) for index, job in enumerate(builds) if isinstance(job, dict)]


def _deploys_to(environment: Any) -> bool:
    if not isinstance(environment, dict) or not environment.get("name"):
        return False
    # stop, prepare, verify and access touch an environment without deploying to it.
    return environment.get("action") in (None, "start")


def _pipeline_job(
    payload: dict[str, Any], job: dict[str, Any], service: str | None
) -> DeployRecord:
    job_id = optional_text(job, "id")
    if job_id is None:
        raise RecordError("id", "missing id: expected the job's id")
    status = _status(job, "status", f"job {job_id}")
    finished = value_at(job, "finished_at") or value_at(payload, "object_attributes.finished_at")
    deployed_at = required_time(finished, "finished_at", "when the deploy job ended")
    tag = value_at(payload, "object_attributes.tag") is True
    return DeployRecord(
        service=_service(payload, service),
        deployed_at=deployed_at,
        source_key=f"{SOURCE}:job:{job_id}",
        status=status,
        version=optional_text(payload, "object_attributes.ref") if tag else None,
        commit=optional_text(payload, "object_attributes.sha"),
        environment=_environment(
            optional_text(job, "environment.name"),
            optional_text(job, "environment.deployment_tier"),
        ),
        actor=optional_text(job, "user.username") or optional_text(payload, "user.username"),
        url=_job_url(payload, job_id) or optional_text(payload, "object_attributes.url"),
        status_event=True,
    )


def _job_url(payload: dict[str, Any], job_id: str) -> str | None:
    project = optional_text(payload, "project.web_url")
    return f"{project}/-/jobs/{job_id}" if project else None


# --- Job Hook ------------------------------------------------------------------------------


def _job(payload: dict[str, Any], service: str | None) -> DeployRecord:
    job_id = optional_text(payload, "build_id")
    if job_id is None:
        raise RecordError("build_id", "missing build_id: expected the job's id")
    if not _deploys_to(value_at(payload, "environment")):
        raise Skip(f"job {job_id} does not deploy to an environment")
    status = _status(payload, "build_status", f"job {job_id}")
    return DeployRecord(
        service=_service(payload, service),
        deployed_at=_time(payload, "build_finished_at"),
        source_key=f"{SOURCE}:job:{job_id}",
        status=status,
        version=optional_text(payload, "ref") if value_at(payload, "tag") is True else None,
        commit=optional_text(payload, "sha"),
        environment=_environment(
            optional_text(payload, "environment.name"),
            optional_text(payload, "environment.deployment_tier"),
        ),
        actor=optional_text(payload, "user.username") or optional_text(payload, "user.name"),
        url=_job_url(payload, job_id),
        status_event=True,
    )


# --- shared --------------------------------------------------------------------------------


def _status(record: dict[str, Any], field: str, what: str) -> DeployStatus:
    status = optional_text(record, field)
    expected = ", ".join((*_FINAL, *_NOT_RUN, *_NOT_FINAL))
    if status is None:
        raise RecordError(field, f"missing {field}: expected one of {expected}")
    status = status.lower()
    if status in _FINAL:
        return _FINAL[status]
    if status in _NOT_RUN:
        raise Skip(f'{what} is "{status}": it did not finish, so it shipped nothing we count')
    if status in _NOT_FINAL:
        raise Skip(f'{what} is "{status}", not final')
    raise RecordError(field, f'unknown {field} "{status}": expected one of {expected}')


def _time(payload: dict[str, Any], field: str) -> dt.datetime:
    return required_time(value_at(payload, field), field, "when the deploy ended")


def _service(payload: dict[str, Any], default: str | None) -> str:
    if default:
        return default
    # The project's path (the last part of path_with_namespace) is its name in URLs; the
    # display name may hold spaces.
    path = optional_text(payload, "project.path_with_namespace")
    found = path.rsplit("/", 1)[-1] if path else optional_text(payload, "project.name")
    if not found:
        raise RecordError(
            "project.path_with_namespace",
            "missing project.path_with_namespace: expected the project (or pass the service)",
        )
    return found


def _environment(name: str | None, tier: str | None) -> str:
    # GitLab says outright which environments are production (deployment tier), whatever
    # their names ("prod-eu", "live"): those count as production.
    if name is not None and tier is not None and tier.lower() == "production":
        return "production"
    return normalize_environment(name)
