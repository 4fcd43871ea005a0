"""On-call records in the store: pages imported as batches, outcomes, shifts from rotations."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import itertools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pyarrow as pa

from basics.config.models import Config, named_service
from basics.config.people import People
from basics.core.errors import BasicsError, InputError, NotFoundError, StoreError
from basics.ingest.inputs import Input
from basics.oncall import compute
from basics.oncall.columns import (
    PAGE_COLUMNS,
    TOLD_COLUMNS,
    PageColumns,
    micros,
    on_call,
    store_table,
)
from basics.oncall.formats.shapes import likely_format
from basics.oncall.models import (
    BUILT_IN_SOURCES,
    OUTCOMES,
    RECORD_FORMATS,
    Page,
    PageFormat,
    PageReject,
    Shift,
)
from basics.oncall.report import OncallReport
from basics.oncall.rotations import rotation_shifts
from basics.store.duckdb_store import Store
from basics.store.engine import duckdb
from basics.store.rejects import store_rejects

_PAGE_COLUMNS = ", ".join(PAGE_COLUMNS)
_STORED_COLUMNS = ", ".join(PAGE_COLUMNS + TOLD_COLUMNS)
"""Every column of a stored page (`Page` reads them as PAGE_COLUMNS, outcome, note, then
TOLD_COLUMNS)."""


@dataclass
class PageImport:
    """What one import of pages did.

    `status` is `applied`, `duplicate` (this content is stored already: nothing written),
    `rejected` (every record was rejected: the batch keeps the rejects, no page) or `empty`
    (no record in it at all: nothing written, no batch).
    """

    batch_id: int | None
    path: str
    status: str
    pages: int = 0
    new_pages: int = 0
    rejected: int = 0
    duplicate_of: int | None = None
    first_rejects: list[PageReject] = field(default_factory=list)
    hint: str | None = None  # when every record was rejected: a guess at why
    warnings: list[str] = field(default_factory=list)
    """What the file says it left out (Alertmanager's truncated alerts): not rejects, since
    no record of it could be read, but pages the report will not have."""


SHORT_ID = 7
"""Hex digits of a page's short id, at the least (git's length for a commit's)."""


class ShiftImport(NamedTuple):
    """What one import of shifts did: shifts stored, the records rejected, and the periods
    the schedule left with nobody on call (Opsgenie's `none`: no shift, no reject)."""

    stored: int
    rejects: list[PageReject]
    uncovered: int = 0
    unknown_people: tuple[str, ...] = ()
    """People the shifts name that basics.yaml declares under none of its people (matched
    by key, name or e-mail): stored under the name the file gives, said so a typo or a
    missing `people:` entry shows."""
    status: str = "applied"
    """`applied`, `rejected` (every record was: the batch keeps the rejects) or `empty` (no
    record in it at all: nothing written, no batch)."""
    batch_id: int | None = None
    permanent: int = 0
    """PagerDuty's permanent on-calls (no start, no end): not shifts of a time, said apart."""


class OncallService:
    """Pages, their outcomes and shifts, read and written through the store."""

    def __init__(self, store: Store, config: Config) -> None:
        self.store = store
        self.config = config
        self.people = People(config.people, config.timezone)

    def person(self, responder: str) -> str:
        """The person of basics.yaml a source's responder is (PagerDuty names them in full:
        "Alice Martin" is alice), or the name as the source wrote it."""
        return self.people.find(responder) or responder

    def ingest_pages(
        self,
        path: str,
        fmt: PageFormat,
        show_rejects: int = 5,
        mapping: dict[str, str] | None = None,
        source: str | None = None,
    ) -> PageImport:
        """Import one export or webhook capture as a batch; re-importing updates, never doubles.

        A PagerDuty CSV export is staged by DuckDB's CSV reader (`bulk_csv`), with only the
        rows it cannot vouch for read by the row reader; other formats, and an export DuckDB
        cannot read as the row reader does, are read row by row. All give the same pages
        and line-numbered rejects. `mapping` and `source` are for the `csv` and `jsonl`
        formats: the field names the file uses, and the tool its page ids start with.
        """
        from basics.oncall.bulk_csv import STAGED_TABLE, BulkCsv

        if fmt in RECORD_FORMATS:  # a wrong mapping or source said before the file is read
            from basics.oncall.formats.records import check_options

            check_options(mapping, source)
        elif mapping or source:
            raise InputError(f"--mapping and --source are for --format csv or jsonl, not {fmt}")
        bulk = BulkCsv.open(path) if fmt == "pagerduty-csv" else None
        pages: list[Page] | None = None
        rejects: list[PageReject] = []
        warnings: list[str] = []
        if bulk is None:
            name, sha, pages, rejects, warnings = _read_records(path, fmt, mapping, source)
        else:
            name, sha = bulk.name, bulk.sha256
        known = self._applied_batch(fmt, sha)
        if known is not None:
            return PageImport(None, name, "duplicate", duplicate_of=known)
        try:
            # Staged before the batch's transaction: a file DuckDB cannot read fails its
            # statement, which inside a transaction would abort the whole batch.
            staged = bulk.stage(self.store.db) if bulk is not None else None
            incoming: str | pa.Table  # the staged table's name, or the pages in Arrow
            names = self.config.service_names()
            if staged is not None:
                incoming, (count, rejects) = STAGED_TABLE, staged
                _name_staged_services(self.store.db, STAGED_TABLE, names)
            else:
                if pages is None:  # DuckDB could not read it: read it row by row
                    _, _, pages, rejects, warnings = _read_records(path, fmt)
                pages = _named(pages, names)
                incoming, count = store_table(pages), len(pages)
            if not (count or rejects):
                # No record at all (an empty file, blank lines, a header alone): no batch.
                return PageImport(None, name, "empty", warnings=warnings)
            with self.store.transaction() as db:
                known = self._applied_batch(fmt, sha)  # imported meanwhile by another process
                if known is not None:
                    return PageImport(None, name, "duplicate", duplicate_of=known)
                batch_id, new_pages = _store_batch(
                    db, f"pages:{fmt}", name, sha, incoming, count, rejects
                )
        finally:
            self.store.db.execute(f"DROP TABLE IF EXISTS {STAGED_TABLE}").fetchall()
        return PageImport(
            batch_id,
            name,
            _status(count, rejects),
            pages=count,
            new_pages=new_pages,
            rejected=len(rejects),
            first_rejects=rejects[:show_rejects],
            hint=_likely_cause(fmt, count, rejects),
            warnings=warnings,
        )

    def receive_pages(self, body: bytes, fmt: PageFormat, name: str) -> PageImport:
        """Import one webhook delivery (its body) as a batch of pages.

        A delivery repeats or continues what earlier ones said (Alertmanager re-sends an
        alert while it fires, PagerDuty sends triggered, acknowledged and resolved apart),
        so each page is merged with the stored page of the same id (`compute.merge_page`);
        the same body delivered again is recognised by its hash and changes nothing.
        """
        return _raised(self.receive_deliveries([(body, fmt, name)])[0])

    def receive_deliveries(
        self, deliveries: list[tuple[bytes, PageFormat, str]]
    ) -> list[PageImport | BasicsError]:
        """Import several webhook deliveries, in order, each its own batch as
        `receive_pages` makes it, in one transaction of a few statements whatever their
        number (`basics serve` folds the deliveries queued behind its writer). A delivery
        that cannot be read gets its error, the others are stored."""
        from basics.oncall.importers import read_pages_noted

        names = self.config.service_names()
        read: list[_Delivery | BasicsError] = []
        for body, fmt, name in deliveries:
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError as error:
                read.append(InputError(f"{name}: the body is not UTF-8 ({error.reason})"))
                continue

            def parse(text: str = text, fmt: PageFormat = fmt, name: str = name) -> _Read:
                lines = text.splitlines(keepends=True)
                pages, rejects, warnings = read_pages_noted(lines, fmt, name)
                return _named(pages, names), rejects, warnings

            read.append(_Delivery(f"pages:{fmt}", name, hashlib.sha256(body).hexdigest(), parse))
        return self._store_deliveries(read)

    def record_pages(self, pages: list[Page], source: str, name: str) -> PageImport:
        """Store pages Basics itself made (its own alerts, sent by `basics serve`) as one
        batch of source `pages:<source>`, merged with stored pages of the same ids."""
        from basics.records import plain

        sha = hashlib.sha256(json.dumps(plain(pages), sort_keys=True).encode()).hexdigest()
        made = _Delivery(f"pages:{source}", name, sha, lambda: (pages, [], []))
        return _raised(self._store_deliveries([made])[0])

    def _store_deliveries(
        self, read: list[_Delivery | BasicsError]
    ) -> list[PageImport | BasicsError]:
        """`_fold_in` in a transaction. If it fails, each delivery is stored on its own,
        so only the one at fault hears of it (and is not stored)."""
        try:
            with self.store.transaction() as db:
                return _fold_in(db, read)
        except duckdb.Error as error:
            if sum(isinstance(item, _Delivery) for item in read) > 1:
                return [
                    self._store_deliveries([item])[0] if isinstance(item, _Delivery) else item
                    for item in read
                ]
            return [
                StoreError(f"{item.name}: could not be stored: {error}")
                if isinstance(item, _Delivery)
                else item
                for item in read
            ]

    @staticmethod
    def _pages_by_id(db: duckdb.DuckDBPyConnection, ids: list[str]) -> list[Page]:
        if not ids:
            return []
        rows = db.execute(
            f"SELECT {_PAGE_COLUMNS}, NULL, NULL, {', '.join(TOLD_COLUMNS)} FROM pages "
            "WHERE id IN (SELECT unnest(?::VARCHAR[]))",
            [ids],
        ).fetchall()
        return [Page(*row) for row in rows]

    def _applied_batch(self, fmt: PageFormat, sha: str) -> int | None:
        """The batch that already imported this content in this format, if any."""
        known = self.store.scalar(
            "SELECT min(id) FROM batches WHERE source = ? AND content_sha256 = ? "
            "AND status = 'applied'",
            [f"pages:{fmt}", sha],
        )
        return None if known is None else int(known)

    def pages(
        self,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
        alert: str | None = None,
        unclassified: bool = False,
    ) -> list[Page]:
        """Pages created in [start, end), oldest first, with their outcomes; responders
        named as the people of basics.yaml they are (`person`). A range that ends before it
        starts is an InputError, not no pages."""
        if start is not None and end is not None and start >= end:
            raise InputError("--from must be before --to")
        rows = self.store.query(
            f"SELECT {', '.join('p.' + column for column in PAGE_COLUMNS)}, "
            f"o.outcome, o.note, {', '.join('p.' + column for column in TOLD_COLUMNS)} "
            "FROM pages p LEFT JOIN page_outcomes o ON o.page_id = p.id "
            "WHERE (? IS NULL OR p.created_at >= ?) AND (? IS NULL OR p.created_at < ?) "
            "AND (? IS NULL OR p.alert = ?) AND (NOT ? OR o.outcome IS NULL) "
            "ORDER BY p.created_at, p.id",
            [start, start, end, end, alert, alert, unclassified],
        )
        pages = [Page(*row) for row in rows]
        return [
            page
            if page.responder is None or self.person(page.responder) == page.responder
            else dataclasses.replace(page, responder=self.person(page.responder))
            for page in pages
        ]

    def short_page_ids(self) -> dict[str, str]:
        """Every stored page's short id (as `pages list` shows it where the whole id does
        not fit): the start of the MD5 digest of its id, as long for all as makes each
        unique among the stored pages, and at least `SHORT_ID` digits."""
        pairs = self.store.query("SELECT id, md5(id) AS digest FROM pages ORDER BY digest")
        length = SHORT_ID
        for (_, digest), (_, following) in itertools.pairwise(pairs):
            while digest[:length] == following[:length]:
                length += 1
        return {page: digest[:length] for page, digest in pairs}

    def page_id(self, ref: str) -> str:
        """The id of the page `ref` names: a page's own id as it is, else a short id (or 4
        or more of its first digits, in any case) as the one stored page it starts."""
        digits = ref.strip().lower()
        if len(digits) < 4 or digits.strip("0123456789abcdef"):
            return ref  # a page's own id always has its source before a colon
        found = self.store.query(
            "SELECT id FROM pages WHERE starts_with(md5(id), ?) ORDER BY id LIMIT 3", [digits]
        )
        if len(found) > 1:
            raise InputError(
                f'"{ref}" starts the short id of more than one page ({found[0][0]}, '
                f"{found[1][0]}{', …' if len(found) > 2 else ''}): give more of its digits"
            )
        return str(found[0][0]) if found else ref

    def tag(self, page_id: str, outcome: str, note: str | None = None) -> None:
        """Record what a page turned out to be (see `OUTCOMES`)."""
        if outcome not in OUTCOMES:
            raise InputError(
                f'unknown outcome "{outcome}" (expected one of: {", ".join(OUTCOMES)})'
            )
        if self.store.scalar("SELECT count(*) FROM pages WHERE id = ?", [page_id]) == 0:
            raise NotFoundError(f'no page "{page_id}"; `basics pages list` shows their ids')
        with self.store.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO page_outcomes (page_id, outcome, note) VALUES (?, ?, ?)",
                [page_id, outcome, note],
            ).fetchall()

    def ingest_shifts(
        self, path: str, fmt: str = "pagerduty-oncalls", mapping: dict[str, str] | None = None
    ) -> ShiftImport:
        """Import on-call shifts (PagerDuty's `/oncalls` JSON, Opsgenie's schedule timeline,
        or a CSV of shifts); the same shift imported again is kept once."""
        from basics.oncall import shift_files

        if mapping and fmt != "csv":
            raise InputError(f"--mapping is for --format csv, not {fmt}")
        uncovered = permanent = 0
        windows: list[tuple[str, dt.datetime, dt.datetime]] = []
        source = Input(path)
        try:
            if fmt == "csv":  # as bytes: a spreadsheet's CSV may be Windows-1252
                data = source.read_all()
                shifts, rejects = shift_files.read_shift_csv(
                    data, source.name, self.config.people, self.config.timezone, mapping
                )
            elif not (text := _json_text(source)).strip():
                shifts, rejects = [], []  # an empty JSON file: no record, said below
            elif fmt == "opsgenie-timeline":
                try:
                    timeline = shift_files.read_opsgenie_timeline(text, self.config.people)
                except InputError as error:
                    raise InputError(f"{source.name}: {error}") from None
                shifts, rejects = timeline.shifts, timeline.rejects
                uncovered, windows = timeline.uncovered, timeline.windows
            else:
                try:
                    oncalls = shift_files.read_pagerduty_oncalls(text, self.config.people)
                except InputError as error:
                    raise InputError(f"{source.name}: {error}") from None
                shifts, rejects, permanent = oncalls.shifts, oncalls.rejects, oncalls.permanent
        finally:
            source.close()
        if not (shifts or rejects or windows):
            # No record at all (an empty file, blank lines, a header alone; permanent
            # on-calls alone): no batch.
            return ShiftImport(0, [], status="empty", permanent=permanent)
        status = _status(len(shifts), rejects)
        with self.store.transaction() as db:
            batch_id = int(db.execute("SELECT nextval('batch_ids')").fetchall()[0][0])
            db.execute(
                "INSERT INTO batches (id, kind, source, path, content_sha256, status, "
                "accepted, rejected, started_at, finished_at) VALUES (?, 'shifts', "
                "?, ?, ?, ?, ?, ?, now(), now())",
                [
                    batch_id,
                    f"shifts:{fmt}",
                    source.name,
                    source.sha256.hexdigest(),
                    status,
                    len(shifts),
                    len(rejects),
                ],
            ).fetchall()
            for schedule, start, end in windows:
                _clear_window(db, schedule, start, end)
            _store_shifts(db, _joined_to_stored(db, shifts, windows), batch_id)
            store_rejects(db, batch_id, rejects)
        declared = set(self.config.people)
        unknown = sorted({s.person for s in shifts} - declared) if declared else []
        return ShiftImport(
            len(shifts), rejects, uncovered, tuple(unknown), status, batch_id, permanent
        )

    def shifts(self, start: dt.datetime, end: dt.datetime) -> list[Shift]:
        """Every rotation's shifts, and the imported ones, overlapping [start, end), each
        once (an imported shift that is a rotation's own is one shift)."""
        shifts: list[Shift] = []
        for name, rotation in self.config.rotations.items():
            shifts += rotation_shifts(name, rotation, start, end)
        shifts += [
            Shift(*row)
            for row in self.store.query(
                "SELECT person, rotation, start_ts, end_ts, escalation_level FROM shifts "
                "WHERE end_ts > ? AND start_ts < ?",
                [start, end],
            )
        ]
        return sorted(dict.fromkeys(shifts), key=lambda s: (s.start, s.rotation, s.person))

    def with_responders(self, pages: list[Page]) -> list[Page]:
        """Pages whose source did not name a responder get the person on call then (the
        shift of the service's rotation covering the page's creation, else the first shift
        that does, the lowest escalation level first, then by start), as in the report."""
        missing = sorted(
            (i for i, page in enumerate(pages) if page.responder is None),
            key=lambda i: pages[i].created_at,
        )
        if not missing:
            return pages
        moments = [pages[i].created_at for i in missing]
        shifts = self.shifts(moments[0], moments[-1] + dt.timedelta(microseconds=1))
        services = [pages[i].service for i in missing]
        rotations = [self.config.rotation_of(service) if service else None for service in services]
        people = on_call(np.array([micros(m) for m in moments], dtype=np.int64), shifts, rotations)
        result = list(pages)
        for i, person in zip(missing, people, strict=True):
            if person is not None:  # else the page stays as it was: nobody was on call
                result[i] = dataclasses.replace(pages[i], responder=person)
        return result

    def page_columns(
        self, start: dt.datetime, end: dt.datetime, shifts: list[Shift] | None = None
    ) -> PageColumns:
        """Pages created in [start, end) with their outcomes, as columns; a page whose source
        named no responder gets the person on call then (from `shifts`, by default every
        shift of the range)."""
        table = self.store.db.sql(
            "SELECT p.source, p.incident_key, p.alert, p.service, p.created_at, "
            "p.acknowledged_at, p.resolved_at, p.responder, p.reopened_at, p.ack_unknown, "
            "o.outcome "
            "FROM pages p "
            "LEFT JOIN page_outcomes o ON o.page_id = p.id "
            # Not sorted here: `from_arrow` orders the columns by creation itself (a sort of
            # one integer column, not of every row's ten).
            "WHERE p.created_at >= $start AND p.created_at < $end",
            params={"start": start, "end": end},
        ).to_arrow_table()
        on_call = self.shifts(start, end) if shifts is None else shifts
        silent = self._silent_sources(table.column("source").unique().to_pylist())
        return PageColumns.from_arrow(
            table, self.zone_of, on_call, self.person, silent, self.config.rotation_of
        )

    def _silent_sources(self, sources: list[str]) -> list[str]:
        """Of the sources of `csv` and `jsonl` imports among `sources`, those none of whose
        stored pages has an acknowledgement: their exports do not record them (incident.io's
        alerts, Splunk On-Call's incident list), so a page resolved without one says
        nothing."""
        imported = [s for s in sources if s not in BUILT_IN_SOURCES]
        if not imported:
            return []
        rows = self.store.query(
            "SELECT source FROM pages WHERE source IN (SELECT unnest(?::VARCHAR[])) "
            "GROUP BY source HAVING count(acknowledged_at) = 0",
            [imported],
        )
        return [str(row[0]) for row in rows]

    def report_range(
        self, start: dt.datetime | None, end: str | None
    ) -> tuple[dt.datetime, dt.datetime, dt.datetime | None]:
        """A report's range by the reports' rule: `end` a time, `now`, `latest` (the minute
        after the newest page's creation) or, when None, `reports.end`; `start` defaults to
        `checks.oncall_window` (30 days) before the end, as `basics check` counts. With the
        newest page when `latest` stood for it, to be said."""
        from basics.core.clock import end_word, parse_time, utc_now

        newest = None
        value = end_word(end, self.config.reports.end)
        if value == "latest":
            newest = self.store.scalar("SELECT max(created_at) FROM pages")
            if newest is None:
                said = "--to latest" if end else "reports.end: latest"
                raise InputError(
                    f"{said} stands for the newest page, and none is imported yet (basics "
                    "ingest pages FILE --format ...; or --to now)"
                )
            stop = newest.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
        elif value == "now":
            stop = utc_now().replace(second=0, microsecond=0)
        else:
            stop = parse_time(value, self.config.timezone)
        window = dt.timedelta(seconds=self.config.checks.seconds("oncall_window"))
        return start or stop - window, stop, newest

    def report(
        self,
        start: dt.datetime,
        end: dt.datetime,
        team: str | None = None,
        person: str | None = None,
    ) -> OncallReport:
        """Pages per shift, interruptions, response times, noisy alerts and concentration."""
        if start >= end:
            raise InputError("--from must be before --to")
        if team is not None and team not in self.config.teams:
            known = ", ".join(self.config.teams) or "none are configured"
            raise NotFoundError(f'no team "{team}" (known: {known})')
        shifts = self.shifts(start, end)
        pages = self.page_columns(start, end, shifts)
        # Each page's shift is chosen among every shift, before a team or person is kept:
        # a page of another team's rotation stays off this team's shifts.
        counted = compute.page_shifts(pages, shifts)
        if person is not None:
            self._check_person(person, pages.people, shifts)
        roster = self._roster(team, person, shifts)
        if team is not None or person is not None:
            rotations = {
                name for name, r in self.config.rotations.items() if team is None or r.team == team
            }
            # A rotation basics.yaml does not declare (shifts imported from a pager) is
            # the rotation of whoever is on it: its shifts of the roster's people are kept.
            kept = [
                i
                for i, s in enumerate(shifts)
                if s.person in roster
                and (s.rotation in rotations or s.rotation not in self.config.rotations)
            ]
            shifts = [shifts[i] for i in kept]
            answered = pages.answered_by(roster)
            pages = pages.take(answered)
            counted = compute.kept_shifts(counted[answered], kept)
        loads = compute.shift_loads(shifts, pages, counted)
        return OncallReport(
            start=start,
            end=end,
            team=team,
            person=person,
            pages=len(pages),
            incidents=compute.distinct(pages.incident),
            shifts=loads,
            over_limit_shifts=sum(1 for load in loads if load.over_limit),
            pages_off_shift=int(np.count_nonzero(counted == compute.OFF_SHIFT)),
            interruptions=compute.interruptions(pages),
            time_to_acknowledge=compute.time_to_acknowledge(pages),
            time_to_resolve=compute.time_to_resolve(pages),
            alerts=compute.noisy_alerts(pages),
            concentration=compute.concentration(pages, roster),
            weeks=compute.weekly(pages, shifts, compute.weeks_between(start, end), roster, counted),
        )

    def _check_person(
        self, person: str, responders: Sequence[str], shifts: Sequence[Shift]
    ) -> None:
        """NotFoundError for a person neither basics.yaml nor the range's pages and shifts
        name: a misspelt name is not a person without pages."""
        known = set(self.config.people) | {p for r in self.config.rotations.values()
                                           for p in r.people}  # fmt: skip
        if person in known or person in responders or any(s.person == person for s in shifts):
            return
        listed = ", ".join(sorted(known)) or "none in basics.yaml"
        raise NotFoundError(
            f'no person "{person}" in basics.yaml, nor among the responders and shifts of '
            f"this range (known: {listed})"
        )

    def _roster(self, team: str | None, person: str | None, shifts: Sequence[Shift]) -> list[str]:
        """Who the report is about: one person, a team's members, or those who carry the
        pager (everyone on a rotation of basics.yaml or on one of the range's `shifts`):
        someone declared who is on call nowhere is no share of its concentration."""
        if person is not None:
            return [person]
        if team is not None:
            return list(self.config.teams[team].members)
        people = {p for r in self.config.rotations.values() for p in r.people}
        return sorted(people | {shift.person for shift in shifts})

    def zone_of(self, person: str | None) -> str:
        """A person's time zone (the config's when unknown)."""
        known = self.config.people.get(person or "")
        return known.timezone if known else self.config.timezone


