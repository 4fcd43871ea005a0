"""Values bound to a query by name, so config and user values never enter SQL text."""

from __future__ import annotations

from typing import Any


class SqlParams:
    """Collects named parameters while a query is built; `bind` returns the placeholder."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def bind(self, value: Any) -> str:
        """A placeholder (`$p0`, `$p1`...) that stands for `value` in the query."""
        name = f"p{len(self.values)}"
        self.values[name] = value
        return f"${name}"

    def with_values(self, **extra: Any) -> dict[str, Any]:
        """The bound values plus named ones the caller writes as `$name` itself."""
        return {**self.values, **extra}
