"""Catalog loading, CLDR formatting per language, the catalog's completeness, and switching
the language of a running window (our strings and Qt's own)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QDialogButtonBox

from xencenter_py import i18n
from xencenter_py.i18n import catalog
from xencenter_py.i18n.qt import switch_language

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def back_to_english() -> Any:
    yield
    i18n.set_language("en")


def test_catalog_loads_from_po_source() -> None:
    assert catalog.po_path("ja") is not None
    assert catalog.po_path("xx") is None
    assert i18n.set_language("ja") == "ja"
    assert i18n.gettext("General") == "全般"
    assert i18n.gettext("a string nobody translated") == "a string nobody translated"
    assert i18n.set_language("en") == "en"
    assert i18n.gettext("General") == "General"
    assert i18n.set_language("fr") == "en"  # no catalog: English


def test_system_language(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    assert i18n.system_language() == "ja"
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")
    assert i18n.system_language() == "en"
    assert i18n.set_language(None) == "en"


def test_lazy_strings_follow_the_language() -> None:
    label = i18n.N_("General")
    assert str(label) == "General"
    i18n.set_language("ja")
    assert str(label) == "全般"
    assert f"{label}" == "全般"


def test_cldr_formatting_per_language() -> None:
    when = dt.datetime(2024, 3, 5, 14, 7, 9, tzinfo=dt.UTC)
    i18n.set_language("en")
    assert i18n.format_bytes(8 * 1024**3) == "8 GB"
    assert i18n.format_bytes(1536 * 1024**2) == "1.5 GB"
    assert i18n.format_bytes(512 * 1024**2) == "512 MB"
    assert i18n.format_number(1234567) == "1,234,567"
    assert i18n.format_percent(0.256) == "26%"
    assert i18n.format_duration(2 * 86400 + 3 * 3600 + 4 * 60) == "2 days 3 hours 4 minutes"
    assert "Mar" in i18n.format_datetime(when, utc=True)
    i18n.set_language("ja")
    assert i18n.format_duration(2 * 86400 + 3 * 3600 + 4 * 60) == "2 日 3 時間 4 分"
    assert i18n.format_datetime(when, utc=True) == "2024/03/05 14:07:09"
    assert i18n.format_bytes(1536 * 1024**2) == "1.5 GB"


def test_catalog_is_complete_and_current() -> None:
    """Every message is translated, none fuzzy, and the .pot/.po match the code."""
    result = subprocess.run(
        [sys.executable, "tools/update_translations.py", "--check"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_switch_language_at_run_time(qtbot: Any, window: Any) -> None:
    """Tools > Options changes the window's language at once, Qt's own buttons included."""
    from tests.ui.conftest import wait_dialog
    from xencenter_py.ui.dialogs.options import OptionsDialog

    assert window.menus["file"].title() == "&File"
    window.act_options.trigger()
    dialog = wait_dialog(qtbot, OptionsDialog)
    dialog.language.setCurrentIndex(dialog.language.findData("ja"))
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: window.menus["file"].title() == "ファイル(&F)", timeout=5000)
    assert window.navigation.buttons[next(iter(window.navigation.buttons))].text() == "インフラストラクチャ"
    assert window.navigation.search.placeholderText() == "検索..."
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
    assert box.button(QDialogButtonBox.StandardButton.Cancel).text() == "キャンセル"  # qtbase_ja
    switch_language("en")
    qtbot.waitUntil(lambda: window.menus["file"].title() == "&File", timeout=5000)
