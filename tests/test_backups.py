"""Backups: a checked copy made with SQLite's backup API while the file is open, restore with
every table equal, the replaced file kept first, damaged and foreign files refused, an open file
not replaced."""

import shutil
import sqlite3

import pytest

from khuyenhoc_desktop import cli
from khuyenhoc_desktop.errors import UserError
from khuyenhoc_desktop.services import backups, registry
from khuyenhoc_desktop.services.registry import HamletForm
from khuyenhoc_desktop.storage.database import Database
from khuyenhoc_desktop.storage.models import Base


def _tables(path) -> dict:
    conn = sqlite3.connect(str(path))
    try:
        return {t: conn.execute(f'SELECT * FROM "{t}" ORDER BY 1').fetchall() for t in Base.metadata.tables}
    finally:
        conn.close()


@pytest.fixture
def data(demo_template, tmp_path, monkeypatch):
    from khuyenhoc_desktop import paths

    monkeypatch.setattr(paths, "user_data_dir", lambda: tmp_path / "user")
    path = tmp_path / "xa.sqlite"
    shutil.copy(demo_template, path)
    return path


def test_backup_of_an_open_file_then_restore(data, tmp_path, capsys):
    with Database(data) as db:  # the window has it open: the backup still works
        made = backups.backup(data)
        with db.write() as s:
            registry.save_hamlet(s, HamletForm(name="Thôn Mới Lập"))
    assert made.parent == tmp_path / "user" / "sao-luu" and made.name.startswith("xa-")
    before = _tables(made)
    assert _tables(data) != before  # the file moved on after the backup
    assert cli.main(["restore", str(made), "--db", str(data), "--format", "json"]) == 0
    answer = __import__("json").loads(capsys.readouterr().out)
    assert _tables(data) == before
    kept = answer["previous_saved_as"]
    assert any("Thôn Mới Lập" in row for row in _tables(kept)["hamlet"])


def test_cli_backup_to_a_file(data, tmp_path, capsys):
    out = tmp_path / "ban-sao.sqlite"
    assert cli.main(["backup", "--db", str(data), "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == f"Đã sao lưu xa.sqlite vào {out}."
    assert _tables(out) == _tables(data)
    assert cli.main(["backup", "--db", str(data), "--out", str(out)]) == 2
    assert "đã có" in capsys.readouterr().err


def test_bad_backups_are_refused_and_nothing_changes(data, tmp_path):
    original = _tables(data)
    damaged = tmp_path / "hong.sqlite"
    raw = bytearray(data.read_bytes())
    raw[5000:9000] = b"\x00" * 4000
    damaged.write_bytes(bytes(raw))
    foreign = tmp_path / "la.sqlite"
    conn = sqlite3.connect(str(foreign))
    conn.execute("CREATE TABLE x (a)")
    conn.commit()
    conn.close()
    text = tmp_path / "ghi-chu.txt"
    text.write_text("không phải dữ liệu", encoding="utf-8")
    for bad in (damaged, foreign, text):
        with pytest.raises(UserError):
            backups.restore(bad, data)
    assert _tables(data) == original
    with Database(data):
        with pytest.raises(UserError, match="đang được mở"):
            backups.restore(backups.backup(data), data)
