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


SELF_TEST_STEPS = ("Mở cửa sổ chính (ẩn) và đi qua mọi trang", "In thử và xem trước giấy công nhận mẫu",
                   "Lập báo cáo tổng kết năm", "Tạo chứng thư số dùng một lần", "Ký số báo cáo: PDF (PAdES)",
                   "Kiểm tra hai chữ ký", "Xuất danh sách nhân khẩu ra Excel và đọc lại",
                   "Phần ký bằng USB token (PKCS#11) có sẵn")


def assert_self_test_passed(stdout: str) -> None:
    """Nine numbered steps, each "đạt", then the closing verdict (also used on the bundle)."""
    import re

    passed = re.findall(r"^\[(\d)/9\] (.+): đạt \(\d+,\d giây\)$", stdout, re.MULTILINE)
    assert [int(n) for n, _ in passed] == list(range(1, 10)), stdout
    for step in SELF_TEST_STEPS:
        assert any(title.startswith(step) for _, title in passed), step
    assert "LỖI" not in stdout
    assert "Đã mở trang Nhân khẩu" in stdout and "Đã mở trang Quyết định công nhận" in stdout
    assert stdout.count("CHỮ KÝ HỢP LỆ") == 2
    assert stdout.strip().endswith("Tự kiểm tra: đạt")


def _self_test(tmp_path, *args, timeout=120):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path), XDG_STATE_HOME=str(tmp_path),
               XDG_DATA_HOME=str(tmp_path))
    return subprocess.run([sys.executable, "-m", "khuyenhoc_desktop", *args, "--self-test"],
                          capture_output=True, text=True, encoding="utf-8", env=env, timeout=timeout)


def test_self_test_on_a_copy_never_touches_the_file(demo_template, tmp_path):
    import hashlib
    import shutil

    path = tmp_path / "copy.sqlite"
    shutil.copy(demo_template, path)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    result = _self_test(tmp_path, "--db", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[1/9] Sao chép tệp dữ liệu vào thư mục tạm" in result.stdout
    assert_self_test_passed(result.stdout)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert not path.with_name("copy.sqlite-wal").exists()


def test_self_test_without_db_builds_its_own_demo(tmp_path):
    result = _self_test(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[1/9] Tạo xã mẫu 60 hộ trong thư mục tạm: đạt" in result.stdout
    assert_self_test_passed(result.stdout)
    assert list(tmp_path.rglob("*.sqlite")) == []  # the demo lived in a temporary folder, not the user's data


def test_self_test_names_what_failed_and_exits_1(tmp_path):
    bad = tmp_path / "khong-phai.sqlite"
    bad.write_text("không phải tệp dữ liệu")
    result = _self_test(tmp_path, "--db", str(bad))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "[1/9] Sao chép tệp dữ liệu vào thư mục tạm (tệp gốc chỉ được đọc): LỖI: không đọc được" in result.stdout
    assert "[8/9] Xuất danh sách nhân khẩu ra Excel và đọc lại: LỖI: không làm được" in result.stdout
    assert "Tự kiểm tra: không đạt (7/9 bước lỗi" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert bad.read_text() == "không phải tệp dữ liệu"


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
