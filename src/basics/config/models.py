"""Typed models of basics.yaml: sources, services, SLOs and corrections."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from basics.config.alerting import BUILTIN_POLICIES, AlertingConfig, AlertPolicy
from basics.config.checks import ChecksSettings
from basics.config.expressions import (
    And,
    Compare,
    Expr,
    fields_used,
    format_expression,
    parse_expression,
)
from basics.config.people import (
    Person,
    Rotation,
    Team,
    alias_conflicts,
    check_timezone,
    unknown_people,
)
from basics.config.review import ReviewSettings
from basics.core.durations import parse_duration_s
from basics.core.errors import BasicsError, NotFoundError
from basics.core.words import listed

Format = Literal["jsonl", "csv", "parquet", "nginx", "apache", "regex", "otlp", "w3c", "logfmt"]
CANONICAL_FIELDS = ("ts", "service", "operation", "user", "status", "duration_ms")
_DURATION_FIELDS = ("duration_s", "duration_us", "duration_ns")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _check_expression(value: str) -> str:
    try:
        parse_expression(value)
    except BasicsError as error:
        raise ValueError(str(error)) from None
    return value


class SourceConfig(_Model):
    """Where events come from and how their fields map to canonical ones."""

    format: Format
    service: str | None = None
    fields: dict[str, str] = Field(default_factory=dict)
    pattern: str | None = None
    timestamp_format: str | None = None
    timezone: str | None = None
    request_time_unit: Literal["s", "ms", "us"] | None = None
    id: str | None = None
    delimiter: str | None = None  # csv: the character between fields (`;` from Excel, tab)
    # jsonl: the field holding the record as JSON text (Loki's `line`, Docker's `log`)
    decode_json: str | None = None

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str | None:
        return None if value is None else check_timezone(value)

    @field_validator("fields")
    @classmethod
    def _fields(cls, value: dict[str, str]) -> dict[str, str]:
        for key in value:
            known = key in CANONICAL_FIELDS or key in _DURATION_FIELDS or key == "attrs"
            if not known and not (key.startswith("attrs.") and len(key) > 6):
                raise ValueError(
                    f'unknown canonical field "{key}" (expected one of: '
                    f"{', '.join(CANONICAL_FIELDS + _DURATION_FIELDS)}, attrs, attrs.<name>)"
                )
        return value

    @model_validator(mode="after")
    def _record_id(self) -> SourceConfig:
        if self.id is None:
            return self
        if self.format in ("nginx", "apache", "otlp"):
            raise ValueError(
                f"id: {'an' if self.format[0] in 'aeiou' else 'a'} {self.format} source has "
                "no record id field; log one (nginx's "
                "$request_id) and read it with format regex and a group named id, or jsonl"
            )
        if self.format == "regex" and f"(?P<{self.id}>" not in (self.pattern or ""):
            raise ValueError(
                f"id: a regex source's id names a group of its pattern: (?P<{self.id}>...)"
            )
        return self

    @model_validator(mode="after")
    def _pattern(self) -> SourceConfig:
        if self.format == "regex":
            if not self.pattern:
                raise ValueError("format regex needs a pattern with named groups (ts, status...)")
            try:
                compiled = re.compile(self.pattern)
            except re.error as error:
                raise ValueError(f"pattern is not a valid regular expression: {error}") from None
            if "ts" not in compiled.groupindex:
                raise ValueError("pattern needs a named group ts, e.g. (?P<ts>\\S+)")
            if not re2_compatible(self.pattern):
                raise ValueError(
                    "pattern uses a feature the engine's regular expressions (RE2) lack, "
                    "such as look-around or back-references; rewrite it without them"
                )
            known = {*CANONICAL_FIELDS, *_DURATION_FIELDS, self.id}
            for name in compiled.groupindex:
                if name not in known and not (name.startswith("attrs_") and len(name) > 6):
                    raise ValueError(
                        f'pattern: unknown group name "{name}" (expected ts, service, '
                        "operation, user, status, duration_ms, duration_s, duration_us, "
                        "duration_ns, attrs_<name>, or the source's id)"
                    )
        return self

    @model_validator(mode="after")
    def _keys_of_format(self) -> SourceConfig:
        """A key the source's format does not read is refused: accepted, it would do nothing."""
        if self.fields and self.format not in _MAPPED_FORMATS:
            raise ValueError(f"fields: {_UNMAPPED_FORMATS[self.format]}")
        if "attrs" in self.fields and self.format == "logfmt":
            raise ValueError(
                "fields.attrs: a logfmt line holds no object of attributes; name each one "
                "as attrs.<name>: KEY (attrs.dyno: dyno)"
            )
        if self.pattern is not None and self.format != "regex":
            raise ValueError(
                f"pattern: only a regex source has one (this one is {self.format}); "
                "set format: regex to read lines with it"
            )
        if self.timestamp_format is not None and self.format == "otlp":
            raise ValueError(
                "timestamp_format: OTLP times are nanoseconds since the epoch, read as such"
            )
        if self.timezone is not None and self.format == "otlp":
            raise ValueError(
                "timezone: OTLP times are nanoseconds since the epoch (UTC): no local time "
                "to read in a zone"
            )
        if self.timestamp_format is not None and self.format == "w3c" and "ts" not in self.fields:
            raise ValueError(
                "timestamp_format: a w3c source's time is its date and time fields, read as "
                "the format defines them; map fields.ts to a field of your own to read another"
            )
        if self.timezone is not None and self.format == "w3c" and "ts" not in self.fields:
            raise ValueError(
                "timezone: a w3c source's date and time fields are UTC, as the format defines "
                "them: no local time to read in a zone; map fields.ts to a field of your own "
                "to read another"
            )
        if self.request_time_unit is not None and self.format not in ("nginx", "apache", "w3c"):
            raise ValueError(
                "request_time_unit: only nginx and apache sources have a trailing request "
                f"time, and w3c its time-taken (this one is {self.format}); name a duration "
                "field in its unit instead (duration_s, duration_ms, duration_us)"
            )
        if self.decode_json is not None and self.format != "jsonl":
            raise ValueError(
                f"decode_json: only a jsonl source has one (this one is {self.format}): it "
                "names the field of a JSON line that holds the record as JSON text (Loki's "
                "line, Docker's log)"
            )
        return self

    @field_validator("decode_json", mode="before")
    @classmethod
    def _one_field(cls, value: Any) -> Any:
        """The one field of a line that holds its record, by its name or a dotted path."""
        if isinstance(value, list):
            raise ValueError(
                "one field, not a list: the field of this source's lines that holds the "
                "record (a record wrapped twice: docs/ingest.md, decode_json)"
            )
        if isinstance(value, str) and not all(part.strip() for part in value.split(".")):
            raise ValueError(
                "the name of one field (line, log, message) or a dotted path to it "
                f"(event.original), not {value!r}"
            )
        return value

    @model_validator(mode="after")
    def _delimiter(self) -> SourceConfig:
        if self.delimiter is None:
            return self
        if self.format != "csv":
            raise ValueError(f"delimiter: only a csv source has one (this one is {self.format})")
        if len(self.delimiter) != 1 or self.delimiter in '"\r\n':
            raise ValueError(
                f"delimiter: one character other than a quote or a line end, such as ; or a "
                f'tab ("\\t"), not {self.delimiter!r}'
            )
        return self