_Read = tuple[list[Page], list[PageReject], list[str]]
"""A delivery's pages, rejects and warnings."""


@dataclass(frozen=True)
class _Delivery:
    """A delivery of pages, its content hashed; `read` gives its pages and rejects, and is
    called only if the content is new."""

    source: str  # pages:<format>
    name: str
    sha: str
    read: Callable[[], _Read]


def _named(pages: list[Page], names: dict[str, str]) -> list[Page]:
    """The pages, each whose service is a service's name or alias in another letter case
    ("Checkout") named as the service (`Config.service_names`)."""
    return [
        dataclasses.replace(page, service=named_service(page.service, names))
        if page.service and named_service(page.service, names) != page.service
        else page
        for page in pages
    ]


def _name_staged_services(db: duckdb.DuckDBPyConnection, table: str, names: dict[str, str]) -> None:
    """`_named` for the staged pages of a bulk import."""
    if names:
        db.execute(
            f"UPDATE {table} SET service = m.name FROM (SELECT unnest($keys) AS key, "
            "unnest($names) AS name) m WHERE lower(service) = m.key AND service <> m.name",
            {"keys": list(names), "names": list(names.values())},
        ).fetchall()


def _status(count: int, rejects: list[PageReject]) -> str:
    """A batch of which every record was rejected is stored as `rejected`: it keeps its
    rejects for `ingest rejects`, is not taken as the content imported already, and a
    report never counts it as data."""
    return "rejected" if count == 0 and rejects else "applied"


