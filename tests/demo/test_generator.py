"""Tests for the demo data generator: config, files, determinism and the planted incidents."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pytest

from basics.config.loader import load_config
from basics.config.models import Config
from basics.core.errors import InputError
from basics.demo import story
from basics.demo.generator import POPULATION, ZIPF_EXPONENT, DemoManifest, generate

SMALL = 0.02
MEDIUM = 0.25

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
NGINX = re.compile(
    r"^(?P<addr>\d{1,3}(?:\.\d{1,3}){3}) - (?P<user>m-\d{5}|-) "
    r"\[(?P<time>\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000)\] "
    r'"(?P<method>GET|POST) (?P<path>/\S*) HTTP/1\.1" (?P<status>\d{3}) (?P<bytes>\d+) '
    r'"(?P<referer>[^"]*)" "(?P<agent>[^"]+)" (?P<request_time>\d+\.\d{3})$'
)
CANONICAL = ("ts", "service", "operation", "user", "status", "duration_ms")


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> DemoManifest:
    return generate(tmp_path_factory.mktemp("small"), scale=SMALL)


@pytest.fixture(scope="module")
def medium(tmp_path_factory: pytest.TempPathFactory) -> DemoManifest:
    return generate(tmp_path_factory.mktemp("medium"), scale=MEDIUM)


@pytest.fixture(scope="module")
def events(medium: DemoManifest) -> Iterator[duckdb.DuckDBPyConnection]:
    """The medium data set as one canonical `events` table, read through the config's mapping."""
    con = duckdb.connect()
    _load_events(con, medium)
    yield con
    con.close()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _path_sql(path: str) -> str:
    return "'$." + ".".join(f'"{part}"' for part in path.split(".")) + "'"


def _mapping(config: Config, source: str) -> dict[str, str]:
    """Canonical field -> record path; unmapped fields default to their canonical names."""
    fields = dict(config.sources[source].fields)
    for name in CANONICAL:
        fields.setdefault(name, name)
    for attr in ("attrs.region", "attrs.version", "attrs.host"):
        fields.setdefault(attr, attr)
    return fields


def _load_events(con: duckdb.DuckDBPyConnection, manifest: DemoManifest) -> None:
    config = load_config(manifest.config_path)
    selects = []
    for source, path in manifest.files:
        if config.sources[source].format == "nginx":
            continue
        f = _mapping(config, source)
        selects.append(
            f"""SELECT strptime(json_extract_string(json, {_path_sql(f["ts"])}),
                  '%Y-%m-%dT%H:%M:%S.%fZ') AS ts,
                json_extract_string(json, {_path_sql(f["service"])}) AS service,
                json_extract_string(json, {_path_sql(f["operation"])}) AS operation,
                json_extract_string(json, {_path_sql(f["user"])}) AS "user",
                json_extract_string(json, {_path_sql(f["status"])})::INT AS status,
                json_extract_string(json, {_path_sql(f["duration_ms"])})::DOUBLE AS duration_ms,
                json_extract_string(json, {_path_sql(f["attrs.version"])}) AS version
              FROM read_ndjson_objects('{path}')"""
        )
    (web,) = [path for source, path in manifest.files if source == "web"]
    con.execute("CREATE TABLE events AS " + " UNION ALL ".join(selects))
    con.execute(
        f"""INSERT INTO events
        SELECT strptime(m.t, '%d/%b/%Y:%H:%M:%S +0000'), 'www', m.p, nullif(m.u, '-'),
               m.s::INT, m.rt::DOUBLE * 1000, NULL
        FROM (SELECT regexp_extract(line, '^\\S+ - (\\S+) \\[([^\\]]+)\\] "\\S+ (\\S+) [^"]*" '
                || '(\\d+) \\d+ "[^"]*" "[^"]*" (\\S+)$', ['u', 't', 'p', 's', 'rt']) AS m
              FROM read_csv('{web}', header = false, delim = '\\x01', quote = '', escape = '',
                            columns = {{'line': 'VARCHAR'}}))"""
    )


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    row = con.execute(sql).fetchone()
    assert row is not None
    return row[0] if len(row) == 1 else row


