"""`known_service`: a filter's service, by any of its names; the stored names are read only
for a name basics.yaml does not declare."""

from __future__ import annotations

from pathlib import Path

import pytest

from basics.config.loader import parse_config
from basics.config.models import known_service
from basics.core.errors import NotFoundError

CONFIG = "services:\n  api:\n    aliases: [API-Gateway]\n"


def test_a_declared_service_needs_no_stored_names_and_others_are_looked_up() -> None:
    config = parse_config(CONFIG, Path("basics.yaml"))

    def unread() -> list[str]:
        raise AssertionError("stored names read for a service basics.yaml declares")

    assert known_service("api-gateway", config, unread, "any deploy") == "api"
    assert known_service("web", config, lambda: ["web"], "any deploy") == "web"
    with pytest.raises(NotFoundError, match=r'no service "wbe" .* \(known: api, web\)'):
        known_service("wbe", config, lambda: ["web"], "any deploy")
