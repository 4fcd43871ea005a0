"""GitHub `deployment_status` webhook payloads: one body, a JSON array of bodies, or JSON lines
of bodies (a capture), each a deployment's status; the final status of a deployment is its
deploy.

A deployment's statuses share its `deployment.id`, which is the deploy's key
(`github:deployment:<id>`), so its `pending`, `in_progress` and `success` deliveries make one
deploy with the final status, and a redelivery changes nothing. Each is a status event
(`DeployRecord.status_event`): one delivered after a newer status of its deployment replaces
nothing stored. States map as:

    success            succeeded
    failure, error     failed
    pending, queued,   skipped: not final (a later status will tell how it ended)
    in_progress, waiting
    inactive           skipped: GitHub sets it on an earlier deployment when a later one to
                       the same environment succeeds; it says nothing new about this deploy

GitHub has no "rolled back" state: a rollback is a new deployment of an older ref.

A deployment as the REST API lists it (`GET /repos/OWNER/REPO/deployments`) has no outcome:
it is skipped, saying so. `{"deployment": <deployment>, "deployment_status": <one of its
statuses, from GET …/deployments/ID/statuses>}` reads as a webhook body does.
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
    json_object,
    json_values,
    make_reject,
    normalize_environment,
    object_at,
    optional_text,
    optional_time,
    skip,
    value_at,
)
from basics.deploys.models import DeployRead, DeployRecord, DeployReject, DeployStatus

SOURCE = "github"
_FINAL: dict[str, DeployStatus] = {"success": "succeeded", "failure": "failed", "error": "failed"}
_NOT_FINAL = ("pending", "queued", "in_progress", "waiting")
_STATES = ", ".join((*_FINAL, "inactive", *_NOT_FINAL))
_TAG_LIKE = re.compile(r"v?\d+(\.\d+)*([-+._][0-9A-Za-z.-]+)?")


def read(
    data: bytes, name: str, mapping: dict[str, str] | None = None, service: str | None = None
) -> DeployRead:
    """Deploys from GitHub `deployment_status` payloads; `service` names the deploys whose
    deployment payload names none (default: the repository's name). `mapping` is unused."""
    text, rejects = decode(data, name)
    records, broken = json_values(text)
    rejects += broken
    deploys = DeploySet()
    for record in records:
        outcome = read_record(record, service)
        if isinstance(outcome, DeployRecord):
            deploys.add(outcome)
        else:
            rejects.append(outcome)
    return finish(deploys, rejects)


def read_record(record: JsonRecord, service: str | None) -> DeployRecord | DeployReject:
    """The deploy one payload tells, or why it is skipped or rejected."""
    try:
        if not isinstance(record.value, dict):
            raise RecordError(None, "expected a GitHub webhook payload (a JSON object)")
        return deploy_from_payload(record.value, service)
    except Skip as skipped:
        return skip(record.line, skipped.why, record.raw)
    except RecordError as error:
        return make_reject(record.line, error, record.raw)


def deploy_from_payload(payload: dict[str, Any], service: str | None) -> DeployRecord:
    """The deploy of a `deployment_status` payload; Skip or RecordError otherwise."""
    if "deployment_status" not in payload:
        raise Skip(_not_a_status(payload))
    object_at(payload, "deployment_status")
    deployment = object_at(payload, "deployment")
    status = _status(payload)
    source_key = _source_key(payload)
    custom = _custom_payload(deployment)
    return DeployRecord(
        service=_service(payload, custom, service),
        deployed_at=_status_time(payload),
        source_key=source_key,
        status=status,
        version=_version(deployment, custom),
        commit=optional_text(payload, "deployment.sha"),
        environment=normalize_environment(
            optional_text(payload, "deployment_status.environment")
            or optional_text(payload, "deployment.environment")
        ),
        actor=optional_text(payload, "deployment.creator.login")
        or optional_text(payload, "deployment_status.creator.login"),
        url=optional_text(payload, "deployment_status.log_url")
        or optional_text(payload, "deployment_status.target_url"),
        status_event=True,
    )


def _not_a_status(payload: dict[str, Any]) -> str:
    if "zen" in payload:
        return "a ping: GitHub sends it once when the webhook is created"
    if "deployment" in payload:
        return (
            "a deployment event says a deploy was requested, not how it ended: "
            'subscribe the webhook to "Deployment statuses"'
        )
    if "statuses_url" in payload:  # GET /repos/OWNER/REPO/deployments
        return (
            "GitHub's deployments API lists deployments without their outcome: export each "
            "with its statuses, one {deployment, deployment_status} a line (docs/deploys.md)"
        )
    return "not a deployment_status payload (it has no deployment_status object)"


def _status(payload: dict[str, Any]) -> DeployStatus:
    field = "deployment_status.state"
    state = optional_text(payload, field)
    if state is None:
        raise RecordError(field, f"missing {field}: expected one of {_STATES}")
    state = state.lower()
    if state in _FINAL:
        return _FINAL[state]
    deployment = optional_text(payload, "deployment.id") or "without an id"
    if state in _NOT_FINAL:
        raise Skip(f'state "{state}" is not final (deployment {deployment})')
    if state == "inactive":
        raise Skip(
            f"state inactive: deployment {deployment} was superseded by a later one "
            "to its environment; that says nothing new about it"
        )
    raise RecordError(field, f'unknown state "{state}": expected one of {_STATES}')


def _source_key(payload: dict[str, Any]) -> str:
    deployment_id = optional_text(payload, "deployment.id")
    if deployment_id is not None:
        return f"{SOURCE}:deployment:{deployment_id}"
    # Four Keys' data generator sends statuses without a deployment id.
    status_id = optional_text(payload, "deployment_status.id")
    if status_id is not None:
        return f"{SOURCE}:status:{status_id}"
    raise RecordError("deployment.id", "missing deployment.id: expected the deployment's id")


def _status_time(payload: dict[str, Any]) -> dt.datetime:
    for field in ("deployment_status.created_at", "deployment_status.updated_at"):
        moment = optional_time(value_at(payload, field), field)
        if moment is not None:
            return moment
    raise RecordError(
        "deployment_status.created_at",
        "missing deployment_status.created_at: expected the time of the status",
    )


def _custom_payload(deployment: dict[str, Any]) -> dict[str, Any]:
    # The payload a deployment was created with: an object, or (through the API) JSON text.
    value = deployment.get("payload")
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        return json_object(value) or {}
    return {}


def _service(payload: dict[str, Any], custom: dict[str, Any], default: str | None) -> str:
    named = custom.get("service")
    if isinstance(named, str) and named.strip():
        return named.strip()
    found = default or optional_text(payload, "repository.name")
    if found is None:
        raise RecordError(
            "repository.name",
            "missing repository.name: expected the repository (or pass the service)",
        )
    return found


def _version(deployment: dict[str, Any], custom: dict[str, Any]) -> str | None:
    named = custom.get("version")
    if isinstance(named, (str, int, float)) and not isinstance(named, bool):
        return str(named).strip() or None
    ref = deployment.get("ref")
    if not isinstance(ref, str):
        return None
    # A ref is a branch, a tag or a sha, and the payload does not say which: only a ref that
    # reads as a tag (refs/tags/…, or v1.2.3) is taken as the version.
    if ref.startswith("refs/tags/"):
        return ref.removeprefix("refs/tags/") or None
    return ref if _TAG_LIKE.fullmatch(ref) else None
