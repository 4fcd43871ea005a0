"""Deploys in the store: recorded one at a time or imported as batches, listed, linked to
the incidents they caused, and found before a moment ("what changed?").

A deploy's identity is (source, source key): importing the same history again, or a later
export that overlaps it, updates the deploys it names and keeps their ids, so links made by
hand survive a re-import and nothing is counted twice. A deploy belongs to the batch that
last told it; the version it replaced is kept (`_keep_replaced`), and undoing that batch
puts it back. A webhook's status older than the one stored (a delivery come late) is kept
among those versions, below the newer ones, and replaces nothing (`_keep_older`).

Every way in names a deploy's service as basics.yaml does (`names`): an alias or another
letter case is the service, and a name basics.yaml does not know is stored, and said.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from basics.config.models import Config
from basics.core.errors import InputError, NotFoundError, StoreError
from basics.deploys import names as naming
from basics.deploys.models import (
    SKIPPED,
    STATUSES,
    Deploy,
    DeployRead,
    DeployRecord,
    DeployReject,
    IncidentRecord,
)
from basics.records import plain
from basics.store.duckdb_store import Store

if TYPE_CHECKING:
    import duckdb

    from basics.deploys.dora import DoraReport

_KEYED_BY_SERVICE = ("cli", "git", "jsonl", "csv")
"""The sources whose keys begin with the service (`naming.renamed`)."""

_COLUMNS = (
    "d.id, d.service, d.environment, d.version, d.commit_sha, d.deployed_at, d.status, "
    "d.actor, d.url, d.source"
)


@dataclass(frozen=True)
class DeployImport:
    """What one import stored: a batch applied, a duplicate of one, or rejected: records
    but no deploy among them (each rejected or skipped; the batch keeps them all as its
    rejects, and `hint` says why)."""

    batch_id: int | None
    name: str
    status: Literal["applied", "duplicate", "rejected"]
    deploys: int = 0
    new_deploys: int = 0
    unchanged: int = 0  # stored already as told: left in their batch
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
    """Deploys, their changes and links, read and written through the store."""

    def __init__(self, store: Store, config: Config) -> None:
        self.store = store
        self.config = config

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
        known = self.imported("git", tags.identity)
        if known is not None:
            return DeployImport(None, str(repo), "duplicate", duplicate_of=known)
        return self.store_read(deploys_of(repo, tags, service), "git", str(repo), tags.identity)

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
        batch, in one transaction; the same content again changes nothing."""
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
                batch_id = _new_batch(db, source, name, sha, "rejected", 0, read.rejects)
                return DeployImport(
                    batch_id, name, "rejected", rejected=len(errors), skipped=len(skips),
                    first_rejects=errors[:show_rejects], first_skips=skips[:show_rejects],
                    hint=_nothing_usable(errors, skips), notes=read.notes,
                )  # fmt: skip
            batch_id = _new_batch(db, source, name, sha, "applied", len(deploys), errors)
            new, unchanged, changes, older = _store_deploys(
                db, source, deploys, batch_id, told_keys
            )
            told, links = _store_incidents(
                db, source, incidents, batch_id, self.config.deploys.environment
            )
            _set_range(db, batch_id)
        unknown = naming.unknown((d.service for d in deploys), names)
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

    def unknown_warning(self, service: str) -> str | None:
        """What to say of a deploy of `service` when basics.yaml knows no such service
        (and declares any); None when it does."""
        names = self.config.service_names()
        unknown = naming.unknown([service], names)
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
        [start, end)."""
        service = None if service is None else self.named(service)
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

        return report(self.store, self.config, start, end, services or [], environment)

    def report_range(
        self, start: dt.datetime | None, end: str | None, days: int = 90
    ) -> tuple[dt.datetime, dt.datetime, dt.datetime | None]:
        """A DORA range by the reports' rule: `end` a time, `now`, `latest` (the newest
        deploy) or, when None, `reports.end`; `start` defaults to `days` before the end.
        With the newest deploy when `latest` stood for it, to be said."""
        from basics.core.clock import parse_time, utc_now

        newest = None
        if end is not None and end not in ("now", "latest"):
            stop = parse_time(end, self.config.timezone)
        elif (end or self.config.reports.end) == "latest":
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
            return list(dict.fromkeys(self.named(s) for s in services))
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


def _new_batch(
    db: duckdb.DuckDBPyConnection,
    source: str,
    name: str,
    sha: str,
    status: str,
    count: int,
    rejects: list[DeployReject],
) -> int:
    batch_id = int(db.execute("SELECT nextval('batch_ids')").fetchall()[0][0])
    db.execute(
        "INSERT INTO batches (id, kind, source, path, content_sha256, status, accepted, "
        "rejected, started_at, finished_at) VALUES (?, 'deploys', ?, ?, ?, ?, ?, ?, now(), now())",
        [batch_id, f"deploys:{source}", name, sha, status, count, len(rejects)],
    ).fetchall()
    if rejects:
        db.executemany(
            "INSERT INTO rejects VALUES (?, ?, ?, ?, ?)",
            [[batch_id, r.line, r.field, r.reason, r.raw[:1000]] for r in rejects],
        )
    return batch_id


def _store_deploys(
    db: duckdb.DuckDBPyConnection,
    source: str,
    deploys: list[DeployRecord],
    batch_id: int,
    told_keys: Mapping[str, str] | None = None,
) -> tuple[int, int, int, int]:
    """Store the deploys in place of those with the same source keys (keeping their ids) and
    their changes; how many deploys are new, how many were stored already as they are, how
    many changes were stored, and how many told a status older than the one stored.
    `told_keys`: the key a renamed deploy had as told ("Checkout API:42" of "checkout:42"),
    which a deploy stored before names were mapped is found by."""
    import pyarrow as pa

    if not deploys:
        return 0, 0, 0, 0
    match = [d.source_key for d in deploys]
    if told_keys:
        # A deploy stored under the key as told (before service names were mapped), and not
        # under the mapped one, is the one this telling replaces (undo gives it back).
        stored = {
            row[0]
            for row in db.execute(
                "SELECT source_key FROM deploys WHERE source = ? AND list_contains(?, source_key)",
                [source, [*told_keys, *told_keys.values()]],
            ).fetchall()
        }
        match = [
            told_keys[key] if key in told_keys and key not in stored and told_keys[key] in stored
            else key
            for key in match
        ]  # fmt: skip
    incoming_deploys = pa.table(
        {
            "position": pa.array(range(len(deploys)), pa.int64()),
            "match_key": match,
            "source_key": [d.source_key for d in deploys],
            "service": [d.service for d in deploys],
            "environment": [d.environment for d in deploys],
            "version": pa.array([d.version for d in deploys], pa.string()),
            "commit_sha": pa.array([d.commit for d in deploys], pa.string()),
            "deployed_at": pa.array([d.deployed_at for d in deploys], pa.timestamp("us")),
            "status": [d.status for d in deploys],
            "actor": pa.array([d.actor for d in deploys], pa.string()),
            "url": pa.array([d.url for d in deploys], pa.string()),
            "changes": [len({c.sha for c in d.changes}) for d in deploys],
            "status_event": [d.status_event for d in deploys],
        }
    )
    incoming_changes = pa.table(
        {
            "source_key": [d.source_key for d in deploys for _ in d.changes],
            "sha": [c.sha for d in deploys for c in d.changes],
            "authored_at": pa.array(
                [c.authored_at for d in deploys for c in d.changes], pa.timestamp("us")
            ),
            "committed_at": pa.array(
                [c.committed_at for d in deploys for c in d.changes], pa.timestamp("us")
            ),
        }
    )
    # Read by name in the SQL (DuckDB's replacement scan): `register` inside a transaction
    # would hold the tables until commit.
    db.execute(
        "CREATE OR REPLACE TEMP TABLE deploys_keyed AS SELECT i.*, d.id AS id, "
        "d.id IS NOT NULL AND d.service = i.service AND d.environment = i.environment "
        "AND d.version IS NOT DISTINCT FROM i.version "
        "AND d.commit_sha IS NOT DISTINCT FROM i.commit_sha AND d.deployed_at = i.deployed_at "
        "AND d.status = i.status AND d.actor IS NOT DISTINCT FROM i.actor "
        "AND d.url IS NOT DISTINCT FROM i.url "
        "AND coalesce(s.n, 0) = i.changes AS unchanged, "
        "d.id IS NOT NULL AND i.status_event AND d.deployed_at > i.deployed_at AS older "
        "FROM incoming_deploys i "
        "LEFT JOIN deploys d ON d.source = ? AND d.source_key = i.match_key "
        "LEFT JOIN (SELECT deploy_id, count(*) AS n FROM deploy_changes GROUP BY deploy_id) s "
        "ON s.deploy_id = d.id",
        [source],
    ).fetchall()
    # A deploy stored already as told now stays as it is, in its batch: importing a
    # repository again after one new tag stores that tag alone.
    unchanged = db.execute("DELETE FROM deploys_keyed WHERE unchanged").fetchall()[0][0]
    new = db.execute("SELECT count(*) FROM deploys_keyed WHERE id IS NULL").fetchall()[0][0]
    if new:
        # New deploys are numbered in the order they were read (a sequence's values taken
        # in one UPDATE follow whatever order DuckDB's threads process rows in).
        first, last = db.execute(
            "SELECT min(v), max(v) FROM (SELECT nextval('deploy_ids') AS v FROM range(?))", [new]
        ).fetchall()[0]
        if last - first + 1 != new:  # pragma: no cover - one writer holds the store
            raise StoreError(f"deploy ids {first}..{last} are not {new} consecutive numbers")
        db.execute(
            "UPDATE deploys_keyed k SET id = n.id FROM (SELECT position, "
            "? - 1 + row_number() OVER (ORDER BY position) AS id FROM deploys_keyed "
            "WHERE id IS NULL) n WHERE k.position = n.position",
            [first],
        ).fetchall()
    older = _keep_older(db, source, batch_id, incoming_changes)
    _keep_replaced(db, batch_id)
    db.execute(
        "DELETE FROM deploy_changes WHERE deploy_id IN (SELECT id FROM deploys_keyed)"
    ).fetchall()
    db.execute("DELETE FROM deploys WHERE id IN (SELECT id FROM deploys_keyed)").fetchall()
    db.execute(
        "INSERT INTO deploys (id, service, environment, version, commit_sha, deployed_at, "
        "status, actor, url, source, source_key, batch_id) "
        "SELECT id, service, environment, version, commit_sha, deployed_at, status, actor, "
        "url, ?, source_key, ? FROM deploys_keyed",
        [source, batch_id],
    ).fetchall()
    stored = db.execute(
        "INSERT INTO deploy_changes (deploy_id, sha, authored_at, committed_at, batch_id) "
        "SELECT DISTINCT ON (k.id, c.sha) k.id, c.sha, c.authored_at, c.committed_at, "
        "? FROM incoming_changes c "
        "JOIN deploys_keyed k USING (source_key)",
        [batch_id],
    ).fetchall()[0][0]
    db.execute("DROP TABLE deploys_keyed").fetchall()
    del incoming_deploys, incoming_changes
    return int(new), int(unchanged), int(stored), older


def _keep_older(
    db: duckdb.DuckDBPyConnection, source: str, batch_id: int, incoming_changes: Any
) -> int:
    """The deploys of `deploys_keyed` told by a status older than the one stored (a webhook
    delivery come late: GitHub's `failure` of 13:57 after its `success` of 13:58) replace
    nothing: each is kept as told among the deploy's versions (`_keep_replaced`), below
    every version above it in the stack that is newer than it, so undoing the batches that
    told those shows it, and undoing this one changes nothing seen. Taken out of
    `deploys_keyed`; how many. `incoming_changes`: the changes told, by source key."""
    older = int(db.execute("SELECT count(*) FROM deploys_keyed WHERE older").fetchall()[0][0])
    if not older:
        return 0
    # A deploy's versions: the stored one (depth 0), then each replaced by the one above
    # it. The told version goes above the first from the top that is not newer than it.
    db.execute(
        "CREATE OR REPLACE TEMP TABLE deploys_placed AS "
        "WITH RECURSIVE stack(id, batch_id, deployed_at, depth) AS ("
        " SELECT id, batch_id, deployed_at, 0 FROM deploys"
        " WHERE id IN (SELECT id FROM deploys_keyed WHERE older)"
        " UNION ALL"
        " SELECT r.id, r.batch_id, r.deployed_at, s.depth + 1 FROM deploys_replaced r"
        " JOIN stack s ON r.id = s.id AND r.replaced_by = s.batch_id"
        " WHERE s.depth < 100000), "
        "placed AS (SELECT k.id, coalesce(min(s.depth) FILTER (WHERE s.deployed_at <= "
        " k.deployed_at), max(s.depth) + 1) AS depth FROM deploys_keyed k"
        " JOIN stack s USING (id) WHERE k.older GROUP BY k.id) "
        "SELECT a.id, above.batch_id AS above FROM placed a "
        "JOIN stack above ON above.id = a.id AND above.depth = a.depth - 1"
    ).fetchall()
    # The version below the told one is now replaced by it, then the told one is kept.
    for table, key in (("deploys_replaced", "id"), ("deploy_changes_replaced", "deploy_id")):
        db.execute(
            f"UPDATE {table} SET replaced_by = ? FROM deploys_placed p "
            f"WHERE {table}.{key} = p.id AND {table}.replaced_by = p.above",
            [batch_id],
        ).fetchall()
    db.execute(
        "INSERT INTO deploys_replaced BY NAME SELECT k.id, k.service, k.environment, "
        "k.version, k.commit_sha, k.deployed_at, k.status, k.actor, k.url, ? AS source, "
        "k.source_key, ? AS batch_id, p.above AS replaced_by "
        "FROM deploys_keyed k JOIN deploys_placed p USING (id)",
        [source, batch_id],
    ).fetchall()
    db.execute(
        "INSERT INTO deploy_changes_replaced BY NAME SELECT DISTINCT ON (k.id, c.sha) "
        "k.id AS deploy_id, c.sha, c.authored_at, c.committed_at, ? AS batch_id, "
        "p.above AS replaced_by FROM incoming_changes c "
        "JOIN deploys_keyed k USING (source_key) JOIN deploys_placed p ON p.id = k.id",
        [batch_id],
    ).fetchall()
    db.execute("DELETE FROM deploys_keyed WHERE older").fetchall()
    db.execute("DROP TABLE deploys_placed").fetchall()
    return older


def _keep_replaced(db: duckdb.DuckDBPyConnection, batch_id: int) -> None:
    """Keep the stored versions of the deploys in `deploys_keyed` that this batch replaces
    (those told differently: one told as stored stays in its batch), with their changes,
    in `deploys_replaced` and
    `deploy_changes_replaced` (each with `replaced_by`, as `pages_replaced`): `batches
    undo` of this batch puts them back."""
    db.execute(
        "INSERT INTO deploys_replaced BY NAME SELECT d.*, ? AS replaced_by FROM deploys d "
        "WHERE d.id IN (SELECT id FROM deploys_keyed)",
        [batch_id],
    ).fetchall()
    db.execute(
        "INSERT INTO deploy_changes_replaced BY NAME SELECT c.*, ? AS replaced_by "
        "FROM deploy_changes c WHERE c.deploy_id IN (SELECT id FROM deploys_keyed)",
        [batch_id],
    ).fetchall()


def _store_incidents(
    db: duckdb.DuckDBPyConnection,
    source: str,
    incidents: list[IncidentRecord],
    batch_id: int,
    environment: str,
) -> tuple[int, int]:
    """Store the incidents a deploy source reports (keyed like deploys) and link each to the
    first deploy that shipped each of its root-cause commits, once per deploy however often
    a commit is named; how many incidents and new links. Of incidents told twice, the
    last. A few statements for all of them, whatever their number."""
    if not incidents:
        return 0, 0
    told = list({incident.source_key: incident for incident in incidents}.values())
    for incident in told:
        if incident.resolved_at <= incident.started_at:
            # Readers skip open incidents and reject these: one here is a reader's bug.
            raise ValueError(
                f"a reader returned incident {incident.source_key} not ending after its start"
            )
    _first_deploys(db, told, environment)
    _key_incidents(db, source, told)
    # Updated in place, still the first batch's: undoing a later import that told it again
    # must not delete what the earlier one brought.
    db.execute(
        "UPDATE incidents SET services = k.services, start_ts = k.start_ts, "
        "end_ts = k.end_ts, title = k.title FROM incidents_keyed k "
        "WHERE NOT k.new AND incidents.id = k.id"
    ).fetchall()
    db.execute(
        "INSERT INTO incidents (id, services, start_ts, end_ts, title, source, source_key, "
        "batch_id) SELECT id, services, start_ts, end_ts, title, ?, source_key, ? "
        "FROM incidents_keyed WHERE new ORDER BY id",
        [f"deploys:{source}", batch_id],
    ).fetchall()
    links = db.execute(
        "INSERT INTO deploy_links (incident_id, deploy_id, source, batch_id) "
        "SELECT DISTINCT k.id, c.deploy_id, ?, ? FROM incident_causes c "
        "JOIN incidents_keyed k USING (source_key) ON CONFLICT DO NOTHING",
        [source, batch_id],
    ).fetchall()[0][0]
    db.execute("DROP TABLE incidents_keyed").fetchall()
    db.execute("DROP TABLE incident_causes").fetchall()
    return len(told), int(links)


def _key_incidents(
    db: duckdb.DuckDBPyConnection, source: str, incidents: list[IncidentRecord]
) -> None:
    """Into `incidents_keyed`: the incidents with their stored ids (new ones given theirs),
    whether they are new, and their services: the one named, else those of the deploys
    `incident_causes` links them to, else "unknown"."""
    db.execute(
        "CREATE OR REPLACE TEMP TABLE incidents_keyed AS SELECT i.*, k.id AS id, "
        "k.id IS NULL AS new, "
        "coalesce(CASE WHEN i.service IS NOT NULL THEN [i.service] END, c.services, ['unknown']) "
        "AS services "
        "FROM (SELECT unnest(range(?)) AS pos, unnest(?::VARCHAR[]) AS source_key, "
        "unnest(?::TIMESTAMP[]) AS start_ts, "
        "unnest(?::TIMESTAMP[]) AS end_ts, unnest(?::VARCHAR[]) AS title, "
        "unnest(?::VARCHAR[]) AS service) i "
        "LEFT JOIN incidents k ON k.source = ? AND k.source_key = i.source_key "
        "LEFT JOIN (SELECT source_key, list(DISTINCT service ORDER BY service) AS services "
        "FROM incident_causes GROUP BY source_key) c ON c.source_key = i.source_key",
        [
            len(incidents),
            [i.source_key for i in incidents],
            [i.started_at for i in incidents],
            [i.resolved_at for i in incidents],
            [i.title.strip() or f"{source} incident {i.source_key}" for i in incidents],
            [i.service or None for i in incidents],
            f"deploys:{source}",
        ],
    ).fetchall()
    # New incidents take their ids in the order told, as one at a time would have.
    new = db.execute("SELECT count(*) FROM incidents_keyed WHERE new").fetchall()[0][0]
    ids = db.execute("SELECT nextval('incident_ids') FROM range(?)", [new]).fetchall()
    db.execute(
        "UPDATE incidents_keyed SET id = (?::INTEGER[])[r.rank] FROM (SELECT pos, "
        "row_number() OVER (ORDER BY pos) AS rank FROM incidents_keyed WHERE new) r "
        "WHERE incidents_keyed.pos = r.pos",
        [sorted(int(row[0]) for row in ids)],
    ).fetchall()


def _first_deploys(
    db: duckdb.DuckDBPyConnection, incidents: list[IncidentRecord], environment: str
) -> None:
    """Into `incident_causes` (source_key, deploy_id, service): for each incident, the first
    deploy to `environment` (the one DORA counts, not staging, which ships a commit first)
    that shipped each of its root causes, as a change or as its commit; once per deploy."""
    pairs = [(i.source_key, sha) for i in incidents for sha in dict.fromkeys(i.root_causes)]
    # Two equi-joins (a change of the deploy, or its commit), not one join on `a OR b`:
    # that would compare every root cause with every deploy and change.
    db.execute(
        "CREATE OR REPLACE TEMP TABLE incident_causes AS "
        "WITH pairs AS (SELECT unnest(?::VARCHAR[]) AS source_key, "
        "unnest(?::VARCHAR[]) AS sha), "
        "shas AS (SELECT DISTINCT sha FROM pairs), "
        "shipped AS ("
        " SELECT s.sha, d.id, d.service, d.deployed_at FROM shas s"
        " JOIN deploy_changes c ON c.sha = s.sha JOIN deploys d ON d.id = c.deploy_id"
        " WHERE d.status <> 'failed' AND d.environment = ?"
        " UNION ALL"
        " SELECT s.sha, d.id, d.service, d.deployed_at FROM shas s"
        " JOIN deploys d ON d.commit_sha = s.sha"
        " WHERE d.status <> 'failed' AND d.environment = ?), "
        "firsts AS (SELECT sha, first(id ORDER BY deployed_at, id) AS deploy_id, "
        "first(service ORDER BY deployed_at, id) AS service FROM shipped GROUP BY sha) "
        "SELECT DISTINCT p.source_key, f.deploy_id, f.service FROM pairs p "
        "JOIN firsts f USING (sha)",
        [[k for k, _ in pairs], [sha for _, sha in pairs], environment, environment],
    ).fetchall()


def _set_range(db: duckdb.DuckDBPyConnection, batch_id: int) -> None:
    """The batch's deploys (those it told older than stored, kept as versions, too): how
    many, and their first and last times."""
    db.execute(
        "UPDATE batches SET min_ts = r.lo, max_ts = r.hi, accepted = r.n FROM (SELECT "
        "min(deployed_at) AS lo, max(deployed_at) AS hi, count(*) AS n FROM ("
        "SELECT deployed_at FROM deploys WHERE batch_id = $batch UNION ALL "
        "SELECT deployed_at FROM deploys_replaced WHERE batch_id = $batch)) r "
        "WHERE id = $batch",
        {"batch": batch_id},
    ).fetchall()
