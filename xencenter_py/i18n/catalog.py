"""Find a language's ``.po`` source and compile it in memory with babel.

Where catalogs are looked up, first match wins:

1. ``$XENCENTER_PY_TRANSLATIONS`` (a directory laid out like ``translations/``);
2. ``translations/`` next to the package in a source checkout or editable install;
3. ``<sys.prefix>/share/xencenter-py/translations`` where a wheel installs them
   (``[tool.setuptools.data-files]`` in pyproject.toml).

Only the ``.po`` text is kept in git; compiling it takes a few milliseconds at start-up.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

DOMAIN = "xencenter_py"


def translation_dirs() -> list[Path]:
    """Candidate ``translations/`` directories, most specific first."""
    dirs: list[Path] = []
    if env := os.environ.get("XENCENTER_PY_TRANSLATIONS"):
        dirs.append(Path(env))
    dirs.append(Path(__file__).resolve().parents[2] / "translations")
    dirs.append(Path(sys.prefix) / "share" / "xencenter-py" / "translations")
    return dirs


def po_path(language: str) -> Path | None:
    """The ``.po`` file of ``language``, or None when no catalog is installed."""
    for base in translation_dirs():
        candidate = base / language / "LC_MESSAGES" / f"{DOMAIN}.po"
        if candidate.is_file():
            return candidate
    return None


def load_translations(language: str) -> Translations | None:
    """Compile the catalog of ``language`` into a translations object (fuzzy entries skipped)."""
    path = po_path(language)
    if path is None:
        return None
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=language, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)