def _window(start: dt.datetime, end: dt.datetime) -> str:
    """A SQL condition on naive-UTC `ts` for [start, end)."""
    fmt = "%Y-%m-%d %H:%M:%S"
    return f"ts >= TIMESTAMP '{start:{fmt}}' AND ts < TIMESTAMP '{end:{fmt}}'"


# --- config and files ------------------------------------------------------------------------


def test_config_validates_and_names_every_source(small: DemoManifest) -> None:
    config = load_config(small.config_path)
    assert config.timezone == "Europe/London"
    assert config.store == "basics.duckdb"
    assert set(config.sources) == {source for source, _ in small.files}
    assert config.sources["web"].format == "nginx"
    assert config.sources["web"].service == "www"
    assert config.sources["payments"].fields["user"] == "merchant.id"
    assert len(config.services) >= 5
    for name, service in config.services.items():
        assert service.owner, name
        assert {"availability", "latency"} <= set(service.slos), name
        assert service.slos["availability"].good == "status < 500"
        assert service.slos["availability"].objective in (Decimal("99.9"), Decimal("99.5"))
        assert service.slos["latency"].objective in (Decimal(99), Decimal(95))
    assert config.services["payments"].slos["latency"].window == "month"
    search = config.services["search"].slos["latency"]
    assert search.budgeting == "timeslices"
    assert (search.slice, search.slice_target) == ("1m", Decimal(95))
    (correction,) = config.services["payments"].corrections
    assert correction.start == story.PAYMENTS_CORRECTION_START
    assert correction.end == story.PAYMENTS_CORRECTION_END
    assert correction.reason == "planned maintenance"
    assert small.config_path.read_text().startswith("# ")  # commented for newcomers


def test_files_exist_in_ingest_order_and_events_count_lines(small: DemoManifest) -> None:
    assert [source for source, _ in small.files] == [
        "web",
        "api",
        "payments",
        "checkout",
        "search",
        "notifications",
    ]
    lines = 0
    for _, path in small.files:
        assert path.is_file() and path.parent == small.config_path.parent / "data"
        content = path.read_bytes()
        assert content.endswith(b"\n")
        lines += content.count(b"\n")
    assert small.events == lines
    assert 0.9 * 4_000_000 * SMALL < small.events < 1.1 * 4_000_000 * SMALL
    assert len(small.story) == len(story.INCIDENTS) == 5


def test_same_seed_and_scale_give_identical_bytes(small: DemoManifest, tmp_path: Path) -> None:
    again = generate(tmp_path / "again", scale=SMALL)
    other = generate(tmp_path / "other", scale=SMALL, seed=8)
    assert again.events == small.events
    assert _sha256(again.config_path) == _sha256(small.config_path)
    for (_, first), (_, second), (_, third) in zip(
        small.files, again.files, other.files, strict=True
    ):
        assert _sha256(first) == _sha256(second), first.name
        assert _sha256(first) != _sha256(third), first.name


def test_progress_reports_every_service_day_in_order(tmp_path: Path) -> None:
    seen: list[tuple[str, int, int]] = []
    generate(
        tmp_path, scale=0.002, progress=lambda label, done, total: seen.append((label, done, total))
    )
    total = 6 * story.DAYS
    assert [done for _, done, _ in seen] == list(range(1, total + 1))
    assert {t for _, _, t in seen} == {total}
    assert {label for label, _, _ in seen} == {
        "www",
        "api",
        "payments",
        "checkout",
        "search",
        "notifications",
    }


def test_scale_must_be_positive(tmp_path: Path) -> None:
    for scale in (0.0, -1.0, math.nan, math.inf):
        with pytest.raises(InputError):
            generate(tmp_path, scale=scale)


def test_a_failing_day_surfaces_its_own_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from basics.demo import generator

    real = generator._service_day

    def failing(service: Any, day: int, *args: Any) -> Any:
        if service.name == "api" and day == 3:
            raise ValueError("no more entropy")
        return real(service, day, *args)

    monkeypatch.setattr(generator, "_service_day", failing)
    with pytest.raises(ValueError, match="no more entropy"):
        generate(tmp_path, scale=0.01)


# --- file formats ----------------------------------------------------------------------------


