"""Write docs/schemas/<report>.schema.json, one JSON Schema per report's --json.

Usage: python scripts/json_schemas.py [--check]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from basics.cli.schemas import reports, schema_of

TARGET = Path(__file__).resolve().parent.parent / "docs" / "schemas"


def rendered() -> dict[str, str]:
    """File name -> its text, for every report."""
    return {
        f"{name}.schema.json": json.dumps(schema_of(name), indent=2, ensure_ascii=False) + "\n"
        for name in reports()
    }


def main() -> int:
    """Write the files, or with --check report whether they are current."""
    files = rendered()
    if "--check" in sys.argv:
        stale = [n for n, text in files.items() if not (TARGET / n).exists()
                 or (TARGET / n).read_text(encoding="utf-8") != text]  # fmt: skip
        for name in stale:
            print(f"{TARGET / name} is stale: run python scripts/json_schemas.py", file=sys.stderr)
        return 1 if stale else 0
    TARGET.mkdir(parents=True, exist_ok=True)
    for old in TARGET.glob("*.schema.json"):
        if old.name not in files:
            old.unlink()
    for name, text in files.items():
        (TARGET / name).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
