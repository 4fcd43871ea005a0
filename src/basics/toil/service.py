"""Toil entries in the store: logged by hand (a batch of one), imported from worklog
exports (a batch per file), listed, removed, and the report against the cap with on-call
time derived from pages."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import zoneinfo
from typing import TYPE_CHECKING, Any

from basics.config.models import Config, named_service, unknown_services
from basics.config.people import People
from basics.core.clock import monday, utc_now
from basics.core.errors import InputError, NotFoundError
from basics.store.duckdb_store import Store
from basics.store.rejects import store_rejects
from basics.toil import compute
from basics.toil.models import (
    CLI_SOURCE,
    FILE_SOURCE,
    Removed,
    ToilEntry,
    ToilImport,
    ToilRecord,
    ToilReject,
)
from basics.toil.parse import MAX_MINUTES, category_of, checked_category, description_of
from basics.toil.report import OncallLoad, ToilReport

if TYPE_CHECKING:
    import duckdb

    from basics.toil.formats.worklog import ReadOptions, Worklog

ENTRY_COLUMNS = (
    "id, person, day, minutes, category, service, description, ticket, automatable, "
    "source, batch_id"
)
DEFAULT_WEEKS = 12


class ToilService:
    """Toil entries and the toil report, read and written through the store."""

    def __init__(self, store: Store, config: Config) -> None:
        self.store = store
        self.config = config
        self.people = People(config.people, config.timezone)

    # --- writing ------------------------------------------------------------------------

    def log(
        self,
        minutes: float,
        category: str,
        person: str,
        day: dt.date | None = None,
        service: str | None = None,
        description: str | None = None,
        ticket: str | None = None,
        automatable: bool | None = None,
    ) -> ToilEntry:
        """Record one entry as a batch of its own (`batches undo` removes it); the day is
        today in the person's time zone unless given."""
        if not 0 < minutes <= MAX_MINUTES:
            raise InputError(f"expected a time spent above 0 and at most 24h, got {minutes:g} min")
        settings = self.config.toil
        try:
            who = self.people.resolve(person)
            kind = checked_category(category, settings.categories, settings.oncall)
        except ValueError as error:
            raise InputError(str(error)) from None
        record = ToilRecord(
            person=who,
            day=day or self.today(self.people.zone_of(who)),
            minutes=minutes,
            category=kind,
            service=named_service(service, self.config.service_names()) if service else None,
            description=description_of(description),
            ticket=ticket or None,
            automatable=automatable,
        )
        content = json.dumps([record.__dict__], default=str, sort_keys=True).encode()
        with self.store.transaction() as db:
            batch_id = _new_batch(db, CLI_SOURCE, "toil log", hashlib.sha256(content).hexdigest())
            ids = _store_entries(db, [record], CLI_SOURCE, batch_id, keyed=False)
            _finish_batch(db, batch_id, "applied", [record], [], 0)
        return self.entry(ids[0])

    def ingest(self, path: str, options: ReadOptions) -> ToilImport:
        """Import one worklog export as a batch, in one transaction; the same content again
        changes nothing, and entries already stored (by identity) are not stored twice.
        The categories allowed and whether on-call is derived come from the config."""
        from basics.ingest.inputs import Input
        from basics.toil.formats.worklog import read_worklog

        settings = self.config.toil
        options = dataclasses.replace(
            options, categories=tuple(settings.categories), oncall_derived=settings.oncall
        )
        source = Input(path)
        try:
            data = source.read_all()
            sha = source.sha256.hexdigest()
        finally:
            source.close()
        known = self._applied_batch(sha)
        if known is not None:
            return ToilImport(source.name, "duplicate", duplicate_of=known)
        if not data.removeprefix(b"\xef\xbb\xbf").strip():  # empty, or blank lines alone
            return ToilImport(source.name, "empty")
        worklog = read_worklog(data, source.name, self.people, options)
        if not (worklog.records or worklog.rejects):  # a header alone, or with blank rows
            return ToilImport(source.name, "empty", columns=worklog.columns)
        names = self.config.service_names()
        worklog = dataclasses.replace(worklog, records=[
            dataclasses.replace(r, service=named_service(r.service, names)) if r.service else r
            for r in worklog.records
        ])  # fmt: skip
        with self.store.transaction() as db:
            known = self._applied_batch(sha)  # imported meanwhile by another process
            if known is not None:
                return ToilImport(source.name, "duplicate", duplicate_of=known)
            result = _store_worklog(db, source.name, sha, worklog)
        result.unknown_services = self.unknown_services(
            [r.service for r in worklog.records if r.service]
        )
        return result

    def unknown_services(self, services: list[str]) -> dict[str, int]:
        """Of the services entries name, those basics.yaml does not know, with how many
        entries name each (`config.models.unknown_services`)."""
        return unknown_services(services, self.config.service_names())

    def remove(self, entry_id: int) -> Removed:
        """Delete one entry; a batch of one (`toil log`) is marked undone with it."""
        entry = self.entry(entry_id)
        with self.store.transaction() as db:
            db.execute("DELETE FROM toil_entries WHERE id = ?", [entry_id]).fetchall()
            left = db.execute(
                "SELECT count(*) FROM toil_entries WHERE batch_id = ?", [entry.batch_id]
            ).fetchall()[0][0]
            alone = entry.source == CLI_SOURCE and left == 0
            if alone:
                db.execute(
                    "UPDATE batches SET status = 'undone', undone_at = now() WHERE id = ?",
                    [entry.batch_id],
                ).fetchall()
        return Removed(entry, alone)

    def _applied_batch(self, sha: str) -> int | None:
        """The applied batch that imported this content already, if any."""
        known = self.store.scalar(
            "SELECT min(id) FROM batches WHERE source = ? AND content_sha256 = ? "
            "AND status = 'applied'",
            [FILE_SOURCE, sha],
        )
        return None if known is None else int(known)

    # --- reading ------------------------------------------------------------------------

    def entry(self, entry_id: int) -> ToilEntry:
        """One stored entry by id."""
        rows = self.store.query(
            f"SELECT {ENTRY_COLUMNS} FROM toil_entries WHERE id = ?", [entry_id]
        )
        if not rows:
            raise NotFoundError(f"no toil entry {entry_id}; `basics toil list` shows their ids")
        return ToilEntry(*rows[0])

    def entries(
        self,
        first: dt.date | None = None,
        end: dt.date | None = None,
        people: list[str] | None = None,
        service: str | None = None,
        category: str | None = None,
        limit: int | None = None,
    ) -> list[ToilEntry]:
        """Stored entries of the days [first, end), newest day first (then newest id), of
        `service` by any of its names (NotFoundError when nothing names it)."""
        if first is not None and end is not None and end <= first:  # as pages, deploys
            raise InputError("--from must be before --to")
        known = None if service is None else self.known_service(service)
        return self._entries(first, end, people, known, category, limit)

    def _entries(
        self,
        first: dt.date | None,
        end: dt.date | None,
        people: list[str] | None,
        service: str | None,
        category: str | None = None,
        limit: int | None = None,
    ) -> list[ToilEntry]:
        """`entries` of a service named as stored (already `known_service`)."""
        category = category_of(category) if category else None
        rows = self.store.query(
            f"SELECT {ENTRY_COLUMNS} FROM toil_entries "
            "WHERE (?::DATE IS NULL OR day >= ?) AND (?::DATE IS NULL OR day < ?) "
            "AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], person)) "
            "AND (?::VARCHAR IS NULL OR service = ?) AND (?::VARCHAR IS NULL OR category = ?) "
            "ORDER BY day DESC, id DESC LIMIT ?",
            [first, first, end, end, people, people, service, service, category, category,
             limit if limit is not None else 2**62],
        )  # fmt: skip
        return [ToilEntry(*row) for row in rows]

    def known_service(self, service: str) -> str:
        """The service a filter names (by any of its names), when basics.yaml, a toil entry
        or a page names it; else a NotFoundError (`config.models.known_service`)."""
        from basics.config.models import known_service

        def stored() -> list[str]:
            rows = self.store.query(
                "SELECT service FROM toil_entries WHERE service IS NOT NULL UNION "
                "SELECT service FROM pages WHERE service IS NOT NULL ORDER BY 1"
            )
            return [str(row[0]) for row in rows]

        return known_service(service, self.config, stored, "any toil entry or page")

    def newest_day(self) -> dt.date | None:
        """The day of the newest stored entry, if any."""
        newest: dt.date | None = self.store.scalar("SELECT max(day) FROM toil_entries")
        return newest

    def report_end(self, end: str | None) -> tuple[dt.datetime | None, dt.date | None]:
        """A report's end by the reports' rule: `end` a time, `now` (None: the end of this
        week), `latest` or, when None, `reports.end`. `latest` is the newest day of toil the
        report counts (a logged entry, or a page when on-call time is derived from pages),
        returned too, to be said; the report then ends with that day's week."""
        from basics.core.clock import end_word, parse_time

        value = end_word(end, self.config.reports.end)
        if value == "now":
            return None, None
        if value != "latest":
            return parse_time(value, self.config.timezone), None
        newest = self.newest_day()
        if self.config.toil.oncall:
            created = self.store.scalar("SELECT max(created_at) FROM pages")
            if created is not None:
                zone = zoneinfo.ZoneInfo(self.config.timezone)
                paged = created.replace(tzinfo=dt.UTC).astimezone(zone).date()
                newest = paged if newest is None else max(newest, paged)
        if newest is None:
            said = "--to latest" if end else "reports.end: latest"
            raise InputError(
                f"{said} stands for the newest toil, and none is logged yet (basics toil "
                "log, basics ingest toil FILE; or --to now)"
            )
        return compute.local_midnight(newest + dt.timedelta(days=1), self.config.timezone), newest

    def today(self, timezone: str | None = None) -> dt.date:
        """Today's date in a time zone (the config's by default)."""
        moment = utc_now().replace(tzinfo=dt.UTC)
        return moment.astimezone(zoneinfo.ZoneInfo(timezone or self.config.timezone)).date()

    def resolve_person(self, person: str) -> str:
        """A person's key in basics.yaml (or the name as given when none are declared)."""
        try:
            return self.people.resolve(person)
        except ValueError as error:
            raise NotFoundError(str(error)) from None

    def report(
        self,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
        team: str | None = None,
        person: str | None = None,
        service: str | None = None,
        today: dt.date | None = None,
    ) -> ToilReport:
        """Toil per ISO week of the range (widened to whole weeks; by default the 12 weeks
        up to this one) against the cap, for everyone, a team or a person."""
        today = today or self.today()
        first, end_day = self.report_days(start, end, today)
        roster = self._roster(team, person)
        service = None if service is None else self.known_service(service)
        entries = self._entries(first, end_day, roster, service)
        derived, oncall, unassigned = self._oncall(first, end_day, roster, service)
        everything = entries + derived
        return compute.toil_report(
            everything,
            compute.mondays(first, end_day),
            self._scope(team, roster, everything),
            today,
            self.config.timezone,
            compute.Filters(team, roster[0] if person and roster else None, service),
            oncall,
            unassigned,
            oncall_derived=self.config.toil.oncall,
        )

    def report_days(
        self, start: dt.datetime | None, end: dt.datetime | None, today: dt.date
    ) -> tuple[dt.date, dt.date]:
        """The days [first, end) of a report: the days starting in [start, end) (naive
        UTC) in the config's zone, widened to whole ISO weeks."""
        zone = self.config.timezone
        end_day = _day_from(end, zone) if end else today + dt.timedelta(days=1)
        last_week = monday(end_day - dt.timedelta(days=1))
        first = _day_from(start, zone) if start else last_week - (DEFAULT_WEEKS - 1) * compute.WEEK
        if first >= end_day:
            raise InputError("the range is empty: --from must be before --to (and today)")
        return monday(first), last_week + compute.WEEK

    def _roster(self, team: str | None, person: str | None) -> list[str] | None:
        """Whose entries count: a team's members, one person, or anyone (None)."""
        if team is not None and person is not None:
            raise InputError("choose one of --team and --person")
        if team is not None:
            if team not in self.config.teams:
                known = ", ".join(self.config.teams) or "none are configured"
                raise NotFoundError(f'no team "{team}" (known: {known})')
            return list(self.config.teams[team].members)
        return None if person is None else [self.resolve_person(person)]

    def _scope(
        self, team: str | None, roster: list[str] | None, entries: list[ToilEntry]
    ) -> compute.Scope:
        """The scope's people and capacities: a team's, a person's, or everyone's (every
        declared person and everyone with entries, page responders resolved to them)."""
        hours = self.config.toil.hours_per_week
        # The teams shown: every team for everyone, the team, none for a person (their
        # entries alone against a whole team's capacity would say nothing of the team).
        teams = {
            name: (tuple(t.members), compute.team_capacity(t, hours))
            for name, t in self.config.teams.items()
            if roster is None or name == team
        }
        if team is not None:
            people, capacity, name = tuple(roster or ()), teams[team][1], team
        elif roster is not None:
            people, capacity, name = (roster[0],), hours, roster[0]
        else:
            people = tuple(sorted(set(self.config.people) | {e.person for e in entries}))
            capacity, name = len(people) * hours, "everyone"
        return compute.Scope(name, people, capacity, hours, teams, self.config.toil.cap_percent)

    def _oncall(
        self, first: dt.date, end: dt.date, roster: list[str] | None, service: str | None
    ) -> tuple[list[ToilEntry], list[OncallLoad], int]:
        """On-call time from pages as derived entries, each person's on-call load, and the
        pages of the range (of the service, when one is given) nobody could be named for."""
        if not self.config.toil.oncall:
            return [], [], 0
        from basics.oncall.service import OncallService
        from basics.toil.engaged import derived_entries, oncall_loads, oncall_rows

        zone, cap_s = self.config.timezone, self.config.toil.page_cap_s
        start_utc, end_utc = compute.local_midnight(first, zone), compute.local_midnight(end, zone)
        oncall = OncallService(self.store, self.config)
        # Pages created up to one cap earlier still reach into the range.
        since = start_utc - dt.timedelta(seconds=cap_s)
        pages = oncall.with_responders(oncall.pages(since, end_utc))
        unassigned = sum(
            1
            for p in pages
            if p.responder is None
            and start_utc <= p.created_at < end_utc
            and (service is None or p.service == service)
        )
        # Responders come named as the people of basics.yaml they are (`OncallService.pages`),
        # so a person's pages and entries meet.
        if roster is not None:
            # Overlap is merged per person, so other people's pages change no one's time
            # here. Not so other services' pages: they may cover part of this one's.
            pages = [p for p in pages if p.responder in roster]
        rows = [
            row
            for row in oncall_rows(pages, cap_s, zone, oncall.zone_of)
            if first <= row.day < end and (service is None or row.service == service)
        ]
        return derived_entries(rows), oncall_loads(rows), unassigned


