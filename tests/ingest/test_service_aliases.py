"""A service's aliases: the names other tools give it. Events and pages that name one are
stored as the service (pages also by its name in another letter case, as PagerDuty shows
it); a batch whose events name no service of basics.yaml says which names it found."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ingest_cli import warnings_and_record

from basics.app import App
from basics.config.loader import parse_config
from basics.core.errors import ConfigError
from basics.ingest.coverage import UnknownService

CONFIG = """
store: basics.duckdb
sources:
  traefik:
    format: jsonl
    fields: {ts: StartUTC, service: ServiceName, status: DownstreamStatus, duration_ns: Duration}
services:
  api:
    aliases: ["api@docker", "API"]
    slos:
      availability: {objective: 99, good: status < 500}
  web:
    aliases: ["web@docker"]
"""


def traefik(n: int, service: str, status: int) -> str:
    return json.dumps(
        {"StartUTC": f"2026-03-02T14:00:0{n}Z", "ServiceName": service,
         "DownstreamStatus": status, "Duration": 12_000_000}
    ) + "\n"  # fmt: skip


def test_events_naming_an_alias_are_stored_as_the_service(make_env: Any) -> None:
    env = make_env(CONFIG)
    lines = [traefik(0, "api@docker", 200), traefik(1, "api@docker", 503)]
    lines += [traefik(2, "web@docker", 200), traefik(3, "other@file", 200)]

    result = env.ingest("traefik", env.write("access.jsonl", "".join(lines)))
    unknown = env.ingest("traefik", env.write("other.jsonl", traefik(4, "db@file", 200)))

    assert (result.accepted, result.unknown_services) == (4, [])
    assert unknown.unknown_services == [UnknownService("db@file", 1)]
    assert [e[1] for e in env.events()] == ["api", "api", "web", "other@file", "db@file"]
    assert env.store.query("SELECT slo, sum(total), sum(good) FROM slo_minute GROUP BY 1") == [
        ("api/availability", 2, 1)
    ]


def test_a_batch_naming_no_service_of_basics_yaml_says_what_it_names(tmp_path: Path) -> None:
    (tmp_path / "basics.yaml").write_text(CONFIG.replace('["api@docker", "API"]', "[]"))
    lines = [traefik(n, "api@docker", 200) for n in range(3)] + [traefik(3, "db@docker", 200)]
    (tmp_path / "access.jsonl").write_text("".join(lines))
    warned, record = warnings_and_record(tmp_path, "access.jsonl", "traefik")

    assert record["unknown_services"] == [
        {"service": "api@docker", "events": 3, "like": None, "instead_of": None},
        {"service": "db@docker", "events": 1, "like": None, "instead_of": None},
    ]
    assert warned.splitlines()[-1] == (
        "  warning: no event names a service of basics.yaml; they name api@docker (3), "
        "db@docker (1): add them under services:, or as aliases: of the services they are"
    )


def test_a_source_that_is_one_service_says_when_records_name_unknown_others(
    tmp_path: Path,
) -> None:
    """A line's `app` key (a client app, read as the service by default) moved two failing
    requests of `api`, whose source says `service: api`, out of its SLO without a word:
    the other services' events were known, so no warning was given."""
    (tmp_path / "basics.yaml").write_text(
        "store: basics.duckdb\nsources:\n  api: {format: jsonl, service: api}\n"
        "services:\n  api:\n    slos:\n      availability: {objective: 99, good: status < 500}\n"
    )
    lines = [
        '{"ts": "2026-12-05T10:00:00Z", "status": 200}',
        '{"ts": "2026-12-05T10:00:01Z", "status": 500, "app": "ios"}',
        '{"ts": "2026-12-05T10:00:02Z", "status": 500, "app": "android"}',
        '{"ts": "2026-12-05T10:00:03Z", "status": 503, "app": "ios"}',
    ]
    (tmp_path / "a.jsonl").write_text("\n".join(lines) + "\n")
    warned, record = warnings_and_record(tmp_path, "a.jsonl", "api")

    assert record["unknown_services"] == [
        {"service": "ios", "events": 2, "like": None, "instead_of": "api"},
        {"service": "android", "events": 1, "like": None, "instead_of": "api"},
    ]
    assert " ".join(warned.split()).endswith(
        "warning: some events name services basics.yaml does not know, not the source's api: "
        "ios (2), android (1); they count for no SLO: add them under services: or as aliases:, "
        "or, if they are api's events, set fields.service to the one field that names the "
        "service (service, service.name, service_name and app are read by default)"
    )


