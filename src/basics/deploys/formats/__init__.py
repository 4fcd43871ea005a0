"""Readers of deploys from outside formats, one module each; `reader(fmt)` gives the reader
of a `--format` (imported on first use, so a command pays only for the format it reads)."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from basics.core.errors import InputError
from basics.deploys.models import FORMATS, DeployFormat, DeployRead

Reader = Callable[[bytes, str, dict[str, str] | None, str | None], DeployRead]
"""(data, name for messages, field mapping, service) → what was read."""

_READERS: dict[DeployFormat, tuple[str, str]] = {
    "github": ("github", "read"),
    "gitlab": ("gitlab", "read"),
    "fourkeys": ("fourkeys", "read"),
    "jsonl": ("records", "read_jsonl"),
    "csv": ("records", "read_csv"),
}
"""Each format: its module under `basics.deploys.formats`, and the reader there."""


def reader(fmt: str) -> Reader:
    """The reader of a deploy format (one of `FORMATS`)."""
    if fmt not in _READERS:
        raise InputError(f'unknown deploy format "{fmt}": expected one of {", ".join(FORMATS)}')
    module, function = _READERS[fmt]
    found: Reader = getattr(importlib.import_module(f"{__name__}.{module}"), function)
    return found