def _day_from(moment: dt.datetime, timezone: str) -> dt.date:
    """The first day starting at or after a naive UTC moment, in a time zone."""
    local = moment.replace(tzinfo=dt.UTC).astimezone(zoneinfo.ZoneInfo(timezone))
    return local.date() + dt.timedelta(days=0 if local.time() == dt.time() else 1)


def _new_batch(db: duckdb.DuckDBPyConnection, source: str, path: str, sha: str) -> int:
    batch_id = int(db.execute("SELECT nextval('batch_ids')").fetchall()[0][0])
    db.execute(
        "INSERT INTO batches (id, kind, source, path, content_sha256, status, started_at) "
        "VALUES (?, 'toil', ?, ?, ?, 'loading', now())",
        [batch_id, source, path, sha],
    ).fetchall()
    return batch_id


def _finish_batch(
    db: duckdb.DuckDBPyConnection,
    batch_id: int,
    status: str,
    stored: list[ToilRecord],
    rejects: list[ToilReject],
    duplicates: int,
) -> None:
    days = [dt.datetime.combine(record.day, dt.time()) for record in stored]
    db.execute(
        "UPDATE batches SET status = ?, accepted = ?, rejected = ?, duplicate_rows = ?, "
        "min_ts = ?, max_ts = ?, finished_at = now() WHERE id = ?",
        [status, len(stored), len(rejects), duplicates, min(days, default=None),
         max(days, default=None), batch_id],
    ).fetchall()  # fmt: skip
    store_rejects(db, batch_id, rejects)