# The formats whose records name their fields, which `fields:` maps; what the others read.
_MAPPED_FORMATS = ("jsonl", "csv", "parquet", "w3c", "logfmt")
_UNMAPPED_FORMATS = {
    "nginx": "an nginx source reads the combined log format's fields; to read other "
    "fields, use format regex with named groups",
    "apache": "an apache source reads the combined log format's fields; to read other "
    "fields, use format regex with named groups",
    "regex": "a regex source reads its pattern's named groups: name each group after "
    "its field, (?P<status>...) or (?P<attrs_code>...)",
    "otlp": "an otlp source reads OpenTelemetry's attribute names (service.name, "
    "http.route, http.response.status_code, enduser.id); an SLO can read any other "
    'attribute as attrs["name"]',
}


def re2_compatible(pattern: str) -> bool:
    """Whether a pattern avoids what RE2 (DuckDB's regular expressions) lacks: look-around
    and back-references."""
    return not re.search(r"\(\?[=!<]|\\[1-9]", pattern.replace("(?P<", "(?_<"))


class PrometheusSLI(_Model):
    """How an SLO looks in Prometheus, for `basics alerts export prometheus`.

    Either counters (`errors` and `total` selectors) or a histogram (`histogram` metric name,
    `selector` label matchers, its `buckets` in seconds and the latency `threshold_s`, which
    must be one of them).
    """

    errors: str | None = None
    total: str | None = None
    histogram: str | None = None
    selector: str = ""
    buckets: list[str] = Field(default_factory=list)
    threshold_s: str | None = None

    @field_validator("buckets", mode="before")
    @classmethod
    def _bucket_texts(cls, value: Any) -> Any:
        # Kept as written: a bucket's `le` label must match the exposition text exactly.
        if isinstance(value, list):
            return [str(item) for item in value]
        return value

    @field_validator("threshold_s", mode="before")
    @classmethod
    def _threshold_text(cls, value: Any) -> Any:
        return None if value is None else str(value)

    @field_validator("threshold_s")
    @classmethod
    def _threshold_number(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                Decimal(value)
            except InvalidOperation:
                raise ValueError(f'expected seconds, such as 0.3, got "{value}"') from None
        return value

    @field_validator("buckets")
    @classmethod
    def _numbers(cls, value: list[str]) -> list[str]:
        for text in value:
            try:
                Decimal(text)
            except InvalidOperation:
                raise ValueError(f'expected bucket bounds in seconds, got "{text}"') from None
        return value

    @property
    def threshold_bucket(self) -> str | None:
        """The bucket bound equal to `threshold_s`, as `buckets` writes it (an `le` label
        must match the exposition's text); None without one."""
        if self.threshold_s is None:
            return None
        threshold = Decimal(self.threshold_s)
        return next((text for text in self.buckets if Decimal(text) == threshold), None)

    @model_validator(mode="after")
    def _one_shape(self) -> PrometheusSLI:
        counters = self.errors is not None or self.total is not None
        if counters and self.histogram is not None:
            raise ValueError("give either errors and total (counters) or histogram, not both")
        if not counters and self.histogram is None:
            raise ValueError(
                "give errors and total (counters) or histogram (with its buckets and "
                "threshold_s): the block names no metric"
            )
        if counters and (self.errors is None or self.total is None):
            raise ValueError("counters need both errors and total selectors")
        if self.histogram is not None and (not self.buckets or self.threshold_s is None):
            raise ValueError("a histogram needs its buckets (seconds) and threshold_s")
        if self.threshold_s is not None and self.histogram is None:
            raise ValueError(
                "threshold_s: only a histogram has a latency threshold; counters (errors "
                "and total) count the errors they select"
            )
        if self.threshold_s is not None and self.threshold_bucket is None:
            threshold = Decimal(self.threshold_s)
            bounds = sorted(Decimal(text) for text in self.buckets)
            below = [b for b in bounds if b < threshold][-1:]
            above = [b for b in bounds if b > threshold][:1]
            raise ValueError(
                f"latency threshold {self.threshold_s}s is not a bucket boundary of "
                f"{self.histogram}; the nearest buckets are "
                f"{', '.join(str(b) for b in below + above)}: change the SLO's threshold "
                "or the histogram's buckets"
            )
        return self


def _fields_used_in(terms: list[Expr]) -> set[str]:
    """The fields any of `terms` reads."""
    return {name for term in terms for name in fields_used(term)}


MAX_WINDOW_S = 366 * 86400


class SLOConfig(_Model):
    """One objective over a service's events."""

    objective: Decimal
    window: str = "30d"
    good: str
    valid: str | None = None
    budgeting: Literal["occurrences", "timeslices"] = "occurrences"
    slice: str = "1m"
    slice_target: Decimal | None = None
    description: str | None = None
    alert_policy: str | None = None
    prometheus: PrometheusSLI | None = None

    @field_validator("objective", mode="before")
    @classmethod
    def _objective(cls, value: Any) -> Decimal:
        return _percentage(value)

    @field_validator("slice_target", mode="before")
    @classmethod
    def _slice_target(cls, value: Any) -> Decimal | None:
        return None if value is None else _percentage(value, allow_100=True)

    @field_validator("window")
    @classmethod
    def _window(cls, value: str) -> str:
        if value in ("month", "quarter"):
            return value
        expected = 'expected a rolling window such as 7d, 28d or 30d, or "month" or "quarter"'
        try:
            seconds = parse_duration_s(value)
        except BasicsError:
            raise ValueError(f'{expected}, got "{value}"') from None
        # Rollups are per minute, and a window reaches back at most a year (and a day).
        if seconds % 60 or not 60 <= seconds <= MAX_WINDOW_S:
            raise ValueError(f'{expected}: whole minutes, 1m to 366d, got "{value}"')
        return value

    @field_validator("slice")
    @classmethod
    def _slice(cls, value: str) -> str:
        if _checked_duration_s(value) % 60:
            raise ValueError(f'a slice is a whole number of minutes (1m, 5m), got "{value}"')
        return value

    @field_validator("good", "valid")
    @classmethod
    def _expression(cls, value: str | None) -> str | None:
        return None if value is None else _check_expression(value)

    @model_validator(mode="after")
    def _prometheus_threshold(self) -> SLOConfig:
        """A histogram's `threshold_s` is the latency `good:` compares with, as the
        histogram counts it (`le`: at most): rules exported at another bucket, or from a
        `good:` of another shape, would count other requests good than Basics does."""
        threshold = None if self.prometheus is None else self.prometheus.threshold_s
        if threshold is None:
            return self
        expr = parse_expression(self.good)
        terms = expr.items if isinstance(expr, And) else (expr,)
        limits = [t for t in terms if isinstance(t, Compare) and t.field.name == "duration_ms"]
        rest = [t for t in terms if t not in limits]
        wanted = f"duration_ms <= {(Decimal(threshold) * 1000).normalize():f}"
        if len(limits) != 1 or "duration_ms" in _fields_used_in(rest):
            raise ValueError(
                f"prometheus: a histogram counts requests at most threshold_s ({threshold} s), "
                f"and good: {self.good} is not one such limit on duration_ms: write {wanted} "
                "(other conditions joined with `and`)"
            )
        limit = limits[0]
        if limit.op != "<=" or not isinstance(limit.value, int | Decimal):
            raise ValueError(
                f"prometheus: a histogram counts requests at most threshold_s (`le`), and good: "
                f"{format_expression(limit)} counts others: write {wanted}"
            )
        own = Decimal(limit.value) / 1000
        if own != Decimal(threshold):
            raise ValueError(
                f"prometheus.threshold_s {threshold} s is not the SLO's latency threshold "
                f"(good: {format_expression(limit)}, {own.normalize()} s): the exported "
                "rules would count other requests good than Basics does; write "
                f"threshold_s: {own.normalize()} (a bucket boundary of the histogram)"
            )
        return self

    @model_validator(mode="after")
    def _timeslices(self) -> SLOConfig:
        sliced = sorted({"slice", "slice_target"} & self.model_fields_set)
        if self.budgeting == "occurrences" and sliced:
            raise ValueError(
                f"{' and '.join(sliced)} apply to budgeting: timeslices, and this SLO counts "
                "events (budgeting: occurrences, the default): add budgeting: timeslices, or "
                "remove them"
            )
        if self.budgeting == "timeslices" and self.slice_target is None:
            raise ValueError("budgeting: timeslices needs slice_target (percent of good events)")
        if self.budgeting == "timeslices" and self.slice_s > self.shortest_window_s:
            raise ValueError(
                f"a slice ({self.slice}) must fit in the window ({self.window}): "
                "no whole slice would ever be counted"
            )
        return self

    @property
    def shortest_window_s(self) -> int:
        """The window's length in seconds; a calendar window's shortest (28 days, 89 days)."""
        calendar = {"month": 28 * 86400, "quarter": 89 * 86400}
        return calendar.get(self.window) or parse_duration_s(self.window)

    @property
    def good_expr(self) -> Expr:
        """The parsed good-event expression."""
        return parse_expression(self.good)

    @property
    def valid_expr(self) -> Expr | None:
        """The parsed valid-event filter, if any."""
        return None if self.valid is None else parse_expression(self.valid)

    @property
    def slice_s(self) -> int:
        """Length of a timeslice in seconds."""
        return parse_duration_s(self.slice)


def _checked_duration_s(value: str) -> int:
    """Seconds in a duration, or the ValueError pydantic reports at the key's line."""
    try:
        return parse_duration_s(value)
    except BasicsError as error:
        raise ValueError(str(error)) from None


def _percentage(value: Any, allow_100: bool = False) -> Decimal:
    expected = (
        "expected a percentage from 1 to 100"
        if allow_100
        else "expected a percentage from 1 to under 100 (99.9 for three nines)"
    )
    if isinstance(value, bool):
        raise ValueError(f'{expected}, got "{value}"')
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f'{expected}, got "{value}"') from None
    if not number.is_finite():
        raise ValueError(f'{expected}, got "{value}"')
    upper_ok = number <= 100 if allow_100 else number < 100
    if number <= 0 or not upper_ok:
        hint = "; an objective of 100 leaves no error budget" if number == 100 else ""
        raise ValueError(f'{expected}, got "{value}"{hint}')
    if number < 1:
        # 0.999 is OpenSLO's way to write 99.9 %: read here, it would be 0.999 %, an
        # objective every service meets, whose budget nothing exhausts.
        raise ValueError(
            f'expected a percentage, got "{value}", which reads as {value} %: if you mean '
            f"a fraction, write {(number * 100).normalize():f} (percentages below 1 are refused)"
        )
    return number