def test_more_than_five_unknown_services_are_said_to_be_more(tmp_path: Path) -> None:
    """Seven client apps named: five are listed, and the warning says two more (it cut
    the list at five without a word)."""
    (tmp_path / "basics.yaml").write_text(
        "store: basics.duckdb\nsources:\n  api: {format: jsonl, service: api}\n"
        "services:\n  api:\n    slos:\n      availability: {objective: 99, good: status < 500}\n"
    )
    apps = ["a1", "a2", "a3", "a4", "a5", "a6", "a7"]
    lines = ['{"ts": "2026-12-05T10:00:00Z", "status": 200}']
    lines += [
        f'{{"ts": "2026-12-05T10:00:0{n}Z", "status": 500, "app": "{app}"}}'
        for n, app in enumerate(apps, start=1)
    ]
    (tmp_path / "a.jsonl").write_text("\n".join(lines) + "\n")
    warned, record = warnings_and_record(tmp_path, "a.jsonl", "api")

    assert [u["service"] for u in record["unknown_services"]] == apps
    said = " ".join(warned.split())
    assert "a1 (1), a2 (1), a3 (1), a4 (1), a5 (1) and 2 more (see --json);" in said


def test_a_service_differing_only_in_case_or_spaces_is_warned_about(tmp_path: Path) -> None:
    """`shop.api` and `"api "` beside `api`: stored as written, counted by no SLO, and
    said, with the alias that would make them the service."""
    (tmp_path / "basics.yaml").write_text(CONFIG)
    lines = [traefik(0, "api", 200), traefik(1, "Api", 503), traefik(2, "Api", 503)]
    lines += [traefik(3, "api ", 500), traefik(4, "db@docker", 200)]
    (tmp_path / "access.jsonl").write_text("".join(lines))
    warned, record = warnings_and_record(tmp_path, "access.jsonl", "traefik")

    assert record["unknown_services"] == [
        {"service": "Api", "events": 2, "like": "api", "instead_of": None},
        {"service": "api ", "events": 1, "like": "api", "instead_of": None},
    ]
    assert warned.splitlines()[-2:] == [
        '  warning: 2 events name service "Api", not "api" of basics.yaml: they count for '
        'none of its SLOs; add "Api" to its aliases: if it is the same service',
        '  warning: 1 event names service "api ", not "api" of basics.yaml: they count for '
        'none of its SLOs; add "api " to its aliases: if it is the same service',
    ]


def test_a_batch_with_one_known_service_is_not_warned_about(make_env: Any) -> None:
    env = make_env(CONFIG)
    result = env.ingest(
        "traefik", env.write("a.jsonl", traefik(0, "x@docker", 200) + traefik(1, "api", 200))
    )
    assert result.unknown_services == []


@pytest.mark.parametrize(
    ("services", "message"),
    [
        (
            "  api: {aliases: [web]}\n  web: {}\n",
            'services.api.aliases.0: "web" already names the service "web"',
        ),
        (
            "  api: {aliases: [edge]}\n  web: {aliases: [EDGE]}\n",
            'services.web.aliases.0: "EDGE" already names the service "api"',
        ),
        ("  api: {aliases: [' ']}\n", "services.api.aliases.0: an alias is a name"),
    ],
)
def test_an_alias_stands_for_one_service(tmp_path: Path, services: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(f"services:\n{services}", tmp_path / "basics.yaml")


PAGES = (
    "Incident Number,Title,Urgency,Service Name,Created On,Resolved,ID\n"
    "1,Fire,high,Checkout,2026-03-02T14:00:00Z,2026-03-02T15:00:00Z,P1\n"
    "2,Smoke,high,Checkout API,2026-03-02T16:00:00Z,,P2\n"
    "3,Ash,low,Billing,2026-03-02T17:00:00Z,,P3\n"
)


@pytest.mark.parametrize("broken", [False, True], ids=["staged by DuckDB", "row by row"])
def test_pages_name_the_service_in_any_letter_case_or_by_an_alias(
    tmp_path: Path, broken: bool
) -> None:
    config = "services:\n  checkout: {aliases: [Checkout API]}\n"
    (tmp_path / "basics.yaml").write_text(config)
    app = App(parse_config(config, tmp_path / "basics.yaml"))
    # A quote opened after spaces sends the whole export to the row reader.
    text = PAGES + ('4,  "Dust,low,Billing,2026-03-02T18:00:00Z,,P4\n' if broken else "")
    (tmp_path / "export.csv").write_text(text)
    (tmp_path / "again.csv").write_text(text.replace("\n", "\r\n"))

    first = app.oncall.ingest_pages(str(tmp_path / "export.csv"), "pagerduty-csv")
    again = app.oncall.ingest_pages(str(tmp_path / "again.csv"), "pagerduty-csv")

    assert app.store.query(
        "SELECT source_id, service, batch_id FROM pages WHERE source_id IN ('P1', 'P2', 'P3') "
        "ORDER BY 1"
    ) == [("P1", "checkout", again.batch_id), ("P2", "checkout", again.batch_id),
          ("P3", "Billing", again.batch_id)]  # fmt: skip
    assert (first.new_pages, again.new_pages) == (first.pages, 0)
