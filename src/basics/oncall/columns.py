"""Pages as columns: what the on-call report reads, one NumPy array per field.

A year of pages is a million rows; the report's figures are counts and ranks over them, so
they are computed over arrays rather than a Python object per page. `PageColumns` holds the
pages sorted by creation, with names (people, alerts) and outcomes as small integer codes,
the responder filled from the shift on call where the source named none, and each page's
time class (business, off, sleep) computed once, in its responder's zone.

Pure: no store, no clock. `from_arrow` takes the columns the service reads from the store;
`from_pages` builds the same from `Page` objects (small lists, tests).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from basics.oncall.models import OUTCOMES, Page, Shift, shift_rank
from basics.store.arrow import filled, trues, valid

ZoneOf = Callable[[str | None], str]

NO_TIME = np.iinfo(np.int64).min
"""A time that is absent (never acknowledged, never resolved), in the µs columns."""
NO_RESPONDER = -1
NO_ROTATION = -1
BUSINESS, OFF, SLEEP = 0, 1, 2
"""Codes of the time classes, the indexes of `report.TIME_CLASSES`."""
UNCLASSIFIED, NOT_ACTIONABLE, ACTIONABLE = -1, 0, 1

# Sources that never record an acknowledgement: "resolved without one" says nothing there.
NO_ACKNOWLEDGEMENTS = frozenset({"alertmanager"})

_EPOCH = dt.datetime(1970, 1, 1)
_EPOCH_UTC = _EPOCH.replace(tzinfo=dt.UTC)
_US = dt.timedelta(microseconds=1)
HOUR_US = 3_600_000_000
DAY_US = 24 * HOUR_US


def micros(moment: dt.datetime) -> int:
    """A naive UTC moment as µs since 1970-01-01."""
    return (moment - _EPOCH) // _US


@dataclass(frozen=True)
class PageColumns:
    """Pages sorted by `created`, one array per field (all of the same length)."""

    created: NDArray[np.int64]
    """µs since 1970-01-01, naive UTC, ascending."""
    acknowledged: NDArray[np.int64]
    """µs, `NO_TIME` where never acknowledged."""
    resolved: NDArray[np.int64]
    """µs, `NO_TIME` where never resolved."""
    responder: NDArray[np.int32]
    """Index into `people`, `NO_RESPONDER` where neither the source nor a shift names one."""
    people: tuple[str, ...]
    alert: NDArray[np.int32]
    """Index into `alerts`."""
    alerts: tuple[str, ...]
    incident: NDArray[np.int32]
    """The same code for the same incident key."""
    outcome: NDArray[np.int8]
    """`ACTIONABLE`, `NOT_ACTIONABLE` or `UNCLASSIFIED` (no outcome, or one not in OUTCOMES)."""
    knowable: NDArray[np.bool_]
    """The page's source records acknowledgements (Alertmanager does not, nor a csv or
    jsonl export without them)."""
    reopened: NDArray[np.bool_]
    """The incident was reopened after a resolution (PagerDuty's `incident.reopened`):
    someone found it not over, so it did not resolve on its own."""
    time_class: NDArray[np.int8]
    """`BUSINESS`, `OFF` or `SLEEP` at creation, in the responder's zone."""
    rotation: NDArray[np.int32]
    """Index into `rotations`: the rotation that takes the page's service's pages
    (`Config.rotation_of`), `NO_ROTATION` where it has none."""
    rotations: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.created)

    def between(self, start: dt.datetime, end: dt.datetime) -> PageColumns:
        """The pages created in [start, end) (views, not copies)."""
        first, last = np.searchsorted(self.created, [micros(start), micros(end)], side="left")
        return self.take(slice(int(first), int(last)))

    def take(self, rows: slice | NDArray[np.bool_]) -> PageColumns:
        """The pages at `rows` (a slice of the sorted pages, or a mask)."""
        return PageColumns(
            created=self.created[rows],
            acknowledged=self.acknowledged[rows],
            resolved=self.resolved[rows],
            responder=self.responder[rows],
            people=self.people,
            alert=self.alert[rows],
            alerts=self.alerts,
            incident=self.incident[rows],
            outcome=self.outcome[rows],
            knowable=self.knowable[rows],
            reopened=self.reopened[rows],
            time_class=self.time_class[rows],
            rotation=self.rotation[rows],
            rotations=self.rotations,
        )

    def person_code(self, person: str) -> int:
        """The code of a person in `responder`; one no page names gets a code none has."""
        try:
            return self.people.index(person)
        except ValueError:
            return len(self.people)

    def answered_by(self, people: Sequence[str]) -> NDArray[np.bool_]:
        """Which pages' responder is one of `people`."""
        codes = [self.person_code(person) for person in people]
        return np.isin(self.responder, codes)

    def with_responders_in(self, people: Sequence[str]) -> PageColumns:
        """Only the pages whose responder is one of `people`."""
        return self.take(self.answered_by(people))

    @classmethod
    def from_arrow(
        cls,
        table: pa.Table,
        zone_of: ZoneOf,
        shifts: Sequence[Shift] = (),
        person: Callable[[str], str] | None = None,
        silent: Collection[str] = (),
        rotation_of: Callable[[str], str | None] | None = None,
    ) -> PageColumns:
        """Columns from a table with the `Page` fields source, incident_key, alert,
        created_at, acknowledged_at, resolved_at, responder and outcome, and reopened_at if
        it has it (times as naive UTC timestamps). `person` names the person a responder is
        (two names of one person become one); a page without a responder gets the person on
        call at its creation (`on_call`): of its service's rotation (`rotation_of`, with the
        table's `service` column) first, else of the first shift covering it by `shift_rank`
        (the lowest escalation level, then the earliest start). `silent`: sources besides
        `NO_ACKNOWLEDGEMENTS` whose exports record no acknowledgements."""
        people, responder = _codes(table.column("responder"))
        if person is not None:
            people, responder = _renamed(people, responder, person)
        alerts, alert = _codes(table.column("alert"))
        incident = _indices(table.column("incident_key"))
        outcomes, outcome = _codes(table.column("outcome"))
        sources, source = _codes(table.column("source"))
        created = _micros(table.column("created_at"))
        # Sorted by creation (cheap when the store already returns them in that order).
        order = np.argsort(created, kind="stable")
        created, responder = created[order], responder[order]
        rotations: tuple[str, ...] = ()
        rotation = np.full(len(created), NO_ROTATION, dtype=np.int32)
        if rotation_of is not None and "service" in table.column_names:
            # Each distinct service's rotation once; -1 (no service) reads the last entry.
            services, service = _codes(table.column("service"))
            of_service = [rotation_of(name) for name in services]
            rotations = tuple(dict.fromkeys(name for name in of_service if name is not None))
            codes = [NO_ROTATION if name is None else rotations.index(name) for name in of_service]
            rotation = np.array([*codes, NO_ROTATION], dtype=np.int32)[service[order]]
        people, responder = _fill_responders(
            created, people, responder, shifts, (rotations, rotation)
        )
        actionable = np.array(
            [_outcome_code(name) for name in outcomes] + [UNCLASSIFIED], dtype=np.int8
        )
        unknowable = NO_ACKNOWLEDGEMENTS.union(silent)
        knowable = np.array([name not in unknowable for name in sources] + [True])
        return cls(
            created=created,
            acknowledged=_micros(table.column("acknowledged_at"))[order],
            resolved=_micros(table.column("resolved_at"))[order],
            responder=responder,
            people=people,
            alert=alert[order],
            alerts=alerts,
            incident=incident[order],
            outcome=actionable[outcome[order]],  # code -1 (no outcome) reads the last entry
            knowable=knowable[source[order]] & ~_ack_unknown(table)[order],
            reopened=_reopened(table)[order],
            time_class=_time_classes(created, responder, people, zone_of),
            rotation=rotation,
            rotations=rotations,
        )

    @classmethod
    def from_pages(
        cls,
        pages: Sequence[Page],
        zone_of: ZoneOf,
        shifts: Sequence[Shift] = (),
        rotation_of: Callable[[str], str | None] | None = None,
    ) -> PageColumns:
        """Columns from `Page` objects."""
        outcomes = pa.array([page.outcome for page in pages], pa.string())
        table = store_table(pages).append_column("outcome", outcomes)
        return cls.from_arrow(table, zone_of, shifts, rotation_of=rotation_of)