def _store_worklog(
    db: duckdb.DuckDBPyConnection, name: str, sha: str, worklog: Worklog
) -> ToilImport:
    """Record the batch, its new entries (one per identity) and its rejects."""
    batch_id = _new_batch(db, FILE_SOURCE, name, sha)
    fresh = _fresh(db, worklog.records)
    duplicates = len(worklog.records) - len(fresh)
    status = "rejected" if not worklog.records and worklog.rejects else "applied"
    if status == "applied":
        _store_entries(db, fresh, FILE_SOURCE, batch_id, keyed=True)
    _finish_batch(db, batch_id, status, fresh, worklog.rejects, duplicates)
    return ToilImport(
        path=name,
        status=status,
        batch_id=batch_id,
        entries=len(fresh),
        duplicates=duplicates,
        rejected=len(worklog.rejects),
        blank_rows=worklog.blank_rows,
        header_rows=worklog.header_rows,
        hours=sum(record.minutes for record in fresh) / 60,
        encoding=worklog.encoding,
        columns=worklog.columns,
        first_rejects=worklog.rejects[:5],
    )


def _fresh(db: duckdb.DuckDBPyConnection, records: list[ToilRecord]) -> list[ToilRecord]:
    """The records whose identity neither the store nor an earlier row of the file holds."""
    keys = [record.source_key for record in records]
    stored = {
        row[0]
        for row in db.execute(
            "SELECT source_key FROM toil_entries WHERE source = ? "
            "AND source_key IN (SELECT unnest(?::VARCHAR[]))",
            [FILE_SOURCE, keys],
        ).fetchall()
    }
    fresh = []
    for record in records:
        if record.source_key not in stored:
            stored.add(record.source_key)
            fresh.append(record)
    return fresh


