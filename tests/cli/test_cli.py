"""The `basics` command end to end: real entry point, real store, values checked.

Most commands run in process through click's CliRunner on `basics.cli.main:cli`; a few run
the installed console script in a subprocess, the way a user or CI runs it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from basics.cli.main import cli
from basics.core.clock import utc_now

BASICS = Path(sys.executable).parent / "basics"
START = dt.datetime(2026, 3, 2, 0, 0)
STEP_S = 30
N_EVENTS = 5760  # two days, one event every 30 s
OUTAGE = (dt.datetime(2026, 3, 2, 14, 0), dt.datetime(2026, 3, 2, 15, 0))
LATEST = "2026-03-04T00:00:00Z"  # the minute after the newest event (2026-03-03T23:59:30Z)

CONFIG = """\
timezone: UTC
store: basics.duckdb
sources:
  api:
    format: jsonl
services:
  www:
    owner: team-web
    slos:
      availability:
        objective: 99.9
        window: 30d
        good: status < 500
        valid: operation != "/health"
      latency:
        objective: 99
        window: 30d
        good: duration_ms <= 300
"""


def event(i: int) -> dict[str, Any]:
    """Event number i: health checks always fail (but are not valid), acme has an outage."""
    ts = START + dt.timedelta(seconds=STEP_S * i)
    operation = "/health" if i % 10 == 0 else "/pay" if i % 2 else "/list"
    user = "acme" if i % 5 == 1 else f"u{i % 7}"
    status = 500 if operation == "/health" else 200
    if user == "acme" and OUTAGE[0] <= ts < OUTAGE[1]:
        status = 503
    duration = 400.0 if i % 100 == 99 else 50.0 + i % 97
    return {
        "ts": ts.isoformat() + "Z",
        "service": "www",
        "operation": operation,
        "user": user,
        "status": status,
        "duration_ms": duration,
        "attrs": {"region": "eu" if i % 3 else "us"},
    }


EVENTS = [event(i) for i in range(N_EVENTS)]


def when(record: dict[str, Any]) -> dt.datetime:
    return dt.datetime.fromisoformat(record["ts"].removesuffix("Z"))


def valid(record: dict[str, Any]) -> bool:
    return bool(record["operation"] != "/health")


def recount(start: dt.datetime, end: dt.datetime) -> tuple[int, int]:
    """(total, bad) valid events of www/availability in [start, end)."""
    chosen = [r for r in EVENTS if start <= when(r) < end and valid(r)]
    return len(chosen), sum(r["status"] >= 500 for r in chosen)


def invoke(folder: Path, *args: str) -> Result:
    """Run `basics --config FOLDER/basics.yaml ARGS...` in process."""
    runner = CliRunner()
    return runner.invoke(cli, ["--config", str(folder / "basics.yaml"), *args])


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the installed console script in a subprocess."""
    return subprocess.run(
        [str(BASICS), *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


def flat(text: str) -> str:
    """Output with runs of whitespace as one space (rich wraps long table titles)."""
    return " ".join(text.split())


def write_events(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A basics.yaml and a store with the two days of events ingested."""
    root = tmp_path_factory.mktemp("cli")
    (root / "basics.yaml").write_text(CONFIG, encoding="utf-8")
    events = write_events(root / "events.jsonl", EVENTS)
    result = invoke(root, "ingest", "events", str(events), "--source", "api", "--quiet")
    assert result.exit_code == 0, result.output
    assert f"{N_EVENTS:,} events stored from 2026-03-02 00:00:00Z to 2026-03-03 23:59:30Z" in (
        result.stdout
    )
    assert "0 rejected" in result.stdout
    return root


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty project folder, also the working directory."""
    (tmp_path / "basics.yaml").write_text(CONFIG, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    yield tmp_path


# --- start-up ------------------------------------------------------------------------------


def test_help_in_a_subprocess_does_not_import_duckdb(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from basics.cli.main import cli\n"
        "try:\n"
        "    cli.main(['--help'], prog_name='basics')\n"
        "except SystemExit as done:\n"
        "    assert done.code == 0, done.code\n"
        "heavy = sorted({'duckdb', 'pyarrow', 'pydantic', 'rich'} & set(sys.modules))\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "Usage: basics" in done.stdout
    assert "HEAVY []" in done.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    assert "basics.cli.main" in imported
    assert not any(name.split(".")[0] == "duckdb" for name in imported)


def test_basics_help_console_script(tmp_path: Path) -> None:
    done = run("--help", cwd=tmp_path)
    assert done.returncode == 0
    assert "Usage: basics" in done.stdout
    for command in ("init", "config", "ingest", "slo"):
        assert command in done.stdout


# --- init and config -----------------------------------------------------------------------


def test_init_then_validate(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["init", str(tmp_path / "project")])
    assert result.exit_code == 0, result.output
    written = tmp_path / "project" / "basics.yaml"
    assert result.stdout.startswith(f"Wrote {written}.")
    validated = invoke(tmp_path / "project", "config", "validate")
    assert validated.exit_code == 0, validated.output
    said = f"{written.resolve()}: ok — 2 sources, 2 services, 3 SLOs"
    assert validated.stdout.strip() == said
    again = runner.invoke(cli, ["init", str(tmp_path / "project")])
    assert again.exit_code == 1
    assert "exists; pass --force to overwrite it" in again.stderr
    forced = runner.invoke(cli, ["init", "--force", str(tmp_path / "project")])
    assert forced.exit_code == 0


def test_validate_names_the_line_and_key_in_a_subprocess(tmp_path: Path) -> None:
    broken = CONFIG.replace("objective: 99\n", "objective: 99,9\n")
    (tmp_path / "basics.yaml").write_text(broken, encoding="utf-8")
    line = broken.splitlines().index("        objective: 99,9") + 1
    done = run("config", "validate", cwd=tmp_path)  # finds ./basics.yaml by itself
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == (
        f"Error: basics.yaml:{line}: services.www.slos.latency.objective: expected a percentage "
        'from 1 to under 100 (99.9 for three nines), got "99,9"\n'
    )


def test_validate_reports_an_unknown_key(tmp_path: Path) -> None:
    broken = CONFIG.replace("        objective: 99\n", "        objectiv: 99\n")
    (tmp_path / "basics.yaml").write_text(broken, encoding="utf-8")
    line = broken.splitlines().index("        objectiv: 99") + 1
    result = invoke(tmp_path, "config", "validate")
    assert result.exit_code == 1
    assert (
        f"basics.yaml:{line}: services.www.slos.latency.objectiv: unknown key; did you mean "
        "'objective'?"
    ) in result.stderr
    assert "services.www.slos.latency.objective: required key is missing" in result.stderr


def test_validate_shows_a_caret_under_a_bad_expression(tmp_path: Path) -> None:
    broken = CONFIG.replace("good: duration_ms <= 300", "good: duration_ms <=")
    (tmp_path / "basics.yaml").write_text(broken, encoding="utf-8")
    line = broken.splitlines().index("        good: duration_ms <=") + 1
    result = invoke(tmp_path, "config", "validate")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == (
        f"Error: basics.yaml:{line}: services.www.slos.latency.good: expected a number after "
        "`<=`, found the end of the expression"
    )
    assert lines[1] == "  duration_ms <="
    assert lines[2] == "  " + " " * len("duration_ms <=") + "^"


def test_config_schema_is_json_schema() -> None:
    result = CliRunner().invoke(cli, ["config", "schema"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert {"services", "sources", "timezone"} <= set(schema["properties"])
    assert schema["type"] == "object"


def test_missing_config_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["slo", "status"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: no basics.yaml in ")
    assert "basics init" in result.stderr


# --- ingest --------------------------------------------------------------------------------

BAD_LINES = [
    json.dumps(EVENTS[0]),
    "not json",
    json.dumps(EVENTS[1] | {"status": "abc"}),
    json.dumps({"service": "www", "status": 200}),
    json.dumps(EVENTS[2]),
]


def test_ingest_rejects_exit_3_with_file_line_field_reason(fresh: Path) -> None:
    (fresh / "bad.jsonl").write_text("\n".join(BAD_LINES) + "\n", encoding="utf-8")
    result = invoke(fresh, "ingest", "events", "bad.jsonl", "-s", "api", "-q")
    assert result.exit_code == 3
    assert result.stdout.startswith("bad.jsonl: batch 1: 2 events stored from ")
    assert "3 rejected" in result.stdout
    assert result.stderr.splitlines() == [
        "  bad.jsonl:2: record: not valid JSON (truncated or malformed line)",
        '  bad.jsonl:3: status: expected an integer status between 0 and 999, found "abc"',
        "  bad.jsonl:4: ts: missing; map the record's time with fields.ts",
    ]

    again = invoke(fresh, "ingest", "events", "bad.jsonl", "-s", "api", "-q")
    assert again.exit_code == 0
    assert again.stdout == (
        "bad.jsonl: already ingested as batch 1; nothing changed (to read it again under "
        "changed source settings: basics batches undo 1, then ingest it)\n"
    )

    as_json = invoke(fresh, "ingest", "rejects", "1", "--json")
    assert as_json.exit_code == 0
    assert json.loads(as_json.stdout) == [
        {
            "line": 2,
            "field": "record",
            "reason": "not valid JSON (truncated or malformed line)",
            "raw": "not json",
            "file": "bad.jsonl",
        },
        {
            "line": 3,
            "field": "status",
            "reason": 'expected an integer status between 0 and 999, found "abc"',
            "raw": BAD_LINES[2],
            "file": "bad.jsonl",
        },
        {
            "line": 4,
            "field": "ts",
            "reason": "missing; map the record's time with fields.ts",
            "raw": BAD_LINES[3],
            "file": "bad.jsonl",
        },
    ]

    as_csv = invoke(fresh, "ingest", "rejects", "1", "--csv")
    assert as_csv.exit_code == 0
    rows = list(csv.reader(io.StringIO(as_csv.stdout)))
    assert rows[0] == ["file", "line", "field", "reason", "raw"]
    assert rows[1:] == [
        ["bad.jsonl", "2", "record", "not valid JSON (truncated or malformed line)", "not json"],
        [
            "bad.jsonl",
            "3",
            "status",
            'expected an integer status between 0 and 999, found "abc"',
            BAD_LINES[2],
        ],
        ["bad.jsonl", "4", "ts", "missing; map the record's time with fields.ts", BAD_LINES[3]],
    ]

    missing = invoke(fresh, "ingest", "rejects", "99", "--json")
    assert missing.exit_code == 1
    assert missing.stderr.startswith("Error: no batch 99")


def test_ingest_json_summary_and_unknown_source(fresh: Path) -> None:
    write_events(fresh / "few.jsonl", EVENTS[:10])
    result = invoke(fresh, "ingest", "events", "few.jsonl", "-s", "api", "--json")
    assert result.exit_code == 0, result.output
    (summary,) = json.loads(result.stdout)
    assert summary["status"] == "applied"
    assert (summary["accepted"], summary["rejected"]) == (10, 0)
    assert summary["min_ts"] == "2026-03-02T00:00:00Z"
    assert summary["max_ts"] == "2026-03-02T00:04:30Z"

    unknown = invoke(fresh, "ingest", "events", "few.jsonl", "-s", "nope")
    assert unknown.exit_code == 1
    assert unknown.stderr == 'Error: no source "nope" in the configuration (known: api)\n'


def test_ingest_and_status_in_subprocesses(fresh: Path) -> None:
    write_events(fresh / "day.jsonl", EVENTS[:2880])
    ingested = run("ingest", "events", "day.jsonl", "--source", "api", cwd=fresh)
    assert ingested.returncode == 0, ingested.stderr
    assert "day.jsonl: batch 1: 2,880 events stored" in ingested.stdout
    done = run("slo", "status", "--at", "latest", "--json", cwd=fresh)
    assert done.returncode == 0, done.stderr
    availability = json.loads(done.stdout)[0]
    assert availability["window_end"] == "2026-03-03T00:00:00Z"
    total, bad = recount(START, dt.datetime(2026, 3, 3))
    assert (availability["total"], availability["bad"]) == (total, bad) == (2592, 24)


# --- slo status ----------------------------------------------------------------------------

STATUS_KEYS = {
    "slo",
    "service",
    "objective",
    "objective_percent",
    "window",
    "window_start",
    "window_end",
    "total",
    "good",
    "bad",
    "sli",
    "budget_total",
    "budget_events",
    "budget_consumed",
    "budget_remaining",
    "burn_rates",
    "status",
}
BURN_WINDOWS = {"5m": 5, "30m": 30, "1h": 60, "6h": 360, "1d": 1440, "3d": 4320}


def status_json(folder: Path, *args: str) -> list[dict[str, Any]]:
    result = invoke(folder, "slo", "status", "--json", *args)
    assert result.exit_code == 0, result.output
    data: list[dict[str, Any]] = json.loads(result.stdout)
    return data


def test_status_json_at_latest(folder: Path) -> None:
    availability, latency = status_json(folder, "--at", "latest")
    for item in (availability, latency):
        assert set(item) >= STATUS_KEYS
        assert set(item["burn_rates"]) == set(BURN_WINDOWS)
        assert item["window_end"] == LATEST
        assert item["window_start"] == "2026-02-02T00:00:00Z"
    end = dt.datetime(2026, 3, 4)
    total, bad = recount(end - dt.timedelta(days=30), end)
    assert (total, bad) == (5184, 24)
    assert availability["slo"] == "www/availability"
    assert availability["service"] == "www"
    # One unit rule: ratios in [0, 1] unless the name says _percent; counts named as counts.
    assert availability["objective"] == 0.999
    assert availability["objective_percent"] == 99.9
    assert availability["budget_events"] == availability["budget_total"] == pytest.approx(5.184)
    assert availability["window"] == "30d"
    assert (availability["total"], availability["good"], availability["bad"]) == (
        total,
        total - bad,
        bad,
    )
    assert availability["sli"] == pytest.approx((total - bad) / total)
    assert availability["budget_total"] == pytest.approx(5.184)
    assert availability["budget_consumed"] == pytest.approx(24 / 5.184)
    assert availability["budget_remaining"] == pytest.approx(1 - 24 / 5.184)
    assert availability["status"] == "exhausted"
    for name, minutes in BURN_WINDOWS.items():
        w_total, w_bad = recount(end - dt.timedelta(minutes=minutes), end)
        assert availability["burn_rates"][name] == pytest.approx(w_bad / w_total / 0.001), name
    assert availability["burn_rates"]["1d"] == 0.0
    assert availability["burn_rates"]["3d"] == pytest.approx(24 / 5184 / 0.001)

    slow = sum(1 for i in range(N_EVENTS) if i % 100 == 99)
    assert (latency["total"], latency["bad"]) == (N_EVENTS, slow) == (5760, 57)
    assert latency["budget_total"] == pytest.approx(57.6)
    assert latency["status"] in ("ok", "burning")
    assert (latency["objective"], latency["objective_percent"]) == (0.99, 99)


def test_status_without_at_is_now_and_suggests_latest(folder: Path) -> None:
    # "now" is long after March 2026: the windows are empty, which is no data, not 100 %
    if utc_now() < dt.datetime(2026, 4, 5):
        pytest.skip("the clock reads a time before the test data's window has passed")
    availability, _ = status_json(folder)
    assert availability["status"] == "no_data"
    assert availability["sli"] is None
    assert availability["total"] == 0
    assert "try --at latest" in availability["note"]
    table = invoke(folder, "slo", "status")
    assert table.exit_code == 0
    # Notes for a person go to standard error, beside the table.
    assert "www/availability: no events in this window" in flat(table.stderr)
    assert "try --at latest" in flat(table.stderr)


def test_status_at_a_time_with_an_offset(folder: Path) -> None:
    # 15:30+01:00 is 14:30 UTC: half an hour into the outage
    availability, _ = status_json(folder, "--at", "2026-03-02T15:30:45+01:00")
    assert availability["window_end"] == "2026-03-02T14:30:00Z"
    end = dt.datetime(2026, 3, 2, 14, 30)
    total, bad = recount(end - dt.timedelta(days=30), end)
    assert (availability["total"], availability["bad"]) == (total, bad) == (1566, 12)
    h_total, h_bad = recount(end - dt.timedelta(hours=1), end)
    assert availability["burn_rates"]["1h"] == pytest.approx(h_bad / h_total / 0.001)


def test_status_fail_on_exhausted_exits_2(folder: Path) -> None:
    exhausted = invoke(folder, "slo", "status", "--at", "latest", "--fail-on", "exhausted")
    assert exhausted.exit_code == 2
    assert "exhausted" in exhausted.stdout
    before = invoke(
        folder, "slo", "status", "--at", "2026-03-02T12:00:00Z", "--fail-on", "exhausted"
    )
    assert before.exit_code == 0, before.output
    burning = invoke(
        folder, "slo", "status", "--at", "2026-03-02T12:00:00Z", "--fail-on", "burning"
    )
    assert burning.exit_code == 0

    # The window before the first event holds nothing: no data, never ok.
    empty = ["slo", "status", "--at", "2026-01-01T00:00:00Z"]
    assert invoke(folder, *empty, "--fail-on", "exhausted").exit_code == 0
    assert invoke(folder, *empty, "--fail-on", "no-data").exit_code == 2
    assert invoke(folder, *empty, "--fail-on", "burning", "--fail-on", "no-data").exit_code == 2


def test_reports_end_latest_is_the_default_end_of_every_report(tmp_path: Path) -> None:
    (tmp_path / "basics.yaml").write_text(CONFIG + "reports: {end: latest}\n", encoding="utf-8")
    events = write_events(tmp_path / "events.jsonl", EVENTS)
    assert invoke(tmp_path, "ingest", "events", str(events), "--source", "api").exit_code == 0
    said = f"latest: the newest event, at 2026-03-03T23:59:30Z, batch 1 ({events})\n"

    status = invoke(tmp_path, "slo", "status", "--json")
    evaluate = invoke(tmp_path, "alerts", "evaluate", "--json")
    history = invoke(tmp_path, "slo", "history", "www/availability", "--json")
    replay = invoke(tmp_path, "alerts", "replay", "www/availability", "--from", "2026-03-03")
    now = invoke(tmp_path, "slo", "status", "--at", "now", "--json")

    assert [r["window_end"] for r in json.loads(status.stdout)] == [LATEST, LATEST]
    assert [e["at"] for e in json.loads(evaluate.stdout)] == [LATEST, LATEST]
    assert json.loads(history.stdout)[-1]["start"] == "2026-03-03T00:00:00Z"
    assert "2026-03-03 00:00:00Z – 2026-03-04 00:00:00Z" in flat(replay.stdout)
    for result in (status, evaluate, history, replay):
        assert result.stderr == said
    # `now` is still there when asked for.
    assert json.loads(now.stdout)[0]["window_end"] >= utc_now().strftime("%Y-%m-%dT%H:%M")
    # No "latest:" line; the windows ending now hold no events, which is said for each SLO.
    assert "latest:" not in now.stderr
    assert now.stderr.count("no events in this window; ") == 2


def test_reports_end_must_be_now_or_latest(tmp_path: Path) -> None:
    (tmp_path / "basics.yaml").write_text(CONFIG + "reports: {end: newest}\n", encoding="utf-8")
    result = invoke(tmp_path, "slo", "status")
    assert result.exit_code == 1
    assert "reports.end" in result.stderr
    assert "'now' or 'latest'" in result.stderr


def test_an_empty_report_says_so_and_names_the_newest_event(folder: Path) -> None:
    before = ["--from", "2026-01-01", "--to", "2026-01-03"]
    hint = (
        "No events in this range; the newest event of www is at 2026-03-03 23:59:30Z: "
        "try --to latest.\n"
    )
    history = invoke(folder, "slo", "history", "www/availability", *before)
    breakdown = invoke(folder, "slo", "breakdown", "www/availability", "--by", "user", *before)
    percentiles = invoke(folder, "slo", "percentiles", "www", *before)
    for result in (history, breakdown, percentiles):
        assert result.exit_code == 0
        assert result.stderr == hint
    # The same note beside JSON and CSV, on stderr: a script's stdout stays parseable.
    for fmt in ("--json", "--csv"):
        for args in (["history", "www/availability"], ["breakdown", "www/availability",
                     "--by", "user"], ["percentiles", "www"]):  # fmt: skip
            quiet = invoke(folder, "slo", *args, *before, fmt)
            assert (quiet.exit_code, quiet.stderr) == (0, hint), args
            if fmt == "--json":
                json.loads(quiet.stdout)
    assert "no data" in history.stdout or "—" in history.stdout
    # A range that holds the newest event but none of this service's: no misleading hint.
    (folder / "basics.yaml").write_text(CONFIG + "  db:\n    owner: team-data\n")
    try:
        other = invoke(folder, "slo", "percentiles", "db", "--from", "2026-03-02", "--to",
                       "2026-03-04")  # fmt: skip
        # A service neither basics.yaml nor an event names is a misspelling, not no data.
        typo = invoke(folder, "slo", "percentiles", "wwww", *before)
    finally:
        (folder / "basics.yaml").write_text(CONFIG)
    assert other.stderr == (
        "No events in this range; none of db are stored (the newest event, of another service, "
        "is at 2026-03-03 23:59:30Z).\n"
    )
    assert (typo.exit_code, typo.stderr) == (
        1,
        'Error: no service "wwww" in basics.yaml nor in the events (known: www, db)\n',
    )


def test_status_csv(folder: Path) -> None:
    result = invoke(folder, "slo", "status", "--at", "latest", "--csv")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["slo"] for r in rows] == ["www/availability", "www/latency"]
    assert rows[0]["total"] == "5184"
    assert rows[0]["bad"] == "24"
    assert rows[0]["status"] == "exhausted"
    assert float(rows[0]["burn_rate_3d"]) == pytest.approx(24 / 5184 / 0.001)


# --- breakdowns ----------------------------------------------------------------------------


def test_breakdown_by_user_json(folder: Path) -> None:
    result = invoke(
        folder, "slo", "breakdown", "www/availability", "--by", "user", "--to", "latest", "--json"
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["dimension"] == "user"
    assert (data["start"], data["end"]) == ("2026-02-02T00:00:00Z", LATEST)
    assert (data["total"], data["bad"]) == (5184, 24)
    users = {r["user"] for r in EVENTS if valid(r)}
    assert data["distinct_values"] == len(users)
    acme_total = sum(1 for r in EVENTS if valid(r) and r["user"] == "acme")
    first = data["contributors"][0]
    assert first["value"] == "acme"
    assert (first["bad"], first["total"]) == (24, acme_total)
    assert first["share_of_bad"] == 1.0
    assert first["share_of_all"] == pytest.approx(acme_total / 5184)
    assert first["over_representation"] == pytest.approx(5184 / acme_total)
    assert all(c["bad"] == 0 for c in data["contributors"][1:])


def test_breakdown_table_and_top(folder: Path) -> None:
    result = invoke(
        folder, "slo", "breakdown", "www/availability", "--by", "attrs.region", "--to", "latest"
    )
    assert result.exit_code == 0, result.output
    assert "www/availability by attrs.region: 24 bad of 5,184 events, 2 values" in flat(
        result.stdout
    )
    top = invoke(
        folder,
        "slo",
        "breakdown",
        "www/availability",
        "--by",
        "user",
        "--top",
        "2",
        "--to",
        "latest",
        "--json",
    )
    assert len(json.loads(top.stdout)["contributors"]) == 2


def test_breakdown_auto_json(folder: Path) -> None:
    result = invoke(
        folder, "slo", "breakdown", "www/availability", "--by", "auto", "--to", "latest", "--json"
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    dimensions = [b["dimension"] for b in data]
    assert dimensions[0] == "user"
    assert "status" not in dimensions  # the SLI reads it
    assert set(dimensions) == {"user", "operation", "attrs.region"}
    assert data[0]["contributors"][0]["value"] == "acme"
    acme_total = sum(1 for r in EVENTS if valid(r) and r["user"] == "acme")
    assert data[0]["score"] == pytest.approx(1.0 - (acme_total - 24) / (5184 - 24))
    assert len(data[0]["contributors"]) <= 3
    table = invoke(folder, "slo", "breakdown", "www/availability", "--by", "auto", "--to", "latest")
    assert table.exit_code == 0
    assert "which dimension explains the bad events (24 bad of 5,184" in flat(table.stdout)


# --- cost, history, percentiles ------------------------------------------------------------


def test_cost_of_fifteen_seconds(folder: Path) -> None:
    args = ["--from", "2026-03-02T14:00:25Z", "--to", "2026-03-02T14:00:40Z"]
    result = invoke(folder, "slo", "cost", "www/availability", *args, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    # one event in the interval, at 14:00:30, of acme: bad
    assert data["counts"] == {"total": 1, "good": 0, "bad": 1}
    assert (data["total"], data["good"], data["bad"]) == (1, 0, 1)
    window_end = dt.datetime(2026, 3, 2, 14, 1)
    total, _ = recount(window_end - dt.timedelta(days=30), window_end)
    assert total == 1513
    assert (data["window_start"], data["window_end"]) == (
        "2026-01-31T14:01:00Z",
        "2026-03-02T14:01:00Z",
    )
    assert data["budget_total"] == data["budget_events"] == pytest.approx(1.513)
    assert data["share_of_budget"] == pytest.approx(1 / 1.513)
    text = invoke(folder, "slo", "cost", "www/availability", *args)
    assert text.exit_code == 0
    assert text.stdout == (
        "www/availability, 2026-03-02 14:00:25Z – 2026-03-02 14:00:40Z: 1 bad of 1 events = "
        "66.09% of the budget of the window 2026-01-31 14:01:00Z – 2026-03-02 14:01:00Z "
        "(1.51 bad events allowed)\n"
    )


def test_history_csv(folder: Path) -> None:
    result = invoke(folder, "slo", "history", "www/availability", "--to", "latest", "--csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    # The 30-day window: the 28 days before the first event are listed as no data. Values
    # are --json's, unformatted.
    assert len(rows) == 1 + 30
    header = ["start", "label", "counts.total", "counts.good", "counts.bad", "sli", "met"]
    assert rows[0] == [*header, "budget_consumed", "end", "partial"]
    assert rows[1] == [
        "2026-02-02T00:00:00Z", "2026-02-02", "0", "0", "0", "", "", "", "2026-02-03T00:00:00Z",
        "false",
    ]  # fmt: skip
    assert rows[-2][1:5] == ["2026-03-02", "2592", "2568", "24"]
    assert float(rows[-2][5]) == pytest.approx(2568 / 2592)
    assert rows[-2][6:] == ["false", str(24 / 2.592), "2026-03-03T00:00:00Z", "false"]
    assert rows[-1][1:7] == ["2026-03-03", "2592", "2592", "0", "1.0", "true"]
    assert rows[-1][8:] == [LATEST, "false"]  # the minute after the newest event: midnight
    # A range that starts and ends inside days cuts both short, and says so (the table's
    # `*`; in JSON and CSV, `partial` and where the period starts and ends in the range).
    cut = invoke(folder, "slo", "history", "www/availability", "--from", "2026-03-02T06:00:00Z",
                 "--to", "2026-03-03T12:00:00Z", "--csv")  # fmt: skip
    days = list(csv.DictReader(io.StringIO(cut.stdout)))
    assert [(d["start"], d["end"], d["partial"]) for d in days] == [
        ("2026-03-02T06:00:00Z", "2026-03-03T00:00:00Z", "true"),
        ("2026-03-03T00:00:00Z", "2026-03-03T12:00:00Z", "true"),
    ]


def test_history_json(folder: Path) -> None:
    result = invoke(folder, "slo", "history", "www/availability", "--to", "latest", "--json")
    assert result.exit_code == 0, result.output
    *empty, first, second = json.loads(result.stdout)
    assert [p["counts"]["total"] for p in empty] == [0] * 28
    assert (empty[0]["sli"], empty[0]["met"], empty[0]["budget_consumed"]) == (None, None, None)
    assert first["start"] == "2026-03-02T00:00:00Z"  # UTC is the config's zone here
    assert first["counts"] == {"total": 2592, "good": 2568, "bad": 24}
    assert first["met"] is False
    assert second["met"] is True
    assert second["budget_consumed"] == 0.0


@pytest.fixture
def london(fresh: Path) -> Path:
    """A London project with one event on each side of local midnight, June 1-2 (BST)."""
    (fresh / "basics.yaml").write_text(
        CONFIG.replace("timezone: UTC", "timezone: Europe/London"), encoding="utf-8"
    )
    late_evening = EVENTS[1] | {"ts": "2026-06-01T22:30:00Z"}  # 23:30 BST, June 1
    after_midnight = EVENTS[3] | {"ts": "2026-06-01T23:30:00Z", "status": 502}  # June 2
    write_events(fresh / "june.jsonl", [late_evening, after_midnight])
    assert invoke(fresh, "ingest", "events", "june.jsonl", "-s", "api", "-q").exit_code == 0
    return fresh


HISTORY_RANGE = ["--from", "2026-06-01", "--to", "2026-06-03"]  # local dates


def test_history_days_are_local_days(london: Path) -> None:
    result = invoke(london, "slo", "history", "www/availability", *HISTORY_RANGE, "--csv")
    assert result.exit_code == 0, result.output
    # London days: June 1 starts at 23:00 UTC on May 31 (BST).
    assert list(csv.reader(io.StringIO(result.stdout)))[1:] == [
        ["2026-05-31T23:00:00Z", "2026-06-01", "1", "1", "0", "1.0", "true", "0.0",
         "2026-06-01T23:00:00Z", "false"],
        ["2026-06-01T23:00:00Z", "2026-06-02", "1", "0", "1", "0.0", "false", "1000.0",
         "2026-06-02T23:00:00Z", "false"],
    ]  # fmt: skip


def test_history_json_starts_are_utc(london: Path) -> None:
    result = invoke(london, "slo", "history", "www/availability", *HISTORY_RANGE, "--json")
    assert result.exit_code == 0, result.output
    assert [p["start"] for p in json.loads(result.stdout)] == [
        "2026-05-31T23:00:00Z",
        "2026-06-01T23:00:00Z",
    ]


def test_percentiles_exact_json(folder: Path) -> None:
    args = ["--by", "operation", "--from", "2026-03-02", "--to", "2026-03-04"]
    result = invoke(folder, "slo", "percentiles", "www", *args, "--exact", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["method"], data["relative_error"]) == ("exact", 0.0)
    assert (data["start"], data["end"]) == ("2026-03-02T00:00:00Z", LATEST)
    groups = {g["group"]: g for g in data["groups"]}
    assert [g["group"] for g in data["groups"]] == ["/pay", "/list", "/health"]
    for name, group in groups.items():
        durations = sorted(r["duration_ms"] for r in EVENTS if r["operation"] == name)
        assert group["count"] == len(durations)
        values = [group["percentiles_ms"][p] for p in ("p50", "p90", "p95", "p99")]
        assert values == sorted(values)
        for value in values:
            assert value in durations
        # p50 at rank floor(0.5 x (n - 1)), within one rank of any other convention
        rank = math.floor(0.5 * (len(durations) - 1))
        assert durations[rank] <= group["percentiles_ms"]["p50"] <= durations[rank + 1]
    assert groups["/pay"]["count"] == 2880


def test_percentiles_sketch_table(folder: Path) -> None:
    args = ["--from", "2026-03-02", "--to", "2026-03-04"]
    result = invoke(folder, "slo", "percentiles", "www", *args)
    assert result.exit_code == 0, result.output
    assert "approximate, from minute sketches (≤ 0.5% relative error)" in flat(result.stdout)
    assert "5,760" in result.stdout


# --- errors --------------------------------------------------------------------------------


def test_unknown_slo(folder: Path) -> None:
    for args in (
        ["breakdown", "www/nope", "--by", "user"],
        ["cost", "x", "--from", "2026-03-02", "--to", "2026-03-03"],
        ["history", "www/nope"],
    ):
        result = invoke(folder, "slo", *args)
        assert result.exit_code == 1, args
        name = args[1]
        assert result.stderr == (
            f'Error: no SLO "{name}" (known: www/availability, www/latency)\n'
        ), args
        assert result.stdout == ""


def test_bad_times(folder: Path) -> None:
    result = invoke(
        folder, "slo", "breakdown", "www/availability", "--by", "user", "--from", "yesterday"
    )
    assert result.exit_code == 1
    assert result.stderr == (
        'Error: expected a time such as 2026-03-02T14:00:05Z or 2026-03-02, found "yesterday"\n'
    )
    bad_at = invoke(folder, "slo", "status", "--at", "soon")
    assert bad_at.exit_code == 1
    assert 'found "soon"' in bad_at.stderr
    backwards = invoke(
        folder, "slo", "cost", "www/availability", "--from", "2026-03-03", "--to", "2026-03-02"
    )
    assert backwards.exit_code == 1
    assert backwards.stderr == (
        "Error: --from (2026-03-03T00:00:00Z) must be before --to (2026-03-02T00:00:00Z)\n"
    )


def test_bad_dimension(folder: Path) -> None:
    result = invoke(folder, "slo", "breakdown", "www/availability", "--by", "colour")
    assert result.exit_code == 1
    assert result.stderr.startswith('Error: cannot break down by "colour"')


def test_at_latest_on_an_empty_store(fresh: Path) -> None:
    result = invoke(fresh, "slo", "status", "--at", "latest")
    assert result.exit_code == 1
    assert result.stderr == ("Error: latest: the store has no events yet; ingest some first\n")


def test_one_bad_file_does_not_stop_the_others(folder: Path) -> None:
    good = folder / "more.jsonl"
    good.write_text('{"ts": "2026-03-05T10:00:00Z", "service": "www", "status": 200}\n')
    result = invoke(folder, "ingest", "events", "missing.jsonl", str(good), "--source", "api")
    assert result.exit_code == 1
    assert "missing.jsonl: no such file" in result.stderr
    assert "more.jsonl: batch" in result.stdout and "1 event stored" in result.stdout


def test_oncall_toil_and_replay_default_their_range_by_the_same_rule(tmp_path: Path) -> None:
    """No --from / --to: on-call's 30 days (checks.oncall_window) and toil's 12 weeks up to
    reports.end, whose `latest` is the newest record each counts; a replay's 90 days
    (checks.replay_window) up to the newest event."""
    config = CONFIG + "reports: {end: latest}\ntoil: {oncall: false}\n"
    (tmp_path / "basics.yaml").write_text(config, encoding="utf-8")
    export = tmp_path / "incidents.csv"
    export.write_text(
        "Incident Number,Title,Urgency,Service Name,Created On,Resolved,Incident Key,"
        "Assigned To,ID\n"
        "1,Disk full,high,www,2026-01-20T09:00:00Z,2026-01-20T09:30:00Z,k1,Ana,P1\n"
        "2,Disk full,high,www,2026-02-19T10:00:00Z,2026-02-19T10:30:00Z,k2,Ana,P2\n"
        "3,Queue stuck,high,www,2026-02-20T14:15:42Z,2026-02-20T15:00:00Z,k3,Bo,P3\n",
        encoding="utf-8",
    )
    assert (
        invoke(tmp_path, "ingest", "pages", str(export), "--format", "pagerduty-csv").exit_code == 0
    )
    for day in ("2026-01-14", "2026-02-11"):  # Wednesdays of ISO weeks 3 and 7
        logged = invoke(tmp_path, "toil", "log", "2h", "--category", "interrupt", "--person",
                        "ana", "--date", day, "rotated keys")  # fmt: skip
        assert logged.exit_code == 0, logged.stderr

    oncall = invoke(tmp_path, "oncall", "report", "--json")
    assert oncall.exit_code == 0, oncall.stderr
    assert oncall.stderr == "latest: the newest page, created at 2026-02-20 14:15:42Z\n"
    report = json.loads(oncall.stdout)
    # The minute after the newest page, and 30 days before it: the page of 20 January is out.
    assert (report["start"], report["end"]) == ("2026-01-21T14:16:00Z", "2026-02-20T14:16:00Z")
    assert report["pages"] == 2
    explicit = invoke(tmp_path, "oncall", "report", "--to", "2026-02-20T12:00:00Z", "--json")
    assert json.loads(explicit.stdout)["pages"] == 1 and explicit.stderr == ""

    toil = invoke(tmp_path, "toil", "report", "--json")
    assert toil.exit_code == 0, toil.stderr
    assert toil.stderr == "latest: the newest toil logged or paged, on 2026-02-11\n"
    weeks = json.loads(toil.stdout)["weeks"]
    assert (weeks[0]["week"], weeks[-1]["week"], len(weeks)) == ("2025-W48", "2026-W07", 12)
    assert [w["total"]["hours"] for w in weeks if w["total"]["entries"]] == [2.0, 2.0]

    deployed = invoke(tmp_path, "deploys", "record", "--service", "www", "--version", "v7",
                      "--at", "2026-02-18T16:20:05Z")  # fmt: skip
    assert deployed.exit_code == 0, deployed.stderr
    dora = invoke(tmp_path, "deploys", "dora", "--json")
    assert dora.stderr == (
        "latest: the newest deploy, at 2026-02-18 16:20:05Z (the range ends 1 s after it)\n"
    )
    assert json.loads(dora.stdout)["to"] == "2026-02-18T16:20:06Z"
    # One service: the table has the total alone, the CSV the service's row too.
    rows = list(csv.DictReader(io.StringIO(invoke(tmp_path, "deploys", "dora", "--csv").stdout)))
    assert [(row["service"], row["deploys"]) for row in rows] == [("www", "1"), ("all", "1")]

    events = write_events(tmp_path / "events.jsonl", EVENTS)
    assert invoke(tmp_path, "ingest", "events", str(events), "--source", "api").exit_code == 0
    replay = invoke(tmp_path, "alerts", "replay", "www/availability", "--json")
    assert replay.exit_code == 0, replay.stderr
    assert (json.loads(replay.stdout)["from"], json.loads(replay.stdout)["to"]) == (
        "2025-12-04T00:00:00Z",
        LATEST,
    )
