"""The demo company's toil, as the platform team keeps it in a spreadsheet: the weekly
manual release of checkout, the notification queue restarted by hand after QueueLagHigh,
access requests and a certificate renewal. On-call time is not in the sheet: Basics
derives it from the pages.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

HEADER = ("person", "date", "minutes", "category", "service", "description", "ticket",
          "automatable")  # fmt: skip
PEOPLE = ("amara", "ben", "dana", "kofi", "lucia")


def write_toil(folder: Path, seed: int = 11) -> Path:
    """Write `toil.csv` into `folder` (February 2026); its path."""
    rng = random.Random(seed)
    rows: list[tuple[object, ...]] = []
    day = dt.date(2026, 2, 2)
    while day < dt.date(2026, 3, 2):
        weekday = day.weekday()
        if weekday == 1:  # Tuesdays: checkout is released by hand, two people for an hour
            for person in ("ben", "kofi"):
                rows.append((person, day, rng.choice((60, 75, 90)), "manual-release",
                             "checkout", "release checkout by hand", "", "yes"))  # fmt: skip
        if weekday < 5 and rng.random() < 0.6:  # the queue stuck behind QueueLagHigh
            rows.append(("dana", day, rng.choice((20, 30, 45)), "interrupt", "notifications",
                         "restart the stuck notification queue", "", "yes"))  # fmt: skip
        if weekday < 5 and rng.random() < 0.5:
            rows.append((rng.choice(PEOPLE), day, rng.choice((15, 20, 30)), "access-request",
                         None, "grant database access", f"OPS-{rng.randint(100, 999)}",
                         "yes"))  # fmt: skip
        day += dt.timedelta(days=1)
    rows.append(("amara", dt.date(2026, 2, 19), 180, "certificate", "www",
                 "renew the TLS certificate by hand", "OPS-501", "yes"))  # fmt: skip
    path = folder / "toil.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])
    return path
