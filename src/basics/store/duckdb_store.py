"""The DuckDB store: one file, migrated on open, one writer at a time."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb

from basics.core.errors import StoreError
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
    ):
        self.path = str(path)
        self.db = _connect(self.path, read_only, wait_s)
        self.db.execute("SET TimeZone = 'UTC'")
        self.db.execute(f"SET memory_limit = '{_checked_size(memory_limit)}'")
        self.db.execute("SET preserve_insertion_order = false")
        if not read_only:
            self._migrate()

    def _migrate(self) -> None:
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version INTEGER PRIMARY KEY, applied_at TIMESTAMP DEFAULT now())"
        )
        rows = self.db.execute("SELECT version FROM schema_migrations").fetchall()
        applied = {row[0] for row in rows}
        newest = max((v for v, _ in MIGRATIONS), default=0)
        if applied and max(applied) > newest:
            raise StoreError(
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
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        """All rows of a read query."""
        return self.db.execute(sql, params or []).fetchall()

    def scalar(self, sql: str, params: list[Any] | None = None) -> Any:
        """The first column of the first row, or None."""
        rows = self.db.execute(sql, params or []).fetchall()
        row = rows[0] if rows else None
        return None if row is None else row[0]

    def cursor(self) -> Store:
        """Another connection to the same database, for work on another thread."""
        other = object.__new__(Store)
        other.path = self.path
        other.db = self.db.cursor()
        other.db.execute("SET TimeZone = 'UTC'")
        return other

    def close(self) -> None:
        """Close the connection; the file stays."""
        self.db.close()


def _connect(path: str, read_only: bool, wait_s: float) -> duckdb.DuckDBPyConnection:
    """Open the file, waiting up to `wait_s` while another process holds it (an ingest
    writing its batch, a --follow check) instead of failing at once."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return duckdb.connect(path, read_only=read_only)
        except duckdb.IOException as error:
            held = "Could not set lock" in str(error)
            if not held:
                raise StoreError(f"cannot open store {path}: {error}") from None
            if time.monotonic() >= deadline:
                holder = re.search(r"held in (.+?)(?: \(PID (\d+)\))?\.", str(error))
                who = f" (process {holder.group(2)})" if holder and holder.group(2) else ""
                raise StoreError(
                    f"store {path} is in use by another Basics process{who} for more than "
                    f"{wait_s:g} s; try again when it has finished"
                ) from None
            time.sleep(0.05)
        except duckdb.Error as error:
            raise StoreError(f"cannot open store {path}: {error}") from None


def _checked_size(text: str) -> str:
    if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", text):
        raise StoreError(f'expected a memory size such as "1GB", got "{text}"')
    return text
