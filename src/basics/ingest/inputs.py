"""Open an input (file, .gz or standard input) and read it in bounded chunks of whole lines."""

from __future__ import annotations

import gzip
import hashlib
import io
import queue
import sys
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, TypeVar, cast

import numpy as np
import pyarrow as pa

from basics.core.errors import InputError
from basics.ingest.encoding import check_utf8_start, line_problem
from basics.store import arrow

CHUNK_BYTES = 16 * 1024 * 1024
LINE_CHUNK_BYTES = 32 * 1024 * 1024
"""Lines are parsed in chunks of this size: one DuckDB statement each, which costs less
per line the more lines it has (with 16 MB chunks the fast path of 10M JSON lines took about
a fifth more CPU)."""
T = TypeVar("T")


@dataclass
class LineChunk:
    """A run of whole lines: `first_line` is the 1-based number of `lines[0]`.

    `bad_bytes` holds, for each line that is not UTF-8 (by index in the chunk), why; such a
    line's text in `lines` shows each bad byte as U+FFFD, for its reject only.
    """

    first_line: int
    lines: pa.LargeStringArray
    size_bytes: int
    bad_bytes: dict[int, str] = field(default_factory=dict)
    empty_lines: int = 0  # lines that are only an LF or a CRLF
    brackets: np.ndarray | None = None  # JSON: how many `{` and `[` bytes each line holds


class Input:
    """A byte stream that hashes what it reads, so a batch knows its content.

    `start` and `stop` read only the bytes [start, stop) of an uncompressed file (what was
    appended since an earlier batch); `header` is emitted first (a CSV's header line, a W3C
    log's `#Fields:` line, for a batch that starts after it). A read planned by its hash
    (`hashed=False`) skips hashing.
    """

    def __init__(
        self,
        path: str,
        start: int = 0,
        stop: int | None = None,
        header: bytes = b"",
        hashed: bool = True,
    ) -> None:
        self._hashed = hashed
        self.path = path
        self.name = "<stdin>" if path == "-" else path
        self.sha256 = hashlib.sha256()
        self.size_bytes = self._size() if stop is None else stop - start
        self.start = start
        self._remaining = None if stop is None else stop - start
        self._header = header
        self.has_header = bool(header)  # lines are numbered from the one before `start`
        self._raw = self._open()
        try:
            if start:
                self._raw.seek(start)
                self.stream: BinaryIO = self._raw
            else:
                self.stream = self._maybe_gunzip(self._raw)
        except (InputError, OSError) as error:
            self.close_raw()
            if isinstance(error, InputError):
                raise
            raise InputError(f"{self.name}: cannot read: {error}") from None

    def _size(self) -> int | None:
        if self.path == "-":
            return None
        file = Path(self.path)
        if not file.exists():
            raise InputError(f"{self.path}: no such file")
        if not file.is_file():
            raise InputError(f"{self.path}: not a regular file")
        return file.stat().st_size

    def _open(self) -> BinaryIO:
        if self.path == "-":
            return sys.stdin.buffer
        try:
            return open(self.path, "rb")
        except OSError as error:
            raise InputError(f"{self.path}: cannot open: {error.strerror}") from None

    def _maybe_gunzip(self, raw: BinaryIO) -> BinaryIO:
        buffered = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw)  # type: ignore[type-var]
        if buffered.peek(2)[:2] != b"\x1f\x8b":
            return buffered
        stream = gzip.GzipFile(fileobj=buffered)
        try:
            stream.peek(1)
        except (OSError, EOFError, zlib.error) as error:
            raise InputError(f"{self.name}: unreadable gzip data: {error}") from None
        return stream  # type: ignore[return-value]

    def read_all(self) -> bytes:
        """The rest of the input, hashed (for readers of a whole file: JSON documents, a
        spreadsheet's CSV that may be Windows-1252)."""
        return b"".join(iter(lambda: self.read(CHUNK_BYTES), b""))

    def read(self, size: int) -> bytes:
        """Up to `size` bytes, hashed; raises InputError on corrupt compressed data."""
        if self._header:
            data, self._header = self._header[:size], self._header[size:]
            return data
        if self._remaining is not None:
            size = min(size, self._remaining)
            if size <= 0:
                return b""
        try:
            data = self.stream.read(size)
        except (OSError, EOFError, zlib.error) as error:
            raise InputError(f"{self.name}: unreadable data: {error}") from None
        if self._remaining is not None:
            self._remaining -= len(data)
        if self._hashed:
            self.sha256.update(data)
        return data

    def left(self) -> int | None:
        """Bytes left to read when a stop was given (a planned read of a file), else None."""
        return None if self._remaining is None else len(self._header) + self._remaining

    def readinto(self, buffer: memoryview) -> int:
        """Fill `buffer` as `read(len(buffer))` would (short only at the end), hashed; how
        many bytes. Reading into a buffer of the caller's saves a copy of every block."""
        filled = 0
        while filled < len(buffer):
            if self._header:
                data = self.read(len(buffer) - filled)
                buffer[filled : filled + len(data)] = data
                filled += len(data)
                continue
            want = len(buffer) - filled
            if self._remaining is not None:
                want = min(want, self._remaining)
                if want <= 0:
                    break
            part = buffer[filled : filled + want]
            stream = cast(io.BufferedIOBase, self.stream)  # a buffered file, gzip or stdin
            try:
                got = stream.readinto(part)
            except (OSError, EOFError, zlib.error) as error:
                raise InputError(f"{self.name}: unreadable data: {error}") from None
            if not got:
                break
            if self._remaining is not None:
                self._remaining -= got
            if self._hashed:
                self.sha256.update(part[:got])
            filled += got
        return filled

    def position(self) -> int:
        """Bytes of the underlying file consumed so far, from `start` (for progress)."""
        try:
            return self._raw.tell() - self.start
        except (OSError, ValueError):
            return 0

    def close_raw(self) -> None:
        """Close the underlying file (never standard input)."""
        if self.path != "-":
            self._raw.close()

    def close(self) -> None:
        """Close the file (never standard input)."""
        if self.path != "-":
            self.stream.close()
            self._raw.close()


