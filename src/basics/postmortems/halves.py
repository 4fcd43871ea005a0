"""Batch work on both cores: a helper process does the second half of a batch while this
process does the first.

Reading post-mortems (parsing them, and the words their themes are compared by) is Python
code, which one process runs on one core; on thousands of documents it is most of the time
of an import and of `themes`. Below `MINIMUM` items, on one core, or when the helper cannot
start or fails in any way, the work runs here: the results are the same either way.

The helper is a fresh interpreter (`python -c`, the batch handed over a pipe as a pickle),
not a `multiprocessing` child: a fork would inherit the locks of this process's threads
(the store's) as they were, and `multiprocessing`'s own spawning runs the caller's main
script again in the child.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from typing import IO, Any, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

MINIMUM = 1500
"""Fewer items than this are not worth a helper: starting one costs about 0.25 s (a fresh
interpreter importing the reader and numpy), the time this process reads some 600
post-mortems in, so below about 1,000 the helper's share does not pay for its start."""
HELPER_SHARE = 0.45
"""The share of a batch the helper does: less than half, as it starts later and pickles
its results back."""
_HELPER = "from basics.postmortems.halves import serve; serve()"


def in_halves(
    work: Callable[[Sequence[Item]], list[Result]],
    items: Sequence[Item],
    minimum: int | None = None,
) -> list[Result]:
    """`work(items)`, its second half done by a helper process when there are at least
    `minimum` items (`MINIMUM` by default) and two cores. `work` must be a module-level
    function (or a `partial` of one) and the items and results picklable: they travel to
    and from the helper."""
    if len(items) < (MINIMUM if minimum is None else minimum) or _cores() < 2:
        return work(items)
    half = len(items) - int(len(items) * HELPER_SHARE)
    helper = _start()
    if helper is None:
        return work(items)
    second: list[Result] | None = None
    with helper:  # closes the pipes and waits for the helper to end
        try:
            # A thread hands the helper its half, so this process starts on its own at once.
            handing = threading.Thread(target=_hand, args=(helper.stdin, work, items[half:]))
            handing.start()
            first = work(items[:half])
            handing.join()
            second = _results(helper.stdout)
        finally:
            if second is None and helper.poll() is None:
                helper.kill()
    if second is None:  # the helper failed (or was killed): its half is done here
        second = work(items[half:])
    return first + second


def serve() -> None:
    """The helper's side: read (work, items) from stdin, write ("done", results) to stdout,
    or ("failed", None) when the work raised (this process then does it, and raises)."""
    work, items = pickle.load(sys.stdin.buffer)
    try:
        answer: tuple[str, Any] = ("done", work(items))
    except Exception:
        answer = ("failed", None)
    pickle.dump(answer, sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)
    sys.stdout.flush()


def _start() -> subprocess.Popen[bytes] | None:
    """A helper interpreter that imports what this one does, or None if none can start."""
    environment = os.environ | {"PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    try:
        return subprocess.Popen(
            [sys.executable, "-c", _HELPER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, env=environment,
        )  # fmt: skip
    except OSError:
        return None


def _hand(pipe: IO[bytes] | None, work: Any, items: Sequence[Any]) -> None:
    """Write the helper's batch to its stdin, and close it."""
    assert pipe is not None
    try:
        with pipe:
            pickle.dump((work, items), pipe, protocol=pickle.HIGHEST_PROTOCOL)
    except (OSError, ValueError):
        pass  # the helper is gone: reading its results says so


def _results(pipe: IO[bytes] | None) -> list[Any] | None:
    """The helper's results, or None when it failed, died or answered nonsense."""
    assert pipe is not None
    try:
        status, results = pickle.load(pipe)
    except Exception:  # EOF, a truncated or foreign stream: whatever it was, redo here
        return None
    return results if status == "done" and isinstance(results, list) else None


def _cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1
