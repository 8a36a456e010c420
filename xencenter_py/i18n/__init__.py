"""Translations and locale-aware formatting for every user-visible string.

Any module may ``from xencenter_py.i18n import gettext as _``. English is the source
language; other languages come from the ``.po`` sources under ``translations/``, compiled
in memory by babel when the language is chosen (no ``.mo`` files are kept). Formatting of
dates, numbers, sizes, percentages and durations follows CLDR for the active language, so
no caller ever formats a raw number or date with an f-string.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Callable

from babel import Locale, default_locale
from babel import dates as _dates
from babel import numbers as _numbers
from babel import units as _units
from babel.support import NullTranslations, Translations

from xencenter_py.i18n.catalog import load_translations

#: Languages with a complete catalog (English is the source language).
LANGUAGES: tuple[str, ...] = ("en", "ja")

_translations: NullTranslations = NullTranslations()
_language = "en"
_locale = Locale.parse("en")
_listeners: list[Callable[[str], None]] = []


def system_language() -> str:
    """The supported language matching the user's environment (``LANGUAGE``/``LC_*``/``LANG``)."""
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        for part in value.split(":"):
            code = part.split(".")[0].split("_")[0].split("-")[0].lower()
            if code in LANGUAGES:
                return code
            if code and code not in ("c", "posix"):
                break
    detected = default_locale("LC_MESSAGES") or "en"
    code = detected.split("_")[0].lower()
    return code if code in LANGUAGES else "en"


def set_language(language: str | None) -> str:
    """Switch the active language (``None`` → system language); returns the language in use.

    Unknown languages fall back to English. Listeners registered with
    :func:`on_language_changed` are told, so open windows can retranslate.
    """
    global _translations, _language, _locale
    code = (language or system_language()).split("_")[0].split("-")[0].lower()
    if code not in LANGUAGES:
        code = "en"
    translations = load_translations(code) if code != "en" else None
    _translations = translations if translations is not None else NullTranslations()
    _language = code
    _locale = Locale.parse(code)
    for listener in list(_listeners):
        listener(code)
    return code


def current_language() -> str:
    """The active language code (``en`` or ``ja``)."""
    return _language


def current_locale() -> Locale:
    """The babel locale of the active language."""
    return _locale


def on_language_changed(callback: Callable[[str], None]) -> Callable[[], None]:
    """Call ``callback(language)`` after every language switch; returns an unsubscribe function."""
    _listeners.append(callback)
    return lambda: _listeners.remove(callback) if callback in _listeners else None


def gettext(message: str) -> str:
    """Translate ``message`` into the active language."""
    return _translations.gettext(message)


_ = gettext


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate a message with a count; the caller formats ``n`` into the result."""
    return _translations.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """Translate ``message`` in ``context`` (same English word, different meanings)."""
    return _translations.pgettext(context, message)


class LazyString:
    """A marked string translated each time it is shown, for module-level constants."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message

    def __str__(self) -> str:
        return gettext(self.message)

    def __repr__(self) -> str:
        return f"N_({self.message!r})"

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyString):
            return self.message == other.message
        return str(self) == other

    def __hash__(self) -> int:
        return hash(self.message)

    def __add__(self, other: str) -> str:
        return str(self) + other

    def __radd__(self, other: str) -> str:
        return other + str(self)


def N_(message: str) -> LazyString:
    """Mark ``message`` for extraction; it is translated when converted with ``str()``."""
    return LazyString(message)


# --- CLDR formatting -------------------------------------------------------------------


def format_datetime(value: _dt.datetime | None, format: str = "medium", *, utc: bool = False) -> str:
    """A date and time for display, in local time (naive values are UTC, as XAPI sends them)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=_dt.UTC)
    tz = _dt.UTC if utc else value.astimezone().tzinfo
    return _dates.format_datetime(value.astimezone(tz), format, locale=_locale)


def format_skeleton(value: _dt.datetime, skeleton: str) -> str:
    """A date/time by CLDR skeleton in the locale's order (``MMMd`` → ``Dec 6`` / ``12月6日``,
    ``Hm`` → ``15:45``), in local time (naive values are UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=_dt.UTC)
    return _dates.format_skeleton(skeleton, value.astimezone(), locale=_locale)


def format_date(value: _dt.date, format: str = "medium") -> str:
    """A date for display."""
    return _dates.format_date(value, format, locale=_locale)


def format_number(value: float, decimals: int | None = None) -> str:
    """A number with the locale's grouping; ``decimals`` fixes the fraction digits."""
    if decimals is None:
        return _numbers.format_decimal(value, locale=_locale)
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return _numbers.format_decimal(value, format=pattern, locale=_locale)


_BYTE_UNITS = ("B", "KB", "MB", "GB", "TB", "PB")


def format_bytes(value: float, *, decimals: int = 1) -> str:
    """A size in binary units labelled as XenCenter does (``8 GB``, ``512 MB``, ``1.5 TB``).

    Negative sizes are XAPI's "not known" (-1) and read as "Unknown", never "-1 B".
    """
    size = float(value)
    if size < 0:
        return gettext("Unknown")
    unit = 0
    while abs(size) >= 1024 and unit < len(_BYTE_UNITS) - 1:
        size /= 1024
        unit += 1
    pattern = "#,##0" + ("." + "#" * decimals if decimals > 0 and unit > 0 else "")
    number = _numbers.format_decimal(size, format=pattern, locale=_locale)
    return f"{number} {_BYTE_UNITS[unit]}"


def format_percent(fraction: float, decimals: int = 0) -> str:
    """A fraction (0.25) as a percentage in the locale's style (``25%``)."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "") + "%"
    return _numbers.format_percent(fraction, format=pattern, locale=_locale)


def format_duration(seconds: float, *, parts: int = 3) -> str:
    """A duration as its largest ``parts`` units (``2 days 3 hours 4 minutes``)."""
    remaining = max(0, round(seconds))
    units = (("duration-day", 86400), ("duration-hour", 3600), ("duration-minute", 60), ("duration-second", 1))
    pieces: list[str] = []
    for unit, size in units:
        count, remaining = divmod(remaining, size)
        if count or (unit == "duration-second" and not pieces):
            pieces.append(_units.format_unit(count, unit, length="long", locale=_locale))
        if len(pieces) >= parts:
            break
    return " ".join(pieces)


__all__ = [
    "LANGUAGES",
    "N_",
    "LazyString",
    "Translations",
    "_",
    "current_language",
    "current_locale",
    "format_bytes",
    "format_date",
    "format_datetime",
    "format_duration",
    "format_number",
    "format_percent",
    "format_skeleton",
    "gettext",
    "ngettext",
    "on_language_changed",
    "pgettext",
    "set_language",
    "system_language",
]
