"""Backups: a checked copy made with SQLite's backup API while the file is open, restore with
every table equal, the replaced file kept first, damaged and foreign files refused, an open file
not replaced; the rotation, the automatic backup of the window, the restore dialog, the .khbak
bundle, and the check at open that offers the newest good backup."""

import datetime as dt
import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from khuyenhoc_desktop import cli
from khuyenhoc_desktop.errors import UserError
from khuyenhoc_desktop.services import backups, registry
from khuyenhoc_desktop.services.backups import BackupFile
from khuyenhoc_desktop.services.registry import HamletForm
from khuyenhoc_desktop.storage.database import Database
from khuyenhoc_desktop.storage.models import Base
from khuyenhoc_desktop.ui import app as app_module
from khuyenhoc_desktop.ui import backup_dialogs, context
from khuyenhoc_desktop.ui.context import AppContext
from khuyenhoc_desktop.ui.main_window import MainWindow
from tests.gui_helpers import click_button


def _tables(path) -> dict:
    conn = sqlite3.connect(str(path))
    try:
        return {t: conn.execute(f'SELECT * FROM "{t}" ORDER BY 1').fetchall() for t in Base.metadata.tables}
    finally:
        conn.close()


def _hamlets(path) -> list[str]:
    conn = sqlite3.connect(str(path))
    try:
        return [row[0] for row in conn.execute("SELECT name FROM hamlet")]
    finally:
        conn.close()


@pytest.fixture
def data(demo_template, tmp_path, monkeypatch):
    from khuyenhoc_desktop import paths

    monkeypatch.setattr(paths, "user_data_dir", lambda: tmp_path / "user")
    path = tmp_path / "xa.sqlite"
    shutil.copy(demo_template, path)
    return path


@pytest.fixture
def settings(tmp_path, monkeypatch):
    """Windows opened by the controller keep their settings in the test's folder."""
    ini = str(tmp_path / "s.ini")
    monkeypatch.setattr(context, "QSettings", lambda *_a: QSettings(ini, QSettings.IniFormat))
    return ini


def _add_hamlet(path, name: str) -> None:
    with Database(path) as db, db.write() as s:
        registry.save_hamlet(s, HamletForm(name=name))


def _backup_at(data, when: dt.datetime) -> Path:
    """A real backup whose name says it was made at `when` (UTC)."""
    made = backups.backup(data)
    return made.rename(made.with_name(backups.default_name(data, when)))


class Modals:
    """Answer modal dialogs as they come up, in any nesting: `(match, act)` pairs, each used once.
    `seen` keeps the text of every message box."""

    def __init__(self, qtbot, *handlers):
        self.handlers = list(handlers)
        self.seen: list[str] = []
        self.errors: list[BaseException] = []
        self._done: set[int] = set()
        self._kept: list = []  # answered dialogs stay referenced, so a later one cannot reuse their id
        self.timer = QTimer()
        self.timer.timeout.connect(self._poll)
        self.timer.start(20)

    def _poll(self) -> None:
        widget = QApplication.activeModalWidget()
        if widget is None or id(widget) in self._done:
            self._waited = 0
            return
        if not any(match(widget) for match, _act in self.handlers):
            self._waited = getattr(self, "_waited", 0) + 1
            if self._waited > 100:  # two seconds of an unexpected dialog: fail instead of hanging
                text = widget.text() + " " + widget.informativeText() if isinstance(widget, QMessageBox) else ""
                self.errors.append(AssertionError(f"unexpected dialog {type(widget).__name__}: {text}"))
                widget.reject()
            return
        for i, (match, act) in enumerate(self.handlers):
            if match(widget):
                self._done.add(id(widget))
                self._kept.append(widget)
                if isinstance(widget, QMessageBox):
                    self.seen.append(widget.text() + "\n" + widget.informativeText())
                del self.handlers[i]
                # Out of this timer's slot: a dialog opened by `act` must be answered by the next poll.
                QTimer.singleShot(0, lambda: self._act(act, widget))
                return

    def _act(self, act, widget) -> None:
        try:
            act(widget)
        except BaseException as exc:  # never leave a modal dialog blocking the run
            self.errors.append(exc)
            widget.reject()

    def stop(self) -> None:
        self.timer.stop()
        if self.errors:
            raise self.errors[0]


