"""The exception tree of Basics.

BasicsError            anything a user can act on; the CLI prints it and exits 1
├── ConfigError        basics.yaml is missing or invalid (file, line, key, expected, found)
├── ExpressionError    an SLI expression does not parse or does not type-check
├── InputError         an input file or argument cannot be used at all (missing, unreadable)
├── NotFoundError      a named thing (SLO, batch) does not exist
├── ConflictError      an input repeats records the store holds (refused, nothing written)
└── StoreError         the store cannot be opened or migrated
"""

from __future__ import annotations


class BasicsError(Exception):
    """An error with a message a user can act on."""


class ConfigError(BasicsError):
    """The configuration is missing or invalid."""


class ExpressionError(BasicsError):
    """An SLI expression does not parse or does not type-check."""

    def __init__(self, message: str, expression: str = "", position: int = 0) -> None:
        super().__init__(message)
        self.expression = expression
        self.position = position


class InputError(BasicsError):
    """An input (file, argument) cannot be used."""


class NotFoundError(BasicsError):
    """A named thing does not exist."""


class StoreError(BasicsError):
    """The store cannot be opened, migrated or written."""


class SchemaTooNew(StoreError):
    """The store was migrated by a newer Basics: this one will never read it."""


class ConflictError(BasicsError):
    """The input repeats what the store already holds, and no flag says that is intended."""


class RepeatsStored(ConflictError):
    """A batch refused for repeating stored events: what was found, and the ways on, told
    with the CLI's flags; `told` says them with a caller's own (the API's parameters)."""

    def __init__(self, found: str, otherwise: str) -> None:
        self.found, self.otherwise = found, otherwise
        super().__init__(self.told("--skip-overlap", "--allow-overlap"))

    def told(self, skip: str, allow: str) -> str:
        """The message, `skip` and `allow` naming the ways to store the batch anyway."""
        return (
            f"{self.found} To keep only the records not stored yet (an export overlapping an "
            f"earlier one), pass {skip}; if they are distinct records (possible in logs with "
            f"one-second timestamps), {allow}; {self.otherwise}"
        )