def _likely_cause(fmt: str, count: int, rejects: list[PageReject]) -> str | None:
    """A guess at why every record of an export was rejected, from its first rejects."""
    raws = [(r.raw or "").lstrip("\ufeff").lstrip() for r in rejects]
    if count or not any(raws):
        return None
    if any("\x00" in raw for raw in raws):
        return "the file has NUL bytes: is it UTF-16 (iconv -f UTF-16 -t UTF-8) or binary?"
    looks_json = all(raw.startswith(("{", "[")) for raw in raws if raw)
    # Records of another tool's export (every JSON reader opens the others' record lists,
    # so each reject is one of them).
    shaped = likely_format(raws, fmt) if looks_json else None
    if shaped and fmt in ("pagerduty-csv", "csv"):
        return f"the file is JSON, and {shaped}"
    if shaped:
        return shaped
    if looks_json and fmt == "pagerduty-csv":
        return "the file is JSON: is its --format pagerduty-json, opsgenie or alertmanager?"
    if looks_json and fmt == "csv":
        return "the file is JSON: is its --format jsonl?"
    csv_formats = ("pagerduty-csv", "csv")
    if not looks_json and fmt not in csv_formats and all("," in raw for raw in raws if raw):
        other = "csv" if fmt == "jsonl" else "pagerduty-csv"
        return f"no record is JSON: is its --format {other} (it is {fmt})?"
    return None


