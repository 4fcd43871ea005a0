"""A real `basics serve` on loopback, as a process, over a demo store."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

BASICS = str(Path(sys.executable).with_name("basics"))


class Server:
    """`basics serve --port 0` in `folder`; its URL from the file it leaves beside the store."""

    def __init__(self, folder: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.folder = folder
        named = folder / "basics.duckdb.serve.json"
        named.unlink(missing_ok=True)
        self.process = subprocess.Popen(
            [BASICS, "serve", "--port", "0", *args],
            cwd=folder,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **(env or {})},
        )
        deadline = time.monotonic() + 90  # a loaded CI machine starts slowly
        while not named.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"basics serve did not start: {self.output()}")
            time.sleep(0.05)
        self.url = json.loads(named.read_text())["url"]
        self.client = httpx.Client(base_url=self.url, timeout=60)
        while True:  # the file is written before uvicorn answers
            try:
                self.client.get("/api/v1/health").raise_for_status()
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def get(self, path: str, **params: object) -> httpx.Response:
        """GET a path of the server."""
        return self.client.get(path, params={k: v for k, v in params.items() if v is not None})

    def stop(self) -> None:
        """SIGTERM, as a service manager stops it; waits for it to end."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)
        if hasattr(self, "client"):
            self.client.close()

    def output(self) -> str:
        """What the server printed (after `stop`)."""
        if self.process.poll() is None:
            return ""
        out, err = self.process.communicate()
        return out + err


@pytest.fixture(scope="module")
def demo_server(small_demo: Path) -> Iterator[Server]:
    """A server over the shared small demo (read-only use)."""
    server = Server(small_demo)
    yield server
    server.stop()


@pytest.fixture
def own_demo(small_demo: Path, tmp_path: Path) -> Path:
    """A copy of the small demo that a test may write to."""
    folder = tmp_path / "company"
    shutil.copytree(small_demo, folder, ignore=shutil.ignore_patterns("*.serve.json", "*.turn-*"))
    return folder
