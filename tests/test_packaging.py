"""What a user installing the package gets: the licence, type information, the Japanese
catalog as package data, the application icon and a valid desktop entry."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DESKTOP = ROOT / "packaging" / "xencenter-py.desktop"


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_licence_is_declared_and_shipped() -> None:
    project = _pyproject()["project"]
    assert project["license"] == "GPL-2.0-or-later" and project["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "GNU GENERAL PUBLIC LICENSE" in text and "Version 2, June 1991" in text


def test_desktop_entry_is_valid() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # keys are case-sensitive
    entry.read(DESKTOP, encoding="utf-8")
    section = entry["Desktop Entry"]
    assert section["Type"] == "Application" and section["Name"] == "xencenter-py"
    assert section["Exec"].split()[0] in _pyproject()["project"]["scripts"]
    assert section["Icon"] == "xencenter-py"
    assert section["Categories"].endswith(";")
    assert (ROOT / "xencenter_py" / "ui" / "resources" / f"{section['Icon']}.svg").is_file()
    validator = shutil.which("desktop-file-validate")
    if validator is not None:
        result = subprocess.run([validator, str(DESKTOP)], capture_output=True, text=True)
        assert result.returncode == 0 and "error" not in result.stdout.lower(), result.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (path,) = out.glob("xencenter_py-*.whl")
    return zipfile.ZipFile(path)


def test_wheel_carries_what_an_installed_console_needs(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    assert "xencenter_py/py.typed" in names
    assert "xencenter_py/locale/ja/LC_MESSAGES/xencenter_py.po" in names
    assert "xencenter_py/ui/resources/xencenter-py.svg" in names
    data = {n.split(".data/data/", 1)[1] for n in names if ".data/data/" in n}
    assert "share/applications/xencenter-py.desktop" in data
    assert "share/icons/hicolor/scalable/apps/xencenter-py.svg" in data
    assert any(n.endswith("licenses/LICENSE") or n.endswith("/LICENSE") for n in names)


def test_catalog_is_found_as_package_data(monkeypatch: pytest.MonkeyPatch) -> None:
    """Wherever the package is installed (``pip install --user`` included), Japanese is found
    next to the code, not under ``sys.prefix``."""
    from xencenter_py.i18n import catalog

    monkeypatch.delenv("XENCENTER_PY_TRANSLATIONS", raising=False)
    found = catalog.po_path("ja")
    assert found is not None and found.is_relative_to(ROOT / "xencenter_py" / "locale")
    assert catalog.load_translations("ja").gettext("Shut down") == "シャットダウン"