def _raised(result: PageImport | BasicsError) -> PageImport:
    if isinstance(result, BasicsError):
        raise result
    return result


def _fold_in(
    db: duckdb.DuckDBPyConnection, read: list[_Delivery | BasicsError]
) -> list[PageImport | BasicsError]:
    """Deliveries stored inside the caller's transaction, each its own batch, in a few
    statements: the batches that already hold their content, new batch ids, the stored
    pages they name, then the batches, the pages and the rejects written at once."""
    deliveries = [d for d in read if isinstance(d, _Delivery)]
    stored_batch: dict[tuple[str, str], int] = {
        (source, sha): int(batch)
        for source, sha, batch in db.execute(
            "SELECT b.source, b.content_sha256, min(b.id) FROM batches b JOIN "
            "(SELECT unnest(?::VARCHAR[]) AS source, unnest(?::VARCHAR[]) AS sha) d "
            "ON b.source = d.source AND b.content_sha256 = d.sha "
            "WHERE b.status = 'applied' GROUP BY ALL",
            [[d.source for d in deliveries], [d.sha for d in deliveries]],
        ).fetchall()
    }
    first_in_fold: dict[tuple[str, str], int] = {}  # content new here: its delivery's index
    applied: list[_Delivery] = []  # those deliveries, stored as new batches, in order
    read_here: list[_Read] = []
    # A delivery with no record at all (an empty body, `"alerts": []`): no batch, as an
    # empty file makes none; its warnings are still said.
    empty: dict[tuple[str, str], list[str]] = {}
    for d in deliveries:
        content = (d.source, d.sha)
        if content in stored_batch or content in first_in_fold or content in empty:
            continue
        told, rejects, warnings = d.read()
        if not (told or rejects):
            empty[content] = warnings
            continue
        first_in_fold[content] = len(applied)
        applied.append(d)
        read_here.append((told, rejects, warnings))
    ids = sorted(
        int(row[0])
        for row in db.execute(
            "SELECT nextval('batch_ids') FROM range(?)", [len(applied)]
        ).fetchall()
    )
    parsed = [(told, rejects) for told, rejects, _ in read_here]
    named = list({page.id for told, _ in parsed for page in told})
    stored = {page.id: page for page in OncallService._pages_by_id(db, named)}
    folded = compute.fold_deliveries(stored, [told for told, _ in parsed])
    _write_fold(db, applied, ids, parsed, folded)
    results: list[PageImport | BasicsError] = []
    for item in read:
        if isinstance(item, BasicsError):
            results.append(item)
            continue
        content = (item.source, item.sha)
        k = first_in_fold.get(content)
        if content in empty:
            results.append(PageImport(None, item.name, "empty", warnings=empty[content]))
        elif k is not None and applied[k] is item:
            told, rejects = parsed[k]
            results.append(
                PageImport(
                    ids[k],
                    item.name,
                    _status(len(told), rejects),
                    pages=len(told),
                    new_pages=folded.new_pages[k],
                    rejected=len(rejects),
                    first_rejects=rejects,
                    warnings=read_here[k][2],
                )
            )
        else:  # stored before, or earlier in this fold
            earlier = stored_batch[content] if k is None else ids[k]
            results.append(PageImport(None, item.name, "duplicate", duplicate_of=earlier))
    return results