PAGE_COLUMNS = (
    "id",
    "source",
    "source_id",
    "incident_key",
    "alert",
    "service",
    "urgency",
    "created_at",
    "acknowledged_at",
    "resolved_at",
    "responder",
)
"""The columns of a page in the store's `pages` table (and in `store_table`) that every
reader fills."""
TOLD_COLUMNS = ("told_at", "assigned_at", "reopened_at", "ack_unknown")
"""The columns of the `pages` table (store migrations 17 and 18) only some readers fill:
when the word was told (PagerDuty webhooks), and whether the acknowledgement is unknown
(PagerDuty's REST API). A bulk CSV import stages `PAGE_COLUMNS` alone, and leaves them
NULL."""


def store_table(pages: Sequence[Page]) -> pa.Table:
    """Pages as an Arrow table of `PAGE_COLUMNS` and `TOLD_COLUMNS`, for the store to take
    in one statement."""
    times = {"created_at", "acknowledged_at", "resolved_at", "told_at", "assigned_at",
             "reopened_at"}  # fmt: skip
    return pa.table(
        {
            name: pa.array(
                [getattr(page, name) for page in pages],
                type=pa.timestamp("us")
                if name in times
                else pa.bool_()
                if name == "ack_unknown"
                else pa.string(),
            )
            for name in PAGE_COLUMNS + TOLD_COLUMNS
        }
    )


