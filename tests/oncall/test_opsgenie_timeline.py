"""Shifts from Opsgenie's schedule timeline (GET /v2/schedules/{id}/timeline) through a real
store: the final timeline's periods as shifts of the schedule, users matched by e-mail,
an override that cuts a shift in three kept as the people who were on call, a team read
through its users, nobody on call counted apart, bad periods rejected with their field,
and the report counting a page on the shift the timeline gives."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from basics.app import App
from basics.config.loader import parse_config
from basics.core.errors import InputError
from basics.oncall.models import Page

CONFIG = """
timezone: Europe/London
store: basics.duckdb
people:
  dana: {timezone: Europe/London, name: Dana Whitfield}
  kofi: {timezone: America/New_York, name: Kofi Mensah}
  lucia: {timezone: America/New_York, name: Lucía Ortega}
"""


def period(start: str, end: str, name: str, kind: str = "user", **more: Any) -> dict[str, Any]:
    return {
        "startDate": start,
        "endDate": end,
        "type": more.pop("type", "default"),
        "recipient": {"id": f"id-{name}", "type": kind, "name": name},
        **more,
    }


# As Opsgenie returns it for ?interval=2&intervalUnit=weeks&expand=base,forwarding,override:
# the final timeline holds the periods after overrides; base and override timelines too.
TIMELINE = {
    "data": {
        "_parent": {"id": "d875e654", "name": "Platform_schedule", "enabled": True},
        "startDate": "2026-03-02T09:00:00Z",
        "endDate": "2026-03-16T09:00:00Z",
        "finalTimeline": {
            "rotations": [
                {
                    "id": "r1",
                    "name": "Weekly",
                    "order": 1.0,
                    "periods": [
                        # Dana's week, cut by Kofi's override on Wednesday night.
                        period(
                            "2026-03-02T09:00:00Z",
                            "2026-03-04T18:00:00Z",
                            "dana.whitfield@acme.example",
                        ),
                        period(
                            "2026-03-04T18:00:00Z",
                            "2026-03-05T08:00:00Z",
                            "kofi.mensah@acme.example",
                            type="override",
                        ),
                        period(
                            "2026-03-05T08:00:00Z",
                            "2026-03-09T09:00:00Z",
                            "dana.whitfield@acme.example",
                        ),
                        # Ben's week, forwarded to Lucía while he is away: she is on call.
                        period(
                            "2026-03-09T09:00:00Z",
                            "2026-03-16T09:00:00Z",
                            "lucia.ortega@acme.example",
                            type="forwarded",
                            fromUser="ben.hughes@acme.example",
                        ),
                    ],
                },
                {
                    "id": "r2",
                    "name": "Weekend cover",
                    "order": 2.0,
                    "periods": [
                        period(
                            "2026-03-07T00:00:00Z",
                            "2026-03-08T00:00:00Z",
                            "SRE",
                            "team",
                            flattenedRecipients=[
                                {"id": "u1", "type": "user", "name": "kofi.mensah@acme.example"},
                                {"id": "u9", "type": "user", "name": "ari@acme.example"},
                            ],
                        ),
                        period("2026-03-08T00:00:00Z", "2026-03-09T00:00:00Z", "none", "none"),
                        period("2026-03-14T00:00:00Z", "2026-03-15T00:00:00Z", "EP", "escalation"),
                        period(
                            "2026-03-15T00:00:00Z",
                            "2026-03-14T00:00:00Z",
                            "kofi.mensah@acme.example",
                        ),  # ends before it starts
                        period(
                            "15/03/2026 00:00", "2026-03-16T00:00:00Z", "kofi.mensah@acme.example"
                        ),
                    ],
                },
            ]
        },
        "baseTimeline": {"rotations": []},
    },
    "took": 0.031,
    "requestId": "c2f5a1b8-7a3e-4f0e-9c1d-0b9b8a1c2d3e",
}


@pytest.fixture
def app(tmp_path: Path) -> App:
    (tmp_path / "basics.yaml").write_text(CONFIG)
    return App(parse_config(CONFIG, tmp_path / "basics.yaml"))


def write(tmp_path: Path, data: Any) -> str:
    path = tmp_path / "timeline.json"
    path.write_text(json.dumps(data, indent=2))
    return str(path)


def test_the_final_timeline_becomes_the_schedules_shifts(app: App, tmp_path: Path) -> None:
    stored, rejects, uncovered, unknown, *_ = app.oncall.ingest_shifts(
        write(tmp_path, TIMELINE), "opsgenie-timeline"
    )
    assert unknown == ("ari@acme.example",)  # said, not matched to anyone

    T = dt.datetime
    assert app.store.query(
        "SELECT person, rotation, start_ts, end_ts, escalation_level FROM shifts ORDER BY 3, 1"
    ) == [
        ("dana", "Platform_schedule", T(2026, 3, 2, 9), T(2026, 3, 4, 18), None),
        ("kofi", "Platform_schedule", T(2026, 3, 4, 18), T(2026, 3, 5, 8), None),
        ("dana", "Platform_schedule", T(2026, 3, 5, 8), T(2026, 3, 9, 9), None),
        ("ari@acme.example", "Platform_schedule", T(2026, 3, 7), T(2026, 3, 8), None),
        ("kofi", "Platform_schedule", T(2026, 3, 7), T(2026, 3, 8), None),
        ("lucia", "Platform_schedule", T(2026, 3, 9, 9), T(2026, 3, 16, 9), None),
    ]
    assert stored == 6
    assert uncovered == 0  # nobody in the weekend rotation on 03-08, but Dana's week covers it
    # Periods are numbered across the file: the weekend rotation's third to fifth.
    assert [(r.line, r.field) for r in rejects] == [
        (7, "recipient"),
        (8, "endDate"),
        (9, "startDate"),
    ]
    assert rejects[0].reason.startswith("an escalation (EP) without flattenedRecipients")
    assert rejects[1].reason == "2026-03-14 00:00Z is not after startDate 2026-03-15 00:00Z"
    assert "15/03/2026 00:00" in rejects[2].reason


def test_back_to_back_periods_of_one_person_are_one_shift(app: App, tmp_path: Path) -> None:
    # Two rotations of one schedule hand Dana on to herself: one shift, not two.
    data = {
        "data": {
            "_parent": {"name": "Payments"},
            "finalTimeline": {
                "rotations": [
                    {"name": "Day", "periods": [
                        period("2026-03-02T08:00:00Z", "2026-03-02T20:00:00Z", "dana")]},
                    {"name": "Night", "periods": [
                        period("2026-03-02T20:00:00Z", "2026-03-03T08:00:00Z", "dana")]},
                ]
            },
        }
    }  # fmt: skip
    stored, rejects, _, *_ = app.oncall.ingest_shifts(write(tmp_path, data), "opsgenie-timeline")

    assert (stored, rejects) == (1, [])
    assert app.store.query("SELECT start_ts, end_ts FROM shifts") == [
        (dt.datetime(2026, 3, 2, 8), dt.datetime(2026, 3, 3, 8))
    ]


def test_a_page_nobody_named_goes_to_the_override(app: App, tmp_path: Path) -> None:
    app.oncall.ingest_shifts(write(tmp_path, TIMELINE), "opsgenie-timeline")
    page = Page(
        id="alertmanager:fp-1",
        source="alertmanager",
        source_id="fp-1",
        incident_key="fp-1",
        alert="HighErrorRate",
        service=None,
        urgency="high",
        created_at=dt.datetime(2026, 3, 4, 23, 30),
        acknowledged_at=None,
        resolved_at=dt.datetime(2026, 3, 4, 23, 50),
        responder=None,
    )
    assert app.oncall.with_responders([page])[0].responder == "kofi"


def test_imported_again_the_shifts_are_kept_once(app: App, tmp_path: Path) -> None:
    path = write(tmp_path, TIMELINE)
    app.oncall.ingest_shifts(path, "opsgenie-timeline")
    app.oncall.ingest_shifts(path, "opsgenie-timeline")
    assert app.store.scalar("SELECT count(*) FROM shifts") == 6


@pytest.mark.parametrize(
    "data",
    [{"data": {"startDate": "2026-03-02T09:00:00Z"}}, {"oncalls": []}, [1]],
)
def test_a_file_that_is_no_timeline_is_refused(app: App, tmp_path: Path, data: Any) -> None:
    with pytest.raises(InputError, match="finalTimeline"):
        app.oncall.ingest_shifts(write(tmp_path, data), "opsgenie-timeline")
    assert app.store.scalar("SELECT count(*) FROM batches") == 0


def test_the_cli_says_the_uncovered_periods_and_each_reject(app: App, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from basics.cli.main import cli

    path = write(tmp_path, TIMELINE)
    app.close()
    base = ["--config", str(tmp_path / "basics.yaml")]
    done = CliRunner().invoke(
        cli, [*base, "ingest", "shifts", path, "--format", "opsgenie-timeline"]
    )
    assert done.exit_code == 3, done.output  # some periods were rejected
    assert f"{path}: 6 shifts recorded, 3 rejected" in " ".join(done.stdout.split())
    assert "nobody on call" not in done.stdout  # the weekly rotation covers the gap
    assert (
        "  warning: 1 person basics.yaml does not declare: ari@acme.example (their shifts are "
        "stored under these names; add them under people:, with the name or e-mail the file "
        "uses)\n" in done.stderr
    )
    assert f"  {path}: period 8: endDate: 2026-03-14 00:00Z is not after" in done.stderr


def timeline(start: str, end: str, *periods: dict[str, Any]) -> dict[str, Any]:
    """A one-rotation timeline of the Payments schedule over [start, end)."""
    rotation = {"name": "Weekly", "periods": list(periods)}
    return {"data": {"_parent": {"name": "Payments"}, "startDate": start, "endDate": end,
                     "finalTimeline": {"rotations": [rotation]}}}  # fmt: skip


def test_a_later_export_replaces_its_window_and_continues_a_cut_shift(
    app: App, tmp_path: Path
) -> None:
    # The first export ends on Friday 00:00, cutting Dana's week there.
    first = timeline(
        "2026-03-02T00:00:00Z",
        "2026-03-06T00:00:00Z",
        period("2026-03-02T09:00:00Z", "2026-03-06T00:00:00Z", "dana"),
    )
    # The next, from Wednesday, knows of Kofi's override on Wednesday night.
    second = timeline("2026-03-04T00:00:00Z", "2026-03-10T00:00:00Z",
                      period("2026-03-04T00:00:00Z", "2026-03-04T18:00:00Z", "dana"),
                      period("2026-03-04T18:00:00Z", "2026-03-05T08:00:00Z", "kofi",
                             type="override"),
                      period("2026-03-05T08:00:00Z", "2026-03-09T09:00:00Z", "dana"),
                      period("2026-03-09T09:00:00Z", "2026-03-10T00:00:00Z", "lucia"))  # fmt: skip
    (tmp_path / "a.json").write_text(json.dumps(first))
    (tmp_path / "b.json").write_text(json.dumps(second))
    app.oncall.ingest_shifts(str(tmp_path / "a.json"), "opsgenie-timeline")
    app.oncall.ingest_shifts(str(tmp_path / "b.json"), "opsgenie-timeline")

    T = dt.datetime
    assert app.store.query("SELECT person, start_ts, end_ts FROM shifts ORDER BY 2") == [
        ("dana", T(2026, 3, 2, 9), T(2026, 3, 4, 18)),  # one shift across the two exports
        ("kofi", T(2026, 3, 4, 18), T(2026, 3, 5, 8)),
        ("dana", T(2026, 3, 5, 8), T(2026, 3, 9, 9)),
        ("lucia", T(2026, 3, 9, 9), T(2026, 3, 10)),
    ]


def test_a_gap_no_rotation_covers_is_counted(app: App, tmp_path: Path) -> None:
    dana = period("2026-03-02T00:00:00Z", "2026-03-02T12:00:00Z", "dana")
    gap = period("2026-03-02T12:00:00Z", "2026-03-03T00:00:00Z", "none", "none")
    data = timeline("2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z", dana, gap)
    stored, rejects, uncovered, *_ = app.oncall.ingest_shifts(
        write(tmp_path, data), "opsgenie-timeline"
    )
    assert (stored, rejects, uncovered) == (1, [], 1)


@pytest.mark.parametrize(
    ("when", "why"),
    [("2026-03-05T09:00:00", "(no offset)"), ("2026-03-11", "(no offset)"), (None, "None")],
)
def test_a_time_without_its_offset_is_rejected(
    app: App, tmp_path: Path, when: str | None, why: str
) -> None:
    data = timeline("2026-03-02T00:00:00Z", "2026-03-20T00:00:00Z",
                    {"startDate": when, "endDate": "2026-03-12T09:00:00Z",
                     "recipient": {"type": "user", "name": "dana"}})  # fmt: skip
    stored, rejects, _, *_ = app.oncall.ingest_shifts(write(tmp_path, data), "opsgenie-timeline")
    assert stored == 0 and [(r.line, r.field) for r in rejects] == [(1, "startDate")]
    assert (
        rejects[0].reason.startswith("expected a time with its offset") and why in rejects[0].reason
    )


def test_a_user_named_by_id_only_and_an_empty_timeline_are_refused(
    app: App, tmp_path: Path
) -> None:
    data = timeline("2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z",
                    {"startDate": "2026-03-02T00:00:00Z", "endDate": "2026-03-03T00:00:00Z",
                     "recipient": {"type": "user", "id": "5f2c-77"}})  # fmt: skip
    _, rejects, _, *_ = app.oncall.ingest_shifts(write(tmp_path, data), "opsgenie-timeline")
    assert rejects[0].reason.startswith("a user without a name (id '5f2c-77')")
    empty = write(tmp_path, timeline("2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z"))
    with pytest.raises(InputError, match=r"timeline\.json: no periods"):
        app.oncall.ingest_shifts(empty, "opsgenie-timeline")