def _dig(record: dict[str, Any], path: str) -> Any:
    """The value at a dotted path; None if a parent on the way is null (no merchant)."""
    value: Any = record
    for part in path.split("."):
        if value is None:
            return None
        assert isinstance(value, dict) and part in value, path
        value = value[part]
    return value


def test_every_json_line_parses_and_has_the_mapped_fields(small: DemoManifest) -> None:
    config = load_config(small.config_path)
    start, end = story.START, story.END
    for source, path in small.files:
        if config.sources[source].format != "jsonl":
            continue
        fields = _mapping(config, source)
        previous = ""
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                record = json.loads(line)
                values = {name: _dig(record, record_path) for name, record_path in fields.items()}
                assert ISO_UTC.match(values["ts"]), values["ts"]
                assert values["ts"] >= previous  # sorted by time (fixed-width ISO sorts as text)
                previous = values["ts"]
                moment = dt.datetime.fromisoformat(values["ts"])
                assert start <= moment < end
                assert values["service"] == source
                assert values["operation"].startswith("/")
                assert isinstance(values["status"], int) and 100 <= values["status"] < 600
                assert isinstance(values["duration_ms"], int | float) and values["duration_ms"] >= 0
                user = values["user"]
                assert user is None or re.fullmatch(r"m-\d{5}", user), user
                assert (user is None) == (values["operation"] == "/health")
                for attr in ("attrs.region", "attrs.version", "attrs.host"):
                    assert isinstance(values[attr], str) and values[attr], attr
        assert previous, source


def test_nginx_lines_match_the_combined_log_with_request_time(small: DemoManifest) -> None:
    (path,) = [path for source, path in small.files if source == "web"]
    previous = story.START
    count = 0
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            match = NGINX.match(line.rstrip("\n"))
            assert match, line
            moment = dt.datetime.strptime(match["time"], "%d/%b/%Y:%H:%M:%S %z")
            assert previous <= moment < story.END
            previous = moment
            assert all(0 <= int(octet) < 256 for octet in match["addr"].split("."))
            if match["path"] == "/health":
                assert match["user"] == "-" and match["agent"] == "ELB-HealthChecker/2.0"
            count += 1
    assert count > 10_000


# --- traffic shape ---------------------------------------------------------------------------


def test_volumes_differ_by_service_with_api_and_www_largest(
    events: duckdb.DuckDBPyConnection,
) -> None:
    rows = events.execute(
        "SELECT service, count(*) FROM events GROUP BY 1 ORDER BY 2 DESC"
    ).fetchall()
    assert {rows[0][0], rows[1][0]} == {"www", "api"}
    assert rows[0][1] > 4 * rows[-1][1]


def test_traffic_is_diurnal_with_quieter_weekends(events: duckdb.DuckDBPyConnection) -> None:
    afternoon = _one(events, "SELECT count(*) FROM events WHERE hour(ts) BETWEEN 13 AND 16")
    night = _one(events, "SELECT count(*) FROM events WHERE hour(ts) BETWEEN 1 AND 4")
    assert afternoon > 3 * night
    weekday, weekend = _one(
        events,
        """SELECT avg(n) FILTER (WHERE isodow(d) < 6), avg(n) FILTER (WHERE isodow(d) >= 6)
           FROM (SELECT ts::DATE AS d, count(*) AS n FROM events GROUP BY 1)""",
    )
    assert 0.5 < weekend / weekday < 0.7


def test_statuses_are_mostly_good_with_some_4xx_and_rare_5xx(
    events: duckdb.DuckDBPyConnection,
) -> None:
    rows = events.execute(
        """SELECT service, avg((status >= 500)::INT), avg((status BETWEEN 400 AND 499)::INT)
           FROM events WHERE operation <> '/health' GROUP BY 1"""
    ).fetchall()
    for service, server_errors, client_errors in rows:
        assert server_errors < 0.0012, service  # incidents included, still near the budget
        assert client_errors > 0.001, service
    assert _one(events, "SELECT count(*) FROM events WHERE status = 429") > 0


