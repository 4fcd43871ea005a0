"""The services' messages said in the web's words: the CLI's options as the pages' query
parameters (`try --at latest` is `try ?at=latest` on a page) and a moment the message places
something at in the configured zone. Pure: no I/O, no clock."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from markupsafe import Markup, escape

from basics.web import formats

PARAMETERS = (
    "from", "to", "at", "team", "person", "service", "week", "policy", "environment", "by",
    "value", "compare", "since",
)  # fmt: skip
"""The options of the CLI that the pages take as query parameters of the same name."""

_NAME = "|".join(PARAMETERS)
_VALUE = r"(?:latest|now|\d{4}-\d\d-\d\d(?:T\d\d:\d\d(?::\d\d(?:\.\d+)?)?)?(?:Z|[+-]\d\d:?\d\d)?)"
_PAIR = rf"--(?:{_NAME}) {_VALUE}"
_PARTS = re.compile(
    rf"(?P<run>{_PAIR}(?: {_PAIR})*)"  # `--from A --to B`: one query string, ?from=A&to=B
    rf"|--(?P<flag>{_NAME})(?![\w-])"  # `--from must be before --to`: the names alone
    r"|(?<=\bat )(?P<time>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)"  # "… is at <time>"
)
_ONE_PAIR = re.compile(rf"--({_NAME}) ({_VALUE})")


def _query(run: str) -> str:
    """`--from A --to B` as the query string `?from=A&to=B`."""
    return "?" + "&".join(f"{name}={value}" for name, value in _ONE_PAIR.findall(run))


def _parts(text: str) -> Iterator[tuple[str, str]]:
    """The message in pieces: ("text", …), ("query", …), ("name", …), ("time", …)."""
    at = 0
    for found in _PARTS.finditer(text):
        yield "text", text[at : found.start()]
        if found["run"]:
            yield "query", _query(found["run"])
        elif found["flag"]:
            yield "name", found["flag"]
        else:
            yield "time", found["time"]
        at = found.end()
    yield "text", text[at:]


def plain(text: str) -> str:
    """A message with query parameters for the CLI's options (for a problem's `detail`)."""
    return "".join(piece for _, piece in _parts(text))


def markup(text: str, zone: str) -> Markup:
    """A message for a page: escaped, the query parameters as code, and the moments it
    places something at shown in `zone` (UTC on hover)."""
    shown = []
    for kind, piece in _parts(text):
        if kind == "text":
            shown.append(escape(piece))
        elif kind == "time":
            moment = dt.datetime.fromisoformat(piece.removesuffix("Z"))
            shown.append(formats.when(moment, zone, seconds=True))
        else:
            shown.append(Markup("<code>{}</code>").format(piece))
    return Markup("").join(shown)
