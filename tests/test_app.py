"""Start-up: first run, the profile dialog, the demo commune, the offscreen self-test."""

import os
import subprocess
import sys

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import select

from khuyenhoc_desktop.domain import admin_units
from khuyenhoc_desktop.storage.models import CommuneProfile
from khuyenhoc_desktop.ui import app as app_module
from khuyenhoc_desktop.ui.context import AppContext
from khuyenhoc_desktop.ui.main_window import MainWindow
from khuyenhoc_desktop.ui.profile_dialog import ProfileDialog
from tests.gui_helpers import click_button, when_modal


@pytest.fixture
def ctx(db, tmp_path):
    return AppContext(db, settings=QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat))


def _choose(dialog, province_name, commune_name):
    dialog.province.setCurrentIndex(dialog.province.findText(province_name))
    dialog.commune.setCurrentIndex(dialog.commune.findText(commune_name))


def test_profile_dialog_saves_catalogue_names_and_fills_suggestions(qtbot, ctx, db):
    province = next(p for p in admin_units.provinces() if p.name == "Nghệ An")
    commune = admin_units.communes(province.code)[0]
    dialog = ProfileDialog(ctx, first_run=True)
    qtbot.addWidget(dialog)
    _choose(dialog, province.name, commune.name)
    assert dialog.association.text().startswith("Hội Khuyến học ")
    assert commune.name.split(" ", 1)[1] in dialog.association.text()
    dialog.officer_rows[0][1].setText("nguyễn văn bình")
    dialog.save()
    with db.read() as s:
        saved = s.scalar(select(CommuneProfile))
        assert (saved.province_code, saved.commune_code) == (province.code, commune.code)
        assert saved.commune_name == commune.name
        assert [(o.title, o.name) for o in saved.officers] == [("Chủ tịch", "Nguyễn Văn Bình")]


def test_profile_dialog_errors_next_to_fields(qtbot, ctx, db):
    dialog = ProfileDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.phone.setText("123")
    dialog.save()
    assert dialog.errors["province_code"].text() == "Chưa chọn tỉnh, thành phố."
    assert dialog.errors["phone"].text().startswith("Số điện thoại phải có 10 chữ số")
    with db.read() as s:
        assert s.scalar(select(CommuneProfile)) is None


def test_first_run_offers_setup_and_title_follows(qtbot, ctx, db):
    controller = app_module.Controller(None)
    controller.ctx = ctx
    controller.window = MainWindow(ctx)
    qtbot.addWidget(controller.window)
    assert "Chưa thiết lập xã" in controller.window.windowTitle()
    province = admin_units.provinces()[3]
    commune = admin_units.communes(province.code)[2]

    def welcome(box):
        assert "lần đầu" in box.text()

        def setup(dialog):
            _choose(dialog, province.name, commune.name)
            dialog.save()

        when_modal(setup)
        click_button(box, "Thiết lập xã của tôi")

    when_modal(welcome)
    controller.first_run()
    assert commune.name in controller.window.windowTitle()
    assert controller.window.pages["home"].title.text().startswith("Hội Khuyến học")


def test_first_run_can_be_postponed(qtbot, ctx, db):
    controller = app_module.Controller(None)
    controller.ctx = ctx
    controller.window = MainWindow(ctx)
    qtbot.addWidget(controller.window)
    when_modal(lambda box: click_button(box, "Để sau"))
    controller.first_run()
    with db.read() as s:
        assert s.scalar(select(CommuneProfile)) is None


def test_self_test_visits_every_page(demo_template, tmp_path):
    import shutil

    path = tmp_path / "copy.sqlite"
    shutil.copy(demo_template, path)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path), XDG_STATE_HOME=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-m", "khuyenhoc_desktop", "--db", str(path), "--self-test"],
        capture_output=True, text=True, encoding="utf-8", env=env, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Đã mở trang Nhân khẩu" in result.stdout and "Đã mở trang Quyết định công nhận" in result.stdout
    assert "Đã in thử và xem trước giấy công nhận mẫu" in result.stdout
    assert result.stdout.strip().endswith("Tự kiểm tra: đạt")


def test_self_test_on_missing_file_is_refused(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_STATE_HOME=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-m", "khuyenhoc_desktop", "--db", str(tmp_path / "none.sqlite"), "--self-test"],
        capture_output=True, text=True, encoding="utf-8", env=env, timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("Lỗi: Không có tệp dữ liệu")
    assert "Traceback" not in result.stderr


def test_message_box_buttons_are_vietnamese(qtbot):
    from PySide6.QtWidgets import QApplication

    from khuyenhoc_desktop.ui.i18n import install_translations

    install_translations(QApplication.instance())
    box = QMessageBox(QMessageBox.Question, "Hỏi", "Xóa?", QMessageBox.Yes | QMessageBox.No)
    qtbot.addWidget(box)
    assert sorted(b.text().replace("&", "") for b in box.buttons()) == ["Có", "Không"]


def test_unexpected_error_in_window_is_explained_not_shown_as_traceback(qtbot, monkeypatch, tmp_path):
    from khuyenhoc_desktop.errors import UserError as KhError

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    app_module._install_excepthook()
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: shown.append(("critical", text)))
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: shown.append(("warning", text)))
    try:
        raise ZeroDivisionError("boom")
    except ZeroDivisionError:
        sys.excepthook(*sys.exc_info())
    sys.excepthook(KhError, KhError("Số CCCD phải có đủ 12 chữ số."), None)
    assert shown[0][0] == "critical" and "lỗi ngoài dự kiến" in shown[0][1] and "boom" not in shown[0][1]
    assert shown[1] == ("warning", "Số CCCD phải có đủ 12 chữ số.")
