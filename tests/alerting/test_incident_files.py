"""`incidents import` files: encodings, field names in any case, times as other importers
read them, and local times the clocks skipped, against hand-computed instants (UTC)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from basics.alerting.incident_files import import_incidents
from basics.alerting.incidents import list_incidents
from basics.app import App
from basics.config.loader import parse_config
from basics.core.errors import InputError

DATA = Path(__file__).resolve().parents[1] / "data" / "alerting"
CONFIG = "timezone: Europe/Berlin\n"  # CET, UTC+1, until 2026-03-29 02:00; then CEST, UTC+2


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    path = tmp_path / "basics.yaml"
    path.write_text(CONFIG)
    application = App(parse_config(CONFIG, path))
    yield application
    application.close()


def recorded(app: App) -> list[tuple[tuple[str, ...], dt.datetime, dt.datetime, str]]:
    return [(i.services, i.start, i.end, i.title) for i in list_incidents(app.store)]


def test_a_windows_1252_csv_is_read_as_spreadsheets_write_it(app: App) -> None:
    result = import_incidents(app.store, DATA / "incidents_cp1252.csv", "Europe/Berlin")
    assert (len(result.recorded), result.rejects) == (1, [])
    # 14:00:05 and 15:10:00 in Berlin (UTC+1).
    assert recorded(app) == [
        (("checkout",), dt.datetime(2026, 3, 2, 13, 0, 5), dt.datetime(2026, 3, 2, 14, 10),
         "Café checkout 502s"),
    ]  # fmt: skip


def test_bytes_no_encoding_reads_are_an_error_naming_where(app: App, tmp_path: Path) -> None:
    csv_file = tmp_path / "bad.csv"
    # 0x81 is undefined in Windows-1252 too; "id,service\n" and "INC-1,caf" are 20 bytes.
    csv_file.write_bytes(b"id,service\nINC-1,caf\x81\n")
    with pytest.raises(InputError) as error:
        import_incidents(app.store, csv_file, "UTC")
    assert str(error.value) == (
        f"{csv_file}:2: not UTF-8: byte 0x81 at byte offset 20; convert the file to UTF-8 "
        "(iconv -f CP1252 -t UTF-8, if it is Windows text)"
    )
    yaml_file = tmp_path / "bad.yaml"
    # YAML is UTF-8 only; "- title: Caf" is 12 bytes.
    yaml_file.write_bytes("- title: Café\n".encode("cp1252"))
    with pytest.raises(InputError, match=r"bad.yaml:1: not UTF-8: byte 0xE9 at byte offset 12;"):
        import_incidents(app.store, yaml_file, "UTC")


def test_times_as_pages_and_deploys_write_them_and_the_clocks_gap(app: App) -> None:
    result = import_incidents(app.store, DATA / "incidents_zones.csv", "Europe/Berlin")
    assert result.rejects == [
        # 3 February or March 2: a date of numbers only is read neither way.
        'incidents_zones.csv:5: start: "03/02/2026 14:00" could be day/month or month/day: '
        "write times in ISO 8601, such as 2026-03-02T14:00:05Z or 2026-03-02 14:00",
        'incidents_zones.csv:7: end: the local time "2026-03-29 02:30:00" does not exist in '
        "Europe/Berlin: the clocks went forward over it (write the time with its UTC offset)",
    ]
    on_day = dt.datetime(2026, 3, 2)
    assert recorded(app) == [
        # `+01:00` and Berlin's own 14:00:05 are 13:00:05 UTC; `14:00:05 UTC` is itself.
        (("checkout",), on_day.replace(hour=13, second=5), on_day.replace(hour=14, minute=10),
         "offset"),
        (("checkout",), on_day.replace(hour=13, second=5), on_day.replace(hour=14, minute=10),
         "naive"),
        (("checkout",), on_day.replace(hour=14, second=5), on_day.replace(hour=15, minute=10),
         "utc words"),
        (("checkout", "payments"), dt.datetime(2026, 3, 3, 22, 50), dt.datetime(2026, 3, 3, 23, 20),
         "quoted, comma title"),
    ]  # fmt: skip


def test_field_names_in_any_case_and_what_a_record_lacks(app: App, tmp_path: Path) -> None:
    caps = tmp_path / "caps.csv"
    caps.write_text("ID,SERVICE,Start,End,Title,Severity\nINC-1,checkout,2026-03-02 14:00,"
                    "2026-03-02 15:00,x,SEV2\n")  # fmt: skip
    assert import_incidents(app.store, caps, "UTC").rejects == []
    [incident] = list_incidents(app.store)
    assert (incident.services, incident.start, incident.severity) == (
        ("checkout",), dt.datetime(2026, 3, 2, 14), "SEV2",
    )  # fmt: skip
    # Importing it again keeps one: its id was read from "ID".
    assert len(import_incidents(app.store, caps, "UTC").recorded) == 1
    assert len(list_incidents(app.store)) == 1
    other = tmp_path / "incidentio.csv"
    other.write_text("ID,Name,Affected services,Reported at,Resolved at\n"
                     "01HQ,Checkout down,Checkout,2026-03-02 14:00,2026-03-02 15:00\n"
                     "01HR,Checkout down,Checkout,2026-03-02 14:00,\n")  # fmt: skip
    empty = tmp_path / "empty.csv"
    empty.write_text("service,start,end,title\ncheckout,2026-03-02 14:00,,x\n")
    # incident.io's own names are read (Affected services, Reported at, Resolved at); the
    # incident without an end is still going.
    assert import_incidents(app.store, other, "UTC").rejects == [
        "incidentio.csv:3: end: empty: an ongoing incident: import it once it has ended, or "
        "give its end",
    ]
    assert [i.title for i in list_incidents(app.store)] == ["x", "Checkout down"]
    nameless = tmp_path / "nameless.csv"
    nameless.write_text(
        "ID,Name,Where,Reported at,Resolved at\n"
        "01HS,Checkout down,Checkout,2026-03-02 14:00,2026-03-02 15:00\n"
    )
    [refused] = import_incidents(app.store, nameless, "UTC").rejects
    assert refused.startswith(
        "nameless.csv:2: services: missing: expected a name, a comma-separated list or a "
        "list under services or service or components or component/s"
    )
    assert refused.endswith("the record has ID, Name, Where, Reported at, Resolved at")
    assert import_incidents(app.store, empty, "UTC").rejects == [
        # An ongoing incident: the store keeps only ended ones.
        "empty.csv:2: end: empty: an ongoing incident: import it once it has ended, or give "
        "its end",
    ]


def test_a_service_alias_or_letter_case_is_the_service_it_names(tmp_path: Path) -> None:
    """PagerDuty and incident tools write display names ("Checkout API"): with the alias
    in basics.yaml the incident is checkout's, as pages are, for the CLI as for a file."""
    from click.testing import CliRunner

    from basics.cli.main import cli

    config = (
        "timezone: UTC\nservices:\n  checkout:\n    aliases: [Checkout API]\n"
        "    slos: {availability: {objective: 99, good: status < 500}}\n  payments: {}\n"
    )
    (tmp_path / "basics.yaml").write_text(config)
    (tmp_path / "incidents.csv").write_text(
        "id,services,start,end,title\n"
        'INC-1,"checkout api, Payments",2026-03-02T14:00:00Z,2026-03-02T14:30:00Z,502s\n'
    )
    base = ["--config", str(tmp_path / "basics.yaml"), "incidents"]
    runner = CliRunner()
    imported = runner.invoke(cli, [*base, "import", str(tmp_path / "incidents.csv")])
    assert imported.exit_code == 0, imported.output
    added = runner.invoke(
        cli,
        [*base, "add", "--service", "Checkout API", "--from", "2026-03-03T10:00:00Z",
         "--to", "2026-03-03T10:10:00Z", "--title", "slow"],
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "warning" not in added.output
    listed = runner.invoke(cli, [*base, "list", "--json"])
    assert [row["services"] for row in json.loads(listed.stdout)] == [
        ["checkout", "payments"],
        ["checkout"],
    ]


def test_a_file_without_incidents_says_so(tmp_path: Path) -> None:
    """Empty, blank lines, a header alone or an empty JSON list: nothing to record, said
    as every import says it (it read as "0 incidents recorded, updated or already known")."""
    from click.testing import CliRunner

    from basics.cli.main import cli

    (tmp_path / "basics.yaml").write_text("timezone: UTC\n")
    files = {"empty.csv": "", "header.csv": "id,services,start,end,title\n", "none.json": "[]"}
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    base = ["--config", str(tmp_path / "basics.yaml"), "incidents", "import"]
    for name in files:
        result = CliRunner().invoke(cli, [*base, str(tmp_path / name)])
        assert result.exit_code == 0, result.output
        said = " ".join(result.stdout.split())
        assert said == f"{tmp_path / name}: no incident in it: nothing stored"
