"""Values and axes in the unit of their data source, scaled by magnitude and formatted
with the i18n helpers (``25%``, ``1.5 MB/s``, ``3.2 GB``)."""

from __future__ import annotations

import math
from collections.abc import Iterable

from xencenter_py.i18n import current_locale
from xencenter_py.i18n import gettext as _
from xencenter_py.model.perf.sources import BYTES, BYTES_PER_SECOND, PERCENT

_BINARY = ("B", "KB", "MB", "GB", "TB", "PB")


_SYMBOLS: dict[str, tuple[str, str]] = {}


def format_number(value: float, decimals: int) -> str:
    """A number with the locale's grouping and decimal signs (babel's symbols, cached: axis
    labels are formatted on every repaint, where babel's full formatter costs too much)."""
    locale = current_locale()
    key = str(locale)
    symbols = _SYMBOLS.get(key)
    if symbols is None:
        latin = locale.number_symbols.get("latn", {})
        symbols = _SYMBOLS[key] = (latin.get("group", ","), latin.get("decimal", "."))
    text = f"{value:,.{decimals}f}"
    if symbols != (",", "."):
        text = text.replace(",", "\0").replace(".", symbols[1]).replace("\0", symbols[0])
    return text


def trim_zeros(text: str) -> str:
    """``4.50`` → ``4.5``, ``4.0`` → ``4`` (in the locale's decimal sign)."""
    decimal = _SYMBOLS.get(str(current_locale()), (",", "."))[1]
    if decimal in text:
        text = text.rstrip("0").rstrip(decimal)
    return text


def axis_scale(unit: str, largest: float) -> tuple[float, str]:
    """(divisor, unit label) for an axis whose values reach ``largest``."""
    if unit == PERCENT:
        return 1.0, "%"
    if unit in (BYTES, BYTES_PER_SECOND):
        size, index = 1.0, 0
        while largest >= 1024 * size and index < len(_BINARY) - 1:
            size *= 1024
            index += 1
        label = _BINARY[index]
        return size, (_("{unit}/s").format(unit=label) if unit == BYTES_PER_SECOND else label)
    return 1.0, ""


def decimals_for(span: float) -> int:
    """Fraction digits that tell apart ticks ``span`` apart."""
    if span <= 0 or not math.isfinite(span):
        return 0
    return max(0, min(3, -math.floor(math.log10(span)) + 1)) if span < 10 else 0


def format_value(unit: str, value: float) -> str:
    """One value for a read-out or a table cell (``—`` for no data)."""
    if value is None or not math.isfinite(value):
        return "—"
    divisor, label = axis_scale(unit, abs(value))
    scaled = value / divisor
    decimals = 1 if unit == PERCENT or divisor > 1 else (0 if float(scaled).is_integer() else 2)
    text = format_number(scaled, decimals)
    if unit == PERCENT:
        return f"{text}%"
    return f"{text} {label}" if label else text


def largest(values: Iterable[float]) -> float:
    best = 0.0
    for v in values:
        if math.isfinite(v) and abs(v) > best:
            best = abs(v)
    return best
