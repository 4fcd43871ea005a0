"""The W3C extended log format: Microsoft IIS and Amazon CloudFront access logs.

A `#Fields:` directive names the columns of the lines below it (IIS writes its header block
again each time it restarts, and may change the fields then); the other directives
(`#Version`, `#Software`, `#Date`, `#Remark`) are not records. A line is split on tabs when
it has one (CloudFront), else on spaces (IIS, which writes a space in a value as `+`). `-`
is no value. Times are UTC, as the format defines them: `date` and `time` joined.

Fields by their W3C names: `cs-uri-stem` the operation, `sc-status` the status,
`time-taken` the duration (milliseconds in IIS, seconds in CloudFront: told apart by
CloudFront's `x-edge-` fields, or set by `request_time_unit`), `cs-username` the user;
`cs-method`, `c-ip`, `cs(User-Agent)` and the host become the attributes `method`,
`client`, `user_agent` and `host`. A source's `fields:` maps others by their W3C names.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from basics.config.models import SourceConfig
from basics.ingest.encoding import repaired, text_problem
from basics.ingest.inputs import BOM, BOM_STARTS, Input, text_stream
from basics.ingest.mapping import DURATION_FACTORS, named_twice
from basics.ingest.record_formats import RAW_CAP, ROWS_PER_TABLE, Rows

FIELDS_DIRECTIVE = "#Fields:"
_DEFAULTS = {
    "operation": ("cs-uri-stem",),
    "user": ("cs-username",),
    "status": ("sc-status",),
}
_ATTRS = {
    "method": ("cs-method",),
    "client": ("c-ip",),
    "user_agent": ("cs(User-Agent)",),
    "host": ("cs-host", "cs(Host)", "x-host-header"),
}
_UNIT_FACTOR = {"s": 1000.0, "ms": 1.0, "us": 0.001}


def w3c_tables(source: Input, config: SourceConfig, first_line: int = 1) -> Iterator[pa.Table]:
    """The records of a W3C extended log, as staging tables."""
    rows = Rows()
    columns: _Columns | None = None
    for line_no, line in enumerate(text_stream(source, strict=True), start=first_line):
        text = line.rstrip("\r\n")
        if not text.strip():
            continue
        marked = text.startswith(BOM)  # a log joined with `cat` after another
        if marked and text[len(BOM) :].startswith("#"):
            text = text[len(BOM) :]  # its header: the directives hold
            marked = False
        problem = text_problem(text, "in the line")
        if problem is not None:
            rows.add(line_no=line_no, raw=repaired(text)[:RAW_CAP], parse_field="record",
                     parse_error=problem)  # fmt: skip
        elif marked:
            rows.add(line_no=line_no, raw=text[:RAW_CAP], parse_field="record",
                     parse_error=BOM_STARTS)  # fmt: skip
        elif "\x00" in text:
            rows.add(line_no=line_no, raw=text.replace("\x00", "")[:RAW_CAP],
                     parse_field="record", parse_error="NUL bytes in the line (IIS pads a log "
                     "it is still writing with them: ingest it once it is closed)")  # fmt: skip
        elif text.startswith(FIELDS_DIRECTIVE):
            # The directive a batch of appended lines reads first is no line of its own.
            at = None if source.has_header and line_no == first_line else line_no
            columns = _Columns(text[len(FIELDS_DIRECTIVE) :].split(), config, at)
        elif text.startswith("#"):
            continue  # #Version, #Software, #Date, #Remark: not records
        elif columns is None:
            rows.add(line_no=line_no, raw=text[:RAW_CAP], parse_field="record",
                     parse_error="no #Fields: directive above this line names its fields "
                     "(the log's header is missing: a part cut from a file?)")  # fmt: skip
        else:
            values = text.split("\t") if "\t" in text else text.split(" ")
            if len(values) != len(columns.names):
                rows.add(line_no=line_no, raw=text[:RAW_CAP], parse_field="record",
                         parse_error=f"expected {len(columns.names)} fields as #Fields names "
                         f"them, found {len(values)}")  # fmt: skip
            elif columns.problem is not None:
                rows.add(line_no=line_no, raw=text[:RAW_CAP], parse_field="record",
                         parse_error=columns.problem)  # fmt: skip
            else:
                rows.add(line_no=line_no, raw=text[:RAW_CAP], **columns.values(values))
        if len(rows) >= ROWS_PER_TABLE:
            yield rows.take()
    if len(rows):
        yield rows.take()


class _Columns:
    """Where a `#Fields:` directive puts each field a source reads."""

    def __init__(self, names: list[str], config: SourceConfig, line: int | None) -> None:
        self.names = names
        index = {name: i for i, name in enumerate(names)}
        explicit = config.fields

        def column(field: str, defaults: tuple[str, ...]) -> int | None:
            wanted = (explicit[field],) if field in explicit else defaults
            return next((index[name] for name in wanted if name in index), None)

        self.ts = column("ts", ())
        self.date, self.time = index.get("date"), index.get("time")
        self.picks = {
            "service": column("service", ()),
            "operation": column("operation", _DEFAULTS["operation"]),
            "user_id": column("user", _DEFAULTS["user"]),
            "status_text": column("status", _DEFAULTS["status"]),
            "record_id": index.get(config.id) if config.id else None,
        }
        mapped = [(column(name, ()), factor) for name, factor in DURATION_FACTORS.items()]
        self.duration, self.factor = next(
            ((at, factor) for at, factor in mapped if at is not None),
            (index.get("time-taken"), _time_taken_factor(names, config)),
        )
        attrs = {name: column(f"attrs.{name}", defaults) for name, defaults in _ATTRS.items()}
        attrs |= {
            key[len("attrs.") :]: index.get(path)
            for key, path in explicit.items()
            if key.startswith("attrs.")
        }
        self.attrs = {name: at for name, at in attrs.items() if at is not None}
        read = [self.ts, self.date, self.time, *self.picks.values(), self.duration]
        self.problem = _named_twice(names, [*read, *self.attrs.values()], line)

    def values(self, record: list[str]) -> dict[str, Any]:
        """A line's fields, as `Rows.add` takes them."""

        def value(at: int | None) -> str | None:
            return None if at is None or record[at] in ("", "-") else record[at]

        found: dict[str, Any] = {name: value(at) for name, at in self.picks.items()}
        if self.ts is not None:
            found["ts_text"] = value(self.ts)
        else:
            day, time = value(self.date), value(self.time)
            found["ts_text"] = f"{day}T{time}Z" if day and time else day or time
        found["duration_text"] = value(self.duration)
        found["duration_factor"] = self.factor
        found["attrs"] = [(name, record[at]) for name, at in self.attrs.items() if value(at)]
        return found


