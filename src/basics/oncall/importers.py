"""Read pages from pager exports and webhook logs: PagerDuty, Opsgenie, Alertmanager, and
any pager's CSV or JSON export with its fields found by name (`csv`, `jsonl`).

`read_pages` is pure: the caller opens the file and hands over its lines. Each record that
cannot become a page is a `PageReject` (line, field, what was expected, raw text); the good
records of the same file still import. A file that cannot be read at all (a CSV header
without the needed columns, an unknown format) raises InputError.

Ids are stable across re-imports: `pagerduty:<incident id>` for the CSV export, the REST API
and v3 webhooks alike (so the same incident through any of them is one page),
`opsgenie:<alert id>`, `alertmanager:<fingerprint>:<startsAt as UTC ISO 8601>`, and
`<source>:<id>` for `csv` and `jsonl` (`pager` unless named; `formats/records.py`).
Times are naive UTC; one written without an offset is taken as UTC.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import get_args

from basics.core.errors import InputError
from basics.oncall.formats.alertmanager import read_alertmanager, read_alertmanager_noted
from basics.oncall.formats.opsgenie import read_opsgenie
from basics.oncall.formats.pagerduty_csv import read_pagerduty_csv
from basics.oncall.formats.pagerduty_json import read_pagerduty_json
from basics.oncall.formats.pagerduty_webhook import read_pagerduty_webhook
from basics.oncall.formats.records import read_csv, read_jsonl, read_lines
from basics.oncall.models import RECORD_FORMATS, Page, PageFormat, PageReject

Reader = Callable[[Iterable[str], str], tuple[list[Page], list[PageReject]]]

READERS: dict[PageFormat, Reader] = {
    "pagerduty-csv": read_pagerduty_csv,
    "pagerduty-json": read_pagerduty_json,
    "pagerduty-webhook": read_pagerduty_webhook,
    "opsgenie": read_opsgenie,
    "alertmanager": read_alertmanager,
    "csv": lambda text_lines, name: read_lines(text_lines, name, "csv"),
    "jsonl": lambda text_lines, name: read_lines(text_lines, name, "jsonl"),
}
PAGE_FORMATS: tuple[PageFormat, ...] = get_args(PageFormat)


def read_pages(
    text_lines: Iterable[str], fmt: PageFormat, name: str
) -> tuple[list[Page], list[PageReject]]:
    """The pages of one file in format `fmt`, and the records rejected; `name` is for messages."""
    reader = READERS.get(fmt)
    if reader is None:
        raise InputError(
            f'{name}: unknown page format "{fmt}"; expected one of {", ".join(PAGE_FORMATS)}'
        )
    return reader(text_lines, name)


def read_pages_noted(
    text_lines: Iterable[str], fmt: PageFormat, name: str
) -> tuple[list[Page], list[PageReject], list[str]]:
    """`read_pages`, and warnings of what the file says it left out (an Alertmanager
    payload's `truncatedAlerts`)."""
    if fmt == "alertmanager":
        return read_alertmanager_noted(text_lines, name)
    pages, rejects = read_pages(text_lines, fmt, name)
    return pages, rejects, []


def read_records(
    data: bytes,
    fmt: PageFormat,
    name: str,
    mapping: dict[str, str] | None = None,
    source: str | None = None,
) -> tuple[list[Page], list[PageReject]]:
    """The pages of a `csv` or `jsonl` file (its bytes: one not UTF-8 is read as
    Windows-1252), fields found by name or by `mapping`, ids starting with `source`."""
    if fmt not in RECORD_FORMATS:
        raise InputError(f"{name}: --mapping and --source are for --format csv or jsonl, not {fmt}")
    return (read_csv if fmt == "csv" else read_jsonl)(data, name, mapping, source)
