"""Vietnamese for Qt's own texts (standard buttons, file and print dialogs) and the bundled fonts.

PySide6 ships no Vietnamese Qt translation, so the program carries its own
``resources/translations/qtbase_vi.qm`` (source: ``qtbase_vi.ts`` next to it).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QLocale, QTranslator
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QApplication

from khuyenhoc_desktop.paths import resources_dir

log = logging.getLogger("khuyenhoc.ui")

QT_TRANSLATION = "qtbase_vi.qm"

# Keeps the installed translator alive for the life of the program.
_installed: QTranslator | None = None


def translations_dir():
    """Folder with the compiled translations (source tree or PyInstaller bundle)."""
    return resources_dir() / "translations"


def install_translations(app: QApplication) -> QTranslator:
    """Make Vietnamese the default locale and install Qt's Vietnamese translation into ``app``.

    Call it before any window is created. Safe to call again: the previous
    translator is replaced. If the .qm file is missing the program keeps
    Qt's English texts and the problem is written to the log.
    """
    global _installed
    QLocale.setDefault(QLocale(QLocale.Language.Vietnamese, QLocale.Country.Vietnam))

    if _installed is not None:
        app.removeTranslator(_installed)
        _installed = None

    translator = QTranslator(app)
    path = translations_dir() / QT_TRANSLATION
    if translator.load(str(path)):
        app.installTranslator(translator)
        _installed = translator
    else:
        log.warning("Qt translation not loaded: %s", path)
    return translator


def load_bundled_fonts() -> list[str]:
    """Register every .ttf in ``resources/fonts`` with Qt; return the font families found.

    Needs a QGuiApplication (or QApplication) to exist.
    """
    families: list[str] = []
    fonts_dir = resources_dir() / "fonts"
    for path in sorted(fonts_dir.glob("*.ttf")):
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id < 0:
            log.warning("Font not loaded: %s", path)
            continue
        for family in QFontDatabase.applicationFontFamilies(font_id):
            if family not in families:
                families.append(family)
    return families
