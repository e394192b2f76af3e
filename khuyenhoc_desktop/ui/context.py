"""One context object handed to every window, page and dialog (database, settings, signals)."""

from __future__ import annotations

from PySide6.QtCore import QObject, QSettings, Signal

from khuyenhoc_desktop import APP_ID
from khuyenhoc_desktop.storage.database import Database


class Notifier(QObject):
    """Tells the screens what changed so they refresh; `kinds` are list keys like 'persons'."""

    changed = Signal(set)
    profile_changed = Signal()


class AppContext:
    def __init__(self, db: Database, *, is_demo: bool = False, settings: QSettings | None = None):
        self.db = db
        self.is_demo = is_demo
        self.settings = settings or QSettings(APP_ID, APP_ID)
        self.notifier = Notifier()

    def changed(self, *kinds: str) -> None:
        self.notifier.changed.emit(set(kinds))
