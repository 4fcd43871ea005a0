"""`basics batches list | undo`, `basics incidents remove` and ingest refusals, end to end
over a real store: undoing a batch leaves exactly what a store without it would hold."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from basics.cli.main import cli

DATA = Path(__file__).parent.parent / "data" / "oncall"

CONFIG = """\
store: basics.duckdb
sources:
  api: {format: jsonl, service: www}
  web: {format: nginx, service: www}
services:
  www:
    slos:
      availability: {objective: 99, window: 30d, good: status < 500}
"""


def _jsonl(day: int, count: int, bad_every: int) -> str:
    return (
        "".join(
            json.dumps(
                {
                    "ts": f"2026-03-{day:02d}T10:{i // 60:02d}:{i % 60:02d}Z",
                    "status": 503 if i % bad_every == 0 else 200,
                }
            )
            + "\n"
            for i in range(count)
        )
        + "not json\n"
    )


@pytest.fixture
def run(tmp_path: Path) -> Any:
    (tmp_path / "basics.yaml").write_text(CONFIG, encoding="utf-8")

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(
            cli, ["--config", str(tmp_path / "basics.yaml"), *args], catch_exceptions=False
        )

    invoke.root = tmp_path  # type: ignore[attr-defined]
    return invoke


def _minutes(run: Any) -> list[Any]:
    import duckdb

    with duckdb.connect(str(run.root / "basics.duckdb"), read_only=True) as db:
        return db.execute("SELECT minute, total, good FROM slo_minute ORDER BY 1").fetchall()


def test_undo_leaves_what_a_store_without_the_batch_holds(run: Any, tmp_path: Path) -> None:
    monday = tmp_path / "monday.jsonl"
    monday.write_text(_jsonl(2, 300, 7), encoding="utf-8")
    tuesday = tmp_path / "tuesday.jsonl"
    tuesday.write_text(_jsonl(3, 200, 5), encoding="utf-8")
    assert run("ingest", "events", str(tuesday), "-s", "api", "-q").exit_code == 3
    only_tuesday = _minutes(run)
    run("batches", "undo", "1")
    assert run("ingest", "events", str(monday), "-s", "api", "-q").exit_code == 3
    run("ingest", "events", str(tuesday), "-s", "api", "-q")

    undone = run("batches", "undo", "2")
    listed = json.loads(run("batches", "list", "--json").output)
    everything = json.loads(run("batches", "list", "--all", "--json").output)

    assert undone.exit_code == 0
    assert undone.output.splitlines() == [
        "batch 2 undone: removed 300 events, 1 reject",
        "  recounted 5 minutes of www",
    ]
    assert _minutes(run) == only_tuesday
    assert [(b["id"], b["status"], b["accepted"]) for b in listed] == [(3, "applied", 200)]
    assert [(b["id"], b["status"]) for b in everything] == [
        (3, "applied"),
        (2, "undone"),
        (1, "undone"),
    ]
    again = run("batches", "undo", "2")
    assert again.exit_code == 1
    assert "batch 2 was undone already" in again.output
    assert run("batches", "undo", "99").output.startswith("Error: no batch 99")


def test_a_file_ingested_again_after_undo_is_stored_again(run: Any, tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl"
    path.write_text(_jsonl(2, 60, 4), encoding="utf-8")
    run("ingest", "events", str(path), "-s", "api", "-q")
    run("batches", "undo", "1")

    again = run("ingest", "events", str(path), "-s", "api", "-q")

    assert again.output.startswith(f"{path}: batch 2: 60 events stored")
    assert sum(total for _, total, _ in _minutes(run)) == 60


def test_undo_removes_an_import_of_pages(run: Any) -> None:
    run("ingest", "pages", str(DATA / "alertmanager.jsonl"), "--format", "alertmanager")
    before = json.loads(run("batches", "list", "--kind", "pages", "--json").output)

    undone = json.loads(run("batches", "undo", str(before[0]["id"]), "--json").output)

    assert before[0]["kind"] == "pages" and before[0]["accepted"] > 0
    assert undone["pages"] > 0 and undone["events"] == 0
    assert json.loads(run("pages", "list", "--json").stdout) == []


def test_a_file_every_record_of_which_is_rejected_says_why(run: Any, tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl"
    path.write_text(_jsonl(2, 30, 4), encoding="utf-8")

    result = run("ingest", "events", str(path), "-s", "web", "-q")

    assert result.exit_code == 3
    assert "every one of its 31 records was rejected; nothing stored" in result.output
    assert "likely cause: every line is JSON: is the source's format jsonl (it is nginx)?" in (
        result.output
    )
    assert json.loads(run("batches", "list", "--json").output)[0]["status"] == "rejected"
    assert _minutes(run) == []


def test_a_partial_copy_is_refused_with_exit_1(run: Any, tmp_path: Path) -> None:
    whole = tmp_path / "all.jsonl"
    whole.write_text(_jsonl(2, 100, 4), encoding="utf-8")
    part = tmp_path / "part.jsonl"
    part.write_text("".join(whole.read_text().splitlines(keepends=True)[:40]))
    run("ingest", "events", str(whole), "-s", "api", "-q")

    refused = run("ingest", "events", str(part), "-s", "api", "-q")
    allowed = run("ingest", "events", str(part), "-s", "api", "-q", "--allow-overlap")

    assert refused.exit_code == 1
    assert "40 of its 40 events are identical to events already stored" in refused.output
    assert allowed.exit_code == 0
    assert sum(total for _, total, _ in _minutes(run)) == 140


@pytest.mark.parametrize(
    "command",
    [["batches", "list"], ["slo", "status"], ["ingest", "rejects", "1"],
     ["slo", "history", "www/availability"]],
)  # fmt: skip
def test_json_and_csv_together_are_refused(run: Any, command: list[str]) -> None:
    result = run(*command, "--json", "--csv")

    assert result.exit_code == 2
    assert "choose one of --json and --csv" in result.output


def test_follow_has_no_json(run: Any, tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl"
    path.write_text(_jsonl(2, 3, 2), encoding="utf-8")

    result = run("ingest", "events", str(path), "-s", "api", "--follow", "--json")

    assert result.exit_code == 2
    assert "--follow prints a line per batch; it has no --json" in result.output


def test_an_incident_can_be_removed(run: Any) -> None:
    run(
        "incidents", "add", "--service", "www", "--from", "2026-03-02T10:00Z",
        "--to", "2026-03-02T10:20Z", "--title", "502s",
    )  # fmt: skip

    removed = run("incidents", "remove", "1")

    assert removed.output == (
        'incident 1 removed: "502s" on www, 2026-03-02 10:00:00Z to 2026-03-02 10:20:00Z\n'
    )
    assert json.loads(run("incidents", "list", "--json").stdout) == []
    assert run("incidents", "remove", "1").exit_code == 1


def test_an_empty_list_says_so_and_how_to_store_the_first(run: Any) -> None:
    empty = run("batches", "list")
    assert empty.exit_code == 0
    assert " ".join(empty.output.split()) == (
        "No batches stored (--all lists undone ones too); `basics ingest events FILE "
        "--source NAME` stores the first."
    )
    assert json.loads(run("batches", "list", "--json").output) == []
    (run.root / "a.jsonl").write_text(_jsonl(2, 3, 2), encoding="utf-8")
    run("ingest", "events", str(run.root / "a.jsonl"), "-s", "api", "-q")
    none_of_web = run("batches", "list", "--source", "web", "--kind", "events", "--all")
    assert " ".join(none_of_web.output.split()) == (
        "No batches of source web of kind events stored."
    )


def test_ingest_after_undoing_a_middle_batch_reads_its_lines_then_what_was_appended(
    run: Any,
) -> None:
    log = run.root / "app.jsonl"
    log.write_text(_jsonl(2, 4, 2), encoding="utf-8")  # 4 events and a line not JSON
    assert run("ingest", "events", str(log), "-s", "api", "-q").exit_code == 3
    for day in (3, 4):
        with log.open("a", encoding="utf-8") as handle:
            handle.write(_jsonl(day, 3, 3))
        assert run("ingest", "events", str(log), "-s", "api", "-q").exit_code == 3
    assert run("batches", "undo", "2").exit_code == 0
    with log.open("a", encoding="utf-8") as handle:
        handle.write(_jsonl(5, 2, 2))

    done = run("ingest", "events", str(log), "-s", "api", "-q", "--json")

    batches = json.loads(done.stdout)
    assert [(b["batch_id"], b["refills"], b["continues"], b["first_line"], b["accepted"])
            for b in batches] == [(4, 2, 1, 6, 3), (5, None, 3, 14, 2)]  # fmt: skip
    stored = json.loads(run("batches", "list", "--json").stdout)
    assert sum(b["accepted"] for b in stored) == 4 + 3 + 3 + 2
    said = run("ingest", "events", str(log), "-s", "api")
    assert "already ingested as batch 5" in said.output


def test_rejects_of_a_batch_without_any_or_undone_say_so(run: Any) -> None:
    (run.root / "a.jsonl").write_text(_jsonl(2, 3, 2), encoding="utf-8")  # 1 line not JSON
    (run.root / "b.jsonl").write_text(_jsonl(3, 3, 2).replace("not json\n", ""), "utf-8")
    run("ingest", "events", str(run.root / "a.jsonl"), str(run.root / "b.jsonl"), "-s", "api")
    assert "not valid JSON" in run("ingest", "rejects", "1").output
    clean = run("ingest", "rejects", "2")
    assert clean.output == f"Batch 2 ({run.root / 'b.jsonl'}) rejected no record.\n"
    run("batches", "undo", "1")
    undone = " ".join(run("ingest", "rejects", "1").output.split())
    assert undone == f"Batch 1 ({run.root / 'a.jsonl'}) was undone: its 1 reject went with it."
    assert json.loads(run("ingest", "rejects", "1", "--json").output) == []
    missing = run("ingest", "rejects", "9")
    assert missing.exit_code == 1
    assert "no batch 9; `basics batches list` lists them" in missing.output


def test_a_file_without_records_stores_no_batch_and_says_so(run: Any) -> None:
    (run.root / "empty.jsonl").write_bytes(b"")
    (run.root / "blank.jsonl").write_text("\n  \n\n", encoding="utf-8")
    done = run("ingest", "events", str(run.root / "empty.jsonl"), str(run.root / "blank.jsonl"),
               "-s", "api")  # fmt: skip
    assert done.exit_code == 0
    assert [" ".join(line.split()) for line in done.stdout.splitlines()] == [
        f"{run.root / name}: no record in it: nothing stored"
        for name in ("empty.jsonl", "blank.jsonl")
    ]
    assert json.loads(run("batches", "list", "--all", "--json").stdout) == []
    as_json = json.loads(run("ingest", "events", str(run.root / "blank.jsonl"), "-s", "api",
                             "--json").stdout)  # fmt: skip
    assert [(r["status"], r["batch_id"]) for r in as_json] == [("empty", None)]


def test_ingest_output_is_the_summary_alone_when_not_a_terminal(run: Any) -> None:
    """The progress bar went to standard output: a script reading it got a blank line first."""
    import subprocess
    import sys

    (run.root / "a.jsonl").write_text(_jsonl(2, 3, 2), encoding="utf-8")
    basics = Path(sys.executable).parent / "basics"
    done = subprocess.run(
        [basics, "--config", str(run.root / "basics.yaml"), "ingest", "events",
         str(run.root / "a.jsonl"), "-s", "api"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 3
    said = " ".join(done.stdout.split())  # wrapped at 80 columns where the path is long
    assert said.startswith(f"{run.root / 'a.jsonl'}: batch 1:")
    assert said.endswith("to 2026-03-02 10:00:02Z, 1 rejected")
    assert done.stderr.startswith(f"  {run.root / 'a.jsonl'}:4: record: not valid JSON")


def test_ingest_batches_is_batches_list_with_its_options(run: Any, tmp_path: Path) -> None:
    """The old name was documented as "the same as batches list" and took --json alone."""
    events = tmp_path / "events.jsonl"
    events.write_text(_jsonl(2, 60, 4), encoding="utf-8")
    assert run("ingest", "events", str(events), "-s", "api", "-q").exit_code == 3  # a reject
    for options in (["--csv"], ["--json", "--source", "api"], ["--kind", "pages"], ["--all"]):
        old, new = run("ingest", "batches", *options), run("batches", "list", *options)
        assert old.exit_code == new.exit_code == 0, old.output
        assert old.stdout == new.stdout
