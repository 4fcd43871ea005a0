"""How deploys are written into the store, in one transaction per import: each deploy in
place of the one of the same source key (keeping its id), the version it replaced kept for
`basics batches undo` (`_keep_replaced`), a webhook's status older than the stored one kept
among those versions below the newer ones (`_keep_older`), the incidents an import tells and
the deploys they link to, and the batch's record and range. `service.DeployService` calls
these; nothing else writes deploys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from basics.core.errors import StoreError
from basics.deploys.models import DeployRecord, DeployReject, IncidentRecord
from basics.store.rejects import store_rejects

if TYPE_CHECKING:
    import duckdb


def new_batch(
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
    store_rejects(db, batch_id, rejects, raw_cap=1000)
    return batch_id


def store_deploys(
    db: duckdb.DuckDBPyConnection,
    source: str,
    deploys: list[DeployRecord],
    batch_id: int,
    told_keys: Mapping[str, str] | None = None,
) -> tuple[int, int, int, int]:
    """Store the deploys in place of those with the same source keys (keeping their ids) and
    their changes, each replaced version kept (`_keep_replaced`); how many deploys are new,
    how many were stored already as they are (held by this batch too), how many changes
    were stored anew, and how many told a status older than the one stored.
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
    # A deploy stored already as told is held by this batch too, the earlier telling kept
    # beneath it as any replaced version is: undoing either batch leaves the deploy as the
    # other tells it (a repository imported again after one new tag, the first import
    # undone, keeps every tag the second told).
    unchanged = db.execute("SELECT count(*) FROM deploys_keyed WHERE unchanged").fetchall()[0][0]
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
    db.execute(
        "INSERT INTO deploy_changes (deploy_id, sha, authored_at, committed_at, batch_id) "
        "SELECT DISTINCT ON (k.id, c.sha) k.id, c.sha, c.authored_at, c.committed_at, "
        "? FROM incoming_changes c "
        "JOIN deploys_keyed k USING (source_key)",
        [batch_id],
    ).fetchall()
    # The changes stored anew: those of the deploys told as stored were there already.
    stored = db.execute(
        "SELECT count(*) FROM deploy_changes c JOIN deploys_keyed k ON c.deploy_id = k.id "
        "WHERE NOT k.unchanged"
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
    (changed or not, as pages are), with their changes, in `deploys_replaced` and
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


def store_incidents(
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


def set_range(db: duckdb.DuckDBPyConnection, batch_id: int) -> None:
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