def _write_fold(
    db: duckdb.DuckDBPyConnection,
    applied: list[_Delivery],
    ids: list[int],
    parsed: list[tuple[list[Page], list[PageReject]]],
    folded: compute.Folded,
) -> None:
    """The fold's batches, its pages in place of the stored ones of the same ids (each
    with the batch that last told of it), and its rejects: one statement each."""
    if not applied:
        return
    new_batches = pa.table(  # noqa: F841 - read by name in the SQL
        {
            "id": pa.array(ids, pa.int32()),
            "source": [d.source for d in applied],
            "path": [d.name for d in applied],
            "content_sha256": [d.sha for d in applied],
            "status": [_status(len(told), rejects) for told, rejects in parsed],
            "accepted": pa.array([len(told) for told, _ in parsed], pa.int64()),
            "rejected": pa.array([len(rejects) for _, rejects in parsed], pa.int64()),
        }
    )
    db.execute(
        "INSERT INTO batches (id, kind, source, path, content_sha256, status, accepted, "
        "rejected, started_at, finished_at) SELECT id, 'pages', source, path, "
        "content_sha256, status, accepted, rejected, now(), now() FROM new_batches"
    ).fetchall()
    final = list(folded.pages.values())
    new_pages = (  # noqa: F841 - read by name in the SQL
        store_table([page for page, _ in final])
        .append_column("batch_id", pa.array([ids[index] for _, index in final], pa.int32()))
        .append_column(
            "first_batch",
            pa.array([ids[folded.first[page.id]] for page, _ in final], pa.int32()),
        )
    )
    db.execute("CREATE TEMP TABLE fold_pages AS SELECT * FROM new_pages").fetchall()
    _replace_pages(db, "fold_pages", None, first="first_batch", told=True)
    db.execute("DROP TABLE fold_pages").fetchall()
    if folded.between:  # the versions the fold's later deliveries replaced, as one by one
        between = (  # noqa: F841 - read by name in the SQL
            store_table([page for page, _, _ in folded.between])
            .append_column("batch_id", pa.array([ids[i] for _, i, _ in folded.between], pa.int32()))
            .append_column(
                "replaced_by", pa.array([ids[k] for _, _, k in folded.between], pa.int32())
            )
        )
        db.execute(
            f"INSERT INTO pages_replaced ({_STORED_COLUMNS}, batch_id, replaced_by) SELECT "
            f"{_STORED_COLUMNS}, batch_id, replaced_by FROM between"
        ).fetchall()
    told = [(ids[k], r) for k, (_, rejects) in enumerate(parsed) for r in rejects]
    store_rejects(db, [batch for batch, _ in told], [r for _, r in told])