def box_with(text: str):
    return lambda w: isinstance(w, QMessageBox) and text in w.text() + w.informativeText()


def _opened(qtbot, data: Path):
    """The data file opened as the program does, in a window the test closes with `_close`."""
    controller = app_module.Controller(None)
    controller.open(data, is_demo=False)
    qtbot.addWidget(controller.window)
    return controller


def _close(controller) -> None:
    """Close the window without its automatic backup, and the data file."""
    controller.window.automatic_backups = False
    controller.window.close()
    controller.ctx.db.close()


# ---------------------------------------------------------------- backups and restore

def test_backup_of_an_open_file_then_restore(data, tmp_path, capsys):
    with Database(data) as db:  # the window has it open: the backup still works
        made = backups.backup(data)
        with db.write() as s:
            registry.save_hamlet(s, HamletForm(name="Thôn Mới Lập"))
    assert made.parent == tmp_path / "user" / "sao-luu" / "xa" and made.name.startswith("xa-")
    before = _tables(made)
    assert _tables(data) != before  # the file moved on after the backup
    assert cli.main(["restore", str(made), "--db", str(data), "--format", "json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert _tables(data) == before
    kept = answer["previous_saved_as"]
    assert "Thôn Mới Lập" in _hamlets(kept)


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
    empty = tmp_path / "rong.sqlite"
    empty.write_bytes(b"")
    empty_db = tmp_path / "csdl-rong.sqlite"
    sqlite3.connect(str(empty_db)).execute("PRAGMA user_version=1").connection.close()
    for bad, why in ((damaged, "bị hỏng"), (foreign, "không phải"), (text, "không phải"), (empty, "không phải"),
                     (empty_db, "không phải")):
        with pytest.raises(UserError, match=why):
            backups.restore(bad, data)
    assert _tables(data) == original
    assert backups.list_backups(data) == []  # refused before the current file was even copied
    with Database(data):
        with pytest.raises(UserError, match="đang được mở"):
            backups.restore(backups.backup(data), data)


# ---------------------------------------------------------------- rotation

def _fake(made: dt.datetime) -> BackupFile:
    return BackupFile(Path(f"xa-{made:%Y%m%d-%H%M%S}.sqlite"), made, 1)


def test_rotation_keeps_the_last_ten_and_one_a_month_for_a_year():
    now = dt.datetime(2026, 6, 15, 12, 0)
    june = [dt.datetime(2026, 6, day, 11) for day in range(15, 0, -1)]  # one a day, 15/06 back to 01/06
    months = [divmod(2026 * 12 + 5 - back, 12) for back in range(1, 16)]
    months = [(year, index + 1) for year, index in months]  # 05/2026 back to 03/2025
    earlier = [dt.datetime(y, m, day, 9) for y, m in months for day in (20, 3)]
    kept, removed = backups.rotation([_fake(t) for t in earlier + june], now)
    assert [b.made for b in kept] == june[:10] + [dt.datetime(y, m, 20, 9) for y, m in months[:11]]
    assert sorted(b.made for b in removed) == sorted(
        june[10:] + [dt.datetime(y, m, 3, 9) for y, m in months]
        + [dt.datetime(y, m, 20, 9) for y, m in months[11:]])  # 06/2025 and before: outside the twelve months
    assert backups.rotation([], now) == ([], [])
    few = [_fake(dt.datetime(2020, 1, d)) for d in range(1, 4)]
    assert backups.rotation(few, now) == (few[::-1], [])  # fewer than ten: all kept, even old ones


def test_prune_removes_only_the_programs_old_backups(data, tmp_path):
    now = dt.datetime(2026, 6, 28, 12)
    made = [_backup_at(data, now - dt.timedelta(days=d)) for d in range(12)]  # all in June
    old = _backup_at(data, dt.datetime(2024, 4, 3))
    folder = backups.folder_for(data)
    other = folder / "ghi-chu.txt"
    other.write_text("của người dùng", encoding="utf-8")
    elsewhere = tmp_path / "usb" / "xa-20200101-000000.sqlite"
    assert cli.main(["backup", "--db", str(data), "--out", str(elsewhere)]) == 0
    removed = backups.prune(data, now)
    assert set(removed) == {made[10], made[11], old}
    assert all(p.exists() for p in made[:10]) and not old.exists()
    assert other.exists() and elsewhere.exists()


def test_cli_backup_lists_and_rotates(data, capsys):
    now = backups.utcnow()
    for minutes in range(1, 12):
        _backup_at(data, now - dt.timedelta(minutes=minutes))
    assert cli.main(["backup", "--db", str(data)]) == 0
    out = capsys.readouterr().out
    assert "Đã xóa 2 bản sao lưu cũ theo vòng xoay" in out
    assert len(backups.list_backups(data)) == backups.KEEP_LAST
    assert cli.main(["backup", "--db", str(data), "--list", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)["backups"]
    assert [b["file"] for b in listed] == [str(b.path) for b in backups.list_backups(data)]
    assert listed[0]["made"][2] == "/" and listed[0]["made"][5] == "/"


# ---------------------------------------------------------------- the window: automatic and manual backups

def _window(data, tmp_path, automatic=True) -> MainWindow:
    ctx = AppContext(Database(data), settings=QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat))
    window = MainWindow(ctx)
    window.automatic_backups = automatic
    return window


def test_closing_the_window_makes_a_backup(qtbot, data, tmp_path):
    window = _window(data, tmp_path)
    qtbot.addWidget(window)
    with window.ctx.db.write() as s:
        registry.save_hamlet(s, HamletForm(name="Thôn Trước Khi Đóng"))
    assert backups.list_backups(data) == []
    window.close()
    made = backups.list_backups(data)
    assert len(made) == 1 and "Thôn Trước Khi Đóng" in _hamlets(made[0].path)
    assert [p.name for p in made[0].path.parent.iterdir()] == [made[0].path.name]  # one self-contained file
    window.ctx.db.close()


def test_a_failed_backup_does_not_keep_the_window_open(qtbot, data, tmp_path, monkeypatch):
    window = _window(data, tmp_path)
    qtbot.addWidget(window)
    window.show()

    def broken(_path):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backups, "automatic_backup", broken)
    modals = Modals(qtbot, (box_with("Chưa sao lưu tự động được"), lambda box: box.accept()))
    assert window.close()
    modals.stop()
    assert not window.isVisible() and len(modals.seen) == 1
    window.ctx.db.close()


def test_daily_backup_only_when_the_newest_is_older_than_a_day(qtbot, data, tmp_path):
    window = _window(data, tmp_path)
    qtbot.addWidget(window)
    assert window.backup_timer.isActive() and window.backup_timer.interval() == 3600 * 1000
    old = _backup_at(data, backups.utcnow() - dt.timedelta(hours=25))
    window.backup_if_due()
    assert len(backups.list_backups(data)) == 2
    window.backup_if_due()  # the newest is minutes old now
    assert len(backups.list_backups(data)) == 2 and old.exists()
    window.automatic_backups = False
    window.close()
    window.ctx.db.close()


def test_no_automatic_backups_of_the_demo_commune(qtbot, data, settings):
    controller = app_module.Controller(None)
    controller.open(data, is_demo=True)
    qtbot.addWidget(controller.window)
    assert controller.window.automatic_backups is False
    controller.window.close()
    controller.ctx.db.close()
    assert backups.list_backups(data) == []


def test_backup_now_from_the_menu(qtbot, data, tmp_path):
    window = _window(data, tmp_path, automatic=False)
    qtbot.addWidget(window)
    labels = [a.text() for a in window.menuBar().actions()[0].menu().actions()]
    assert labels[:3] == ["Sao lưu ngay", "Khôi phục từ bản sao lưu…", "Chuyển sang máy khác (.khbak)…"]
    modals = Modals(qtbot, (box_with("Đã sao lưu dữ liệu vào tệp"), lambda box: box.accept()))
    window.action_backup.trigger()
    modals.stop()
    made = backups.list_backups(data)
    assert len(made) == 1 and str(made[0].path) in modals.seen[0]
    window.close()
    window.ctx.db.close()


# ---------------------------------------------------------------- restoring in the window

def test_restore_dialog_replaces_the_data_and_reopens(qtbot, data, tmp_path, settings):
    older = _backup_at(data, backups.utcnow() - dt.timedelta(days=3))
    _add_hamlet(data, "Thôn Sau Sao Lưu")
    newest = backups.backup(data)
    damaged = _backup_at(data, backups.utcnow() + dt.timedelta(minutes=5))
    raw = bytearray(damaged.read_bytes())
    raw[len(raw) // 2:len(raw) // 2 + 8000] = b"\x00" * 8000
    damaged.write_bytes(bytes(raw))
    controller = _opened(qtbot, data)
    first = controller.window
    with controller.ctx.db.write() as s:
        registry.save_hamlet(s, HamletForm(name="Thôn Chưa Sao Lưu"))

    def pick_older(dialog):
        qtbot.waitUntil(dialog.checks_done)
        assert [b.path for b in dialog.found] == [damaged, newest, older]  # newest first
        rows = [[dialog.table.item(r, c).text() for c in range(3)] for r in range(dialog.table.rowCount())]
        assert [row[0] for row in rows] == [backups.local_time(b.made) for b in dialog.found]
        assert [row[1] for row in rows] == [backups.format_size(b.size) for b in dialog.found]
        assert [row[2] for row in rows] == ["Hỏng", "Tốt", "Tốt"]
        dialog.table.selectRow(0)
        assert not dialog.restore_button.isEnabled()  # a damaged backup cannot be chosen
        dialog.grab().save(str(tmp_path / "shot-restore.png"))
        dialog.table.selectRow(2)
        dialog.restore_button.click()

    modals = Modals(
        qtbot,
        (lambda w: isinstance(w, backup_dialogs.RestoreDialog), pick_older),
        (box_with("Khôi phục dữ liệu từ bản sao lưu lúc"), lambda box: click_button(box, "Khôi phục")),
        (box_with("Đã khôi phục dữ liệu"), lambda box: box.accept()),
    )
    first.action_restore.trigger()
    modals.stop()
    shutil.copy(tmp_path / "shot-restore.png", "/tmp/shot-restore.png")
    assert controller.window is not first and controller.window.isVisible() and not first.isVisible()
    qtbot.addWidget(controller.window)
    assert _tables(data) == _tables(older)
    assert "Thôn Sau Sao Lưu" not in _hamlets(data)
    [kept] = {b.path for b in backups.list_backups(data)} - {older, newest, damaged}  # the file before the restore
    assert "Thôn Chưa Sao Lưu" in _hamlets(kept) and str(kept) in modals.seen[-1]
    with controller.ctx.db.write() as s:  # the new window works on the restored file
        registry.save_hamlet(s, HamletForm(name="Thôn Sau Khôi Phục"))
    _close(controller)
    assert "Thôn Sau Khôi Phục" in _hamlets(data)


def test_restore_dialog_with_another_file_and_a_refusal(qtbot, data, tmp_path, settings, monkeypatch):
    controller = _opened(qtbot, data)
    first = controller.window
    controller.window.automatic_backups = False
    before = _tables(data)
    foreign = tmp_path / "la.khbak"
    with zipfile.ZipFile(foreign, "w") as z:
        z.writestr("a.txt", "x")
    monkeypatch.setattr(backup_dialogs.QFileDialog, "getOpenFileName", lambda *a, **k: (str(foreign), ""))

    def other_file(dialog):
        assert dialog.table.rowCount() == 0 and not dialog.empty.isHidden()
        dialog.choose_file()

    modals = Modals(
        qtbot,
        (lambda w: isinstance(w, backup_dialogs.RestoreDialog), other_file),
        (box_with("Khôi phục dữ liệu từ tệp la.khbak"), lambda box: click_button(box, "Khôi phục")),
        (box_with("không phải bản chuyển máy"), lambda box: box.accept()),
    )
    first.action_restore.trigger()
    modals.stop()
    assert "Dữ liệu đang dùng vẫn như trước" in modals.seen[-1]
    qtbot.addWidget(controller.window)
    assert _tables(data) == before and backups.list_backups(data) == []
    with controller.ctx.db.read():  # reopened and usable
        pass
    _close(controller)


def test_only_the_chairman_restores(qtbot, data, tmp_path):
    window = _window(data, tmp_path, automatic=False)
    qtbot.addWidget(window)
    window.ctx.db.sign_in_as("thuquy", "treasurer")
    with pytest.raises(UserError, match="Chủ tịch Hội"):
        backup_dialogs.open_restore_dialog(window)
    window.close()
    window.ctx.db.close()


# ---------------------------------------------------------------- the .khbak bundle

def test_bundle_round_trip_every_table_equal(data, tmp_path, capsys):
    bundle = tmp_path / "chuyen may" / "xa.khbak"
    assert cli.main(["backup", "--db", str(data), "--out", str(bundle)]) == 0
    assert "Đã đóng gói xa.sqlite" in capsys.readouterr().out
    with zipfile.ZipFile(bundle) as z:
        assert sorted(z.namelist()) == ["du-lieu.sqlite", "manifest.json"]
        manifest = json.loads(z.read("manifest.json"))
        inside = z.read("du-lieu.sqlite")
    assert manifest["format"] == backups.BUNDLE_FORMAT and manifest["sha256"] == hashlib.sha256(inside).hexdigest()
    from khuyenhoc_desktop import __version__
    from khuyenhoc_desktop.storage.database import head_revision

    assert manifest["program_version"] == __version__ and manifest["schema_revision"] == head_revision()
    assert manifest["commune"] and manifest["commune"] in backup_dialogs.describe(bundle)
    assert dt.datetime.fromisoformat(manifest["created"].rstrip("Z")) <= backups.utcnow()
    target = tmp_path / "may-moi" / "khuyenhoc.sqlite"  # another computer: no data file yet
    assert cli.main(["restore", str(bundle), "--db", str(target), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["previous_saved_as"] is None
    assert _tables(target) == _tables(data)
    _add_hamlet(target, "Thôn Ở Máy Mới")
    assert cli.main(["restore", str(bundle), "--db", str(target)]) == 0  # again: the current file is kept first
    assert "Tệp cũ đã được sao lưu" in capsys.readouterr().out
    assert _tables(target) == _tables(data)


def _bundle(path: Path, db_file: Path, **changes) -> Path:
    raw = db_file.read_bytes()
    manifest = {"format": backups.BUNDLE_FORMAT, "format_version": 1, "program_version": "0.1.0",
                "schema_revision": "x", "commune": "", "created": "2026-01-01T00:00:00Z",
                "database": "du-lieu.sqlite", "sha256": hashlib.sha256(raw).hexdigest(), **changes}
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("manifest.json", json.dumps(manifest))
        z.writestr("du-lieu.sqlite", raw)
    return path


def test_bundles_that_are_not_ours_or_altered_or_newer_are_refused(data, tmp_path, capsys):
    original = data.read_bytes()
    foreign = tmp_path / "anh.khbak"
    with zipfile.ZipFile(foreign, "w") as z:
        z.writestr("anh.jpg", b"\xff\xd8")
    not_zip = tmp_path / "hong.khbak"
    not_zip.write_bytes(b"PK\x03\x04 not really")
    altered = _bundle(tmp_path / "sua.khbak", data, sha256="0" * 64)
    newer_db = tmp_path / "moi.sqlite"
    shutil.copy(data, newer_db)
    conn = sqlite3.connect(str(newer_db))
    conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    conn.commit()
    conn.close()
    newer = _bundle(tmp_path / "moi.khbak", newer_db)
    newer_format = _bundle(tmp_path / "dinh-dang-moi.khbak", data, format_version=2)
    cases = [(foreign, "không phải bản chuyển máy"), (not_zip, "không phải bản chuyển máy"),
             (altered, "SHA-256 không khớp"), (newer, "phiên bản mới hơn"), (newer_format, "phiên bản mới hơn")]
    for bundle, why in cases:
        assert cli.main(["restore", str(bundle), "--db", str(data)]) == 2
        err = capsys.readouterr().err
        assert why in err and bundle.name in err and "chưa có gì bị thay đổi" in err
    assert data.read_bytes() == original and backups.list_backups(data) == []


def test_bundle_from_the_menu(qtbot, data, tmp_path, monkeypatch):
    window = _window(data, tmp_path, automatic=False)
    qtbot.addWidget(window)
    chosen = tmp_path / "usb" / "mang-sang-may-khac"
    chosen.parent.mkdir()
    monkeypatch.setattr(backup_dialogs.QFileDialog, "getSaveFileName", lambda *a, **k: (str(chosen), ""))
    modals = Modals(qtbot, (box_with("Đã đóng gói toàn bộ dữ liệu"), lambda box: box.accept()))
    window.action_bundle.trigger()
    modals.stop()
    made = chosen.with_suffix(".khbak")
    assert made.is_file() and backups.bundle_manifest(made)["source_name"] == "xa.sqlite"
    window.close()
    window.ctx.db.close()


# ---------------------------------------------------------------- the check at open

def _damage(path: Path) -> bytes:
    raw = bytearray(path.read_bytes())
    middle = len(raw) // 2
    raw[middle:middle + 8000] = b"\x00" * 8000
    path.write_bytes(bytes(raw))
    return bytes(raw)


def _damage_table(path: Path, name: str) -> bytes:
    """Zero the leaf pages of one table or index only (the opening window does not read them)."""
    with sqlite3.connect(path) as conn:
        size = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = [r[0] for r in conn.execute("SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf'", (name,))]
    conn.close()
    assert pages
    raw = bytearray(path.read_bytes())
    for page in pages:
        raw[(page - 1) * size:page * size] = b"\x00" * size
    path.write_bytes(bytes(raw))
    return bytes(raw)


def _end_uncleanly(path: Path) -> None:
    """A program that writes to the file and dies without closing it: its write-ahead log stays."""
    code = ("import os, sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('PRAGMA user_version = 7'); "
            "c.commit(); os._exit(0)")
    subprocess.run([sys.executable, "-c", code, str(path)], check=True)
    assert backups.ended_uncleanly(path)


def test_damaged_file_offers_the_newest_good_backup(qtbot, data, tmp_path, settings, capsys):
    assert len(data.read_bytes()) // 4096 > 20  # a demo file with a fair number of pages
    good = _backup_at(data, backups.utcnow() - dt.timedelta(days=2))
    _add_hamlet(data, "Thôn Sau Bản Tốt")
    bad_backup = backups.backup(data)
    _damage(bad_backup)  # the newest backup is damaged too: the one before it is offered
    assert backups.open_check(data) is None  # closed cleanly: no check at open
    _end_uncleanly(data)
    damaged = _damage(data)
    assert backups.open_check(data) is not None and backups.quick_check(good) is None

    assert cli.main(["check", "--db", str(data)]) == 1
    out = capsys.readouterr().out
    assert "bị hỏng" in out and str(good) in out

    controller = app_module.Controller(None)
    modals = Modals(qtbot, (box_with("bị hỏng"), lambda box: click_button(box, "Không khôi phục")),
                    (box_with("Chưa có gì bị thay đổi"), lambda box: box.accept()))
    assert not controller.open_or_explain(data, is_demo=False)
    modals.stop()
    when = backups.local_time(next(b.made for b in backups.list_backups(data) if b.path == good))
    assert f"Bản sao lưu tốt mới nhất: lúc {when}" in modals.seen[0]
    assert data.read_bytes() == damaged and controller.window is None  # refused: nothing changed

    modals = Modals(qtbot, (box_with("bị hỏng"), lambda box: click_button(box, "Khôi phục bản sao lưu này")),
                    (box_with("Đã khôi phục dữ liệu từ bản sao lưu"), lambda box: box.accept()))
    assert controller.open_or_explain(data, is_demo=False)
    modals.stop()
    qtbot.addWidget(controller.window)
    assert _tables(data) == _tables(good) and backups.quick_check(data) is None
    kept = next(backups.folder_for(data).glob("xa-hong-*.sqlite")).read_bytes()
    # As it was, with the dead program's log applied: only the header (its user_version) differs.
    assert kept[100:] == damaged[100:] and kept[60:64] == (7).to_bytes(4, "big")
    assert str(next(backups.folder_for(data).glob("xa-hong-*.sqlite"))) in modals.seen[-1]
    assert cli.main(["check", "--db", str(data), "--full"]) == 0
    _close(controller)


def test_damaged_file_without_a_good_backup_is_left_alone(qtbot, data, settings):
    _end_uncleanly(data)
    damaged = _damage(data)
    controller = app_module.Controller(None)
    modals = Modals(qtbot, (box_with("bị hỏng"), lambda box: box.accept()))
    assert not controller.open_or_explain(data, is_demo=False)
    modals.stop()
    assert "Không có bản sao lưu nào dùng được" in modals.seen[0]
    assert data.read_bytes() == damaged


def test_the_quick_check_runs_before_the_window_only_after_an_unclean_end(qtbot, data, settings, monkeypatch):
    checked = []
    real = backups.quick_check
    controller = app_module.Controller(None)

    def recording(path):
        checked.append((Path(path), controller.window is not None and controller.window.isVisible()))
        return real(path)

    monkeypatch.setattr(backups, "quick_check", recording)
    for _ in range(2):  # a first start, then one after a clean close: checked once the window is shown
        checked.clear()
        controller.open(data, is_demo=False)
        qtbot.addWidget(controller.window)
        controller.background_check.join(30)
        assert controller.window.isVisible() and checked == [(data, True)]
        _close(controller)
        assert not backups.ended_uncleanly(data)
    _end_uncleanly(data)
    checked.clear()
    controller.window = None
    controller.open(data, is_demo=False)
    qtbot.addWidget(controller.window)
    assert checked == [(data, False)] and controller.background_check is None  # before, once
    _close(controller)
    assert not backups.ended_uncleanly(data)


def test_damage_found_by_the_background_check_offers_the_backup(qtbot, data, settings):
    good = _backup_at(data, backups.utcnow() - dt.timedelta(days=2))
    damaged = _damage_table(data, "person_fts_data")  # a disk that went bad while the program was closed
    assert not backups.ended_uncleanly(data)
    controller = app_module.Controller(None)
    modals = Modals(qtbot, (box_with("kiểm tra lúc mở tệp"), lambda box: click_button(box, "Khôi phục bản sao lưu này")),
                    (box_with("Đã khôi phục dữ liệu"), lambda box: box.accept()))
    controller.open(data, is_demo=False)  # the home page does not read the damaged pages
    first = controller.window
    qtbot.addWidget(first)
    controller.background_check.join(30)
    qtbot.waitUntil(lambda: controller.window is not first, timeout=10000)
    modals.stop()
    assert "bị hỏng" in modals.seen[0] and "kiểm tra lúc mở tệp phát hiện lỗi" in modals.seen[0]
    qtbot.addWidget(controller.window)
    assert _tables(data) == _tables(good)
    assert next(backups.folder_for(data).glob("xa-hong-*.sqlite")).read_bytes() == damaged
    _close(controller)


def test_damage_after_a_clean_end_is_caught_by_the_automatic_backup(qtbot, data, settings):
    good = _backup_at(data, backups.utcnow() - dt.timedelta(days=2))
    controller = _opened(qtbot, data)
    first = controller.window
    controller.background_check.join(30)  # the check at open passed before the disk error
    damaged = _damage(data)  # a disk error while the file is open
    modals = Modals(qtbot, (box_with("bản sao lưu tự động không qua được bước kiểm tra"),
                            lambda box: click_button(box, "Khôi phục bản sao lưu này")),
                    (box_with("Đã khôi phục dữ liệu"), lambda box: box.accept()))
    first.backup_if_due()
    modals.stop()
    when = backups.local_time(backups.list_backups(data)[0].made)
    assert f"Bản sao lưu tốt mới nhất: lúc {when}" in modals.seen[0]
    assert controller.window is not first and controller.window.isVisible()
    qtbot.addWidget(controller.window)
    assert _tables(data) == _tables(good)
    assert next(backups.folder_for(data).glob("xa-hong-*.sqlite")).read_bytes() == damaged
    assert [b.path for b in backups.list_backups(data)] == [good]  # no backup of the damaged file
    _close(controller)


def test_damage_met_while_opening_after_a_clean_end_offers_the_backup(qtbot, data, settings, monkeypatch):
    """The window's first queries hit a damaged page the skipped check would have found."""
    good = _backup_at(data, backups.utcnow() - dt.timedelta(days=2))
    from khuyenhoc_desktop.ui import home_page

    real = home_page.HomePage.refresh
    broken = [True]

    def refresh(page):
        if broken:
            broken.pop()
            error = sqlite3.DatabaseError("database disk image is malformed")
            error.sqlite_errorcode = sqlite3.SQLITE_CORRUPT
            raise error
        real(page)

    monkeypatch.setattr(home_page.HomePage, "refresh", refresh)
    controller = app_module.Controller(None)
    modals = Modals(qtbot, (box_with("bị hỏng"), lambda box: click_button(box, "Khôi phục bản sao lưu này")),
                    (box_with("Đã khôi phục dữ liệu từ bản sao lưu"), lambda box: box.accept()))
    assert controller.open_or_explain(data, is_demo=False)
    modals.stop()
    qtbot.addWidget(controller.window)
    assert _tables(data) == _tables(good) and controller.window.isVisible()
    _close(controller)


def test_damage_met_while_working_offers_the_backup(qtbot, data, settings, monkeypatch):
    good = _backup_at(data, backups.utcnow() - dt.timedelta(days=2))
    controller = _opened(qtbot, data)
    first = controller.window
    with controller.ctx.db.write() as s:
        registry.save_hamlet(s, HamletForm(name="Thôn Sau Bản Tốt"))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    app_module._install_excepthook(controller)
    modals = Modals(qtbot, (box_with("phần dữ liệu không đọc được"), lambda box: click_button(box, "Khôi phục bản sao lưu này")),
                    (box_with("Đã khôi phục dữ liệu"), lambda box: box.accept()))
    error = sqlite3.DatabaseError("database disk image is malformed")
    error.sqlite_errorcode = sqlite3.SQLITE_CORRUPT
    sys.excepthook(sqlite3.DatabaseError, error, None)  # as a slot that met a damaged page
    qtbot.waitUntil(lambda: controller.window is not first)
    modals.stop()
    qtbot.addWidget(controller.window)
    assert _tables(data) == _tables(good) and "Thôn Sau Bản Tốt" not in _hamlets(data)
    _close(controller)


@pytest.mark.parametrize("kind", ["foreign", "newer", "text"])
def test_window_refuses_foreign_and_newer_files_untouched(qtbot, data, tmp_path, settings, kind):
    path = tmp_path / "khac.sqlite"
    if kind == "text":
        path.write_text("Danh sách hộ\n", encoding="utf-8")
    else:
        shutil.copy(data, path)
        conn = sqlite3.connect(str(path))
        conn.execute("DROP TABLE alembic_version" if kind == "foreign" else
                     "UPDATE alembic_version SET version_num = '9999_from_the_future'")
        conn.commit()
        conn.close()
    before = path.read_bytes()
    controller = app_module.Controller(None)
    expected = "phiên bản mới hơn" if kind == "newer" else "không phải dữ liệu của chương trình"
    modals = Modals(qtbot, (box_with(expected), lambda box: box.accept()))
    assert not controller.open_or_explain(path, is_demo=False)
    modals.stop()
    assert "chưa có gì bị thay đổi" in modals.seen[0]
    assert path.read_bytes() == before and controller.window is None
