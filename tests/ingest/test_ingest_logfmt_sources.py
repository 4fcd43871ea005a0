"""logfmt sources as users set them up: the recipes as printed, the configuration a logfmt
source refuses, the rules that never count a record twice, a likely cause when every line
is rejected, and keys that reach SQL only as bound values."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from basics.app import App
from basics.config.loader import parse_config
from basics.core.errors import ConfigError, ConflictError

ROOT = Path(__file__).resolve().parents[2]
T = dt.datetime

CONFIG = """
sources:
  app: {format: logfmt, service: app}
  web: {format: nginx, service: app}
  api: {format: jsonl, service: app}
services:
  app:
    slos:
      availability: {objective: 99, window: 30d, good: status < 500}
"""


def _line(second: int, status: int = 200) -> str:
    return (
        f'time="2026-03-02T10:{second // 60:02d}:{second % 60:02d}Z" level=info '
        f'msg="request done" duration={second}ms path=/api status={status}\n'
    )


def _lines(first: int, count: int) -> str:
    return "".join(_line(s, 500 if s % 3 == 0 else 200) for s in range(first, first + count))


# Per recipe of docs/recipes.md: (ts, service, operation, status, duration_ms) of each line.
RECIPES = {
    "Heroku router (logfmt)": [
        (T(2026, 3, 2, 14, 0, 5, 123456), "shop", "/api/orders/42", 200, 35.0),
        (T(2026, 3, 2, 14, 0, 37, 2871), "shop", "/api/checkout", 503, 30000.0),
    ],
    "logrus (Go, text formatter)": [
        (T(2026, 3, 2, 14, 0, 5), "orders", "/api/orders", 200, 35.2),
        (T(2026, 3, 2, 14, 0, 6), "orders", "/api/pay", 502, 1500.0),
    ],
}


def _recipe(title: str) -> tuple[str, str]:
    text = (ROOT / "docs" / "recipes.md").read_text(encoding="utf-8")
    section = text.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]
    yaml_block = re.search(r"```yaml\n(.*?)```", section, re.DOTALL)
    lines_block = re.search(r"```text\n(.*?)```", section, re.DOTALL)
    assert yaml_block and lines_block, title
    return yaml_block.group(1), lines_block.group(1)


@pytest.mark.parametrize("title", sorted(RECIPES))
def test_a_logfmt_recipe_stores_every_line_as_printed(tmp_path: Path, title: str) -> None:
    fragment, lines = _recipe(title)
    config = "store: basics.duckdb\n" + fragment
    (tmp_path / "basics.yaml").write_text(config, encoding="utf-8")
    (tmp_path / "app.log").write_text(lines, encoding="utf-8")
    app = App(parse_config(config, tmp_path / "basics.yaml"))
    try:
        result = app.ingest_events(next(iter(app.config.sources)), str(tmp_path / "app.log"))
        events = app.store.query(
            "SELECT ts, service, operation, status, duration_ms FROM events ORDER BY ts"
        )
    finally:
        app.close()

    assert (result.accepted, result.rejected, result.unknown_services) == (2, 0, [])
    assert events == RECIPES[title]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("fields: {attrs: labels}", "fields.attrs: a logfmt line holds no object of attributes"),
        ("request_time_unit: ms", "request_time_unit: only nginx and apache sources"),
        ("pattern: '(?P<ts>\\S+)'", "pattern: only a regex source has one (this one is logfmt)"),
        ("delimiter: ';'", "delimiter: only a csv source has one (this one is logfmt)"),
    ],
)
def test_a_key_a_logfmt_source_does_not_read_is_refused(
    tmp_path: Path, source: str, message: str
) -> None:
    text = f"sources:\n  app:\n    format: logfmt\n    {source}\n"

    with pytest.raises(ConfigError, match=re.escape(message)):
        parse_config(text, tmp_path / "basics.yaml")


def test_a_timestamp_format_reads_the_time_pair(make_env: Any) -> None:
    env = make_env(
        "sources:\n  app: {format: logfmt, service: app, "
        "timestamp_format: '%d/%m/%Y-%H:%M:%S', timezone: UTC}\n"
    )

    result = env.ingest("app", env.write("a.log", "ts=02/03/2026-14:00:05 status=200\n"))

    assert (result.accepted, result.rejected) == (1, 0)
    assert env.events() == [(T(2026, 3, 2, 14, 0, 5), "app", None, None, 200, None, {})]


def test_the_same_file_again_is_recognised(make_env: Any) -> None:
    env = make_env(CONFIG)
    path = env.write("app.log", _lines(0, 6))

    first = env.ingest("app", path)
    again = env.ingest("app", path)

    assert (first.status, first.accepted) == ("applied", 6)
    assert (again.status, again.duplicate_of, again.batch_id) == ("duplicate", 1, None)
    assert env.store.scalar("SELECT count(*) FROM events") == 6


def test_lines_stored_already_are_refused_in_a_new_file(make_env: Any) -> None:
    env = make_env(CONFIG)
    env.ingest("app", env.write("app.log", _lines(0, 6)))

    # The same lines with CRLF endings and a blank line among them, then a new one.
    part = _lines(2, 3).replace("\n", "\r\n\r\n") + _line(40)
    with pytest.raises(ConflictError, match="3 of its 4 events are identical"):
        env.ingest("app", env.write("part.log", part))
    skipped = env.ingest("app", env.write("part.log", part), skip_overlap=True)

    assert (skipped.accepted, skipped.overlap_rows) == (1, 3)
    assert env.store.scalar("SELECT count(*) FROM events") == 7


def test_a_grown_file_is_read_from_where_it_stopped(make_env: Any) -> None:
    env = make_env(CONFIG)
    path = env.write("app.log", _lines(0, 3))
    env.ingest("app", path)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(_line(3) + 'msg="cut short\n' + _line(4))

    grown = env.ingest("app", path)

    assert (grown.continues, grown.first_line) == (1, 4)
    assert (grown.accepted, grown.rejected) == (2, 1)
    assert env.rejects() == [
        (5, "line", 'the quoted value of "msg" does not end (a line cut short?)', 'msg="cut short')
    ]
    assert env.store.scalar("SELECT count(*) FROM events") == 5


NGINX = (
    '203.0.113.7 - - [02/Mar/2026:14:00:01 +0000] "GET /api/orders HTTP/1.1" 200 612 "-" '
    '"curl/8.0"\n'
    '203.0.113.8 - - [02/Mar/2026:14:00:02 +0000] "GET /api/orders?page=2 HTTP/1.1" 200 612 '
    '"-" "curl/8.0"\n'
)


@pytest.mark.parametrize(
    ("source", "text", "hint"),
    [
        (
            "app",
            '{"ts": "2026-03-02T14:00:00Z", "status": 200}\n',
            "every line is JSON: is the source's format jsonl (it is logfmt)?",
        ),
        (
            "app",
            NGINX,
            "every line is an access log line in the combined format: is the source's format "
            "nginx or apache (it is logfmt)?",
        ),
        (
            "web",
            _lines(0, 2),
            "every line is logfmt (key=value pairs): is the source's format logfmt (it is nginx)?",
        ),
        (
            "api",
            _lines(0, 2),
            "every line is logfmt (key=value pairs): is the source's format logfmt (it is jsonl)?",
        ),
    ],
)
def test_a_file_rejected_whole_says_what_its_lines_look_like(
    make_env: Any, source: str, text: str, hint: str
) -> None:
    env = make_env(CONFIG)

    result = env.ingest(source, env.write("lines.log", text))

    assert (result.status, result.accepted) == ("rejected", 0)
    assert result.hint == hint


def test_keys_from_the_configuration_are_bound_not_written_into_sql(make_env: Any) -> None:
    env = make_env(
        """
        sources:
          app:
            format: logfmt
            service: "it's"
            id: "r'id"
            fields: {user: "o'user", "attrs.o'k": "k'ey", attrs.plain: "x') || ('y"}
        """
    )
    line = "ts=2026-03-02T14:00:00Z r'id=1 o'user=ann k'ey=v1 x')=no status=200\n"

    result = env.ingest("app", env.write("a.log", line))

    assert (result.accepted, result.rejected) == (1, 0)
    assert env.events() == [(T(2026, 3, 2, 14), "it's", None, "ann", 200, None, {"o'k": "v1"})]
    assert env.store.query("SELECT record_id FROM events") == [("1",)]