def _read_records(
    path: str,
    fmt: PageFormat,
    mapping: dict[str, str] | None = None,
    page_source: str | None = None,
) -> tuple[str, str, list[Page], list[PageReject], list[str]]:
    """The input's name, the SHA-256 of its content, and its pages, rejects and warnings
    read record by record. The file is read whole as bytes: a CSV's line that is not UTF-8
    is a spreadsheet's Windows-1252, and a JSON export that is not UTF-8 is refused naming
    the byte (never read with U+FFFD in its place: a re-import would replace good titles)."""
    import io

    from basics.ingest.encoding import document_text
    from basics.ingest.named_fields import decode
    from basics.oncall.importers import read_pages_noted, read_records

    source = Input(path)
    warnings: list[str] = []
    try:
        data = source.read_all()
        if fmt in RECORD_FORMATS:
            pages, rejects = read_records(data, fmt, source.name, mapping, page_source)
        else:
            unread: list[PageReject] = []
            if fmt == "pagerduty-csv":
                text, lines = decode(data, source.name, windows=True, as_json=False)
                unread = [PageReject(*line) for line in lines]
            else:
                text = document_text(data, source.name)
            lines_of = io.StringIO(text, newline="")
            pages, rejects, warnings = read_pages_noted(lines_of, fmt, source.name)
            rejects = sorted(unread + rejects, key=lambda reject: reject.line)
        return source.name, source.sha256.hexdigest(), pages, rejects, warnings
    finally:
        source.close()


