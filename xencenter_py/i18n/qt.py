"""Qt side of the language switch: Qt's own shipped translations (``qtbase_ja``).

Installing or removing a QTranslator makes Qt send ``QEvent.LanguageChange`` to every
widget, which is how open windows learn to retranslate their own strings.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QLibraryInfo, QLocale, QTranslator

from xencenter_py import i18n

_installed: list[QTranslator] = []


def apply_qt_language(language: str) -> bool:
    """Install Qt's translations for ``language`` (none for English); True when one was loaded."""
    app = QCoreApplication.instance()
    if app is None:
        return False
    for translator in _installed:
        app.removeTranslator(translator)
    _installed.clear()
    QLocale.setDefault(QLocale(language))
    loaded = False
    if language != "en":
        path = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        translator = QTranslator(app)
        if translator.load(f"qtbase_{language}", path):
            app.installTranslator(translator)
            _installed.append(translator)
            loaded = True
    if not loaded:
        # Nothing installed (English): still tell every widget the language changed.
        QCoreApplication.sendEvent(app, QEvent(QEvent.Type.LanguageChange))
    return loaded


def switch_language(language: str | None) -> str:
    """Switch our catalogs and Qt's together; returns the language in use."""
    code = i18n.set_language(language)
    apply_qt_language(code)
    return code
