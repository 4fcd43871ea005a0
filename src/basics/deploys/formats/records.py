"""Deploys from JSON lines and CSV, one deploy per record, fields found by name.

Each of our fields is found under the first of its common names that holds a value
(compared without case, spaces, `-` or `_`: "Deployed At" is deployed_at), unless `mapping`
names the source's own field (a dotted path into nested JSON, or a CSV column header):

    service      service, service_name, app, application, app_name, component
    version      version, tag, release, tag_name, app_version
    commit       commit, sha, git_sha, commit_sha, revision, git_commit, head_sha
    deployed_at  deployed_at, deploy_time, time, timestamp, finished_at, completed_at,
                 stopped_at, end_time, published_at, created_at, date, updated
    status       conclusion, status, state, result, outcome      (missing: succeeded)
    environment  environment, env, environment_name               (missing: production)
    actor        actor, user, author, deployer, deployed_by, triggered_by
    url          html_url, web_url, log_url, url, link   (an API's `url` is its own)
    id           id, deploy_id, deployment_id, database_id
    changes      changes, commits: shas (a JSON array, or one cell split on space , ; |),
                 or in JSON objects {sha, authored_at, committed_at}

Times are ISO 8601 (`Z` or an offset; a time without one is taken as UTC), or epoch seconds
or milliseconds. A record's key is `<service>:<id>`, or without an id
`<service>/<environment>@<time>Z#<commit or version>`, so importing a file again changes
nothing. A GitHub Actions run (`gh run list --json`) says in `status` only whether it has
ended (queued, in_progress, completed) and in `conclusion` how: `conclusion` is read first,
and a run still going (its conclusion empty) is skipped by its status. A status mapped by
`mapping` that a record leaves empty is skipped too: it does not say the deploy ended.
The status is read before the time: a run not finished has no end yet. A JSON record
`"building": true` (Jenkins) is skipped, and so is a GitHub release that is a draft or a
pre-release. A JSON file that is one object holding its records in its one list of objects
(an API response: `{"builds": [...]}`) is read as those records, said in the read's notes.
A file that is not UTF-8 is read as Windows-1252 (a spreadsheet's CSV).

`read_jsonl` and `read_csv` have the signature of every reader's `read`; `read` itself tells
JSON from CSV by the first character that is not blank. Finding fields by name, the mapping,
the CSV header and Windows-1252 are `basics.ingest.named_fields`, as for the pages' reader.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from basics.deploys.formats.common import (
    RAW_CAP,
    TIME_EXPECTED,
    DeploySet,
    RecordError,
    Skip,
    decode,
    finish,
    json_type,
    json_values,
    make_reject,
    normalize_environment,
    optional_time,
    required_time,
    skip,
)
from basics.deploys.models import (
    Change,
    DeployRead,
    DeployRecord,
    DeployReject,
    DeployStatus,
)
from basics.ingest import named_fields
from basics.ingest.named_fields import Lookup, Reject, csv_records, json_lookup, norm

FIELDS: dict[str, tuple[str, ...]] = {
    "service": ("service", "service_name", "app", "application", "app_name", "component"),
    "version": ("version", "tag", "release", "tag_name", "app_version"),
    "commit": ("commit", "sha", "git_sha", "commit_sha", "revision", "git_commit", "head_sha"),
    # An end before a start: a run's end (stopped_at, endTime) is when it deployed, and a
    # release's publication (published_at), not the commit it was cut from (created_at).
    "deployed_at": (
        "deployed_at", "deploy_time", "time", "timestamp", "finished_at", "completed_at",
        "stopped_at", "end_time", "published_at", "created_at", "date", "updated",
    ),
    # `conclusion` first: where a record has both (a GitHub Actions run), `status` says
    # only whether it ended ("completed") and `conclusion` how.
    "status": ("conclusion", "status", "state", "result", "outcome"),
    "environment": ("environment", "env", "environment_name"),
    "actor": ("actor", "user", "author", "deployer", "deployed_by", "triggered_by"),
    # GitHub's and Buildkite's objects carry the API's address in `url` and the page a
    # person opens in `html_url` / `web_url`.
    "url": ("html_url", "web_url", "log_url", "url", "link"),
    "id": ("id", "deploy_id", "deployment_id", "database_id"),
    "changes": ("changes", "commits"),
}  # fmt: skip

# Status words, compared as letters and digits only ("Rolled back" is rolledback). Helm's
# `superseded` release was deployed, and later replaced (its `uninstalled` one is skipped:
# its time is the removal's);
# Jenkins' UNSTABLE build ran to its end with failing tests or checks: its deploy ran.
_STATUSES: dict[DeployStatus, tuple[str, ...]] = {
    "succeeded": (
        "succeeded", "success", "successful", "ok", "done", "complete", "completed", "passed",
        "deployed", "finished", "superseded", "unstable",
    ),
    "failed": (
        "failed", "failure", "fail", "error", "errored", "broken", "timedout", "startupfailure",
        "terminal",
    ),
    "rolled-back": ("rolledback", "rollback", "rolledbacked", "reverted", "revert"),
}  # fmt: skip
_STATUS_OF = {word: status for status, words in _STATUSES.items() for word in words}
_NOT_FINAL = (
    "pending", "queued", "running", "inprogress", "started", "created", "waiting", "requested",
    "actionrequired", "blocked", "building", "pendinginstall", "pendingupgrade",
    "pendingrollback", "onhold", "failing", "notstarted", "paused", "suspended", "buffered",
)  # fmt: skip
_NOT_RUN = (
    "canceled", "cancelled", "skipped", "aborted", "stale", "notrun", "notbuilt", "stopped",
    "unauthorized",
)  # fmt: skip
_REMOVED = ("uninstalled", "uninstalling")
_ACCEPTED = (
    "succeeded (or success, ok, done, completed, passed, deployed, superseded, unstable), "
    "failed (or failure, fail, error, terminal), "
    "rolled-back (or rolled back, rollback, reverted)"
)
_SHAS = re.compile(r"[\s,;|]+")


def check_mapping(mapping: dict[str, str] | None) -> dict[str, str]:
    """The mapping, checked: each key one of our fields, each value a non-empty name."""
    return named_fields.check_mapping(
        mapping,
        FIELDS,
        unknown='unknown field "{field}" in the mapping: expected one of {fields}',
        empty='the mapping of "{field}" is empty: expected a field or column name',
    )


# --- one record, whatever its format ----------------------------------------------------------


def record_deploy(
    lookup: Lookup, default_service: str | None, status_mapped: bool = False
) -> DeployRecord:
    """The deploy one record tells; Skip for a deploy not finished, RecordError if unusable.
    `status_mapped`: the status is a field the user named, so leaving it empty says nothing
    ended."""
    service = _service(lookup, default_service)
    # The status before the time: a run not finished has no end time yet, and is skipped
    # for that, not rejected for the time it lacks.
    status = _status(lookup, status_mapped)
    deployed_at = _time(lookup)
    environment = normalize_environment(_text(lookup, "environment"))
    version, commit = _text(lookup, "version"), _commit(lookup)
    deploy_id = _text(lookup, "id")
    key = (
        f"{service}:{deploy_id}"
        if deploy_id
        else f"{service}/{environment}@{deployed_at.isoformat()}Z#{commit or version or ''}"
    )
    return DeployRecord(
        service=service,
        deployed_at=deployed_at,
        source_key=key,
        status=status,
        version=version,
        commit=commit,
        environment=environment,
        actor=_actor(lookup),
        url=_text(lookup, "url"),
        changes=_changes(*lookup("changes")),
    )


def _service(lookup: Lookup, default: str | None) -> str:
    value, name = lookup("service")
    if isinstance(value, dict):  # Heroku's `app: {id, name}`: which of its names is ours?
        if default is not None:
            return default
        inner = next((k for k in ("name", "slug", "id") if isinstance(value.get(k), str)), None)
        hint = f"--mapping service={name}.{inner}, or " if inner else ""
        raise RecordError(
            name, f"expected text for {name}, found an object: give {hint}--service SERVICE"
        )
    service = _text(lookup, "service") or default
    if service is None:
        raise RecordError(
            name,
            "missing service: expected a service name (a field service, app, application or "
            "component, a mapping, or a default service)",
        )
    return service


def _commit(lookup: Lookup) -> str | None:
    # A JSON number is a counter, not a sha: Helm's `revision` is the release's number
    # (Argo CD's `revision` is a sha, as text).
    value = lookup("commit")[0]
    return (
        None if isinstance(value, int) and not isinstance(value, bool) else _text(lookup, "commit")
    )


def _text(lookup: Lookup, field: str) -> str | None:
    value, name = lookup(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise RecordError(name, f"expected text for {name}, found {json_type(value)}")
    return str(value).strip() or None


def _time(lookup: Lookup) -> dt.datetime:
    value, name = lookup("deployed_at")
    return required_time(value, name, f"the time of the deploy, {TIME_EXPECTED}")


def _status(lookup: Lookup, mapped: bool) -> DeployStatus:
    text, name = _text(lookup, "status"), lookup("status")[1]
    if text is None and mapped:  # a run's conclusion, empty while it runs
        raise Skip(f"{name} is empty: the deploy has not finished, or the record does not say")
    if text is None:
        return "succeeded"  # a record of a deploy, saying nothing more, is a deploy that happened
    word = norm(text)
    if word in _STATUS_OF:
        return _STATUS_OF[word]
    if word in _NOT_FINAL:
        raise Skip(f'{name} "{text}" is not final')
    if word in _NOT_RUN:
        raise Skip(f'{name} "{text}": the deploy did not run to its end')
    if word in _REMOVED:
        raise Skip(f'{name} "{text}": a release removed, not deployed, at that time')
    raise RecordError(name, f'unknown {name} "{text}": expected {_ACCEPTED}')


def _actor(lookup: Lookup) -> str | None:
    value, name = lookup("actor")
    if isinstance(value, dict):  # a user object, as CI systems nest it
        value = next(
            (value[k] for k in ("login", "username", "name", "email") if value.get(k)), None
        )
        if value is None:
            return None
    return _text(lambda _: (value, name), "actor")


def _changes(value: Any, name: str) -> tuple[Change, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        items: list[Any] = [sha for sha in _SHAS.split(value) if sha]
    elif isinstance(value, list):
        items = value
    else:
        raise RecordError(
            name, f"expected an array of commits for {name}, found {json_type(value)}"
        )
    changes: dict[str, Change] = {}
    for index, item in enumerate(items):
        change = _change(item, f"{name}[{index}]")
        changes.setdefault(change.sha, change)  # a commit listed twice is one change
    return tuple(changes.values())


def _change(item: Any, name: str) -> Change:
    if isinstance(item, str) and item.strip():
        return Change(sha=item.strip())
    if not isinstance(item, dict):
        raise RecordError(name, f"expected a sha or an object with a sha, found {json_type(item)}")
    sha = next((item[k] for k in ("sha", "id", "commit") if isinstance(item.get(k), str)), None)
    if not sha or not sha.strip():
        raise RecordError(f"{name}.sha", f"missing {name}.sha: expected the commit's sha")

    def moment(*keys: str) -> dt.datetime | None:
        key = next((k for k in keys if item.get(k) not in (None, "")), None)
        return None if key is None else optional_time(item[key], f"{name}.{key}")

    return Change(
        sha=sha.strip(),
        authored_at=moment("authored_at", "author_date"),
        committed_at=moment("committed_at", "commit_date", "timestamp"),
    )


def read(
    data: bytes, name: str, mapping: dict[str, str] | None = None, service: str | None = None
) -> DeployRead:
    """JSON lines or CSV, told by the first character that is not blank: `{` or `[` is JSON."""
    start = data.removeprefix(b"\xef\xbb\xbf").lstrip()[:1]
    reader = read_jsonl if start in (b"{", b"[") else read_csv
    return reader(data, name, mapping, service)


# --- JSON lines --------------------------------------------------------------------------------


def read_jsonl(
    data: bytes, name: str, mapping: dict[str, str] | None = None, service: str | None = None
) -> DeployRead:
    """Deploys from JSON lines, a JSON array, or an API response: an object holding the
    records in its one array of objects (`{"builds": [...]}`), said in the read's notes."""
    fields = check_mapping(mapping)
    text, rejects = decode(data, name, windows=True)
    notes: list[str] = []
    wrapper = _wrapper(text, fields)
    if isinstance(wrapper, DeployReject):
        return DeployRead(rejects=[*rejects, wrapper])
    records, broken = json_values(text, () if wrapper is None else (wrapper,))
    if wrapper is not None:
        notes.append(f'read the {len(records)} records in "{wrapper}", the list the file holds')
    rejects += broken
    deploys = DeploySet()
    for record in records:
        try:
            if not isinstance(record.value, dict):
                found = json_type(record.value)
                raise RecordError(None, f"expected a JSON object (one deploy), found {found}")
            _not_a_deploy(record.value)
            lookup = json_lookup(record.value, FIELDS, fields)
            deploys.add(record_deploy(lookup, service, "status" in fields))
        except Skip as skipped:
            rejects.append(skip(record.line, skipped.why, record.raw))
        except RecordError as error:
            rejects.append(make_reject(record.line, error, record.raw))
    read = finish(deploys, rejects)
    read.notes = notes
    return read


