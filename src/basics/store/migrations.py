"""Versioned schema migrations of the DuckDB store; each runs once, in order."""

from __future__ import annotations

# Never edit a migration that has shipped: add a new one.
MIGRATIONS: list[tuple[int, str]] = [
    (
        1,
        """
        CREATE SEQUENCE batch_ids START 1;
        CREATE TABLE batches (
            id INTEGER PRIMARY KEY,
            source VARCHAR NOT NULL,
            path VARCHAR NOT NULL,
            content_sha256 VARCHAR NOT NULL,
            status VARCHAR NOT NULL,
            accepted BIGINT NOT NULL DEFAULT 0,
            rejected BIGINT NOT NULL DEFAULT 0,
            local_time_rows BIGINT NOT NULL DEFAULT 0,
            timezone VARCHAR,
            min_ts TIMESTAMP,
            max_ts TIMESTAMP,
            started_at TIMESTAMP NOT NULL,
            finished_at TIMESTAMP
        );
        CREATE TABLE events (
            ts TIMESTAMP NOT NULL,
            service VARCHAR NOT NULL,
            operation VARCHAR,
            user_id VARCHAR,
            status INTEGER,
            duration_ms DOUBLE,
            attrs MAP(VARCHAR, VARCHAR),
            batch_id INTEGER NOT NULL
        );
        CREATE TABLE rejects (
            batch_id INTEGER NOT NULL,
            line BIGINT NOT NULL,
            field VARCHAR,
            reason VARCHAR NOT NULL,
            raw VARCHAR
        );
        CREATE TABLE slos (
            name VARCHAR PRIMARY KEY,
            service VARCHAR NOT NULL,
            definition_sha256 VARCHAR NOT NULL,
            built_at TIMESTAMP NOT NULL
        );
        CREATE TABLE slo_minute (
            slo VARCHAR NOT NULL,
            minute TIMESTAMP NOT NULL,
            total BIGINT NOT NULL,
            good BIGINT NOT NULL
        );
        CREATE TABLE latency_minute (
            service VARCHAR NOT NULL,
            operation VARCHAR,
            minute TIMESTAMP NOT NULL,
            bucket SMALLINT NOT NULL,
            n BIGINT NOT NULL
        );
        """,
    ),
    (
        2,
        """
        CREATE SEQUENCE incident_ids START 1;
        CREATE TABLE incidents (
            id INTEGER PRIMARY KEY,
            services VARCHAR[] NOT NULL,
            start_ts TIMESTAMP NOT NULL,
            end_ts TIMESTAMP NOT NULL,
            title VARCHAR NOT NULL,
            severity VARCHAR,
            source VARCHAR NOT NULL,
            source_key VARCHAR,
            created_at TIMESTAMP NOT NULL DEFAULT now()
        );
        """,
    ),
    (
        3,
        """
        CREATE TABLE pages (
            id VARCHAR PRIMARY KEY,
            source VARCHAR NOT NULL,
            source_id VARCHAR NOT NULL,
            incident_key VARCHAR NOT NULL,
            alert VARCHAR NOT NULL,
            service VARCHAR,
            urgency VARCHAR,
            created_at TIMESTAMP NOT NULL,
            acknowledged_at TIMESTAMP,
            resolved_at TIMESTAMP,
            responder VARCHAR,
            batch_id INTEGER NOT NULL
        );
        CREATE TABLE page_outcomes (
            page_id VARCHAR PRIMARY KEY,
            outcome VARCHAR NOT NULL,
            note VARCHAR,
            tagged_at TIMESTAMP NOT NULL DEFAULT now()
        );
        """,
    ),
    (
        4,
        """
        CREATE TABLE shifts (
            person VARCHAR NOT NULL,
            rotation VARCHAR NOT NULL,
            start_ts TIMESTAMP NOT NULL,
            end_ts TIMESTAMP NOT NULL,
            batch_id INTEGER NOT NULL,
            PRIMARY KEY (person, rotation, start_ts)
        );
        """,
    ),
    (
        5,
        # Pages without a primary key: DuckDB's index made replacing pages on a re-import
        # superlinear in how scattered they were (328 s for a million). Each import deletes
        # the pages it brings, then inserts them once, in one transaction (`_store_batch`).
        """
        CREATE TABLE pages_v5 (
            id VARCHAR NOT NULL,
            source VARCHAR NOT NULL,
            source_id VARCHAR NOT NULL,
            incident_key VARCHAR NOT NULL,
            alert VARCHAR NOT NULL,
            service VARCHAR,
            urgency VARCHAR,
            created_at TIMESTAMP NOT NULL,
            acknowledged_at TIMESTAMP,
            resolved_at TIMESTAMP,
            responder VARCHAR,
            batch_id INTEGER NOT NULL
        );
        INSERT INTO pages_v5 SELECT * FROM pages;
        DROP TABLE pages;
        ALTER TABLE pages_v5 RENAME TO pages;
        """,
    ),
    (
        6,
        # Batches say what they hold (kind) and, for a regular file, which bytes and lines of
        # it they read, with the SHA-256 of the file up to their end: a file that grew is
        # ingested from there. A batch undone keeps its row (status 'undone') as history.
        # Events may carry their source's record id, for sources that dedupe by id.
        """
        ALTER TABLE batches ADD COLUMN kind VARCHAR;
        UPDATE batches SET kind = CASE WHEN source LIKE 'pages:%' THEN 'pages'
            WHEN source LIKE 'shifts:%' THEN 'shifts' ELSE 'events' END;
        ALTER TABLE batches ADD COLUMN file_path VARCHAR;
        ALTER TABLE batches ADD COLUMN start_offset BIGINT;
        ALTER TABLE batches ADD COLUMN end_offset BIGINT;
        ALTER TABLE batches ADD COLUMN prefix_sha256 VARCHAR;
        ALTER TABLE batches ADD COLUMN first_line BIGINT;
        ALTER TABLE batches ADD COLUMN end_line BIGINT;
        ALTER TABLE batches ADD COLUMN ahead_rows BIGINT DEFAULT 0;
        ALTER TABLE batches ADD COLUMN duplicate_rows BIGINT DEFAULT 0;
        ALTER TABLE batches ADD COLUMN undone_at TIMESTAMP;
        ALTER TABLE events ADD COLUMN record_id VARCHAR;
        """,
    ),
    (
        7,
        # `latest` is the newest event not dated far ahead of its ingest (a clock error in
        # one record must not move every report): each batch keeps its newest such event.
        """
        ALTER TABLE batches ADD COLUMN latest_ts TIMESTAMP;
        UPDATE batches SET latest_ts = newest.ts FROM (
            SELECT e.batch_id, max(e.ts) AS ts FROM events e JOIN batches b ON b.id = e.batch_id
            WHERE e.ts <= b.started_at + INTERVAL 1 DAY GROUP BY e.batch_id
        ) AS newest WHERE batches.id = newest.batch_id;
        """,
    ),
    (
        8,
        # What `basics serve` told Alertmanager and webhooks: one row per firing of a tier,
        # so a restart neither pages again nor forgets to send the resolution.
        """
        CREATE TABLE alert_firings (
            slo VARCHAR NOT NULL,
            policy VARCHAR NOT NULL,
            tier VARCHAR NOT NULL,
            severity VARCHAR NOT NULL,
            started_at TIMESTAMP NOT NULL,
            resolved_at TIMESTAMP,
            sent_at TIMESTAMP,
            resolution_sent_at TIMESTAMP,
            PRIMARY KEY (slo, policy, tier, started_at)
        );
        """,
    ),
    (
        9,
        # The parse of each post-mortem file (the files are the truth), refreshed by its
        # content hash; `document` is the whole parse as JSON.
        """
        CREATE TABLE postmortems (
            path VARCHAR PRIMARY KEY,
            sha256 VARCHAR NOT NULL,
            id VARCHAR NOT NULL,
            document JSON NOT NULL,
            parsed_at TIMESTAMP NOT NULL
        );
        """,
    ),
    (
        10,
        # Deploys and the commits they shipped, imported as batches (undone whole); a
        # deploy's (source, source_key) is its identity, so a re-import keeps its id. Links
        # tie a deploy to an incident it caused (by hand, a post-mortem, or an import);
        # incidents an import brings (Four Keys') belong to its batch.
        """
        CREATE SEQUENCE deploy_ids START 1;
        CREATE TABLE deploys (
            id INTEGER NOT NULL,
            service VARCHAR NOT NULL,
            environment VARCHAR NOT NULL,
            version VARCHAR,
            commit_sha VARCHAR,
            deployed_at TIMESTAMP NOT NULL,
            status VARCHAR NOT NULL,
            actor VARCHAR,
            url VARCHAR,
            source VARCHAR NOT NULL,
            source_key VARCHAR NOT NULL,
            batch_id INTEGER NOT NULL
        );
        CREATE TABLE deploy_changes (
            deploy_id INTEGER NOT NULL,
            sha VARCHAR NOT NULL,
            authored_at TIMESTAMP,
            committed_at TIMESTAMP,
            batch_id INTEGER NOT NULL
        );
        CREATE TABLE deploy_links (
            incident_id INTEGER NOT NULL,
            deploy_id INTEGER NOT NULL,
            source VARCHAR NOT NULL,
            batch_id INTEGER,
            linked_at TIMESTAMP NOT NULL DEFAULT now(),
            PRIMARY KEY (incident_id, deploy_id)
        );
        ALTER TABLE incidents ADD COLUMN batch_id INTEGER;
        """,
    ),
    (
        11,
        # Toil entries: logged by hand (a batch of one) or imported from a worklog export.
        """
        CREATE SEQUENCE toil_ids START 1;
        CREATE TABLE toil_entries (
            id INTEGER NOT NULL,
            person VARCHAR,
            day DATE NOT NULL,
            minutes DOUBLE NOT NULL,
            category VARCHAR NOT NULL,
            service VARCHAR,
            description VARCHAR,
            ticket VARCHAR,
            automatable BOOLEAN,
            source VARCHAR NOT NULL,
            source_key VARCHAR,
            batch_id INTEGER NOT NULL
        );
        """,
    ),
    (
        12,
        # The scorecard of each service, once a day (the day's last run): `check --history`
        # and the weekly review read whether the basics are improving.
        """
        CREATE TABLE scorecards (
            service VARCHAR NOT NULL,
            day DATE NOT NULL,
            checked_at TIMESTAMP NOT NULL,
            verdict VARCHAR NOT NULL,
            passed INTEGER NOT NULL,
            warned INTEGER NOT NULL,
            failed INTEGER NOT NULL,
            checks JSON NOT NULL,
            PRIMARY KEY (service, day)
        );
        """,
    ),
    (
        13,
        # A page's earlier version, kept when a later batch changed it (an export taken
        # after the page was resolved, a webhook's next delivery): undoing that later batch
        # puts it back, where deleting the page would lose what the earlier batch stored.
        """
        CREATE TABLE pages_replaced AS
            SELECT *, CAST(NULL AS INTEGER) AS replaced_by FROM pages LIMIT 0;
        """,
    ),
    (
        14,
        # The same for deploys and their changes: a later export that marks a release
        # rolled back, undone, gives the release back as the earlier batch stored it.
        """
        CREATE TABLE deploys_replaced AS
            SELECT *, CAST(NULL AS INTEGER) AS replaced_by FROM deploys LIMIT 0;
        CREATE TABLE deploy_changes_replaced AS
            SELECT *, CAST(NULL AS INTEGER) AS replaced_by FROM deploy_changes LIMIT 0;
        """,
    ),
    (
        15,
        # The reject of a line a batch read before it was finished, taken back by the
        # batch that read it whole: undoing that batch gives the reject back, so the
        # line is read again by the next ingest (it was lost, neither event nor reject).
        """
        CREATE TABLE rejects_taken_back AS
            SELECT *, CAST(NULL AS INTEGER) AS taken_by FROM rejects LIMIT 0;
        """,
    ),
    (
        16,
        # A shift imported from PagerDuty's /oncalls keeps its escalation level as data
        # (it was only in the rotation's name, "Payments EP (level 2)"): a page nobody
        # named goes to the lowest level covering it, never to the secondary.
        r"""
        ALTER TABLE shifts ADD COLUMN escalation_level INTEGER;
        UPDATE shifts SET escalation_level =
            CAST(regexp_extract(rotation, '\(level (\d+)\)$', 1) AS INTEGER)
            WHERE regexp_matches(rotation, '\(level \d+\)$');
        """,
    ),
    (
        17,
        # A page keeps when the newest event it was told from happened, when the newest
        # naming its responder did, and its latest reopening (PagerDuty webhooks):
        # deliveries arriving out of order merge by when things happened, and a reopened
        # incident's first resolution is not its end.
        # NULL (pages stored before, and every source that does not date its word) merges
        # in arrival order. `pages_replaced` too: `batches undo` puts them back by name.
        """
        ALTER TABLE pages ADD COLUMN told_at TIMESTAMP;
        ALTER TABLE pages ADD COLUMN assigned_at TIMESTAMP;
        ALTER TABLE pages ADD COLUMN reopened_at TIMESTAMP;
        ALTER TABLE pages_replaced ADD COLUMN told_at TIMESTAMP;
        ALTER TABLE pages_replaced ADD COLUMN assigned_at TIMESTAMP;
        ALTER TABLE pages_replaced ADD COLUMN reopened_at TIMESTAMP;
        """,
    ),
    (
        18,
        # A page whose source did not say whether anyone acknowledged it (PagerDuty's REST
        # API lists no acknowledgements once an incident is resolved): not "resolved on its
        # own". NULL (pages stored before, every other reader) is known.
        """
        ALTER TABLE pages ADD COLUMN ack_unknown BOOLEAN;
        ALTER TABLE pages_replaced ADD COLUMN ack_unknown BOOLEAN;
        """,
    ),
    (
        19,
        # A worklog's `Toil: Manual deploy` (Harvest's task) is the category manual-deploy:
        # entries imported before were stored as `toil:-manual-deploy` (`toil/x`, `toil---x`
        # for `Toil - x`), apart from the same toil logged by hand.
        """
        UPDATE toil_entries SET category = regexp_replace(category, '^toil(-?[:/]-?|---)', '')
            WHERE regexp_matches(category, '^toil(-?[:/]-?|---).');
        """,
    ),
    (
        20,
        # Records an ingest with --skip-overlap left out because identical ones were stored
        # (or rejected) already: a batch's lines add up to accepted + rejected + the skipped.
        """
        ALTER TABLE batches ADD COLUMN overlap_rows BIGINT DEFAULT 0;
        ALTER TABLE batches ADD COLUMN overlap_rejects BIGINT DEFAULT 0;
        """,
    ),
]
