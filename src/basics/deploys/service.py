"""Deploys in the store: recorded one at a time or imported as batches, listed, linked to
the incidents they caused, and found before a moment ("what changed?").

A deploy's identity is (source, source key): importing the same history again, or a later
export that overlaps it, updates the deploys it names and keeps their ids, so links made by
hand survive a re-import and nothing is counted twice. A deploy belongs to the batch that
last told it, changed or not; the version it replaced is kept, and undoing that batch puts
it back, so undoing an earlier batch leaves the deploy as the later one tells it. A
webhook's status older than the one stored (a delivery come late) is kept among those
versions, below the newer ones, and replaces nothing (how: `storage`).

Every way in names a deploy's service as basics.yaml does (`names`): an alias or another
letter case is the service, and a name basics.yaml does not know is stored, and said.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from basics.config.models import Config, unknown_services
from basics.core.errors import InputError, NotFoundError
from basics.deploys import names as naming
from basics.deploys import storage
from basics.deploys.models import (
    SKIPPED,
    STATUSES,
    Deploy,
    DeployRead,
    DeployRecord,
    DeployReject,
)
from basics.records import plain
from basics.store.duckdb_store import Store

if TYPE_CHECKING:
    from basics.deploys.dora import DoraReport

_KEYED_BY_SERVICE = ("cli", "git", "jsonl", "csv")
"""The sources whose keys begin with the service (`naming.renamed`)."""

_COLUMNS = (
    "d.id, d.service, d.environment, d.version, d.commit_sha, d.deployed_at, d.status, "
    "d.actor, d.url, d.source"
)


@dataclass(frozen=True)
class DeployImport:
    """What one import stored: a batch applied, a duplicate of one, rejected: records
    but no deploy among them (each rejected or skipped; the batch keeps them all as its
    rejects, and `hint` says why), or empty: no record in the file at all (no batch)."""

    batch_id: int | None
    name: str
    status: Literal["applied", "duplicate", "rejected", "empty"]
    deploys: int = 0
    new_deploys: int = 0
    unchanged: int = 0  # stored already as told: held by this batch too, nothing changed
    superseded: int = 0  # a status older than the one stored: kept for undo, not shown
    changes: int = 0
    incidents: int = 0
    links: int = 0
    rejected: int = 0
    skipped: int = 0
    first_rejects: list[DeployReject] = field(default_factory=list)
    first_skips: list[DeployReject] = field(default_factory=list)  # their reasons
    duplicate_of: int | None = None
    hint: str | None = None  # when rejected: why nothing was usable
    notes: list[str] = field(default_factory=list)  # how the file was read (DeployRead.notes)
    unknown_services: dict[str, int] = field(default_factory=dict)  # not in basics.yaml
    warnings: list[str] = field(default_factory=list)  # what to say of them


class DeployService:
    """Deploys, their changes and links, read and written through the store.

    `sync_links` brings the links that files tell (a post-mortem's `deploys:`) up to date
    in the store: the composition root gives it (the post-mortems domain is above this
    one), and every read that counts links calls it first (`sync_links`)."""

    def __init__(
        self, store: Store, config: Config, sync_links: Callable[[], object] | None = None
    ) -> None:
        self.store = store
        self.config = config
        self._sync_links = sync_links

    def sync_links(self) -> None:
        """Bring the links files tell up to date before a read that counts links, so a
        post-mortem's `deploys:` counts as the folder says now. A store opened read-only
        keeps them as the last command that could write left them."""
        if self._sync_links is not None and not self.store.read_only:
            self._sync_links()

    def record(self, deploy: DeployRecord) -> Deploy:
        """Store one deploy (from a CI pipeline's `basics deploys record`) as a batch of one;
        recording the same deploy again (same source key) updates it. Its service is
        named as basics.yaml names it (`names.renamed`)."""
        deploy = naming.renamed(deploy, self.config.service_names(), keyed=True)
        content = json.dumps(plain(deploy), sort_keys=True).encode()
        read = DeployRead(deploys=[deploy])
        done = self.store_read(read, "cli", f"{deploy.service} {deploy.version or ''}", content)
        deploy_id = self.store.scalar(
            "SELECT id FROM deploys WHERE source = 'cli' AND source_key = ?", [deploy.source_key]
        )
        if deploy_id is None:  # pragma: no cover - store_read stored it or raised
            raise InputError(f"the deploy was not stored ({done.status})")
        return self.get(int(deploy_id))

    def import_git(
        self, repo: Path, pattern: str, service: str, exclude: Sequence[str] = ()
    ) -> DeployImport:
        """Each tag of `repo` matching `pattern` (and none of `exclude`) a deploy of
        `service`, shipping the commits no earlier tag reached, as one batch. The same tags
        again are known from the tag listing alone, without reading a commit."""
        from basics.deploys.git import deploys_of, list_tags

        service = self.named(service)
        tags = list_tags(repo, pattern, service, exclude)
        if not (tags.tags or tags.rejects):
            note = f"no tag matches {pattern}" + (
                f" (excluding {', '.join(exclude)})" if exclude else ""
            )
            return DeployImport(None, str(repo), "empty", notes=[note])
        known = self.imported("git", tags.identity)
        if known is not None:
            return DeployImport(None, str(repo), "duplicate", duplicate_of=known)
        return self.store_read(deploys_of(repo, tags, service), "git", str(repo), tags.identity)

    def import_file(
        self, path: Path, fmt: str, mapping: dict[str, str] | None, service: str | None
    ) -> DeployImport:
        """One file in format `fmt` (github, gitlab, fourkeys, jsonl, csv) as one batch, as
        `store_read` stores it."""
        from basics.deploys.formats import reader

        try:
            data = path.read_bytes()
        except OSError as error:
            raise InputError(f"{path}: cannot read: {error.strerror}") from None
        read = reader(fmt)(data, path.name, mapping, service)
        return self.store_read(read, fmt, str(path), data)

    def imported(self, source: str, content: bytes) -> int | None:
        """The batch that stored this content from this source already, if any."""
        known = self.store.scalar(
            "SELECT min(id) FROM batches WHERE source = ? AND content_sha256 = ? "
            "AND status = 'applied'",
            [f"deploys:{source}", hashlib.sha256(content).hexdigest()],
        )
        return None if known is None else int(known)

    def store_read(
        self, read: DeployRead, source: str, name: str, content: bytes, show_rejects: int = 5
    ) -> DeployImport:
        """Store what a reader found in `content` (from `source`: git, github, cli, …) as one
        batch, in one transaction; the same content again changes nothing. A read without
        any record (an empty file, a header alone, a webhook body of no deploy) stores no
        batch (`empty`)."""
        if not (read.deploys or read.incidents or read.rejects):
            return DeployImport(None, name, "empty", notes=read.notes)
        sha = hashlib.sha256(content).hexdigest()
        errors = [r for r in read.rejects if r.field != SKIPPED]
        skips = [r for r in read.rejects if r.field == SKIPPED]
        names = self.config.service_names()
        keyed = source in _KEYED_BY_SERVICE
        renamed = [(naming.renamed(d, names, keyed), d.source_key) for d in read.deploys]
        told_keys = {d.source_key: told for d, told in renamed if d.source_key != told}
        deploys = _last_per_key([d for d, _ in renamed])
        incidents = [naming.renamed_incident(i, names) for i in read.incidents]
        with self.store.transaction() as db:
            known = db.execute(
                "SELECT min(id) FROM batches WHERE source = ? AND content_sha256 = ? "
                "AND status = 'applied'",
                [f"deploys:{source}", sha],
            ).fetchall()[0][0]
            if known is not None:
                return DeployImport(None, name, "duplicate", duplicate_of=int(known))
            if read.rejects and not deploys and not incidents:
                # Nothing usable: kept with every record's reason (skips too) for
                # `ingest rejects`, and not taken as imported when tried again.
                batch_id = storage.new_batch(db, source, name, sha, "rejected", 0, read.rejects)
                return DeployImport(
                    batch_id, name, "rejected", rejected=len(errors), skipped=len(skips),
                    first_rejects=errors[:show_rejects], first_skips=skips[:show_rejects],
                    hint=_nothing_usable(errors, skips), notes=read.notes,
                )  # fmt: skip
            batch_id = storage.new_batch(db, source, name, sha, "applied", len(deploys), errors)
            new, unchanged, changes, older = storage.store_deploys(
                db, source, deploys, batch_id, told_keys
            )
            told, links = storage.store_incidents(
                db, source, incidents, batch_id, self.config.deploys.environment
            )
            storage.set_range(db, batch_id)
        unknown = unknown_services((d.service for d in deploys), names)
        return DeployImport(
            batch_id, name, "applied", deploys=len(deploys), new_deploys=new,
            unchanged=unchanged, superseded=older, changes=changes,
            incidents=told, links=links, rejected=len(errors), skipped=len(skips),
            first_rejects=errors[:show_rejects], first_skips=skips[:show_rejects],
            notes=read.notes, unknown_services=unknown,
            warnings=[naming.warning(s, n, names) for s, n in unknown.items()],
        )  # fmt: skip

    def named(self, service: str) -> str:
        """The service of basics.yaml a name stands for (its name or an alias, in any
        letter case); else the name as given."""
        return naming.named(service, self.config.service_names())

    def known(self, services: list[str]) -> list[str]:
        """The services filters name (as `named`), once each, when basics.yaml or a stored
        deploy names each; else a NotFoundError (`config.models.known_service`)."""
        from basics.config.models import known_service

        @functools.cache
        def stored() -> list[str]:  # read once, and only for a name basics.yaml lacks
            rows = self.store.query("SELECT DISTINCT service FROM deploys ORDER BY service")
            return [str(row[0]) for row in rows]

        found = (known_service(s, self.config, stored, "any deploy") for s in services)
        return list(dict.fromkeys(found))

    def unknown_warning(self, service: str) -> str | None:
        """What to say of a deploy of `service` when basics.yaml knows no such service
        (and declares any); None when it does."""
        names = self.config.service_names()
        unknown = unknown_services([service], names)
        return naming.warning(service, 1, names) if unknown else None

    def get(self, deploy_id: int) -> Deploy:
        """One deploy by id."""
        found = self._select("d.id = ?", [deploy_id])
        if not found:
            raise NotFoundError(f"no deploy {deploy_id}; `basics deploys list` shows their ids")
        return found[0]

    def resolve(self, ref: str) -> Deploy:
        """A deploy by id, or as `service@version` (the newest deploy of that version)."""
        if ref.isdigit():
            return self.get(int(ref))
        service, at, version = ref.partition("@")
        if not at or not service or not version:
            raise InputError(
                f'expected a deploy id (a number) or SERVICE@VERSION such as "api@3.5.0", '
                f'got "{ref}"'
            )
        service = self.named(service)
        found = self._select("d.service = ? AND d.version = ?", [service, version])
        if not found:
            raise NotFoundError(f"no deploy of {service} version {version} is recorded")
        return found[-1]

    def find(
        self,
        service: str | None = None,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
        environment: str | None = None,
    ) -> list[Deploy]:
        """Deploys, oldest first, of a service (by any of its names) and environment over
        [start, end); a range that ends before it starts is an InputError, not no deploys."""
        if start is not None and end is not None and start >= end:
            raise InputError("--from must be before --to")
        service = None if service is None else self.known([service])[0]
        self.sync_links()
        return self._select(
            "(? IS NULL OR d.service = ?) AND (? IS NULL OR d.environment = ?) "
            "AND (? IS NULL OR d.deployed_at >= ?) AND (? IS NULL OR d.deployed_at < ?)",
            [service, service, environment, environment, start, start, end, end],
        )

    def previous_commit(
        self, service: str, environment: str, before: dt.datetime, commit: str
    ) -> str | None:
        """The commit of the service's last deploy to `environment` before a moment (another
        commit than `commit`): where a new deploy's changes begin."""
        found = self.store.scalar(
            "SELECT commit_sha FROM deploys WHERE service = ? AND environment = ? "
            "AND deployed_at < ? AND commit_sha IS NOT NULL AND commit_sha <> ? "
            "ORDER BY deployed_at DESC, id DESC LIMIT 1",
            [service, environment, before, commit],
        )
        return None if found is None else str(found)

    def before(
        self, services: list[str], moment: dt.datetime, within_s: int | None = None
    ) -> list[Deploy]:
        """Deploys of the services (any, when empty) at or before `moment`, newest first,
        within `within_s` of it (default: `deploys.suggest_within`)."""
        if within_s is None:
            within_s = self.config.deploys.suggest_within_s
        within = dt.timedelta(seconds=within_s)
        found = self._select(
            "(len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], d.service)) "
            "AND d.environment = ? AND d.deployed_at <= ? AND d.deployed_at >= ?",
            [services, services, self.config.deploys.environment, moment, moment - within],
        )
        return found[::-1]

    def link(self, incident_id: int, deploy: Deploy, source: str = "manual") -> bool:
        """Link an incident to the deploy that caused it; False when it was linked already."""
        with self.store.transaction() as db:
            if not db.execute("SELECT 1 FROM incidents WHERE id = ?", [incident_id]).fetchall():
                raise NotFoundError(
                    f"no incident {incident_id}; `basics incidents list` shows their ids"
                )
            inserted = db.execute(
                "INSERT INTO deploy_links (incident_id, deploy_id, source) VALUES (?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                [incident_id, deploy.id, source],
            ).fetchall()
        return bool(inserted and inserted[0][0])

    def unlink(self, incident_id: int, deploy: Deploy) -> bool:
        """Remove a link; False when there was none."""
        with self.store.transaction() as db:
            removed = db.execute(
                "DELETE FROM deploy_links WHERE incident_id = ? AND deploy_id = ?",
                [incident_id, deploy.id],
            ).fetchall()
        return bool(removed[0][0])

    def dora(
        self,
        start: dt.datetime,
        end: dt.datetime,
        services: list[str] | None = None,
        environment: str | None = None,
    ) -> DoraReport:
        """DORA per service and for all of them over [start, end) (see `dora.report`)."""
        from basics.deploys.dora import report

        self.sync_links()
        return report(self.store, self.config, start, end, services or [], environment)

    def report_range(
        self, start: dt.datetime | None, end: str | None, days: int = 90
    ) -> tuple[dt.datetime, dt.datetime, dt.datetime | None]:
        """A DORA range by the reports' rule: `end` a time, `now`, `latest` (the newest
        deploy) or, when None, `reports.end`; `start` defaults to `days` before the end.
        With the newest deploy when `latest` stood for it, to be said."""
        from basics.core.clock import end_word, parse_time, utc_now

        newest = None
        value = end_word(end, self.config.reports.end)
        if value not in ("now", "latest"):
            stop = parse_time(value, self.config.timezone)
        elif value == "latest":
            newest = self.store.scalar("SELECT max(deployed_at) FROM deploys")
            if newest is None:
                raise InputError("no deploys recorded: `latest` stands for the newest one")
            stop = newest + dt.timedelta(seconds=1)
        else:
            stop = utc_now().replace(microsecond=0)
        begin = start or stop - dt.timedelta(days=days)
        if begin >= stop:
            raise InputError("--from must be before --to")
        return begin, stop, newest

    def chosen(self, services: list[str], team: str | None) -> list[str]:
        """The services a report is about: those named, or a team's (not both)."""
        if team is None:
            return self.known(services)
        if services:
            raise InputError("give services or a team, not both")
        owned = self.services_of_team(team)
        if not owned:
            raise InputError(f'team "{team}" owns no service in basics.yaml (services: owner)')
        return owned

    def services_of_team(self, team: str) -> list[str]:
        """The services a team owns: owner is the team, or one of its members."""
        if team not in self.config.teams:
            known = ", ".join(sorted(self.config.teams)) or "none declared under teams:"
            raise InputError(f'unknown team "{team}" (known: {known})')
        owners = {team, *self.config.teams[team].members}
        return [name for name, svc in self.config.services.items() if svc.owner in owners]

    def _select(self, where: str, params: list[object]) -> list[Deploy]:
        rows = self.store.query(
            f"SELECT {_COLUMNS}, "
            "(SELECT count(*) FROM deploy_changes c WHERE c.deploy_id = d.id), "
            "(SELECT list(l.incident_id ORDER BY l.incident_id) FROM deploy_links l "
            " WHERE l.deploy_id = d.id) "
            f"FROM deploys d WHERE {where} ORDER BY d.deployed_at, d.id",
            list(params),
        )
        return [_deploy(row) for row in rows]


def _deploy(row: tuple[Any, ...]) -> Deploy:
    (deploy_id, service, environment, version, commit, at, status, actor, url, source) = row[:10]
    return Deploy(
        deploy_id, service, environment, version, commit, at, status, actor, url, source,
        changes=int(row[10]), incidents=tuple(row[11] or ()),
    )  # fmt: skip


def _last_per_key(deploys: list[DeployRecord]) -> list[DeployRecord]:
    """One deploy per source key, the last told (a GitHub deployment's final status)."""
    for deploy in deploys:
        if deploy.status not in STATUSES:
            raise ValueError(f"a reader returned status {deploy.status!r}")
    return list({deploy.source_key: deploy for deploy in deploys}.values())


def _nothing_usable(errors: list[DeployReject], skips: list[DeployReject]) -> str:
    """Why records gave no deploy: how many were rejected or skipped, and their most
    common reason."""
    reasons = Counter(r.reason.removeprefix("skipped: ") for r in [*errors, *skips])
    reason, count = reasons.most_common(1)[0]
    total = len(errors) + len(skips)
    how = "rejected or skipped" if errors and skips else ("rejected" if errors else "skipped")
    if count == total:
        return f"all {total:,} records were {how}: {reason}"
    return f"all {total:,} records were {how}; the most common reason ({count:,}): {reason}"
