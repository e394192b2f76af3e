"""Named settings kept in the data file (table `setting`, JSON values), so the window and the
command line print the same way: the certificate template, the titles' display names."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from khuyenhoc_desktop.storage.models import Setting


def get(session: Session, key: str, default=None):
    row = session.scalar(select(Setting).where(Setting.key == key))
    if row is None:
        return default
    try:
        return json.loads(row.value)
    except ValueError:
        return default


def put(session: Session, key: str, value) -> None:
    row = session.scalar(select(Setting).where(Setting.key == key))
    if row is None:
        row = Setting(key=key)
        session.add(row)
    row.value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    session.flush()