class Correction(_Model):
    """A time range excluded from a service's budgets, such as planned maintenance."""

    start: dt.datetime = Field(alias="from")
    end: dt.datetime = Field(alias="to")
    reason: str

    @field_validator("start", "end")
    @classmethod
    def _aware(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None:
            raise ValueError("expected a time with an offset, such as 2026-03-01T02:00:00Z")
        return value.astimezone(dt.UTC)

    @model_validator(mode="after")
    def _ordered(self) -> Correction:
        if self.end <= self.start:
            raise ValueError("a correction's `to` must be after its `from`")
        return self


def _utc_time(value: Any) -> Any:
    """A YAML date or date-time as a UTC time; a date means its midnight UTC."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("expected a time with an offset, such as 2200-01-01T00:00:00Z")
        return value.astimezone(dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    return value


class IngestSettings(_Model):
    """Limits every source shares: the range of times accepted, and how far ahead is odd."""

    earliest: dt.datetime = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    latest: dt.datetime = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)
    ahead_warning: str = "1d"

    @field_validator("earliest", "latest", mode="before")
    @classmethod
    def _time(cls, value: Any) -> Any:
        return _utc_time(value)

    @field_validator("ahead_warning")
    @classmethod
    def _ahead(cls, value: str) -> str:
        _checked_duration_s(value)
        return value

    @model_validator(mode="after")
    def _ordered(self) -> IngestSettings:
        if self.latest <= self.earliest:
            raise ValueError("ingest.latest must be after ingest.earliest")
        return self

    @property
    def ahead_warning_s(self) -> int:
        """Events further ahead of the ingest's own time than this are counted and flagged."""
        return parse_duration_s(self.ahead_warning)


class ReportSettings(_Model):
    """Defaults every report shares."""

    # Where a report ends when no --at / --to is given: `now`, or `latest` (the newest
    # event) for a team that loads history in batches rather than as it happens.
    end: Literal["now", "latest"] = "now"


Scope = Literal["events", "pages", "incidents", "deploys", "toil"]
"""What a write token may send: events (JSON lines, OTLP), pages (webhooks), incidents,
deploys (CI and GitHub / GitLab webhooks), toil entries."""
SCOPES: tuple[Scope, ...] = ("events", "pages", "incidents", "deploys", "toil")


class ApiToken(_Model):
    """A write token of `basics serve`, kept as the SHA-256 of its text, never the text."""

    sha256: str
    scopes: list[Scope] = Field(default_factory=lambda: list(SCOPES))

    @field_validator("sha256")
    @classmethod
    def _hex(cls, value: str) -> str:
        if not re.fullmatch(r"[0-9a-f]{64}", value):
            raise ValueError(
                "expected the SHA-256 of the token as 64 lowercase hex digits "
                "(`basics token new NAME` prints it)"
            )
        return value


class PagerDutyWebhook(_Model):
    """The signing secrets of PagerDuty v3 webhook subscriptions, by the environment
    variables that hold them (several while a secret is rotated)."""

    secret_env: list[str] = Field(min_length=1)


class GitHubWebhook(_Model):
    """The secrets of GitHub webhooks (deployment statuses), by the environment variables
    that hold them; each delivery's X-Hub-Signature-256 must match one."""

    secret_env: list[str] = Field(min_length=1)


class NotifySettings(_Model):
    """Where `basics serve` sends the alerts it evaluates: Alertmanager's API (every URL
    gets every alert, as Prometheus sends to each Alertmanager of an HA pair) and generic
    webhooks (an Alertmanager-style JSON body per firing or resolution)."""

    alertmanager: list[str] = Field(default_factory=list)
    webhooks: list[str] = Field(default_factory=list)
    interval_s: float = Field(default=60, gt=0, le=3600)
    resend_s: float = Field(default=60, gt=0, le=3600)
    record_pages: bool = True

    @field_validator("alertmanager", "webhooks")
    @classmethod
    def _urls(cls, value: list[str]) -> list[str]:
        for url in value:
            if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", url):
                raise ValueError(f'expected an http:// or https:// URL, found "{url}"')
        return [url.rstrip("/") for url in value]


class ServeSettings(_Model):
    """`basics serve`: who may write, how much a request may send, where alerts go."""

    tokens: dict[str, ApiToken] = Field(default_factory=dict)
    pagerduty: PagerDutyWebhook | None = None
    github: GitHubWebhook | None = None
    max_body_mb: float = Field(default=32, gt=0, le=1024)
    # The source (of format otlp) that OTLP/HTTP requests are stored as; default: the one
    # source of format otlp, if there is exactly one.
    otlp_source: str | None = None
    notify: NotifySettings = Field(default_factory=NotifySettings)


class PostmortemSettings(_Model):
    """Where the post-mortems live (Markdown files; relative to basics.yaml)."""

    dir: str = "postmortems"


class DeploySettings(_Model):
    """Deploys: which environment DORA counts, and how near a deploy must come before a
    burn or an incident to be suggested as its cause."""

    environment: str = "production"
    suggest_within: str = "2h"

    @field_validator("suggest_within")
    @classmethod
    def _within(cls, value: str) -> str:
        _checked_duration_s(value)
        return value

    @property
    def suggest_within_s(self) -> int:
        """`suggest_within` in seconds."""
        return parse_duration_s(self.suggest_within)


class ToilSettings(_Model):
    """Toil: the cap on its share of capacity, each person's working hours a week, whether
    on-call time from pages counts as toil (each page's engaged time at most `page_cap`),
    and the categories entries may use (any when empty)."""

    cap_percent: float = Field(default=50, gt=0, le=100)
    hours_per_week: float = Field(default=40, gt=0, le=168)
    oncall: bool = True
    page_cap: str = "4h"
    categories: list[str] = Field(default_factory=list)

    @field_validator("page_cap")
    @classmethod
    def _page_cap(cls, value: str) -> str:
        _checked_duration_s(value)
        return value

    @field_validator("categories")
    @classmethod
    def _categories(cls, value: list[str]) -> list[str]:
        # Written as the entries' categories are: lower case, spaces as hyphens.
        names = ["-".join(name.lower().split()) for name in value]
        if any(not name for name in names):
            raise ValueError("expected category names, found an empty one")
        return names

    @model_validator(mode="after")
    def _oncall_category(self) -> ToilSettings:
        if self.oncall and "on-call" in self.categories:
            raise ValueError(
                'categories: "on-call" is the category of time derived from pages while '
                "toil.oncall is true; leave it out of the list, or set oncall: false to log it"
            )
        return self

    @property
    def page_cap_s(self) -> int:
        """`page_cap` in seconds."""
        return parse_duration_s(self.page_cap)


class ServiceConfig(_Model):
    """A service, its owner, its SLOs and its budget corrections."""

    owner: str | None = None
    description: str | None = None
    runbook: str | None = None
    # The rotation that takes its pages (default: the largest rotation of its owning team).
    oncall: str | None = None
    # The names other tools give it (Traefik's "api@docker", PagerDuty's "Checkout API"):
    # events and pages that name one are stored as this service.
    aliases: list[str] = Field(default_factory=list)
    slos: dict[str, SLOConfig] = Field(default_factory=dict)
    corrections: list[Correction] = Field(default_factory=list)

    @field_validator("slos")
    @classmethod
    def _slo_names(cls, value: dict[str, SLOConfig]) -> dict[str, SLOConfig]:
        for name in value:
            if not _NAME.match(name):
                raise ValueError(
                    f'expected an SLO name of letters, digits, "-", "_" or ".", got "{name}"'
                )
        return value

    @field_validator("slos", "corrections", mode="before")
    @classmethod
    def _empty(cls, value: Any, info: ValidationInfo) -> Any:
        # A key left with only commented-out entries under it reads as null: treat as empty.
        if value is None:
            return {} if info.field_name == "slos" else []
        return value


class Config(_Model):
    """The whole of basics.yaml."""

    timezone: str = "UTC"
    store: str = "basics.duckdb"
    sources: dict[str, SourceConfig] = Field(default_factory=dict)
    services: dict[str, ServiceConfig] = Field(default_factory=dict)
    alerting: AlertingConfig = Field(default_factory=AlertingConfig)
    people: dict[str, Person] = Field(default_factory=dict)
    teams: dict[str, Team] = Field(default_factory=dict)
    rotations: dict[str, Rotation] = Field(default_factory=dict)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    reports: ReportSettings = Field(default_factory=ReportSettings)
    serve: ServeSettings = Field(default_factory=ServeSettings)
    postmortems: PostmortemSettings = Field(default_factory=PostmortemSettings)
    deploys: DeploySettings = Field(default_factory=DeploySettings)
    toil: ToilSettings = Field(default_factory=ToilSettings)
    checks: ChecksSettings = Field(default_factory=ChecksSettings)
    review: ReviewSettings = Field(default_factory=ReviewSettings)
    _path: Path | None = PrivateAttr(default=None)

    def service_aliases(self) -> dict[str, str]:
        """Each service alias, and the service it names."""
        return {alias: name for name, svc in self.services.items() for alias in svc.aliases}

    def team_of(self, owner: str | None) -> str | None:
        """The team an owner is (a team's key) or belongs to (a person's)."""
        if owner is None or owner in self.teams:
            return owner
        return next((t for t, team in self.teams.items() if owner in team.members), None)

    def rotation_of(self, service: str) -> str | None:
        """The rotation that takes a service's pages: its `oncall:`, else the largest
        rotation of its owning team (by people, then name), else None."""
        svc = self.services.get(service)
        if svc is None:
            return None
        if svc.oncall is not None:
            return svc.oncall
        team = self.team_of(svc.owner)
        mine = [(len(set(r.people)), n) for n, r in self.rotations.items()
                if team is not None and r.team == team]  # fmt: skip
        return max(mine)[1] if mine else None

    def service_names(self) -> dict[str, str]:
        """Each service name and alias in lower case, and the service it names: what a
        page's service (a display name, "Checkout") is matched by."""
        found = {name.lower(): name for name in self.services}
        return found | {alias.lower(): name for alias, name in self.service_aliases().items()}

    def unknown_references(self) -> list[tuple[tuple[str, ...], str]]:
        """(key path, message) for every reference to something not declared, and every
        alias that would name two services."""
        return (
            alias_conflicts(
                "services",
                {name: svc.aliases for name, svc in self.services.items()},
                {name.lower(): name for name in self.services},
                str.lower,
                "service",
            )
            + self.unknown_policies()
            + unknown_people(self.people, self.teams, self.rotations)
            + [
                (("checks", "exceptions", str(i), "service"),
                 f'unknown service "{e.service}" (known: {", ".join(self.services)})')
                for i, e in enumerate(self.checks.exceptions)
                if e.service not in self.services
            ]
            + [
                (("services", name, "oncall"),
                 f'unknown rotation "{svc.oncall}" (known: {", ".join(self.rotations)})')
                for name, svc in self.services.items()
                if svc.oncall is not None and svc.oncall not in self.rotations
            ]
        )  # fmt: skip

    def unknown_policies(self) -> list[tuple[tuple[str, ...], str]]:
        """(key path, message) for every reference to an alert policy that does not exist."""
        known = set(BUILTIN_POLICIES) | set(self.alerting.policies)
        wanted = [(("alerting", "default_policy"), self.alerting.default_policy)] + [
            (("services", svc, "slos", name, "alert_policy"), slo.alert_policy)
            for svc, service in self.services.items()
            for name, slo in service.slos.items()
            if slo.alert_policy
        ]
        return [
            (where, f'unknown alert policy "{policy}" (known: {", ".join(sorted(known))})')
            for where, policy in wanted
            if policy not in known
        ]

    def alert_policy(self, name: str) -> AlertPolicy:
        """A policy by name: basics.yaml's own first, then the built-in ones."""
        return self.alerting.policies.get(name) or BUILTIN_POLICIES[name]

    def policy_of(self, service: str, slo: str) -> str:
        """The policy name an SLO is alerted with."""
        return self.services[service].slos[slo].alert_policy or self.alerting.default_policy

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        return check_timezone(value)

    @field_validator("services", "sources", "people", "teams", "rotations", mode="before")
    @classmethod
    def _empty(cls, value: Any) -> Any:
        return {} if value is None else value

    @field_validator("services", "sources")
    @classmethod
    def _names(cls, value: dict[str, Any]) -> dict[str, Any]:
        for name in value:
            if not _NAME.match(name):
                raise ValueError(
                    f'expected a name of letters, digits, "-", "_" or ".", got "{name}"'
                )
        return value

    @property
    def path(self) -> Path | None:
        """The file this configuration was loaded from, if any."""
        return self._path

    @property
    def store_path(self) -> Path:
        """The store file, relative to the configuration file."""
        base = self._path.parent if self._path else Path.cwd()
        return (base / self.store).resolve()

    @property
    def postmortems_path(self) -> Path:
        """The post-mortems folder, relative to the configuration file."""
        base = self._path.parent if self._path else Path.cwd()
        return (base / self.postmortems.dir).resolve()

    def slo_names(self) -> list[str]:
        """Every SLO as `service/slo`, in file order."""
        return [f"{svc}/{name}" for svc, service in self.services.items() for name in service.slos]


def named_service(name: str, names: Mapping[str, str]) -> str:
    """The service of basics.yaml a name or alias stands for, in any letter case
    (`names`: `Config.service_names()`); a name it does not know, as given."""
    return names.get(name.lower(), name)


def known_service(
    name: str, config: Config, stored: Callable[[], Iterable[str]], kept_in: str
) -> str:
    """The service a filter names (by any name basics.yaml gives it, in any letter case),
    when basics.yaml declares it or a stored record names it (`stored`: the names records
    hold, read only when basics.yaml does not declare it); else a NotFoundError naming the
    known ones: a misspelt name is not a service without records (`kept_in`: what holds
    them, for the message: "any deploy")."""
    service = named_service(name, config.service_names())
    if service in config.services:
        return service
    names = list(stored())
    if service in names:
        return service
    known = listed(list(dict.fromkeys([*config.services, *names])))
    raise NotFoundError(f'no service "{service}" in basics.yaml nor in {kept_in} (known: {known})')


def unknown_services(services: Iterable[str], names: Mapping[str, str]) -> dict[str, int]:
    """Of the services records name (once per record), those basics.yaml knows by no name
    or alias, and how many records name each, most first; none when basics.yaml declares
    no service (there is nothing to tell a misspelling from)."""
    if not names:
        return {}
    counted = Counter(s for s in services if s.lower() not in names)
    return dict(sorted(counted.items(), key=lambda item: (-item[1], item[0])))


def unknown_service_said(service: str, told: str, names: Mapping[str, str]) -> str:
    """What to say of records of a service basics.yaml knows by no name (`told`: who names
    it, "1 deploy names", "3 entries name"), with the service it may be a misspelling of."""
    import difflib

    close = difflib.get_close_matches(service.lower(), list(names), n=1)
    guess = f' (did you mean "{names[close[0]]}"?)' if close else ""
    return (
        f'{told} service "{service}", neither a service nor an alias in basics.yaml{guess}: '
        "stored under that name, in no report of a service of basics.yaml; add it under "
        "services:, or as an alias of the service it is"
    )


def named_services(services: Iterable[str], names: Mapping[str, str] | None) -> list[str]:
    """`named_service` of each, once each, in order."""
    return list(dict.fromkeys(named_service(s, names or {}) for s in services))
