"""Formatting for people (rich tables) and machines (JSON, CSV); no domain logic here."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import functools
import io
import json
import math
import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from basics.core.words import plural
from basics.records import plain

if TYPE_CHECKING:
    import textwrap

__all__ = ["plain", "plural"]  # re-exported: commands format with output.plain, .plural


def emit_json(value: Any) -> None:
    """Print JSON to standard output."""
    # allow_nan=False: NaN and Infinity are not JSON (RFC 8259); a reader would refuse them.
    sys.stdout.write(json.dumps(plain(value), indent=2, ensure_ascii=False, allow_nan=False) + "\n")


def emit_csv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Print CSV to standard output."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_value(v) for v in row])
    sys.stdout.write(buffer.getvalue())


def _csv_value(value: Any) -> Any:
    """A cell as --json writes the value: null empty, booleans lowercase."""
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def emit_csv_records(
    records: Sequence[Any], kind: type | None = None, columns: Sequence[str] = ()
) -> None:
    """Print records (dataclasses or dicts) as CSV: one row each, nested objects flattened
    to dotted columns (`percentiles_ms.p50`), lists as JSON text, values as in --json.
    Without records, the header alone: `columns`, then those of `kind` (a dataclass of
    plain fields), so an empty report is still a CSV a reader takes (0 bytes is not one)."""
    if not records:
        if columns or kind is not None:
            emit_csv([*columns, *(csv_columns(kind) if kind is not None else ())], [])
        return
    rows = [_flat(plain(record)) for record in records]
    header: dict[str, None] = {}
    for row in rows:
        header |= dict.fromkeys(row)
    emit_csv(list(header), [[row.get(key) for key in header] for row in rows])


def csv_columns(kind: type) -> list[str]:
    """The CSV columns of records of the dataclass `kind` (of plain fields), as
    `emit_csv_records` writes them: its fields, then the derived figures it names in
    JSON_EXTRA, as `plain` writes them."""
    import dataclasses

    return [f.name for f in dataclasses.fields(kind)] + list(getattr(kind, "JSON_EXTRA", ()))


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    if not isinstance(value, dict):
        return {prefix.rstrip("."): value}
    flat: dict[str, Any] = {}
    for key, item in value.items():
        if isinstance(item, dict):
            flat |= _flat(item, f"{prefix}{key}.")
        elif isinstance(item, list):
            flat[f"{prefix}{key}"] = json.dumps(item, ensure_ascii=False)
        else:
            flat[f"{prefix}{key}"] = item
    return flat


def table_width(err: bool = False) -> int:
    """The width tables fit on stdout (on stderr with `err`): the terminal's; in a pipe or
    a file, $COLUMNS if set, else 200."""
    import os
    import shutil

    if (sys.stderr if err else sys.stdout).isatty():
        return shutil.get_terminal_size().columns
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) > 0 else 200


def emit_table(
    title: str | None,
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    drop: Sequence[str] = (),
    caption: str | None = None,
) -> None:
    """Print a table for people, fitted to the terminal as `gh` and `kubectl` do.

    The first column (the name of what a row is about) never wraps. When the table is wider
    than the terminal, the columns named in `drop` are left out, first to last, until it
    fits, and a line under the table says which; the rest may still fold. `caption` explains
    units that are not obvious.
    """
    width = table_width()
    cells, natural = _cells(header, rows)
    shown = list(range(len(header)))
    hidden: list[str] = []
    for name in drop:
        if _width_of(natural, shown) <= width:
            break
        index = header.index(name)
        shown.remove(index)
        hidden.append(name)
    widths = _fitted([natural[i] for i in shown], width)
    lines = [_style(line, "1") for line in _wrapped(title, width)]
    lines += _box([header[i] for i in shown], [[row[i] for i in shown] for row in cells], widths)
    if hidden:
        said = f"Hidden to fit {width} columns: {', '.join(hidden)} (see --json)."
        lines += [_style(line, "2") for line in _wrapped(said, width)]
    lines += [_style(line, "2") for line in _wrapped(caption, width)]
    sys.stdout.write("\n".join(lines) + "\n")


def fits(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> bool:
    """Whether a table of these columns fits the terminal with no column dropped or folded
    (a command can then show a column's long form: `pages list` its full ids)."""
    return _width_of(_cells(header, rows)[1], range(len(header))) <= table_width()


def _cells(
    header: Sequence[str], rows: Sequence[Sequence[Any]]
) -> tuple[list[list[str]], list[int]]:
    """The rows' cells as text (None as —; a line break or tab inside, as in a title with a
    newline in its quotes, as a space: a cell is one line), and each column's natural width."""
    cells = [["—" if v is None else _one_line(str(v)) for v in row] for row in rows]
    natural = [max([len(name)] + [len(row[i]) for row in cells]) for i, name in enumerate(header)]
    return cells, natural


def _one_line(text: str) -> str:
    return " ".join(text.split()) if any(c in text for c in "\r\n\t\v\f") else text


def say(text: str, err: bool = False, indent: str = "") -> None:
    """A line of prose beside a table, wrapped to the width tables fit (continued lines
    two spaces further in than `indent`, so each said line stands apart)."""
    import click

    click.echo("\n".join(_wrapped(text, table_width(err), indent, hang="  ")), err=err)


def _wrapped(text: str | None, width: int, indent: str = "", hang: str = "") -> list[str]:
    """A title, a caption or prose in lines of the table's width (words whole: a name, a
    path or a command is never cut), continued lines `hang` further in than `indent`."""
    import textwrap

    if not text:
        return []
    lines = textwrap.wrap(
        text,
        width,
        initial_indent=indent,
        subsequent_indent=indent + hang,
        break_long_words=False,
        break_on_hyphens=False,
    )
    return lines or [""]


# Columns narrower than this (a date, a status, a count) keep their width while a wider
# one can still give up characters.
_SHORT = 12


def _fitted(natural: list[int], width: int) -> list[int]:
    """Column widths within `width`: the widest columns but the first give up characters
    until the table fits, down to `_SHORT` first (so a date or a status stays whole while
    a title folds), then down to 3; the first never shrinks."""
    widths = list(natural)
    for floor in (_SHORT, 3):
        while _width_of(widths, range(len(widths))) > width:
            candidates = [i for i in range(1, len(widths)) if widths[i] > floor]
            if not candidates:
                break
            widest = max(candidates, key=lambda i: widths[i])
            widths[widest] -= 1
    return widths


def _box(header: list[str], rows: list[list[str]], widths: list[int]) -> list[str]:
    """A table drawn as rich's heavy-head box, cells folded to their column's width.

    Drawn here rather than by rich: a report prints its table on every run, and rich's
    import and layout cost more than the rest of `slo status`; cell text is printed as it
    is (no markup is interpreted).
    """

    def rule(left: str, line: str, cross: str, right: str) -> str:
        return left + cross.join(line * (w + 2) for w in widths) + right

    def row_lines(texts: list[str], bar: str) -> list[str]:
        folded = [_fold(text, w) for text, w in zip(texts, widths, strict=True)]
        height = max(len(parts) for parts in folded)
        return [
            bar
            + bar.join(
                " " + (parts[k] if k < len(parts) else "").ljust(w) + " "
                for parts, w in zip(folded, widths, strict=True)
            )
            + bar
            for k in range(height)
        ]

    lines = [rule("┏", "━", "┳", "┓"), *row_lines(header, "┃"), rule("┡", "━", "╇", "┩")]
    for row in rows:
        lines += row_lines(row, "│")
    lines.append(rule("└", "─", "┴", "┘"))
    return lines


def _fold(text: str, width: int) -> list[str]:
    """A cell's text in lines of at most `width`: at spaces where it can, else after a
    slash (`not-actionable/` over `threshold-wrong`, a path at its folders), else anywhere."""
    if len(text) <= width:
        return [text]
    return _cell_wrapper()(width, break_on_hyphens=False).wrap(text) or [""]


@functools.cache
def _cell_wrapper() -> type[textwrap.TextWrapper]:
    """textwrap's wrapper, its words also split after each slash inside them."""
    import re
    import textwrap

    class CellWrapper(textwrap.TextWrapper):
        # The chunks textwrap makes when it does not break on hyphens (runs of spaces and
        # what is between them), and a place to break after each slash within a word.
        # Spaces as textwrap counts them: a no-break space holds its words together.
        wordsep_simple_re = re.compile(r"([ \t\n\x0b\x0c\r]+|(?<=/)(?=[^ \t\n\x0b\x0c\r/]))")

    return CellWrapper


def _style(text: str, sgr: str) -> str:
    """Bold (1) or dim (2) on a terminal; plain text in a pipe."""
    return f"\x1b[{sgr}m{text}\x1b[0m" if sys.stdout.isatty() else text


def _width_of(natural: Sequence[int], shown: Iterable[int]) -> int:
    """Characters a heavy-head table takes: each column, its padding and a border."""
    return sum(natural[i] + 3 for i in shown) + 1


def none_found(extent: tuple[int, Any], nouns: tuple[str, str], how: str) -> None:
    """One line on stderr for a list that came out empty: nothing stored at all (and `how`
    to store some), or nothing of the ones stored matching (and the newest). `extent`: the
    records stored and the newest's time (`Store.extent`)."""
    stored, newest = extent
    noun, many = nouns
    if not stored:
        say(f"No {many} stored yet ({how}).", err=True)
    else:
        shown = when(newest) if isinstance(newest, dt.datetime) else newest
        at = f"; the newest: {shown}" if newest else ""
        say(f"No {many} match: {plural(stored, noun, many)} stored{at}.", err=True)


def percent(value: float | None, digits: int = 3) -> str | None:
    """A share as a percentage, or None (shown as 'no data')."""
    return None if value is None else f"{fixed(value, digits, 2)}%"


def number(value: float | None, digits: int = 2) -> str | None:
    """A float with fixed digits, or None."""
    return None if value is None else fixed(value, digits)


def fixed(value: float, digits: int, scale: int = 0) -> str:
    """`value` × 10**`scale` with `digits` decimals, a half rounded up as people round it
    (`core.rounding`: 0.25 is 0.3, as 0.75 is 0.8)."""
    from basics.core.rounding import fixed

    return fixed(value, digits, scale)


def duration(seconds: float | None) -> str | None:
    """A duration for people: 3d 4h, 2h 10m, 12m, 40s, rounded to the nearest of its last
    unit (175 s is 3m, not 2m; 59.6 s is 1m); negative ones with a minus sign."""
    if seconds is None:
        return None
    if _half_up(abs(seconds)) and seconds < 0:
        return "-" + (duration(-seconds) or "")
    seconds = abs(seconds)
    if _half_up(seconds) < 60:
        return f"{_half_up(seconds)}s"
    if _half_up(seconds / 60) < 60:
        return f"{_half_up(seconds / 60)}m"
    if _half_up(seconds / 60) < 24 * 60:
        hours, minutes = divmod(_half_up(seconds / 60), 60)
        return f"{hours}h {minutes}m"
    days, hours = divmod(_half_up(seconds / 3600), 24)
    return f"{days}d {hours}h"


def _half_up(value: float) -> int:
    """`value` rounded to the nearest whole number, a half up (Python's `round` takes a
    half to the even one: 150 s would be 2m, 210 s 4m)."""
    return math.floor(value + 0.5)


def when(moment: dt.datetime | None) -> str | None:
    """A naive-UTC time for tables."""
    return None if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S") + "Z"


@contextlib.contextmanager
def working(what: str, quiet: bool = False) -> Iterator[None]:
    """A spinner with the elapsed time on standard error while `what` runs, on a terminal
    only (never in pipes, logs or with `quiet`)."""
    if quiet or not sys.stderr.isatty():
        yield
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        progress.add_task(what, total=None)
        yield


def one_format(as_json: bool, as_csv: bool) -> None:
    """Refuse --json and --csv together instead of silently picking one."""
    if as_json and as_csv:
        import click

        raise click.UsageError("choose one of --json and --csv")


def rejects(name: str, first: Sequence[Any], rejected: int, batch_id: int | None) -> None:
    """An import's first rejects on stderr, one line each (`name:line: field: reason`), and
    how many more there are and where to see them all."""
    for reject in first:
        where = f" {reject.field}:" if reject.field else ""
        print(f"  {name}:{reject.line}:{where} {reject.reason}", file=sys.stderr)
    if rejected > len(first) and batch_id is not None:
        more = rejected - len(first)
        print(f"  … and {more:,} more: basics ingest rejects {batch_id}", file=sys.stderr)


def all_rejected(name: str, rejected: int, batch_id: int | None, hint: str | None) -> None:
    """On stderr: every record of an import was rejected, nothing was stored, and a guess
    at why."""
    every = "its one record was" if rejected == 1 else f"every one of its {rejected:,} records was"
    say(f"{name}: {every} rejected; nothing stored (batch {batch_id} keeps the rejects)", err=True)
    if hint:
        say(f"likely cause: {hint}", err=True, indent="  ")


def nothing_in(name: str, record: str, since: str = "") -> None:
    """An import that read no record (`record`: event, page, …) and stored no batch."""
    say(f"{name}: no {record} in it{since}: nothing stored")


def short_path(path: str, width: int = 32) -> str:
    """A path cut from the left to fit `width` characters, keeping its file name."""
    return path if len(path) <= width else "…" + path[-(width - 1) :]
