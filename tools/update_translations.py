"""Extract translatable strings and update the catalogs (English is the source language).

    python tools/update_translations.py          # write translations/xencenter_py.pot, update ja .po
    python tools/update_translations.py --check  # exit 1 if a catalog is stale, empty or fuzzy

Strings are those passed to ``_``/``gettext``, ``N_``, ``ngettext`` and ``pgettext`` in the
console's code (the simulator is a server and is not translated). New messages are added
to each ``.po`` untranslated; entries no longer in the code are dropped.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "xencenter_py"
TRANSLATIONS = ROOT / "translations"
DOMAIN = "xencenter_py"
LANGUAGES = ("ja",)
SKIP_DIRS = ("sim",)
KEYWORDS = {
    "_": None,
    "gettext": None,
    "N_": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
}


def extract() -> Catalog:
    """All translatable messages of the package, with their source locations."""
    catalog = Catalog(project="xencenter-py", version="0.1.0", domain=DOMAIN, fuzzy=False)
    catalog.msgid_bugs_address = ""
    catalog.copyright_holder = "xencenter-py contributors"

    for filename, lineno, message, comments, context in extract_from_dir(
        str(PACKAGE),
        method_map=[("**.py", "python")],
        keywords=KEYWORDS,
        comment_tags=("Translators:",),
        callback=None,
        strip_comment_tags=True,
    ):
        if Path(filename).parts[0] in SKIP_DIRS:
            continue
        location = (f"xencenter_py/{filename}", lineno)
        catalog.add(message, None, [location], auto_comments=comments, context=context)
    return catalog


def _render(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_po(
        buffer, catalog, width=100, sort_output=True, ignore_obsolete=True, omit_header=False, include_lineno=False
    )
    return buffer.getvalue()


def _strip_dates(data: bytes) -> bytes:
    """Header dates change on every run; compare without them."""
    return b"\n".join(
        line for line in data.splitlines() if not line.startswith((b'"POT-Creation-Date', b'"PO-Revision-Date'))
    )


def _store(path: Path, data: bytes, check: bool) -> bool:
    """Write ``data`` to ``path``; with ``check``, only say whether it is already there
    (False, with a message, when it is out of date)."""
    if not check:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return True
    if path.exists() and _strip_dates(path.read_bytes()) == _strip_dates(data):
        return True
    print(f"{path.relative_to(ROOT)} is out of date: run tools/update_translations.py")
    return False


def _po_path(language: str) -> Path:
    """The catalogs are package data (``translations/<lang>`` links to them for translators)."""
    return PACKAGE / "locale" / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def updated_po(template: Catalog, language: str) -> Catalog:
    """The language's catalog brought in line with ``template``."""
    path = _po_path(language)
    if path.exists():
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=language, domain=DOMAIN)
    else:
        catalog = Catalog(locale=language, domain=DOMAIN, project="xencenter-py", version="0.1.0")
    catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
    catalog.obsolete.clear()
    catalog.fuzzy = False
    return catalog


def problems(catalog: Catalog) -> list[str]:
    """Entries that are untranslated or fuzzy."""
    out = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
        if message.fuzzy or not all(strings):
            out.append(message.id if isinstance(message.id, str) else message.id[0])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check; change nothing")
    args = parser.parse_args(argv)
    template = extract()
    pot_path = TRANSLATIONS / f"{DOMAIN}.pot"
    status = 0 if _store(pot_path, _render(template), args.check) else 1
    for language in LANGUAGES:
        catalog = updated_po(template, language)
        if not _store(_po_path(language), _render(catalog), args.check):
            status = 1
        missing = problems(catalog)
        if missing:
            print(f"{language}: {len(missing)} messages untranslated or fuzzy")
            for msgid in missing[:20]:
                print(f"  {msgid!r}")
            status = 1 if args.check else status
    print(f"{len(template)} messages")
    return status


if __name__ == "__main__":
    sys.exit(main())
