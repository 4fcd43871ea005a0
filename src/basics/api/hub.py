"""The server's store: shared by its requests, written by one writer, lent to the CLI.

Requests read through their own DuckDB connection to the one database (DuckDB runs reads
beside a write: readers never wait for a writer). Writes (webhooks, event posts) run one at
a time on the writer thread, so two never meet at DuckDB's write lock. When a CLI process
asks for the file (`store.turns`), the hub lets the requests in flight finish, closes the
file, and opens it again when the CLI is done; requests that arrive meanwhile wait, up to
`wait_s`, then get 503 with Retry-After.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from basics.core.errors import BasicsError, SchemaTooNew, StoreError
from basics.store import turns

if TYPE_CHECKING:
    from basics.app import App
    from basics.config.models import Config
    from basics.store.duckdb_store import Store

T = TypeVar("T")

WATCH_S = 0.05
"""How often the hub looks for a CLI process asking for the store."""
KEPT = 64
"""Reports over events kept at most by `Hub.kept` (least recently used go first)."""
READERS = 2
"""Threads that compute a page's independent reports at once (`Hub.gather`): the cores."""


class Busy(BasicsError):
    """The store stayed with another process for longer than a request waits."""

    retry_after_s = 5


class Unavailable(StoreError):
    """The server could not open its store again after lending it (a newer Basics migrated
    it, the file was damaged): requests are told why at once, not made to wait for it."""


