"""Taking turns for the store file with a running `basics serve`.

DuckDB lets one process open a file for writing, and no other process open it at all
meanwhile. The server keeps the file open while it answers requests; a CLI process that
finds the file held leaves a *turn file* beside it (`basics.duckdb.turn-PID`) while it
waits. The server sees it, lets its requests in flight finish, closes the file, and opens
it again once the CLI process has it (and has removed its turn file) and is done. The
server names itself in `basics.duckdb.serve.json`, so a waiting command can say who holds
the store and where it answers.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any


def turn_file(store: str, pid: int | None = None) -> Path:
    """Where process `pid` (this one by default) asks for its turn."""
    return Path(f"{store}.turn-{os.getpid() if pid is None else pid}")


def ask_turn(store: str) -> Path:
    """Leave this process's turn file; the caller removes it once it has the store."""
    path = turn_file(store)
    with contextlib.suppress(OSError):  # a read-only folder: the wait is longer, that is all
        path.write_text(str(os.getpid()))
    return path


def waiting(store: str) -> list[int]:
    """The other processes asking for the store; turn files of dead ones are removed."""
    folder, name = Path(store).parent, Path(store).name + ".turn-"
    found = []
    with contextlib.suppress(OSError):
        for entry in folder.iterdir():
            pid_text = entry.name.removeprefix(name)
            if entry.name == pid_text or not pid_text.isdigit():
                continue
            pid = int(pid_text)
            if pid == os.getpid():
                continue
            if alive(pid):
                found.append(pid)
            else:
                entry.unlink(missing_ok=True)
    return found


def server_file(store: str) -> Path:
    """Where a running `basics serve` of this store names itself."""
    return Path(f"{store}.serve.json")


def running_server(store: str) -> dict[str, Any] | None:
    """The running server of this store (pid, url, started_at), if there is one."""
    try:
        found = json.loads(server_file(store).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(found, dict) or not alive(int(found.get("pid", 0))):
        return None
    return found


def alive(pid: int) -> bool:
    """Whether a process with this id exists (signal 0 only checks)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
