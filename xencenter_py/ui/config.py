"""Where the console keeps its settings: saved servers, window layout, known certificates.

Everything lives in one directory: ``$XENCENTER_PY_CONFIG_DIR`` when set (tests use a temp
directory), else the platform's user config directory (platformdirs). Passwords are never
written here; they go to the OS keyring, and when no keyring exists the server is saved
without its password and the user is told.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import keyring
import keyring.errors
from platformdirs import user_config_dir
from PySide6.QtCore import QSettings

log = logging.getLogger(__name__)
KEYRING_SERVICE = "xencenter-py"


def config_dir() -> Path:
    """The settings directory (created on first use)."""
    path = Path(os.environ.get("XENCENTER_PY_CONFIG_DIR") or user_config_dir("xencenter-py", appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def trust_path() -> Path:
    """The known-servers (certificate fingerprints) file given to the client's TrustStore."""
    return config_dir() / "known_servers.json"


def ui_settings() -> QSettings:
    """Window geometry, splitter sizes, selected view, expanded nodes, language."""
    return QSettings(str(config_dir() / "ui.ini"), QSettings.Format.IniFormat)


@dataclass
class SavedServer:
    """One entry of the server list (no password: that is in the keyring)."""

    address: str
    user: str = "root"
    remember_password: bool = False
    name: str = ""


def _servers_file() -> Path:
    return config_dir() / "servers.json"


def load_servers() -> list[SavedServer]:
    """The saved server list; a damaged file is reported in the log and ignored."""
    path = _servers_file()
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [
            SavedServer(**{k: v for k, v in item.items() if k in SavedServer.__dataclass_fields__}) for item in data
        ]
    except (OSError, ValueError, TypeError) as exc:
        log.warning("ignoring unreadable %s: %s", path, exc)
        return []


def save_servers(servers: list[SavedServer]) -> None:
    """Write the server list atomically."""
    path = _servers_file()
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps([asdict(s) for s in servers], indent=2), encoding="utf-8")
    os.replace(tmp, path)


def keyring_available() -> bool:
    """True when a real keyring backend exists (not keyring's 'fail' backend)."""
    backend = keyring.get_keyring()
    return backend.priority > 0 and "fail" not in type(backend).__module__


def _account(server: SavedServer) -> str:
    return f"{server.user}@{server.address}"


def store_password(server: SavedServer, password: str) -> bool:
    """Keep ``password`` in the keyring; False when no keyring can hold it."""
    if not keyring_available():
        return False
    try:
        keyring.set_password(KEYRING_SERVICE, _account(server), password)
    except keyring.errors.KeyringError as exc:
        log.warning("keyring refused the password: %s", exc)
        return False
    return True


def load_password(server: SavedServer) -> str | None:
    """The remembered password, or None."""
    if not keyring_available():
        return None
    try:
        return keyring.get_password(KEYRING_SERVICE, _account(server))
    except keyring.errors.KeyringError:
        return None


def forget_password(server: SavedServer) -> None:
    """Remove a remembered password (nothing happens when there is none)."""
    if not keyring_available():
        return
    with contextlib.suppress(keyring.errors.KeyringError):
        keyring.delete_password(KEYRING_SERVICE, _account(server))
