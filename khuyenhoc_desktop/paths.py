"""Where things live: bundled resources (source tree or PyInstaller bundle) and user data."""

from __future__ import annotations

import sys
from pathlib import Path

import platformdirs

from khuyenhoc_desktop import APP_ID

PACKAGE_DIR = Path(__file__).resolve().parent


def _root() -> Path:
    frozen = getattr(sys, "_MEIPASS", None)
    return Path(frozen) if frozen else PACKAGE_DIR.parent


def resources_dir() -> Path:
    return _root() / "resources"


def forms_dir() -> Path:
    return _root() / "forms"


def migrations_dir() -> Path:
    return PACKAGE_DIR / "storage" / "migrations"


def user_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_ID, appauthor=False))


def default_db_path() -> Path:
    return user_data_dir() / "khuyenhoc.sqlite"


def log_path() -> Path:
    return Path(platformdirs.user_log_dir(APP_ID, appauthor=False)) / "khuyenhoc.log"


def exports_dir() -> Path:
    """Default folder for exported files: the project's `exports/` when run from a source
    checkout, otherwise "Khuyến Học" in the user's Documents, where an officer looks first."""
    source = PACKAGE_DIR.parent / "exports"
    if not getattr(sys, "frozen", False) and source.is_dir():
        return source
    return Path(platformdirs.user_documents_dir()) / "Khuyến Học"