def line_chunks(
    source: Input, chunk_bytes: int = LINE_CHUNK_BYTES, first_line: int = 1, as_json: bool = False
) -> Iterator[LineChunk]:
    """Whole lines in chunks of about `chunk_bytes`, without a Python object per line.

    A UTF-16 or UTF-32 input is refused (InputError). Lines end with LF (or CRLF); an
    input with CRs and no LF at all (classic Mac) has its lines split at each CR. A line
    that is not UTF-8 is marked in `bad_bytes` (`as_json`: naming the key it is in).
    """
    carry = b""
    next_line = first_line
    first = True
    cr_only = False
    scratch = np.empty(0, dtype=bool)
    while True:
        left = source.left()
        # Each block is read into a new buffer right after the carried partial line: the
        # lines are used where they were read, never copied (a chunk's text is its buffer).
        data = bytearray(len(carry) + (chunk_bytes if left is None else min(chunk_bytes, left)))
        data[: len(carry)] = carry
        got = source.readinto(memoryview(data)[len(carry) :])
        size = len(carry) + got
        if first:
            if first_line == 1 and data.startswith(b"\xef\xbb\xbf"):
                # A UTF-8 byte-order mark is an encoding artefact, not part of the first record.
                del data[:3]
                size -= 3
            check_utf8_start(bytes(data[: min(size, 8192)]), source.name)
            cr_only = data.find(b"\n", 0, size) < 0 and data.find(b"\r", 0, size - 1) >= 0
            first = False
        if cr_only:
            data = data[:size].replace(b"\r", b"\n")
        if not got:
            if size:
                yield _chunk(bytes(data[:size]) + b"\n", size + 1, next_line, as_json, scratch)
            return
        cut = data.rfind(b"\n", 0, size) + 1
        carry = bytes(data[cut:size])
        if cut == 0:
            continue
        if len(scratch) < cut:
            scratch = np.empty(len(data) + 65536, dtype=bool)  # room for longer carries
        chunk = _chunk(data, cut, next_line, as_json, scratch)
        next_line += len(chunk.lines)
        yield chunk


def _chunk(
    data: bytes | bytearray, size: int, first_line: int, as_json: bool, scratch: np.ndarray
) -> LineChunk:
    """Lines of `data[:size]` (which ends with a newline); each keeps its line ending.

    `scratch` (booleans, reused from chunk to chunk) takes the byte comparisons: a new
    array of a chunk's size each time would cost its memory's first touch every time.
    """
    buffer = np.frombuffer(data, dtype=np.uint8, count=size)
    if len(scratch) < size:
        scratch = np.empty(size, dtype=bool)
    found = scratch[:size]
    newlines = np.flatnonzero(np.equal(buffer, 10, out=found))
    offsets = np.concatenate((np.zeros(1, dtype=np.int64), newlines + 1))
    lines = pa.LargeStringArray.from_buffers(
        len(offsets) - 1, pa.py_buffer(offsets), pa.py_buffer(data)
    )
    lengths = np.diff(offsets)
    empty = int(np.count_nonzero(lengths == 1))
    empty += int(np.count_nonzero(buffer[offsets[:-1][lengths == 2]] == 13))
    brackets = None
    if as_json:
        brackets = _brackets(data, buffer, offsets, found)
    chunk = LineChunk(first_line, lines, size, empty_lines=empty, brackets=brackets)
    # Bytes past `size` (the next chunk's start) may make this true needlessly: then the
    # lines are only validated.
    if not data.isascii():
        try:
            lines.validate(full=True)
        except pa.ArrowInvalid:
            marked = _mark_bad_bytes(bytes(data[:size]), offsets, first_line, as_json)
            chunk.lines, chunk.bad_bytes = marked.lines, marked.bad_bytes
        if not as_json:  # JSON lines say it in their own reason (`jsonl`)
            _mark_byte_order_marks(data, size, offsets, chunk.bad_bytes)
    return chunk