def _ack_unknown(table: pa.Table) -> NDArray[np.bool_]:
    """Which pages of `table` have no word on their acknowledgement (none, without an
    `ack_unknown` column)."""
    if "ack_unknown" not in table.column_names or not table.num_rows:
        return np.zeros(table.num_rows, dtype=np.bool_)
    return trues(table.column("ack_unknown").combine_chunks())


def _reopened(table: pa.Table) -> NDArray[np.bool_]:
    """Which pages of `table` were reopened (none, without a `reopened_at` column)."""
    if "reopened_at" not in table.column_names or not table.num_rows:
        return np.zeros(table.num_rows, dtype=np.bool_)
    return valid(table.column("reopened_at").combine_chunks())


def _renamed(
    names: tuple[str, ...], codes: NDArray[np.int32], rename: Callable[[str], str]
) -> tuple[tuple[str, ...], NDArray[np.int32]]:
    """Codes of `names` after renaming each (names that become one share a code; -1,
    no name, stays)."""
    renamed = [rename(name) for name in names]
    kept = tuple(dict.fromkeys(renamed))
    where = {name: k for k, name in enumerate(kept)}
    remap = np.array([where[name] for name in renamed] + [-1], dtype=np.int32)
    return kept, remap[codes]  # code -1 reads the last entry, -1


def _codes(column: pa.ChunkedArray) -> tuple[tuple[str, ...], NDArray[np.int32]]:
    """The distinct values of a string column and each row's index among them (-1 null)."""
    if not len(column):  # (pyarrow imports pandas to encode a column without chunks)
        return (), np.zeros(0, dtype=np.int32)
    encoded = pc.dictionary_encode(column)
    dictionary = next(chunk.dictionary for chunk in encoded.chunks if len(chunk))
    return tuple(dictionary.to_pylist()), _indices(encoded)


def _indices(column: pa.ChunkedArray) -> NDArray[np.int32]:
    """Each row's index among the distinct values of a string column (-1 null); alone, for
    a column whose values are only counted (incident keys: a third of the pages).

    Encoded chunk by chunk (pyarrow gives every chunk the whole column's dictionary): the
    strings are never copied into one array, only the indices."""
    if not len(column):
        return np.zeros(0, dtype=np.int32)
    if not pa.types.is_dictionary(column.type):
        column = pc.dictionary_encode(column)
    return _joined(column.chunks, lambda chunk: filled(chunk.indices, np.int32, -1))


def _micros(column: pa.ChunkedArray) -> NDArray[np.int64]:
    """A timestamp column as µs since 1970 (`NO_TIME` where null)."""
    if not len(column):
        return np.zeros(0, dtype=np.int64)
    as_int = pa.int64()
    return _joined(
        column.chunks,
        lambda chunk: filled(chunk.cast(pa.timestamp("us")).cast(as_int), np.int64, NO_TIME),
    )


def _joined(
    chunks: Sequence[pa.Array], as_numpy: Callable[[pa.Array], NDArray[Any]]
) -> NDArray[Any]:
    """The chunks of a column, each as NumPy, in one array."""
    parts = [as_numpy(chunk) for chunk in chunks if len(chunk)]
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _outcome_code(outcome: str) -> int:
    if outcome not in OUTCOMES:
        return UNCLASSIFIED
    return ACTIONABLE if OUTCOMES[outcome] else NOT_ACTIONABLE