def test_latency_is_log_normal_with_a_heavy_tail(events: duckdb.DuckDBPyConnection) -> None:
    median, p99, p999 = _one(
        events,
        """SELECT median(duration_ms), quantile_cont(duration_ms, 0.99),
                  quantile_cont(duration_ms, 0.999)
           FROM events WHERE service = 'payments' AND operation = '/v1/charges'
             AND status < 400""",
    )
    assert 100 < median < 140
    assert p999 > 5 * median and p999 > 1.5 * p99


def test_users_are_zipf_with_acme_retail_on_top(events: duckdb.DuckDBPyConnection) -> None:
    top, share = _one(
        events,
        """SELECT "user", count(*) / sum(count(*)) OVER () FROM events
           WHERE "user" IS NOT NULL GROUP BY 1 ORDER BY 2 DESC LIMIT 1""",
    )
    assert top == story.BIGGEST_MERCHANT == "m-00001"
    assert story.MERCHANT_NAMES[top] == "Acme Retail"
    ranks = np.arange(1, POPULATION + 1, dtype=np.float64)
    weights = ranks**-ZIPF_EXPONENT
    assert share == pytest.approx(weights[0] / weights.sum(), rel=0.05)


def test_distinct_users_follow_the_zipf_extrapolation_to_50k_at_scale_1(
    events: duckdb.DuckDBPyConnection,
) -> None:
    draws, distinct = _one(events, 'SELECT count("user"), count(DISTINCT "user") FROM events')
    probabilities = np.arange(1, POPULATION + 1, dtype=np.float64) ** -ZIPF_EXPONENT
    probabilities /= probabilities.sum()

    def expected(n: float) -> float:
        return float(np.sum(1 - np.exp(-n * probabilities)))

    assert distinct == pytest.approx(expected(draws), rel=0.03)
    assert expected(draws / MEDIUM) >= 50_000


# --- planted incidents -----------------------------------------------------------------------


def test_checkout_full_outage(events: duckdb.DuckDBPyConnection) -> None:
    window = _window(story.CHECKOUT_OUTAGE_START, story.CHECKOUT_OUTAGE_END)
    total, failed, bad_version = _one(
        events,
        f"""SELECT count(*), count(*) FILTER (WHERE status = 503),
                   count(*) FILTER (WHERE version = '{story.CHECKOUT_BAD_VERSION}')
            FROM events WHERE service = 'checkout' AND {window}""",
    )
    assert total > 0 and failed == total == bad_version
    around = _window(
        story.CHECKOUT_OUTAGE_START - dt.timedelta(hours=1),
        story.CHECKOUT_OUTAGE_END + dt.timedelta(hours=1),
    )
    outside = _one(
        events,
        f"""SELECT count(*) FILTER (WHERE status >= 500) FROM events
            WHERE service = 'checkout' AND {around} AND NOT ({window})""",
    )
    assert outside <= 1


def test_payments_partial_outage_hits_only_the_biggest_merchant(
    events: duckdb.DuckDBPyConnection,
) -> None:
    window = _window(story.PAYMENTS_MERCHANT_OUTAGE_START, story.PAYMENTS_MERCHANT_OUTAGE_END)
    rows = events.execute(
        f"""SELECT "user" = 'm-00001', count(*), count(*) FILTER (WHERE status = 500),
                   count(*) FILTER (WHERE status >= 500)
            FROM events WHERE service = 'payments' AND "user" IS NOT NULL AND {window}
            GROUP BY 1"""
    ).fetchall()
    by_acme = {row[0]: row[1:] for row in rows}
    total, failed, _ = by_acme[True]
    assert total > 0 and failed == total
    others, _, others_failed = by_acme[False]
    assert others > total and others_failed <= 1
    # The dominant cause of bad events in payments over the whole month.
    top, _, share = _one(
        events,
        """SELECT "user", count(*), count(*) / sum(count(*)) OVER () FROM events
           WHERE service = 'payments' AND status >= 500 AND operation <> '/health'
           GROUP BY 1 ORDER BY 2 DESC LIMIT 1""",
    )
    assert top == "m-00001" and share > 0.5


