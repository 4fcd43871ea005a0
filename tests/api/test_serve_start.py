"""`basics serve` refuses to start in one line, without touching a running server, when
its port is taken or its store is served already."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from pathlib import Path

from conftest import BASICS, Server

CONFIG = "store: basics.duckdb\nsources:\n  api: {format: jsonl, service: api}\n"


def _serve(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [BASICS, "serve", *args], cwd=folder, capture_output=True, text=True, timeout=60
    )


def test_a_port_in_use_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "basics.yaml").write_text(CONFIG, encoding="utf-8")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        done = _serve(tmp_path, "--port", str(port))

    assert done.returncode == 1
    assert done.stderr == (
        f"Error: cannot listen on 127.0.0.1:{port}: another program listens there: "
        "--port N for another, or --port 0 for any free one\n"
    )
    assert not (tmp_path / "basics.duckdb.serve.json").exists()


def test_a_store_served_already_is_not_served_twice(tmp_path: Path) -> None:
    (tmp_path / "basics.yaml").write_text(CONFIG, encoding="utf-8")
    first = Server(tmp_path)
    try:
        named = (tmp_path / "basics.duckdb.serve.json").read_text()

        second = _serve(tmp_path, "--port", "0")

        assert second.returncode == 1
        assert second.stderr.startswith(
            f"Error: {tmp_path / 'basics.duckdb'} is served already, at {first.url} by "
            f"process {first.process.pid} (since "
        )
        assert second.stderr.endswith("): use that server, or stop it first\n")
        # The first server still names itself, and still answers.
        assert (tmp_path / "basics.duckdb.serve.json").read_text() == named
        assert first.get("/api/v1/health").status_code == 200
    finally:
        first.stop()


def test_ctrl_c_stops_the_server_with_exit_code_0_and_its_file_gone(tmp_path: Path) -> None:
    (tmp_path / "basics.yaml").write_text(CONFIG, encoding="utf-8")
    server = Server(tmp_path)
    server.process.send_signal(signal.SIGINT)  # a terminal's Ctrl-C
    server.process.wait(timeout=30)
    output = server.output()
    server.stop()

    assert server.process.returncode == 0
    assert output.endswith("stopped\n")
    assert "Traceback" not in output and "Aborted" not in output
    assert not (tmp_path / "basics.duckdb.serve.json").exists()


def test_a_second_ctrl_c_still_stops_the_app_without_a_traceback(tmp_path: Path) -> None:
    """The second Ctrl-C of an impatient person (uvicorn's "force quit": no more waiting for
    open connections) lands while the server shuts down: it still ends with "stopped",
    exit code 0 and its file gone, and the app's own shutdown ran (its lifespan was
    cancelled before, and uvicorn printed the traceback as an error)."""
    (tmp_path / "basics.yaml").write_text(CONFIG, encoding="utf-8")
    server = Server(tmp_path)
    server.process.send_signal(signal.SIGINT)
    time.sleep(0.01)  # uvicorn's shutdown waits 0.1 s for connections: inside it
    server.process.send_signal(signal.SIGINT)
    server.process.wait(timeout=30)
    output = server.output()
    server.stop()

    assert server.process.returncode == 0, output
    assert output.endswith("stopped\n")
    assert "Traceback" not in output and "ERROR" not in output, output
    assert not (tmp_path / "basics.duckdb.serve.json").exists()
