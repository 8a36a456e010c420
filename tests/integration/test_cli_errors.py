"""The command line reports a server it cannot reach in the same one sentence as the
console, in the chosen language, with no Python or OpenSSL text."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from tests.conftest import SimProcess
from tests.integration.test_tree_sim import tree_cli


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(("lang", "expected"), [("en", "refused the connection"), ("ja", "接続を拒否しました")])
def test_refused_is_one_translated_sentence(lang: str, expected: str) -> None:
    port = _closed_port()
    result = tree_cli("--server", f"http://127.0.0.1:{port}", "--lang", lang, password="x")
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == 1, result.stderr
    assert expected in lines[0] and f"127.0.0.1:{port}" in lines[0]
    assert "Errno" not in lines[0] and "cannot connect to" not in lines[0].lower()


def test_tls_to_a_plain_port_says_so(demo_sim: SimProcess) -> None:
    result = tree_cli("--server", demo_sim.url.replace("http://", "https://"), password=demo_sim.password)
    assert result.returncode == 1
    assert "https" in result.stderr and "SSL" not in result.stderr and "WRONG_VERSION" not in result.stderr


@pytest.mark.parametrize(("lang", "expected"), [("en", "There is no display"), ("ja", "ディスプレイ")])
def test_console_without_a_display_says_so(lang: str, expected: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = subprocess.run(
        [sys.executable, "-m", "xencenter_py", "--demo", "--lang", lang],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == 1 and expected in lines[0], result.stderr