BOM = "\ufeff"
BOM_STARTS = (
    "a byte-order mark (U+FEFF) starts the line (files joined with cat, each with its BOM?)"
)


def _mark_byte_order_marks(
    data: bytes | bytearray, size: int, offsets: np.ndarray, bad: dict[int, str]
) -> None:
    """Mark each line a UTF-8 byte-order mark starts (a file's own was dropped): text
    joined with `cat` after a file written with one. Read past, it would start the line's
    first field (a combined log's client address, a logfmt line's first key)."""
    at = data.find(b"\xef\xbb\xbf", 0, size)
    while at >= 0:
        if at == 0 or data[at - 1] == 10:
            bad.setdefault(int(np.searchsorted(offsets, at, side="right")) - 1, BOM_STARTS)
        at = data.find(b"\xef\xbb\xbf", at + 3, size)


def _brackets(
    data: bytes | bytearray, buffer: np.ndarray, offsets: np.ndarray, found: np.ndarray
) -> np.ndarray:
    """How many `{` and `[` bytes each line holds (one `{` and no `[`: no nested value).

    `found` is the caller's scratch: each byte comparison is written into it, since a new
    array of a chunk's size each time would cost its memory's first touch every time.
    """
    starts = offsets[:-1]
    size = len(buffer)
    np.equal(buffer, 123, out=found)
    squares = data.find(b"[", 0, size) >= 0
    # As many `{` as lines, each line starting with one: one `{` a line.
    if not squares and np.count_nonzero(found) == len(starts) and np.all(buffer[starts] == 123):
        return np.ones(len(starts), dtype=np.int32)
    # Each line's count is how many positions fall between its start and the next line's.
    counts = np.diff(np.searchsorted(np.flatnonzero(found), offsets)).astype(np.int32)
    if squares:
        positions = np.flatnonzero(np.equal(buffer, 91, out=found))
        counts += np.diff(np.searchsorted(positions, offsets)).astype(np.int32)
    return counts


def _mark_bad_bytes(data: bytes, offsets: np.ndarray, first_line: int, as_json: bool) -> LineChunk:
    """The chunk with each line that is not UTF-8 marked, its bad bytes shown as U+FFFD."""
    texts = []
    bad: dict[int, str] = {}
    bounds = zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True)
    for index, (start, stop) in enumerate(bounds):
        line = data[start:stop]
        problem = line_problem(line.rstrip(b"\r\n"), as_json)
        if problem is not None:
            bad[index] = problem
        texts.append(line.decode("utf-8", errors="replace"))
    return LineChunk(first_line, arrow.texts(texts, large=True), len(data), bad)


class _RawInput(io.RawIOBase):
    """Adapts an Input to the raw-stream protocol, so text readers hash what they consume.

    With `check_start`, the first bytes are checked for UTF-16 and UTF-32 (InputError).
    """

    def __init__(self, source: Input, check_start: bool = False) -> None:
        self._source = source
        self._check_start = check_start

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._source.read(len(buffer))
        if self._check_start:
            check_utf8_start(data, self._source.name)
            self._check_start = False
        buffer[: len(data)] = data
        return len(data)


def text_stream(source: Input, strict: bool = False) -> io.TextIOWrapper:
    """The input as text (UTF-8, BOM tolerated, newlines untranslated for csv).

    Bytes that are not UTF-8 become U+FFFD; with `strict`, they are kept as lone surrogates
    (`encoding.text_problem` finds them) and a UTF-16 or UTF-32 input is refused.
    """
    return io.TextIOWrapper(
        io.BufferedReader(_RawInput(source, check_start=strict), CHUNK_BYTES // 16),
        encoding="utf-8-sig",
        errors="surrogateescape" if strict else "replace",
        newline="",
    )


def prefetched(chunks: Iterator[T], depth: int = 2) -> Iterator[T]:
    """The same chunks, read ahead on a thread so reading overlaps parsing in DuckDB.

    Reading, hashing and splitting lines release the GIL for most of their work, as does
    DuckDB while it parses the previous chunk. An error while reading is raised here.
    """
    ahead: queue.Queue[T | BaseException | None] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def hand(item: T | BaseException | None) -> bool:
        """Queue an item for the consumer; False once it stopped taking them (Ctrl-C): a
        full queue never holds the reader, so the consumer's join returns at once."""
        while not stop.is_set():
            try:
                ahead.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for chunk in chunks:
                if not hand(chunk):
                    return
            hand(None)
        except BaseException as error:  # handed to the consumer, which re-raises it
            hand(error)

    reader = threading.Thread(target=read, name="basics-ingest-reader", daemon=True)
    reader.start()
    try:
        while True:
            item = ahead.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        reader.join(timeout=5)