def test_search_latency_regression_follows_the_version(
    events: duckdb.DuckDBPyConnection,
) -> None:
    def versions(start: dt.datetime, end: dt.datetime) -> set[str]:
        where = _window(start, end)
        rows = events.execute(
            f"SELECT DISTINCT version FROM events WHERE service = 'search' AND {where}"
        ).fetchall()
        return {row[0] for row in rows}

    hour = dt.timedelta(hours=1)
    start, end = story.SEARCH_REGRESSION_START, story.SEARCH_REGRESSION_END
    assert versions(start - hour, start) == {story.SEARCH_VERSION_BEFORE}
    assert versions(start, end) == {story.SEARCH_VERSION_SLOW}
    assert versions(end, end + hour) == {story.SEARCH_VERSION_FIXED}
    stats = {
        row[0]: row[1:]
        for row in events.execute(
            f"""SELECT version, median(duration_ms), quantile_cont(duration_ms, 0.999)
                FROM events WHERE service = 'search'
                  AND operation = '{story.SEARCH_REGRESSION_ROUTE}' AND status < 400
                GROUP BY 1"""
        ).fetchall()
    }
    before, slow, fixed = (
        stats[story.SEARCH_VERSION_BEFORE],
        stats[story.SEARCH_VERSION_SLOW],
        stats[story.SEARCH_VERSION_FIXED],
    )
    assert 2.5 < slow[0] / before[0] < 3.5
    assert slow[1] / before[1] > 3
    assert 0.9 < fixed[0] / before[0] < 1.1
    other = _one(
        events,
        f"""SELECT median(duration_ms) FILTER (WHERE version = '{story.SEARCH_VERSION_SLOW}')
                 / median(duration_ms) FILTER (WHERE version = '{story.SEARCH_VERSION_BEFORE}')
            FROM events WHERE service = 'search' AND operation = '/suggest'""",
    )
    assert 0.9 < other < 1.1  # only /search regressed


def test_www_blip_is_502_for_exactly_fifteen_seconds(events: duckdb.DuckDBPyConnection) -> None:
    window = _window(story.WWW_BLIP_START, story.WWW_BLIP_END)
    inside, failed = _one(
        events,
        f"""SELECT count(*), count(*) FILTER (WHERE status = 502) FROM events
            WHERE service = 'www' AND {window}""",
    )
    assert inside > 0 and failed == inside
    elsewhere = _one(
        events,
        f"SELECT count(*) FROM events WHERE status = 502 AND NOT (service = 'www' AND {window})",
    )
    assert elsewhere == 0
    assert (story.WWW_BLIP_END - story.WWW_BLIP_START).total_seconds() == 15


def test_payments_maintenance_is_covered_by_the_correction(
    medium: DemoManifest, events: duckdb.DuckDBPyConnection
) -> None:
    window = _window(story.PAYMENTS_MAINTENANCE_START, story.PAYMENTS_MAINTENANCE_END)
    total, failed = _one(
        events,
        f"""SELECT count(*), count(*) FILTER (WHERE status = 503) FROM events
            WHERE service = 'payments' AND {window}""",
    )
    assert total > 0 and failed == total
    (correction,) = load_config(medium.config_path).services["payments"].corrections
    assert correction.start <= story.PAYMENTS_MAINTENANCE_START
    assert correction.end >= story.PAYMENTS_MAINTENANCE_END


def test_story_tells_each_incident_with_its_time(small: DemoManifest) -> None:
    assert small.story == [incident.summary for incident in story.INCIDENTS]
    assert "2026-02-10" in small.story[0] and "503" in small.story[0]
    assert "m-00001" in small.story[1] and "Acme Retail" in small.story[1]
    assert "3.5.0" in small.story[2] and "3.5.1" in small.story[2]
    assert "14:00:05" in small.story[3] and "502" in small.story[3]
    assert "correction" in small.story[4]


# --- scale 1 ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_scale_1_is_about_4m_events_from_over_50k_users(tmp_path: Path) -> None:
    # Generation time is measured in benchmarks/, never asserted in a test.
    manifest = generate(tmp_path, scale=1.0)
    assert 3_800_000 < manifest.events < 4_200_000
    con = duckdb.connect()
    _load_events(con, manifest)
    assert _one(con, "SELECT count(*) FROM events") == manifest.events
    assert _one(con, 'SELECT count(DISTINCT "user") FROM events') >= 50_000