def _named_twice(names: list[str], read: list[int | None], line: int | None) -> str | None:
    """Why the lines below a `#Fields:` directive (at `line`, if known) cannot be read when
    it names a field the source reads twice, or None."""
    found = named_twice(names, read)
    if found is None:
        return None
    name, first, second = found
    return (
        f"#Fields:{f' at line {line}' if line else ''} names {name} twice (fields {first} "
        f"and {second}): which of the two values was meant is not ours to guess"
    )


def _time_taken_factor(names: list[str], config: SourceConfig) -> float:
    """Milliseconds per unit of `time-taken`: seconds in CloudFront (which writes x-edge-
    fields), milliseconds in IIS; `request_time_unit` says when neither is right."""
    if config.request_time_unit is not None:
        return _UNIT_FACTOR[config.request_time_unit]
    return 1000.0 if any(name.startswith("x-edge-") for name in names) else 1.0


def last_fields_directive(path: str, end: int) -> bytes:
    """The last whole `#Fields:` line before byte `end` of a file (b"" if none): the header
    of lines appended below it, which a batch reading from `end` on needs first. Read
    backwards from `end` a block at a time, so a grown log is not read again from its
    start."""
    marker = b"\n" + FIELDS_DIRECTIVE.encode()
    with open(path, "rb") as handle:

        def whole_line(at: int) -> bytes | None:
            handle.seek(at)
            line = handle.readline()
            return line if at + len(line) <= end else None

        stop = end
        while stop > 0:
            start = max(0, stop - (1 << 20))
            handle.seek(start)
            # One marker's length more, so a directive across two blocks is seen.
            data = handle.read(min(end, stop + len(marker)) - start)
            at = data.rfind(marker)
            while at >= 0:
                line = whole_line(start + at + 1)
                if line is not None:
                    return line
                at = data.rfind(marker, 0, at)
            if start == 0 and data.startswith(marker[1:]):  # the file's first line
                return whole_line(0) or b""
            stop = start
    return b""