def _json_text(source: Input) -> str:
    """A JSON export's text (`encoding.document_text`: refused when not UTF-8)."""
    from basics.ingest.encoding import document_text

    return document_text(source.read_all(), source.name)


def _clear_window(
    db: duckdb.DuckDBPyConnection, schedule: str, start: dt.datetime, end: dt.datetime
) -> None:
    """Remove the stored shifts of `schedule` within [start, end), which a timeline of that
    window replaces (an override added or taken back since the last export): a stored
    shift reaching outside the window keeps what lies outside, under its own batch."""
    rows = db.execute(
        "SELECT person, start_ts, end_ts, batch_id, escalation_level FROM shifts "
        "WHERE rotation = ? AND start_ts < ? AND end_ts > ?",
        [schedule, end, start],
    ).fetchall()
    db.execute(
        "DELETE FROM shifts WHERE rotation = ? AND start_ts < ? AND end_ts > ?",
        [schedule, end, start],
    ).fetchall()
    for person, shift_start, shift_end, batch, level in rows:
        for kept_start, kept_end in ((shift_start, start), (end, shift_end)):
            if kept_start < kept_end:
                db.execute(
                    "INSERT INTO shifts (person, rotation, start_ts, end_ts, batch_id, "
                    "escalation_level) VALUES (?, ?, ?, ?, ?, ?)",
                    [person, schedule, max(kept_start, shift_start), min(kept_end, shift_end),
                     batch, level],
                ).fetchall()  # fmt: skip


def _store_shifts(db: duckdb.DuckDBPyConnection, shifts: list[Shift], batch_id: int) -> None:
    """Store the shifts of a batch in one statement, each in place of a stored one that
    starts at the same moment for the same person and rotation; of two in the batch, the
    later one, as the INSERT OR REPLACE of each shift on its own did before (its cost:
    `benchmarks/bench_shifts.py`)."""
    if not shifts:
        return
    db.execute(
        "INSERT OR REPLACE INTO shifts (person, rotation, start_ts, end_ts, batch_id, "
        "escalation_level) SELECT person, rotation, start_ts, end_ts, $batch, level FROM ("
        "SELECT unnest($person::VARCHAR[]) AS person, unnest($rotation::VARCHAR[]) AS rotation, "
        "unnest($start::TIMESTAMP[]) AS start_ts, unnest($end::TIMESTAMP[]) AS end_ts, "
        "unnest($level::INTEGER[]) AS level, unnest($n::BIGINT[]) AS n) "
        "QUALIFY row_number() OVER (PARTITION BY person, rotation, start_ts ORDER BY n DESC) = 1",
        {
            "batch": batch_id,
            "person": [s.person for s in shifts],
            "rotation": [s.rotation for s in shifts],
            "start": [s.start for s in shifts],
            "end": [s.end for s in shifts],
            "level": [s.level for s in shifts],
            "n": list(range(len(shifts))),
        },
    ).fetchall()


