"""Shifts from the rotations in basics.yaml: handovers at local times, so DST never shifts them."""

from __future__ import annotations

import datetime as dt
import itertools
import zoneinfo
from collections.abc import Iterator

from basics.config.people import Rotation
from basics.oncall.models import Shift


def _handovers(rotation: Rotation, until: dt.datetime) -> Iterator[dt.datetime]:
    """Handover moments (naive UTC) from the rotation's start until `until`."""
    zone = zoneinfo.ZoneInfo(rotation.timezone)
    day = rotation.start
    weekday = rotation.handover_weekday
    if rotation.every == "weekly" and weekday is not None:
        day += dt.timedelta(days=(weekday - day.weekday()) % 7)
    step = dt.timedelta(days=7 if rotation.every == "weekly" else 1)
    while True:
        local = dt.datetime.combine(day, rotation.handover_time, tzinfo=zone)
        moment = local.astimezone(dt.UTC).replace(tzinfo=None)
        yield moment
        if moment >= until:
            return
        day += step


def rotation_shifts(
    name: str, rotation: Rotation, start: dt.datetime, end: dt.datetime
) -> list[Shift]:
    """The shifts of one rotation overlapping [start, end), overrides applied."""
    handovers = list(_handovers(rotation, end))
    shifts = []
    for index, (begin, finish) in enumerate(itertools.pairwise(handovers)):
        if finish <= start or begin >= end:
            continue
        person = rotation.people[index % len(rotation.people)]
        shifts += _apply_overrides(Shift(person, name, begin, finish), rotation)
    return shifts


def _apply_overrides(shift: Shift, rotation: Rotation) -> list[Shift]:
    """Split a shift where an override puts someone else on call."""
    pieces = [shift]
    for override in rotation.overrides:
        start = override.start.replace(tzinfo=None)
        end = override.end.replace(tzinfo=None)
        split = []
        for piece in pieces:
            if end <= piece.start or start >= piece.end or piece.person == override.person:
                split.append(piece)
                continue
            if piece.start < start:
                split.append(Shift(piece.person, piece.rotation, piece.start, start))
            split.append(
                Shift(override.person, piece.rotation, max(start, piece.start), min(end, piece.end))
            )
            if end < piece.end:
                split.append(Shift(piece.person, piece.rotation, end, piece.end))
        pieces = split
    return pieces
