"""The DuckDB store: one file, migrated on open, one writer at a time."""

from __future__ import annotations

import contextlib
import os
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from basics.core.errors import SchemaTooNew, StoreError
from basics.store import turns
from basics.store.engine import duckdb
from basics.store.migrations import MIGRATIONS


class Store:
    """A connection to the Basics DuckDB file, migrated to the latest schema."""

    dialect = "duckdb"

    def __init__(
        self,
        path: Path | str,
        read_only: bool = False,
        memory_limit: str = "1GB",
        wait_s: float = 30.0,
        quiet: bool = False,
    ):
        self.path = str(path)
        self._settings = (memory_limit, wait_s)
        # A cursor of a database this process shares (the server's): it is never closed
        # to let another process in, nor attached to another database.
        self.shared = False
        try:
            self.db = _connect(self.path, read_only, wait_s, quiet)
        except _NotWritable:
            # A store on a read-only file system (a mounted backup, a CI artifact): reports
            # still work; a command that writes says why it cannot (`writable`).
            self.db = _connect(self.path, True, wait_s, quiet)
            read_only = True
        self.read_only = read_only
        try:
            self.db.execute("SET TimeZone = 'UTC'")
            self.db.execute(f"SET memory_limit = '{_checked_size(memory_limit)}'")
            self.db.execute("SET preserve_insertion_order = false")
            if read_only:
                self._check_schema()
            else:
                self._migrate()
        except duckdb.Error as error:
            # A damaged file can open and fail at its first read.
            self.db.close()
            raise StoreError(f"cannot open store {path}: {_plain(error)}{_RECOVER}") from None

    @property
    def memory_limit(self) -> str:
        """The memory limit set on each connection, e.g. "1GB"."""
        return _checked_size(self._settings[0])

    def release(self) -> None:
        """Close the connection so other processes may open the file (DuckDB allows one
        writing process per file); `reacquire` opens it again, waiting its turn. A shared
        store stays open (the server lends its file as a whole: `api.hub`)."""
        if not self.shared:
            self.db.close()

    def reacquire(self) -> None:
        """Open the file again after `release`, waiting while another process holds it."""
        if self.shared:
            return
        memory_limit, wait_s = self._settings
        self.db = _connect(self.path, self.read_only, wait_s)
        self.db.execute("SET TimeZone = 'UTC'")
        self.db.execute(f"SET memory_limit = '{_checked_size(memory_limit)}'")
        self.db.execute("SET preserve_insertion_order = false")

    def adopt(self, db: duckdb.DuckDBPyConnection) -> None:
        """After `release`: attach the file to another connection (an ingest's staging
        database), waiting its turn, and use that connection with the store as its default
        database until `disown`."""
        _, wait_s = self._settings
        deadline = time.monotonic() + wait_s
        turn: Path | None = None
        try:
            while True:
                try:
                    db.execute(f"ATTACH ? AS {_ADOPTED}", [self.path])
                    break
                except duckdb.IOException as error:
                    if "Could not set lock" not in str(error) or time.monotonic() >= deadline:
                        message = f"cannot open store {self.path}: {_plain(error)}"
                        raise StoreError(message) from None
                    turn = turn or turns.ask_turn(self.path)  # a server hands the file over
                    time.sleep(0.05)
        finally:
            if turn is not None:
                turn.unlink(missing_ok=True)
        db.execute(f"USE {_ADOPTED}")
        self.db = db

    def disown(self) -> None:
        """Detach the file from the adopted connection and open it on its own again."""
        with contextlib.suppress(duckdb.Error):
            self.db.execute("USE memory")
            self.db.execute(f"DETACH {_ADOPTED}")
        self.reacquire()

    @contextlib.contextmanager
    def held(self) -> Iterator[Store]:
        """Hold the file for a block (after `release`), then release it again."""
        self.reacquire()
        try:
            yield self
        finally:
            self.release()

    def writable(self, doing: str) -> None:
        """Refuse, in one line, a write to a store opened read-only."""
        if self.read_only:
            raise StoreError(_read_only(f"store {self.path}", doing))

    def _check_schema(self) -> None:
        newest = max((v for v, _ in MIGRATIONS), default=0)
        try:
            version = self.db.execute("SELECT max(version) FROM schema_migrations").fetchall()
        except duckdb.CatalogException:
            version = [(None,)]
        if version[0][0] != newest:
            raise StoreError(
                f"store {self.path} is read-only and at schema version {version[0][0]}, not "
                f"{newest}: open it once with this Basics where it is writable"
            )

    def _migrate(self) -> None:
        # Read first: a store already at the newest version is opened without a write.
        try:
            rows = self.db.execute("SELECT version FROM schema_migrations").fetchall()
        except duckdb.CatalogException:
            self.db.execute(
                "CREATE TABLE schema_migrations "
                "(version INTEGER PRIMARY KEY, applied_at TIMESTAMP DEFAULT now())"
            )
            rows = []
        applied = {row[0] for row in rows}
        newest = max((v for v, _ in MIGRATIONS), default=0)
        if applied and max(applied) > newest:
            raise SchemaTooNew(
                f"store {self.path} has schema version {max(applied)}, newer than this "
                f"Basics knows ({newest}); upgrade Basics"
            )
        for version, sql in MIGRATIONS:
            if version in applied:
                continue
            with self.transaction():
                self.db.execute(sql)
                self.db.execute("INSERT INTO schema_migrations (version) VALUES (?)", [version])

    @contextlib.contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Run a block in one transaction: all of it is applied, or none."""
        self.db.execute("BEGIN TRANSACTION")
        try:
            yield self.db
            self.db.execute("COMMIT")
        except BaseException as error:
            with contextlib.suppress(duckdb.Error):
                self.db.execute("ROLLBACK")
            if out_of_space(error):
                raise self._out_of_space() from None
            if self.read_only and "read-only mode" in str(error):
                self.writable("written to")
            raise

    def _out_of_space(self) -> StoreError:
        """The one-line error for a full disk, after giving back what the failed write grew."""
        self.db.close()
        return StoreError(_no_space(f"store {self.path}", _give_back_space(self.path)))

    def query(
        self, sql: str, params: list[Any] | dict[str, Any] | None = None
    ) -> list[tuple[Any, ...]]:
        """All rows of a read query (parameters by position, or by `$name` from a dict)."""
        return self.db.execute(sql, params or []).fetchall()

    def scalar(self, sql: str, params: list[Any] | None = None) -> Any:
        """The first column of the first row, or None."""
        rows = self.db.execute(sql, params or []).fetchall()
        row = rows[0] if rows else None
        return None if row is None else row[0]

    def extent(self, table: str) -> tuple[int, Any]:
        """How many records a table of records people add (incidents, deploys, pages, toil
        entries) holds, and the time of its newest."""
        column = _NEWEST[table]
        count, newest = self.db.execute(f"SELECT count(*), max({column}) FROM {table}").fetchall()[
            0
        ]
        return int(count), newest

    def cursor(self) -> Store:
        """Another connection to the same database, for work on another thread."""
        other = object.__new__(Store)
        other.path = self.path
        other.read_only = self.read_only
        other._settings = self._settings
        other.shared = True
        other.db = self.db.cursor()
        other.db.execute("SET TimeZone = 'UTC'")
        return other

    def close(self) -> None:
        """Close the connection; the file stays."""
        self.db.close()


_NEWEST = {
    "incidents": "start_ts",
    "deploys": "deployed_at",
    "pages": "created_at",
    "toil_entries": "day",
}
"""The tables `Store.extent` knows, and the column that dates their records."""


def _connect(
    path: str, read_only: bool, wait_s: float, quiet: bool = False
) -> duckdb.DuckDBPyConnection:
    """Open the file, waiting up to `wait_s` while another process holds it (an ingest
    writing its batch, a running `basics serve`) instead of failing at once; `quiet`: with
    no word on stderr (the server taking the store back)."""
    deadline = quiet_until = time.monotonic() + wait_s
    turn: Path | None = None
    said = False
    try:
        while True:
            try:
                return duckdb.connect(path, read_only=read_only)
            except duckdb.IOException as error:
                held = "Could not set lock" in str(error)
                if not read_only and _READ_ONLY.search(str(error)) and Path(path).exists():
                    raise _NotWritable from None
                if not held:
                    hint = _RECOVER if Path(path).exists() else ""
                    raise StoreError(f"cannot open store {path}: {_plain(error)}{hint}") from None
                if time.monotonic() >= deadline:
                    raise StoreError(
                        f"store {path} is in use by {_holder(path, error)} for more than "
                        f"{wait_s:g} s; try again when it has finished"
                    ) from None
                if turn is None:
                    turn = turns.ask_turn(path)  # a running server hands the file over
                    # A server hands it over in a moment: say so only if it takes longer.
                    quiet_until = time.monotonic() + (1.0 if turns.running_server(path) else 0)
                if not (said or quiet) and time.monotonic() >= quiet_until:  # once
                    sys.stderr.write(
                        f"waiting for store {path}: {_holder(path, error)} is using it; "
                        f"up to {wait_s:g} s\n"
                    )
                    said = True
                time.sleep(0.05)
            except duckdb.Error as error:
                raise StoreError(f"cannot open store {path}: {_plain(error)}{_RECOVER}") from None
    finally:
        if turn is not None:
            turn.unlink(missing_ok=True)


def _holder(path: str, error: Exception) -> str:
    """Who holds the store, from DuckDB's lock message and the server's file."""
    found = re.search(r"\(PID (\d+)\)", str(error))
    server = turns.running_server(path)
    if server is not None and (found is None or int(found.group(1)) == server.get("pid")):
        return f"basics serve (process {server.get('pid')}, {server.get('url')})"
    return "another Basics process" + (f" (process {found.group(1)})" if found else "")


_ADOPTED = "basics_store"  # the store's name when attached to an ingest's stage
_HEADER_BYTES = 3 * 4096  # DuckDB's file header and its two database headers


def out_of_space(error: BaseException) -> bool:
    """Whether DuckDB failed for lack of disk space."""
    return isinstance(error, duckdb.Error) and "No space left on device" in str(error)


def _give_back_space(path: str) -> int:
    """Truncate the store to the blocks its last checkpoint uses; the bytes given back.

    A write that failed for lack of space leaves the file grown by blocks no header refers
    to: on a full disk even the next small write then fails. DuckDB reports its own block
    count, so only bytes past every block it knows are cut.
    """
    try:
        before = os.path.getsize(path)
        db = duckdb.connect(path)
        try:
            block_size, blocks = db.execute(
                "SELECT block_size, total_blocks FROM pragma_database_size()"
            ).fetchall()[0]
        finally:
            db.close()
        used = _HEADER_BYTES + int(block_size) * int(blocks)
        if used >= before:
            return 0
        os.truncate(path, used)
        return before - used
    except (OSError, duckdb.Error):
        return 0


class _NotWritable(Exception):
    """The store file exists but cannot be opened for writing."""


_READ_ONLY = re.compile(r"Read-only file system|Permission denied")
_RECOVER = (
    "; the file is damaged or not a Basics store: restore it from a backup, or move it "
    "aside and ingest your files again (a fresh store is built from them)"
)


def explain(error: Exception, path: Path | str | None) -> str | None:
    """One line for a store fault DuckDB raised mid-command, or None for anything else."""
    text = str(error)
    store = f"store {path}" if path else "the store"
    damaged = ("corrupt", "checksum", "Could not read enough bytes")  # "Corrupted RLE segment" too
    if any(sign.lower() in text.lower() for sign in damaged):
        return f"{store} is damaged ({_plain(error)}){_RECOVER}"
    if "read-only mode" in text:
        return _read_only(store, "written to")
    if out_of_space(error):
        return _no_space(store)
    return None


def _read_only(store: str, doing: str) -> str:
    return (
        f"{store} is read-only (a read-only file system or file), so it cannot be {doing}; "
        "run this where the store is writable"
    )


def _no_space(store: str, given_back: int = 0) -> str:
    back = f"; the {given_back / 2**20:.1f} MiB the store grew by was given back"
    return (
        f"no space left on the device of {store}: nothing of this command was stored (it "
        f"was rolled back){back if given_back else ''}; free some space and run it again"
    )


def _plain(error: Exception) -> str:
    """DuckDB's message on one line."""
    return " ".join(str(error).split())


def _checked_size(text: str) -> str:
    if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", text):
        raise StoreError(f'expected a memory size such as "1GB", got "{text}"')
    return text