def _wrapper(text: str, fields: dict[str, str]) -> str | DeployReject | None:
    """The key of the records when the text is one object wrapping them, as an API answers
    (Jenkins' `{"builds": [...]}`, CircleCI's `{"items": [...], "next_page_token": …}`):
    an object with no time of a deploy of its own and one array of objects. With several
    such arrays, the reject naming them and the jq that picks one; else None."""
    if not text.lstrip().startswith("{"):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None  # JSON lines, or broken JSON: read record by record
    if not isinstance(value, dict) or json_lookup(value, FIELDS, fields)("deployed_at")[0]:
        return None
    ours = {norm(n) for names in FIELDS.values() for n in names}  # a deploy's `changes`
    lists: list[str] = [
        str(key)
        for key, held in value.items()
        if isinstance(held, list)
        and all(isinstance(item, dict) for item in held)
        and norm(key) not in ours
    ]
    if len(lists) == 1:
        return lists[0]
    if not lists:
        return None
    quoted = ", ".join(f'"{key}"' for key in lists)
    reason = (
        f"one JSON object holding several lists ({quoted}), not deploys: give the deploys one "
        f"a line, e.g. jq -c '.{lists[0]}[]' FILE > deploys.jsonl"
    )
    return DeployReject(line=1, field=None, reason=reason, raw=text[:RAW_CAP])