def _store_entries(
    db: duckdb.DuckDBPyConnection,
    records: list[ToilRecord],
    source: str,
    batch_id: int,
    keyed: bool,
) -> list[int]:
    """Insert records with new ids (in the records' order); their ids."""
    if not records:
        return []
    import pyarrow as pa

    # In the order read: DuckDB's threads may hand the sequence's values back in any order.
    ids = sorted(
        int(row[0])
        for row in db.execute("SELECT nextval('toil_ids') FROM range(?)", [len(records)]).fetchall()
    )
    columns: dict[str, Any] = {
        "id": pa.array(ids, pa.int32()),
        "person": pa.array([r.person for r in records], pa.string()),
        "day": pa.array([r.day for r in records], pa.date32()),
        "minutes": pa.array([r.minutes for r in records], pa.float64()),
        "category": pa.array([r.category for r in records], pa.string()),
        "service": pa.array([r.service for r in records], pa.string()),
        "description": pa.array([r.description for r in records], pa.string()),
        "ticket": pa.array([r.ticket for r in records], pa.string()),
        "automatable": pa.array([r.automatable for r in records], pa.bool_()),
        "source": pa.array([source] * len(records), pa.string()),
        "source_key": pa.array(
            [r.source_key if keyed else f"cli:{batch_id}" for r in records], pa.string()
        ),
        "batch_id": pa.array([batch_id] * len(records), pa.int32()),
    }
    # Read by name in the SQL (DuckDB's replacement scan): `register` inside a transaction
    # would hold the table until commit.
    incoming = pa.table(columns)  # noqa: F841
    db.execute(f"INSERT INTO toil_entries ({', '.join(columns)}) SELECT * FROM incoming").fetchall()
    return ids
