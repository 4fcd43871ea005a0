"""tests/api/conftest.py's `Server` and server fixtures, loaded under a name of their own
(every conftest module is named `conftest`, so it cannot be imported by name)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "basics_tests_api_conftest", Path(__file__).parent.parent / "api" / "conftest.py"
)
assert _spec is not None and _spec.loader is not None
_api = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_api)

Server = _api.Server
BASICS: str = _api.BASICS
demo_server = _api.demo_server
own_demo = _api.own_demo
