"""`basics alerts evaluate|replay` and `basics incidents add|list` through the real CLI.

One day of events for www, two a minute (one every 30 s) on 2026-03-02, every event
failing 12:00–12:10 and again 23:50–24:00 (the end of the data). The SLO is alerted with
the built-in `single-1h` policy: 1 h burn rate above 36, i.e. bad × 250 > 9 × total.

With 120 events an hour, the third failing minute is the first above (6 × 250 > 9 × 120):
firings start 12:03 and 23:53; the first resets at 13:08 (the hour ending 13:07 holds
only 12:08–12:09's 4 bad events), the second is still firing when the data ends.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from basics.cli.main import cli

START = dt.datetime(2026, 3, 2)
OUTAGES = [
    (dt.datetime(2026, 3, 2, 12, 0), dt.datetime(2026, 3, 2, 12, 10)),
    (dt.datetime(2026, 3, 2, 23, 50), dt.datetime(2026, 3, 3, 0, 0)),
]
CONFIG = """\
timezone: UTC
store: basics.duckdb
sources:
  api:
    format: jsonl
services:
  www:
    slos:
      availability:
        objective: 99.9
        window: 30d
        good: status < 500
        alert_policy: single-1h
alerting:
  grace: 10m
"""
REPLAY_KEYS = {
    "slo",
    "policy",
    "from",
    "to",
    "firings",
    "incidents",
    "precision",
    "recall",
    "detection_delay_s",
    "firings_per_week",
    "false_firings",
    "event_days",
    "unjudged_incidents",
}
FIRING_KEYS = {
    "tier",
    "severity",
    "long_window",
    "short_window",
    "factor",
    "start",
    "reset",
    "peak_burn_rate",
    "budget_spent_before_detection",
    "incident",
    "suppressed",
    "already_firing",
}


def invoke(folder: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--config", str(folder / "basics.yaml"), *args])


def ok(folder: Path, *args: str) -> Result:
    result = invoke(folder, *args)
    assert result.exit_code == 0, result.output
    return result


def as_json(folder: Path, *args: str) -> Any:
    return json.loads(ok(folder, *args).stdout)


def build(root: Path) -> Path:
    """A project folder with the day of events ingested."""
    (root / "basics.yaml").write_text(CONFIG, encoding="utf-8")
    lines = []
    for i in range(2 * 1440):
        ts = START + dt.timedelta(seconds=30 * i)
        failing = any(start <= ts < end for start, end in OUTAGES)
        record = {"ts": ts.isoformat() + "Z", "service": "www", "status": 502 if failing else 200}
        lines.append(json.dumps(record) + "\n")
    events = root / "events.jsonl"
    events.write_text("".join(lines), encoding="utf-8")
    ok(root, "ingest", "events", str(events), "--source", "api", "--quiet")
    return root


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = build(tmp_path_factory.mktemp("alerts-cli"))
    added = ok(
        root,
        "incidents",
        "add",
        "--service",
        "www",
        "--from",
        "2026-03-02T12:00Z",
        "--to",
        "2026-03-02T12:15Z",
        "--title",
        "Checkout 502s after deploy",
        "--severity",
        "SEV2",
    )
    assert added.stdout.strip() == "incident 1 recorded"
    added = ok(
        root,
        "incidents",
        "add",
        "--service",
        "api",
        "--service",
        "www",
        "--from",
        "2026-03-02T18:00:00+00:00",
        "--to",
        "2026-03-02T18:30:00+00:00",
        "--title",
        "  DNS flapping  ",
    )
    assert added.stdout.strip() == "incident 2 recorded"
    return root


# --- incidents ----------------------------------------------------------------------------


def test_incidents_list_json(folder: Path) -> None:
    assert as_json(folder, "incidents", "list", "--json") == [
        {
            "id": 1,
            "services": ["www"],
            "start": "2026-03-02T12:00:00Z",
            "end": "2026-03-02T12:15:00Z",
            "title": "Checkout 502s after deploy",
            "severity": "SEV2",
            "source": "manual",
        },
        {
            "id": 2,
            "services": ["api", "www"],
            "start": "2026-03-02T18:00:00Z",
            "end": "2026-03-02T18:30:00Z",
            "title": "DNS flapping",
            "severity": None,
            "source": "manual",
        },
    ]
    assert [
        i["id"] for i in as_json(folder, "incidents", "list", "--service", "api", "--json")
    ] == [2]
    # Another letter case names the same service (it listed nothing, as if none were there).
    www = as_json(folder, "incidents", "list", "--service", "www", "--json")
    assert www and as_json(folder, "incidents", "list", "--service", "WWW", "--json") == www
    # A service neither basics.yaml nor an incident names is a misspelling, said as such.
    typo = CliRunner().invoke(cli, ["--config", str(folder / "basics.yaml"), "incidents",
                                    "list", "--service", "db", "--json"])  # fmt: skip
    assert (typo.exit_code, typo.stderr) == (
        1,
        'Error: no service "db" in basics.yaml nor in any incident (known: www, api)\n',
    )


def test_incidents_list_table(folder: Path) -> None:
    text = ok(folder, "incidents", "list").stdout
    assert "Checkout 502s after deploy" in text
    assert "api, www" in text
    assert "2026-03-02 12:00:00Z" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--from", "2026-03-02T12:00Z", "--to", "2026-03-02T11:00Z", "--title", "x"],
            "an incident's end (--to) must be after its start (--from)",
        ),
        (
            ["--from", "2026-03-02T12:00Z", "--to", "2026-03-02T13:00Z", "--title", " "],
            "an incident needs a --title",
        ),
        (
            ["--from", "yesterday", "--to", "2026-03-02T13:00Z", "--title", "x"],
            'expected a time such as 2026-03-02T14:00:05Z or 2026-03-02, found "yesterday"',
        ),
    ],
)
def test_incidents_add_errors(folder: Path, args: list[str], message: str) -> None:
    result = invoke(folder, "incidents", "add", "--service", "www", *args)
    assert result.exit_code == 1
    assert result.stderr.strip() == f"Error: {message}"


def test_incidents_add_needs_a_service(folder: Path) -> None:
    result = invoke(
        folder, "incidents", "add", "--from", "2026-03-02", "--to", "2026-03-03", "--title", "x"
    )
    assert result.exit_code == 2  # click: missing option
    assert "--service" in result.stderr


def test_incidents_add_again_is_the_same_incident(folder: Path) -> None:
    args = ("incidents", "add", "--service", "www", "--from", "2026-03-01T10:00Z", "--to",
            "2026-03-01T10:30Z", "--title", "Cache stampede")  # fmt: skip
    first = ok(folder, *args)
    number = int(first.stdout.split()[1])
    before = len(as_json(folder, "incidents", "list", "--json"))
    again = ok(folder, *args[:-1], "cache STAMPEDE", "--severity", "SEV2")
    assert again.stdout == (
        f"incident {number} recorded already (the same services, times and title); its "
        "severity is now SEV2 (was none)\n"
    )
    listed = as_json(folder, "incidents", "list", "--json")
    assert len(listed) == before
    assert next(i for i in listed if i["id"] == number)["severity"] == "SEV2"
    ok(folder, "incidents", "remove", str(number))  # the module's other tests count incidents


# --- replay -------------------------------------------------------------------------------

REPLAY_TO_LATEST = ("alerts", "replay", "www/availability", "--from", "2026-03-02T01:00Z")
REPLAY_TO_LATEST += ("--to", "latest")


def test_replay_json(folder: Path) -> None:
    data = as_json(folder, *REPLAY_TO_LATEST, "--json")
    assert set(data) == REPLAY_KEYS
    assert data["slo"] == "www/availability"
    assert data["policy"] == "single-1h"
    assert data["from"] == "2026-03-02T01:00:00Z"
    assert data["to"] == "2026-03-03T00:00:00Z"  # --to latest: the minute after 23:59:30
    # One SLO's replay lists the deploys shortly before each firing (none recorded here).
    assert [f.pop("deploys_before") for f in data["firings"]] == [[]] * len(data["firings"])
    firings = data["firings"]
    assert all(set(f) == FIRING_KEYS for f in firings)
    assert firings[0] == {
        "tier": "1h",
        "severity": "page",
        "long_window": "1h",
        "short_window": None,
        "factor": 36.0,
        "start": "2026-03-02T12:03:00Z",
        "reset": "2026-03-02T13:08:00Z",
        "peak_burn_rate": pytest.approx(20 / 120 / 0.001),
        # 6 bad since the incident's start of 723 minutes × 2 events in the 30 d window.
        "budget_spent_before_detection": pytest.approx(6 / 1.446),
        "incident": 1,
        "suppressed": False,
        "already_firing": False,
    }
    assert firings[1] == {
        "tier": "1h",
        "severity": "page",
        "long_window": "1h",
        "short_window": None,
        "factor": 36.0,
        "start": "2026-03-02T23:53:00Z",
        "reset": None,  # still firing at the end of the range
        "peak_burn_rate": pytest.approx(20 / 120 / 0.001),
        # No incident: 6 bad in the hour before detection, of 1433 minutes × 2 events.
        "budget_spent_before_detection": pytest.approx(6 / 2.866),
        "incident": None,
        "suppressed": False,
        "already_firing": False,
    }
    assert [i["id"] for i in data["incidents"]] == [1, 2]
    assert data["incidents"][0]["start"] == "2026-03-02T12:00:00Z"
    assert data["precision"] == 0.5
    assert data["recall"] == 0.5
    assert data["false_firings"] == 1
    assert data["detection_delay_s"]["median"] == 180.0
    assert data["detection_delay_s"]["p90"] == 180.0
    assert data["firings_per_week"] == pytest.approx(2 * 168 / 23)
    assert data["event_days"] == pytest.approx(23 / 24)  # events in every minute of 23 h


def test_replay_json_times_are_utc_with_z(folder: Path) -> None:
    data = as_json(folder, *REPLAY_TO_LATEST, "--json")
    times = [data["from"], data["to"]]
    times += [f[key] for f in data["firings"] for key in ("start", "reset") if f[key]]
    times += [i[key] for i in data["incidents"] for key in ("start", "end")]
    for text in times:
        assert text.endswith("Z")
        assert dt.datetime.fromisoformat(text.removesuffix("Z")).second == 0


def test_replay_with_an_explicit_end_inside_the_firing(folder: Path) -> None:
    data = as_json(
        folder,
        "alerts",
        "replay",
        "www/availability",
        "--from",
        "2026-03-02T11:00Z",
        "--to",
        "2026-03-02T12:30Z",
        "--json",
    )
    assert (data["from"], data["to"]) == ("2026-03-02T11:00:00Z", "2026-03-02T12:30:00Z")
    assert [(f["start"], f["reset"], f["incident"]) for f in data["firings"]] == [
        ("2026-03-02T12:03:00Z", None, 1)
    ]
    assert [i["id"] for i in data["incidents"]] == [1]
    assert (data["precision"], data["recall"]) == (1.0, 1.0)
    assert data["firings_per_week"] == pytest.approx(1 * 168 / 1.5)


def test_replay_with_another_policy(folder: Path) -> None:
    data = as_json(
        folder,
        "alerts",
        "replay",
        "www/availability",
        "--from",
        "2026-03-02T06:00Z",
        "--to",
        "2026-03-02T18:00Z",
        "--policy",
        "error-rate",
        "--json",
    )
    assert data["policy"] == "error-rate"
    # 10 m above 0.1 %: one bad event in twenty is already above -> fires at 12:01; resets
    # when the 10 m window ending 12:19 no longer holds 12:09's failures.
    assert [(f["tier"], f["start"], f["reset"], f["factor"]) for f in data["firings"]] == [
        ("10m", "2026-03-02T12:01:00Z", "2026-03-02T12:20:00Z", 1.0)
    ]
    assert data["detection_delay_s"]["median"] == 60.0


def test_replay_table(folder: Path) -> None:
    text = " ".join(
        ok(
            folder,
            *REPLAY_TO_LATEST,
        ).stdout.split()
    )
    assert "www/availability: policy single-1h" in text
    assert "2026-03-02 12:03:00Z" in text
    assert "still firing" in text
    assert "FALSE" in text
    assert "precision 50%, recall 50%, false firings 1" in text
    assert "detection delay median 3m, p90 3m" in text


def test_replay_errors(folder: Path) -> None:
    result = invoke(
        folder, "alerts", "replay", "www/availability", "--from", "2026-03-02", "--policy", "nope"
    )
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        'Error: unknown alert policy "nope" (known: error-rate, single-1h, workbook)'
    )
    result = invoke(
        folder, "alerts", "replay", "www/availability", "--from", "2026-03-04", "--to", "latest"
    )
    assert result.exit_code == 1
    assert "must be before --to" in result.stderr
    result = invoke(folder, "alerts", "replay", "www/nope", "--from", "2026-03-02")
    assert result.exit_code == 1
    assert 'no SLO "www/nope"' in result.stderr


# --- evaluate -----------------------------------------------------------------------------


def test_evaluate_json_inside_the_outage(folder: Path) -> None:
    assert as_json(folder, "alerts", "evaluate", "--at", "2026-03-02T12:05Z", "--json") == [
        {
            "slo": "www/availability",
            "policy": "single-1h",
            "at": "2026-03-02T12:05:00Z",
            "tiers": [
                {
                    "tier": "1h",
                    "severity": "page",
                    "factor": 36.0,
                    "long_burn_rate": pytest.approx(10 / 120 / 0.001),
                    "short_burn_rate": None,
                    "long_events": 120,
                    "firing": True,
                    "suppressed": False,
                    "reason": "1h burn 83.33 > 36",
                    "state": "firing",
                }
            ],
            "note": None,
        }
    ]


def test_evaluate_json_just_below_the_threshold(folder: Path) -> None:
    # 12:00–12:01 only: 4 bad of 120 -> 33.33, and 4 × 250 = 1000 ≤ 9 × 120 = 1080.
    (evaluation,) = as_json(folder, "alerts", "evaluate", "--at", "2026-03-02T12:02Z", "--json")
    (tier,) = evaluation["tiers"]
    assert (tier["firing"], tier["reason"]) == (False, "1h burn 33.33 ≤ 36")
    assert tier["state"] == "ok"


def test_evaluate_latest(folder: Path) -> None:
    (evaluation,) = as_json(folder, "alerts", "evaluate", "--at", "latest", "--json")
    assert evaluation["at"] == "2026-03-03T00:00:00Z"
    assert evaluation["tiers"][0]["firing"] is True
    result = ok(folder, "alerts", "evaluate", "--at", "latest")
    assert result.stderr == (
        f"latest: the newest event, at 2026-03-02T23:59:30Z, batch 1 ({folder / 'events.jsonl'})\n"
    )
    text = " ".join(result.stdout.split())
    assert "FIRING" in text
    assert "1h burn 166.67 > 36" in text


def test_evaluate_with_no_data(folder: Path) -> None:
    (evaluation,) = as_json(folder, "alerts", "evaluate", "--at", "2026-03-05T00:00Z", "--json")
    (tier,) = evaluation["tiers"]
    assert tier["firing"] is False
    assert tier["long_burn_rate"] is None
    assert tier["long_events"] == 0
    assert tier["reason"] == "no events in the last 1h"
    assert tier["state"] == "no_data"  # never "ok"
    result = ok(folder, "alerts", "evaluate", "--at", "2026-03-05T00:00Z")
    assert "no data" in result.stdout
    assert result.stderr == (
        "No events in any tier's window; the newest event is at 2026-03-02 23:59:30Z: "
        "try --at latest.\n"
    )


def test_evaluate_fail_on(folder: Path) -> None:
    quiet = ["alerts", "evaluate", "--at", "2026-03-05T00:00Z", "--json"]
    assert invoke(folder, *quiet).exit_code == 0
    assert invoke(folder, *quiet, "--fail-on", "firing").exit_code == 0
    assert invoke(folder, *quiet, "--fail-on", "no-data").exit_code == 2
    burning = ["alerts", "evaluate", "--at", "2026-03-02T12:05Z", "--json"]
    assert invoke(folder, *burning, "--fail-on", "no-data").exit_code == 0
    assert invoke(folder, *burning, "--fail-on", "firing").exit_code == 2
    assert invoke(folder, *burning, "--fail-on", "no-data", "--fail-on", "firing").exit_code == 2


def test_replay_report_of_an_alert_that_beat_the_incident(tmp_path: Path) -> None:
    root = build(tmp_path)
    ok(
        root,
        "incidents",
        "add",
        "--service",
        "www",
        "--from",
        "2026-03-02T12:07Z",
        "--to",
        "2026-03-02T12:30Z",
        "--title",
        "declared late",
    )
    args = ("alerts", "replay", "www/availability", "--from", "2026-03-02T06:00Z")
    args += ("--to", "2026-03-02T18:00Z")
    data = as_json(root, *args, "--json")
    assert data["firings"][0]["start"] == "2026-03-02T12:03:00Z"
    assert data["firings"][0]["incident"] == 1
    text = ok(root, *args).stdout
    assert "-1d" not in text
    assert "23h" not in text


def test_replay_over_a_range_without_events_says_so(folder: Path) -> None:
    # Zero firings over no data is not a quiet policy.
    for args in (
        ["replay", "www/availability"],
        ["replay", "--all"],
        ["compare", "www/availability", "--policies", "single-1h,workbook"],
    ):
        result = ok(folder, "alerts", *args, "--from", "2026-01-01", "--to", "2026-02-01")
        assert result.stderr == (
            "No events in this range (so no firings says nothing about the policy); the "
            "newest event of www is at 2026-03-02 23:59:30Z: try --to latest.\n"
        )
    inside = ok(folder, "alerts", "replay", "www/availability", "--from", "2026-03-02")
    assert "No events" not in inside.stderr


def test_a_range_without_events_has_no_rates_not_zeros(folder: Path) -> None:
    """January holds no event of www: no firing there says nothing of the policy, so firings
    a week and false firings are null (no data), never 0, and the tables say "no data"."""
    window = ("--from", "2026-01-01", "--to", "2026-02-01")
    data = as_json(folder, "alerts", "replay", "www/availability", *window, "--json")
    assert (data["firings_per_week"], data["false_firings"]) == (None, None)
    assert (data["firings"], data["event_days"]) == ([], 0)
    compared = as_json(folder, "alerts", "compare", "www/availability", "--policies",
                       "single-1h,workbook", *window, "--json")  # fmt: skip
    assert [(r["policy"], r["firings_per_week"], r["false_firings"]) for r in compared] == [
        ("single-1h", None, None),
        ("workbook", None, None),
    ]
    text = " ".join(ok(folder, "alerts", "replay", "www/availability", *window).stdout.split())
    assert "false firings no data, firings/week no data" in text
    for args in (["compare", "www/availability", "--policies", "single-1h"], ["replay", "--all"]):
        table = CliRunner().invoke(
            cli, ["--config", str(folder / "basics.yaml"), "alerts", *args, *window],
            env={"COLUMNS": "200"},
        )  # fmt: skip
        assert table.exit_code == 0, table.output
        rows = [line for line in table.stdout.splitlines() if line.startswith("│")]
        assert rows and all(r.rstrip(" │").endswith("│ no data") for r in rows), table.stdout


@pytest.mark.parametrize(
    ("policies", "said"),
    [
        (",", 'policies: expected comma-separated policy names, found ","'),
        ("workbook, workbook", "policies: workbook named twice; name each policy once"),
    ],
)
def test_compare_needs_each_policy_once(folder: Path, policies: str, said: str) -> None:
    """`--policies ,` printed "0 incidents," and an empty table, exit 0; a policy named
    twice was replayed twice."""
    done = invoke(folder, "alerts", "compare", "www/availability", "--policies", policies)
    assert done.exit_code == 1
    assert done.stdout == ""
    assert done.stderr == f"Error: {said}\n"
