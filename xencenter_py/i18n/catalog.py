"""Find a language's ``.po`` source and compile it in memory with babel.

The catalogs ship inside the package (``xencenter_py/locale/<lang>/LC_MESSAGES``) and are
found through :mod:`importlib.resources`, so any installation (a wheel, ``pip install
--user``, an editable checkout) finds them. ``$XENCENTER_PY_TRANSLATIONS`` (a directory laid
out the same way) is looked at first, for translators trying a catalog.

Only the ``.po`` text is kept in git; compiling it takes a few milliseconds at start-up.
"""

from __future__ import annotations

import io
import os
from importlib import resources
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

DOMAIN = "xencenter_py"


def translation_dirs() -> list[Path]:
    """Candidate catalog directories, most specific first."""
    dirs: list[Path] = []
    if env := os.environ.get("XENCENTER_PY_TRANSLATIONS"):
        dirs.append(Path(env))
    dirs.append(Path(str(resources.files("xencenter_py") / "locale")))
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
