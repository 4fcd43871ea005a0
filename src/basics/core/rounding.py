"""Figures rounded for people: a half up, from the number as written.

A float's `format` rounds its binary value: 0.25 to the even 0.2 (beside 0.75 shown 0.8),
2.675 (2.67499…) to 2.67, and 0.145 × 100 to 14 %. People round the number they read:
its shortest text, a half up.
"""

from __future__ import annotations

import decimal
import math
from decimal import Decimal
from numbers import Rational


def rounded(value: float | Rational | Decimal, digits: int, scale: int = 0) -> Decimal | None:
    """`value` × 10**`scale` to `digits` decimals, a half up (away from zero), from its
    shortest text (a NumPy float's too; a fraction exactly); None for a value that is not
    finite (the caller writes it as it is)."""
    if isinstance(value, Decimal):
        exact = value
    elif isinstance(value, Rational):  # int, Fraction
        exact = Decimal(int(value.numerator)) / Decimal(int(value.denominator))
    else:
        number = float(value)
        if not math.isfinite(number):
            return None
        exact = Decimal(repr(number))
    if not exact.is_finite():
        return None
    return exact.scaleb(scale).quantize(Decimal(1).scaleb(-digits), decimal.ROUND_HALF_UP)


def fixed(value: float | Rational | Decimal, digits: int, scale: int = 0) -> str:
    """`value` × 10**`scale` as text with `digits` decimals, a half up (0.25 is 0.3, as 0.75
    is 0.8); a value that is not finite as Python writes it."""
    found = rounded(value, digits, scale)
    return f"{float(value) * 10**scale:.{digits}f}" if found is None else f"{found:.{digits}f}"


def percent(share: float | Rational | Decimal, digits: int = 0) -> str:
    """A share as a percentage for people: 0.145 is 15%."""
    return f"{fixed(share, digits, 2)}%"


def signed(value: float | Rational | Decimal, digits: int, scale: int = 0) -> str:
    """`fixed` with its sign always written, as a change is: +1.3, -0.4, +0.0."""
    text = fixed(value, digits, scale)
    return text if text.startswith("-") else f"+{text}"
