"""Cold start of the console: a fresh Python process until the main window has painted
(imports, Qt, catalogs, window construction), offscreen. Target: under 1 s.

Also the same with ``--lang ja`` (the Japanese catalog is compiled from its ``.po`` at
start-up).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._verdict import check

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5

CHILD = """
import sys
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication
from xencenter_py.i18n.qt import switch_language
from xencenter_py.ui.main_window import MainWindow

class Painted(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            print("painted", flush=True)
            QApplication.instance().exit(0)
        return False

app = QApplication(sys.argv[:1])
switch_language(sys.argv[1])
window = MainWindow()
watcher = Painted()
window.installEventFilter(watcher)
window.show()
sys.exit(app.exec())
"""


def _once(language: str) -> float:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XENCENTER_PY_CONFIG_DIR=tempfile.mkdtemp(prefix="xc-start-"))
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", CHILD, language], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    elapsed = time.perf_counter() - started
    if "painted" not in out.stdout:
        raise RuntimeError(out.stderr[-2000:])
    return elapsed


def main() -> None:
    for language in ("en", "ja"):
        _once(language)  # warm the OS file cache once
        times = [_once(language) for _ in range(RUNS)]
        check(
            f"cold start to a painted window ({language}), median of {RUNS} (best {min(times) * 1e3:.0f} ms)",
            statistics.median(times) * 1e3,
            1000,
            " ms",
            digits=0,
        )


if __name__ == "__main__":
    main()