def _not_a_deploy(record: dict[str, Any]) -> None:
    """Skip a Jenkins build still building (its `result` is null until it ends), and a
    GitHub release that is a draft (never published) or a pre-release (an rc: not what
    production runs, as `--exclude '*-rc*'` leaves rc tags out)."""
    if record.get("building") is True:
        raise Skip("building: the build has not finished")
    if record.get("draft") is True:
        raise Skip("a draft release: it was never published")
    if record.get("prerelease") is True:
        raise Skip("a pre-release: not a production deploy")


# --- CSV -------------------------------------------------------------------------------------


def read_csv(
    data: bytes, name: str, mapping: dict[str, str] | None = None, service: str | None = None
) -> DeployRead:
    """Deploys from a CSV with a header row (comma, semicolon or tab separated)."""
    fields = check_mapping(mapping)
    text, rejects = decode(data, name, windows=True, as_json=False)
    deploys = DeploySet()
    required = {"deployed_at": "a mapping"}
    if service is None:
        required["service"] = "a mapping, or a default service"
    for row in csv_records(text, FIELDS, fields, required):
        if isinstance(row, Reject):
            rejects.append(DeployReject(*row))
            continue
        try:
            deploys.add(record_deploy(row.lookup, service, "status" in fields))
        except Skip as skipped:
            rejects.append(skip(row.line, skipped.why, row.raw))
        except RecordError as error:
            rejects.append(make_reject(row.line, error, row.raw))
    return finish(deploys, rejects)