def _joined_to_stored(
    db: duckdb.DuckDBPyConnection,
    shifts: list[Shift],
    windows: list[tuple[str, dt.datetime, dt.datetime]],
) -> list[Shift]:
    """`shifts`, each joined with a stored shift of the same person and schedule that it
    continues across a window's edge (two exports of one week cut it there): the stored
    one is removed, and the shift stored whole once."""
    if not windows:
        return shifts
    joined = []
    for shift in shifts:
        start, end = shift.start, shift.end
        touching = db.execute(
            "SELECT start_ts, end_ts FROM shifts WHERE person = ? AND rotation = ? "
            "AND (end_ts = ? OR start_ts = ?)",
            [shift.person, shift.rotation, start, end],
        ).fetchall()
        for stored_start, stored_end in touching:
            start, end = min(start, stored_start), max(end, stored_end)
            db.execute(
                "DELETE FROM shifts WHERE person = ? AND rotation = ? AND start_ts = ?",
                [shift.person, shift.rotation, stored_start],
            ).fetchall()
        joined.append(dataclasses.replace(shift, start=start, end=end))
    return joined


def _replace_pages(
    db: duckdb.DuckDBPyConnection,
    table: str,
    batch_id: int | None,
    first: str = "batch_id",
    told: bool = False,
) -> None:
    """Store the pages of `table` (one per id; of batch `batch_id`, or each of its own
    `batch_id`) in place of the stored ones of the same ids, each stored one kept in
    `pages_replaced` (changed or not) for `batches undo` of the batch that told of the page
    again to put back. `first`: the column of the batch that replaced the stored page
    when several of one fold told of it; `told`: `table` has the `TOLD_COLUMNS` too (a
    bulk CSV import's staged table has not: they stay NULL). `pages` has no primary key,
    whose index made these replacements slow (store migration 5)."""
    batch = "t.batch_id" if batch_id is None else "$batch"
    replaced_by = f"t.{first}" if batch_id is None else "$batch"
    params = {} if batch_id is None else {"batch": batch_id}
    overlap = f"SELECT EXISTS (SELECT 1 FROM pages p JOIN {table} t ON p.id = t.id)"
    if db.execute(overlap).fetchall()[0][0]:
        db.execute(
            f"INSERT INTO pages_replaced ({_STORED_COLUMNS}, batch_id, replaced_by) SELECT "
            f"{', '.join('p.' + c for c in PAGE_COLUMNS + TOLD_COLUMNS)}, p.batch_id, "
            f"{replaced_by} "
            f"FROM pages p JOIN {table} t ON p.id = t.id",
            params,
        ).fetchall()
        db.execute(f"DELETE FROM pages WHERE id IN (SELECT id FROM {table})").fetchall()
    columns = PAGE_COLUMNS + TOLD_COLUMNS if told else PAGE_COLUMNS
    db.execute(
        f"INSERT INTO pages ({', '.join(columns)}, batch_id) SELECT "
        f"{', '.join('t.' + c for c in columns)}, {batch} FROM {table} t",
        params,
    ).fetchall()


def _store_batch(
    db: duckdb.DuckDBPyConnection,
    source: str,
    name: str,
    sha: str,
    incoming: str | pa.Table,
    count: int,
    rejects: list[PageReject],
) -> tuple[int, int]:
    """Record a batch, store the pages of `incoming` (a table's name, or pages in Arrow,
    one per id) in place of any with the same ids, and the rejects; the batch id and how
    many of the pages are new."""
    # Arrow pages are read by name in the SQL (DuckDB's replacement scan): `register`
    # inside a transaction would hold the table until commit.
    read_pages = incoming if isinstance(incoming, pa.Table) else None  # noqa: F841
    table = "read_pages" if isinstance(incoming, pa.Table) else incoming
    batch_id = int(db.execute("SELECT nextval('batch_ids')").fetchall()[0][0])
    db.execute(
        "INSERT INTO batches (id, kind, source, path, content_sha256, status, accepted, "
        "rejected, started_at, finished_at) "
        "VALUES (?, 'pages', ?, ?, ?, ?, ?, ?, now(), now())",
        [batch_id, source, name, sha, _status(count, rejects), count, len(rejects)],
    ).fetchall()
    new_pages = db.execute(
        f"SELECT count(DISTINCT id) FROM {table} WHERE id NOT IN (SELECT id FROM pages)"
    ).fetchall()[0][0]
    if isinstance(incoming, pa.Table):  # pages read row by row: an export DuckDB cannot read
        db.execute(f"CREATE TEMP TABLE batch_pages AS SELECT {_STORED_COLUMNS} FROM read_pages")
        table = "batch_pages"
    _replace_pages(db, table, batch_id, told=table == "batch_pages")
    if table == "batch_pages":  # (a failed statement above rolls the whole batch back)
        db.execute("DROP TABLE batch_pages").fetchall()
    store_rejects(db, batch_id, rejects)
    return batch_id, int(new_pages)