def _fill_responders(
    created: NDArray[np.int64],
    people: tuple[str, ...],
    responder: NDArray[np.int32],
    shifts: Sequence[Shift],
    rotations: tuple[tuple[str, ...], NDArray[np.int32]],
) -> tuple[tuple[str, ...], NDArray[np.int32]]:
    """Give each page without a responder the person on call at its creation, in the
    rotation of its service when one covers it (`rotations`: the rotations' names, and
    each page's code among them)."""
    missing = np.flatnonzero(responder == NO_RESPONDER)
    if not len(missing) or not shifts:
        return people, responder
    names = list(people)
    filled = responder.copy()
    of_rotation, rotation = rotations
    wanted = [
        None if code == NO_ROTATION else of_rotation[code] for code in rotation[missing].tolist()
    ]
    covering = on_call(created[missing], shifts, wanted)
    for row, person in zip(missing.tolist(), covering, strict=True):
        if person is not None:
            if person not in names:
                names.append(person)
            filled[row] = names.index(person)
    return tuple(names), filled


def on_call(
    moments: NDArray[np.int64],
    shifts: Sequence[Shift],
    rotations: Sequence[str | None] | None = None,
) -> list[str | None]:
    """Who was on call at each moment (µs, ascending): the person of the shift of the
    moment's rotation (`rotations`, one per moment: the rotation of the page's service)
    that covers it, else of the first shift that does by `shift_rank` (the lowest
    escalation level: PagerDuty's `/oncalls` lists the secondary too, who is paged only
    when the primary does not answer; then the earliest start); None where no shift does."""
    names: list[str] = []
    found = np.full(len(moments), -1, dtype=np.int32)
    ordered = sorted(shifts, key=shift_rank)
    wanted = None if rotations is None else np.array([r or "" for r in rotations], dtype=object)
    for own in ([True] if wanted is not None else []) + [False]:
        for shift in ordered:
            first, last = np.searchsorted(moments, [micros(shift.start), micros(shift.end)])
            window = found[first:last]  # a view: writing it writes `found`
            unset = window == -1
            if own and wanted is not None:
                unset &= wanted[first:last] == shift.rotation
            if unset.any():
                if shift.person not in names:
                    names.append(shift.person)
                window[unset] = names.index(shift.person)
    return [None if code == -1 else names[code] for code in found.tolist()]


def _time_classes(
    created: NDArray[np.int64],
    responder: NDArray[np.int32],
    people: tuple[str, ...],
    zone_of: ZoneOf,
) -> NDArray[np.int8]:
    """Each page's time class in its responder's zone (`zone_of(None)` for no responder)."""
    classes = np.empty(len(created), dtype=np.int8)
    zones: dict[str, list[int]] = {}
    for code, person in [(NO_RESPONDER, None), *enumerate(people)]:
        zones.setdefault(zone_of(person), []).append(code)
    for zone, codes in zones.items():
        rows = np.flatnonzero(np.isin(responder, codes))
        if len(rows):
            classes[rows] = time_classes(created[rows], zone)
    return classes


def time_classes(utc_us: NDArray[np.int64], zone: str) -> NDArray[np.int8]:
    """PagerDuty's class of each naive UTC moment (µs) on the wall clock of `zone`: sleep
    22:00–08:00 every day, business 08:00–18:00 Monday to Friday, off hours the rest."""
    local = utc_us + utc_offsets_us(utc_us, zone)
    hour = (local // HOUR_US) % 24
    weekday = (local // DAY_US + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0
    return np.where(
        (hour >= 22) | (hour < 8),
        SLEEP,
        np.where((weekday < 5) & (hour < 18), BUSINESS, OFF),
    ).astype(np.int8)


def utc_offsets_us(utc_us: NDArray[np.int64], zone: str) -> NDArray[np.int64]:
    """The UTC offset of `zone` at each moment, in µs, exact across daylight-saving changes.

    zoneinfo answers once per UTC hour the moments fall in (at the hour's start and end);
    in an hour whose offset changes, each moment is asked about on its own. That is exact as
    long as a zone never changes its offset twice within an hour, which no zone does.
    """
    timezone = zoneinfo.ZoneInfo(zone)
    if len(utc_us) == 0:
        return np.zeros(0, dtype=np.int64)
    hours, which = np.unique(utc_us // HOUR_US, return_inverse=True)
    edges = np.union1d(hours, hours + 1)
    at_edge = np.array([_offset_us(timezone, int(h) * HOUR_US) for h in edges], dtype=np.int64)
    at_start = at_edge[np.searchsorted(edges, hours)]
    at_end = at_edge[np.searchsorted(edges, hours + 1)]
    offsets = at_start[which]
    for row in np.flatnonzero((at_start != at_end)[which]):
        offsets[row] = _offset_us(timezone, int(utc_us[row]))
    return offsets


def _offset_us(timezone: zoneinfo.ZoneInfo, utc_us: int) -> int:
    offset = (_EPOCH_UTC + utc_us * _US).astimezone(timezone).utcoffset()
    return 0 if offset is None else offset // _US