class Hub:
    """One config, one store, and an `App` per request thread over its own connection."""

    def __init__(self, config: Config, wait_s: float = 30.0) -> None:
        self.config = config
        self.path = str(config.store_path)
        self.wait_s = wait_s
        self.lent = 0  # times the store was handed to a CLI process
        self._changed = threading.Condition()
        self._store: Store | None = None
        self._generation = 0
        self._writes = 0
        self._event_writes = 0
        self._kept: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._kept_lock = threading.Lock()
        self.kept_stats = {"hits": 0, "misses": 0}  # `kept`'s, for /api/v1/health
        self._active = 0
        self._lending = False
        self._stopping = False
        self._broken: str | None = None  # why the store can never be opened again here
        self._retrying: str | None = None  # why it could not be opened again, tried each second
        self._apps: list[App] = []
        self._local = threading.local()
        self._writer = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="basics-writer", initializer=self._as_writer
        )
        self._readers = ThreadPoolExecutor(max_workers=READERS, thread_name_prefix="basics-reader")
        self._folds: dict[str, list[tuple[Any, Future[Any]]]] = {}
        self._folds_lock = threading.Lock()
        self._watcher = threading.Thread(target=self._watch, name="basics-turns", daemon=True)

    def start(self) -> None:
        """Open the store (migrating it and bringing rollups up to date) and start watching
        for CLI processes that ask for it."""
        self._open()
        self._watcher.start()

    def stop(self) -> None:
        """Finish the writes queued, close the store."""
        self._writer.shutdown(wait=True)
        self._readers.shutdown(wait=True)
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        if self._watcher.is_alive():
            self._watcher.join(timeout=5)
        with self._changed:
            self._close()

    @contextlib.contextmanager
    def app(self) -> Iterator[App]:
        """This thread's App for one request: waits while the store is lent out."""
        deadline = time.monotonic() + self.wait_s
        with self._changed:
            while self._lending or self._store is None:
                if self._stopping:
                    raise Busy("the server is stopping")
                if self._broken is not None:
                    raise Unavailable(self._broken)
                if self._retrying is not None:  # said at once, with Retry-After: no wait
                    raise Busy(
                        "the server cannot open its store again after another Basics "
                        f"process used it: {self._retrying} (it tries again each second)"
                    )
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Busy(
                        f"store {self.path} is with another Basics process (an ingest, a "
                        f"report) for more than {self.wait_s:g} s; try again shortly"
                    )
                self._changed.wait(left)
            self._active += 1
            generation = self._generation
            store = self._store
        try:
            yield self._thread_app(generation, store)
        finally:
            with self._changed:
                self._active -= 1
                self._changed.notify_all()

    def gather(self, *reports: Callable[[App], Any]) -> list[Any]:
        """Independent reports of one page computed at once, each on a reader thread's own
        connection (DuckDB works beside the GIL: the overview's seven reports take about
        the time of the longest few, not of all in a row). Called inside `app()`, whose
        hold keeps the store open until they are done."""
        held: tuple[int, App] | None = getattr(self._local, "app", None)
        if held is None or self._store is None:
            raise RuntimeError("Hub.gather must be called inside Hub.app()")
        generation, store = held[0], self._store

        def run(report: Callable[[App], Any]) -> Any:
            return report(self._thread_app(generation, store))

        return [future.result() for future in [self._readers.submit(run, r) for r in reports]]

    @property
    def version(self) -> tuple[int, int]:
        """Changes whenever the data may have: each write of the server, and each time the
        store comes back from a CLI command (which may have written)."""
        return self._generation, self._writes

    @property
    def events_version(self) -> tuple[int, int]:
        """Like `version`, but kept by the writes that cannot touch events or their
        rollups (page webhooks): what the SLO and alerting reports are computed from."""
        return self._generation, self._event_writes

    def kept(self, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        """A report computed from events and rollups only (SLO status, series, alert
        evaluation), kept while they stay the same: a stream of page webhooks then does
        not make every dashboard read compute it again. `key` names the report and its
        arguments; what it returns is shared between requests, so it is never changed."""
        entry = (self.events_version, *key)
        with self._kept_lock:
            if entry in self._kept:
                self._kept.move_to_end(entry)
                self.kept_stats["hits"] += 1
                return self._kept[entry]  # type: ignore[no-any-return]
        value = compute()
        with self._kept_lock:
            self.kept_stats["misses"] += 1
            self._kept[entry] = value
            while len(self._kept) > KEPT:
                self._kept.popitem(last=False)
        return value

    def write(self, job: Callable[[App], T], changed: Callable[[T], bool] | None = None) -> T:
        """Run `job` on the writer thread (one write at a time) and return its result. The
        data's `version` and `events_version` move after it, unless `changed` says of its
        result that it wrote nothing (a post-mortems folder read again and found the same)."""

        return self._queued(job, changed).result()

    def bring_links(self) -> None:
        """Before a read that counts the post-mortems' deploy links: when the folder, or
        what its links resolve against, changed, the writer brings them up to date first
        and the read waits for it (holding no store meanwhile, so no lending waits on it),
        so the read counts the folder as it is now. Unchanged, one look, no wait."""
        with self.app() as app:
            stale = app.postmortems.links_stale()
        if stale:
            self.write(lambda app: app.postmortems.sync_deploy_links(), changed=bool)

    def write_soon(self, job: Callable[[App], object]) -> None:
        """Queue `job` for the writer and go on without waiting (the data's version moves
        if it says it wrote): how a request thread hands over what it read from files. It
        must not wait there while it holds the store, which a lending waits for too."""

        def said(done: Future[object]) -> None:
            error = done.exception()
            if error is not None:
                sys.stderr.write(f"basics serve: a write handed to the writer failed: {error}\n")

        self._queued(job, bool).add_done_callback(said)

    def _queued(self, job: Callable[[App], T], changed: Callable[[T], bool] | None) -> Future[T]:
        def run() -> T:
            result: Any = None
            try:
                with self.app() as app:
                    result = job(app)
                    return result  # type: ignore[no-any-return]
            finally:
                if result is None or changed is None or changed(result):
                    self._moved(events=True)

        return self._writer.submit(run)

    def _moved(self, events: bool) -> None:
        self._writes += 1
        if events:
            self._event_writes += 1

    def write_folded(
        self,
        kind: str,
        item: Any,
        fold: Callable[[App, list[Any]], list[Any]],
        events: bool = True,
    ) -> Future[Any]:
        """Queue `item` for the writer; when the writer comes to it, it takes every item of
        the same `kind` queued meanwhile and runs `fold` on them at once (one transaction,
        one commit), each item's future getting its own result (or its exception).
        `events` False says the fold writes no events (page webhooks): `events_version`,
        and the reports `kept` over events, stay. A request awaits the future
        (`asyncio.wrap_future`) without holding a thread.

        Webhook deliveries arrive faster than one commit each: folded, 20 senders wait for
        one write, not for 20 in a row.
        """
        done: Future[Any] = Future()
        with self._folds_lock:
            queued = self._folds.setdefault(kind, [])
            queued.append((item, done))
            first = len(queued) == 1
        if first:
            self._writer.submit(self._run_folded, kind, fold, events)
        return done

    def _run_folded(
        self, kind: str, fold: Callable[[App, list[Any]], list[Any]], events: bool
    ) -> None:
        with self._folds_lock:
            taken = self._folds.pop(kind, [])
        try:
            with self.app() as app:
                outcomes = fold(app, [item for item, _ in taken])
            if len(outcomes) != len(taken):
                raise RuntimeError(f"a fold of {len(taken)} gave {len(outcomes)} results")
        except BaseException as error:  # every waiter hears it, none hangs
            outcomes = [error] * len(taken)
        # The version moves before any waiter hears: a read right after the answer must not
        # be served what was kept from before the write.
        self._moved(events)
        for (_, done), outcome in zip(taken, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                done.set_exception(outcome)
            else:
                done.set_result(outcome)

    def _as_writer(self) -> None:
        """Mark the writer thread: its App writes; every other thread's hands writes to it."""
        self._local.writer = True

    def _thread_app(self, generation: int, store: Store) -> App:
        from basics.app import App

        held: tuple[int, App] | None = getattr(self._local, "app", None)
        if held is not None and held[0] == generation:
            return held[1]
        writer = None if getattr(self._local, "writer", False) else self.write_soon
        with self._changed:  # one cursor made at a time from the shared connection
            app = App(self.config, store.cursor(), writer)
            self._apps.append(app)
        self._local.app = (generation, app)
        return app

    def _open(self) -> None:
        from basics.app import App
        from basics.store.duckdb_store import Store

        store = Store(self.path, wait_s=max(self.wait_s, 60.0), quiet=self._generation > 0)
        try:
            App(self.config, store).slo  # noqa: B018 - migrates and brings rollups up to date
        except BaseException:
            store.close()  # else each retry leaves one more connection holding the file
            raise
        with self._changed:
            self._store = store
            self._generation += 1
            self._changed.notify_all()

    def _close(self) -> None:
        """Close every connection (the caller holds `_changed`)."""
        for app in self._apps:
            with contextlib.suppress(Exception):
                app.close()
        self._apps.clear()
        if self._store is not None:
            with contextlib.suppress(Exception):
                self._store.close()
            self._store = None
        self._generation += 1

    def _watch(self) -> None:
        while not self._stopping:
            if turns.waiting(self.path):
                self._lend()
            time.sleep(WATCH_S)

    def _lend(self) -> None:
        """Hand the file to the CLI processes asking for it, then take it back."""
        with self._changed:
            self._lending = True
            while self._active:
                self._changed.wait()
            self._close()
        self.lent += 1
        try:
            # Each asker removes its turn file once it has the store; opening again then
            # waits (in DuckDB's lock) until the last of them is done.
            while turns.waiting(self.path) and not self._stopping:
                time.sleep(WATCH_S)
            said = None
            while not self._stopping:
                try:
                    self._open()
                    break
                except BasicsError as error:
                    # Requests are told why at once: held for over a minute or damaged,
                    # 503 with Retry-After (tried again each second meanwhile); migrated by a
                    # newer Basics, never readable here: restart with it. The operator is
                    # told on stderr, once for each reason.
                    if str(error) != said:
                        said = str(error)
                        sys.stderr.write(f"basics serve: cannot take the store back: {said}\n")
                        with self._changed:
                            if isinstance(error, SchemaTooNew):
                                self._broken = (
                                    "the server cannot open its store again after another "
                                    f"Basics process used it: {said}; restart basics serve "
                                    "with the newer Basics that migrated it"
                                )
                            else:
                                self._retrying = said
                            self._changed.notify_all()
                    time.sleep(1)
        finally:
            with self._changed:
                self._lending = False
                self._broken = self._retrying = None
                self._changed.notify_all()
