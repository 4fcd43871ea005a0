"""A damaged store, a full disk and a read-only file system each end in one line that says
what is wrong and what to do, never a traceback, and lose nothing.

The full-disk and read-only cases mount a small tmpfs or a read-only bind mount in a private
mount namespace (`unshare -m`, as root: CI runs as root), and run the real `basics` there.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from basics.core.errors import StoreError
from basics.store.duckdb_store import Store

BASICS = Path(sys.executable).parent / "basics"
CONFIG = """\
store: basics.duckdb
sources:
  api: {format: jsonl, service: api}
services:
  api:
    slos:
      availability: {objective: 99, window: 30d, good: status < 500}
"""


def _events(n: int, day: int = 2) -> str:
    return "".join(
        json.dumps(
            {
                "ts": f"2026-03-{day:02d}T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z",
                "status": 500 if i % 100 == 0 else 200,
                "user": f"user-{i % 997:04d}-{'x' * 40}",
                "operation": f"/op/{i % 50}",
                "duration_ms": i % 1000 + 0.5,
            }
        )
        + "\n"
        for i in range(n)
    )


def _project(root: Path, events: int = 2000) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "basics.yaml").write_text(CONFIG, encoding="utf-8")
    (root / "a.jsonl").write_text(_events(events), encoding="utf-8")
    done = _basics(root, "ingest", "events", str(root / "a.jsonl"), "--source", "api", "--quiet")
    assert done.returncode == 0, done.stderr
    return root


def _basics(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BASICS), "--config", str(root / "basics.yaml"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _in_namespace(script: str) -> subprocess.CompletedProcess[str]:
    """Run a shell script in a private mount namespace, or skip where that is not allowed."""
    if shutil.which("unshare") is None:
        pytest.skip("unshare is not installed")
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip("mount namespaces are not permitted here (needs root)")
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", script],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


# --- damaged store files ------------------------------------------------------------------


def test_a_truncated_store_is_one_line_with_a_way_out(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    store = root / "basics.duckdb"
    with store.open("r+b") as file:
        file.truncate(store.stat().st_size // 2)

    done = _basics(root, "slo", "status")

    assert done.returncode == 1
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith(
        (f"Error: cannot open store {store}: IO Error: ", f"Error: store {store} is damaged")
    )
    assert "restore it from a backup, or move it aside and ingest your files again" in (done.stderr)


def test_a_file_that_is_no_store_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "basics.duckdb"
    path.write_bytes(bytes(range(256)) * 400)
    with pytest.raises(StoreError) as raised:
        Store(path)
    assert "not a valid DuckDB database file" in str(raised.value)
    assert "\n" not in str(raised.value)


# --- a full disk ----------------------------------------------------------------------------


def test_a_full_disk_rolls_back_gives_the_space_back_and_the_next_ingest_works(
    tmp_path: Path,
) -> None:
    small = tmp_path / "small"
    small.mkdir()
    (tmp_path / "big.jsonl").write_text(_events(150_000, day=3), encoding="utf-8")
    (tmp_path / "first.jsonl").write_text(_events(500, day=4), encoding="utf-8")
    (tmp_path / "next.jsonl").write_text(_events(500, day=5), encoding="utf-8")
    script = f"""
    set -e
    mount -t tmpfs -o size=4m tmpfs {small}
    printf '%s' '{CONFIG}' > {small}/basics.yaml
    cp {tmp_path}/first.jsonl {small}/first.jsonl
    B="{BASICS} --config {small}/basics.yaml"
    $B ingest events {small}/first.jsonl --source api --quiet > /dev/null
    size_before=$(stat -c %s {small}/basics.duckdb)
    set +e
    $B ingest events {tmp_path}/big.jsonl --source api --quiet \
        > {tmp_path}/full.out 2> {tmp_path}/full.err
    echo "exit=$?" > {tmp_path}/full.rc
    set -e
    size_after=$(stat -c %s {small}/basics.duckdb)
    echo "$size_before $size_after" > {tmp_path}/sizes
    ls {small} > {tmp_path}/left
    $B ingest events {tmp_path}/next.jsonl --source api --quiet > {tmp_path}/next.out
    $B slo status --at 2026-03-06T00:00Z --json > {tmp_path}/status.json
    """
    done = _in_namespace(script)

    assert done.returncode == 0, done.stderr
    assert (tmp_path / "full.rc").read_text().strip() == "exit=1"
    error = (tmp_path / "full.err").read_text()
    assert error.count("\n") == 1, error
    assert error.startswith(f"Error: no space left on the device of store {small}/basics.duckdb")
    assert "nothing of this command was stored" in error
    # The batch is staged beside the store and applied at the end: whichever step ran out,
    # the store is as it was (a grown file is given back) and no staging file is left.
    before, after = map(int, (tmp_path / "sizes").read_text().split())
    assert after == before
    assert (tmp_path / "left").read_text().split() == ["basics.duckdb", "basics.yaml",
                                                       "first.jsonl"]  # fmt: skip
    # The next ingest fits, and only the two small batches count: the failed one left nothing.
    (status,) = json.loads((tmp_path / "status.json").read_text())
    assert status["total"] == 500 + 500


# --- a read-only file system ----------------------------------------------------------------


def test_reports_work_on_a_read_only_file_system_and_writes_say_why_not(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    expected = _basics(root, "slo", "status", "--at", "2026-03-03T00:00Z", "--json")
    assert expected.returncode == 0
    script = f"""
    mount --bind -o ro {root} {root}
    B="{BASICS} --config {root}/basics.yaml"
    $B slo status --at 2026-03-03T00:00Z --json > {tmp_path}/status.json 2> {tmp_path}/status.err
    echo $? > {tmp_path}/status.rc
    $B batches undo 1 > /dev/null 2> {tmp_path}/undo.err
    echo $? > {tmp_path}/undo.rc
    touch {root}/probe 2> /dev/null && echo writable > {tmp_path}/probe
    true
    """
    done = _in_namespace(script)

    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "probe").exists()  # the mount really was read-only
    assert (tmp_path / "status.rc").read_text().strip() == "0", (
        tmp_path / "status.err"
    ).read_text()
    assert json.loads((tmp_path / "status.json").read_text()) == json.loads(expected.stdout)
    assert (tmp_path / "undo.rc").read_text().strip() == "1"
    undo = (tmp_path / "undo.err").read_text()
    assert undo == (
        f"Error: store {root}/basics.duckdb is read-only (a read-only file system or file), "
        "so it cannot be written to; run this where the store is writable\n"
    )
    # The store is untouched: the batch is still there.
    assert "applied" in _basics(root, "batches", "list").stdout


def test_a_read_only_store_whose_slos_changed_says_so_in_words(tmp_path: Path) -> None:
    """The SLO changed in basics.yaml; its rollups cannot be rebuilt in a read-only store:
    it said "cannot be have the rollups of api rebuilt"."""
    root = _project(tmp_path / "p")
    settings = root / "basics.yaml"
    settings.write_text(settings.read_text().replace("status < 500", "status < 400"))
    script = f"""
    mount --bind -o ro {root} {root}
    {BASICS} --config {settings} slo status > /dev/null 2> {tmp_path}/status.err
    echo $? > {tmp_path}/status.rc
    true
    """
    done = _in_namespace(script)

    assert done.returncode == 0, done.stderr
    assert (tmp_path / "status.rc").read_text().strip() == "1"
    assert (tmp_path / "status.err").read_text() == (
        f"Error: store {root}/basics.duckdb is read-only (a read-only file system or file), "
        "so it cannot be brought up to date: the rollups of api must be rebuilt (their SLOs "
        "changed in basics.yaml); run this where the store is writable\n"
    )


def test_a_damaged_block_is_one_line_whichever_block_it_is(tmp_path: Path) -> None:
    # Overwrite 64 bytes in the middle of each 256 KiB block in turn: every command ends in
    # a correct answer or one line (at open, or mid-query: "is damaged"), never a traceback.
    root = _project(tmp_path / "p", events=60_000)
    store = root / "basics.duckdb"
    pristine = store.read_bytes()
    block = 256 * 1024
    outcomes = []
    for offset in range(12288 + block // 2, len(pristine), block):
        damaged = bytearray(pristine)
        damaged[offset : offset + 64] = b"X" * 64
        store.write_bytes(bytes(damaged))
        done = _basics(root, "slo", "breakdown", "api/availability", "--by", "user",
                       "--from", "2026-03-01", "--to", "2026-03-03")  # fmt: skip
        assert "Traceback" not in done.stderr, done.stderr
        if done.returncode:
            assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
            assert "restore it from a backup" in done.stderr
        outcomes.append("damaged" if "is damaged" in done.stderr else done.returncode)
    assert "damaged" in outcomes  # at least one block was met mid-query
