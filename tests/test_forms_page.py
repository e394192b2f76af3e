"""The Bộ tiêu chí page and the criteria-set editor, driven through their buttons and dialogs."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QSettings
from sqlalchemy import select

from khuyenhoc_desktop.domain import forms as F
from khuyenhoc_desktop.paths import forms_dir
from khuyenhoc_desktop.services import form_library as lib
from khuyenhoc_desktop.storage.models import CustomForm
from khuyenhoc_desktop.ui.context import AppContext
from khuyenhoc_desktop.ui.form_editor import C_POINTS, L_MIN
from khuyenhoc_desktop.ui.forms_page import FormsPage
from tests.gui_helpers import click_button, when_modal

DVHT = "dvht-tt22-2020"
COPY = "dvht-tt22-2020-tinh-2"


@pytest.fixture
def page(qtbot, db, tmp_path):
    ctx = AppContext(db, settings=QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat))
    widget = FormsPage(ctx)
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    widget.show()
    widget.ensure_loaded()
    return widget


def cells(page, column):
    model = page.model
    return [model.data(model.index(r, column)) for r in range(model.rowCount())]


def test_lists_forms_with_verification_and_source(page):
    ids = cells(page, 0)
    assert DVHT in ids and "gdht-qd448-2015" in ids
    assert set(cells(page, 4)) <= {"Đã kiểm chứng", "Chưa kiểm chứng"} and "Chưa kiểm chứng" in cells(page, 4)
    assert set(cells(page, 5)) == {"Có sẵn"}
    shipped = len(F.all_forms())
    assert page.count_label.text() == f"{shipped} bộ tiêu chí ({shipped} có sẵn, 0 của tỉnh)"


def test_notice_banner_and_missing_items(page):
    page.select_id("gdht-qd448-2015")
    notice = page.detail.notice
    assert notice.isVisible() and notice.wordWrap()
    assert notice.text().startswith("Lưu ý: bộ tiêu chí này chưa được kiểm chứng đầy đủ: ")
    assert page.detail.missing.isVisible() and "cần điền: tiêu chí 2 › chỉ tiêu 2.2: điểm tối đa" in page.detail.missing.text()
    top = page.detail.tree.topLevelItem(0)
    assert top.text(0) == "Tiêu chí 1" and top.child(0).text(2) == "10 điểm"
    page.select_id("cdht-xa-tt25-2023")
    assert page.detail.tree.topLevelItem(2).child(0).text(1) == "(chưa có nội dung)"
    assert page.detail.tree.topLevelItem(0).child(0).text(2) == "Đạt/Không đạt"
    assert "Quy tắc đạt:" in page.detail.rules.text()
    assert not page.edit_button.isEnabled() and "Nhân bản" in page.edit_button.toolTip()
    assert not page.delete_button.isEnabled()


def test_duplicate_creates_and_selects_a_row(page, db):
    page.select_id(DVHT)
    page.duplicate_button.click()
    assert COPY in cells(page, 0)
    assert page.selected_id() == COPY
    row = cells(page, 0).index(COPY)
    assert page.model.data(page.model.index(row, 5)) == "Tỉnh chỉnh sửa"
    assert page.edit_button.isEnabled() and page.delete_button.isEnabled()
    assert page.detail.notice.text().startswith("Lưu ý: ") and "Bản sao của dvht-tt22-2020" in page.detail.notice.text()
    with db.read() as s:
        assert lib.is_custom(s, COPY)


def test_edit_max_points_saves_a_new_version(page, db):
    page.select_id(DVHT)
    page.duplicate()

    def edit(dialog):
        dialog.tabs.setCurrentIndex(1)
        dialog.indicators.item(1, C_POINTS).setText("12,5")  # row 1 = indicator 1.1
        dialog.title.setText("Đơn vị học tập (tỉnh Thử)")
        dialog.save()

    when_modal(edit)
    page.edit()
    with db.read() as s:
        stored = json.loads(s.scalar(select(CustomForm.content).where(CustomForm.form_id == COPY)))
    assert stored["criteria"][0]["indicators"][0]["max_points"] == 12.5
    assert stored["version"] == "3" and stored["title"] == "Đơn vị học tập (tỉnh Thử)"
    assert page.selected_id() == COPY
    row = cells(page, 0).index(COPY)
    assert page.model.data(page.model.index(row, 3)) == "3"
    assert page.detail.tree.topLevelItem(0).child(0).text(2) == "12,5 điểm"


def test_invalid_edit_keeps_the_dialog_open_with_the_edits(page, db):
    page.select_id(DVHT)
    page.duplicate()
    seen = {}

    def edit(dialog):
        dialog.indicators.item(2, C_POINTS).setText("mười")
        dialog.save()
        seen["field"] = (dialog.isVisible(), dialog.general_error.text(), dialog.tabs.currentIndex())
        dialog.indicators.item(2, C_POINTS).setText("10")
        dialog.levels.item(0, L_MIN).setText("40")  # Tốt below Khá (70): the checker refuses
        dialog.save()
        seen["rule"] = (dialog.isVisible(), dialog.general_error.text(), dialog.levels.item(0, L_MIN).text())
        dialog.reject()

    when_modal(edit)
    page.edit()
    visible, message, tab = seen["field"]
    assert visible and tab == 1
    assert message == "Điểm tối đa của chỉ tiêu 1.2 phải là một số, ví dụ 10 hoặc 2,5 (để trống nếu chưa biết)."
    visible, message, kept = seen["rule"]
    assert visible and kept == "40"
    assert message.startswith("Chưa lưu được; hãy sửa:") and "các mức phải xếp từ cao xuống thấp" in message
    with db.read() as s:
        assert lib.find_form(s, COPY).version == "2"


def test_import_export_and_delete(page, db, tmp_path):
    data = json.loads((forms_dir() / f"{DVHT}.json").read_text(encoding="utf-8"))
    good = tmp_path / "tinh.json"
    good.write_text(json.dumps({**data, "id": "dvht-tinh-a"}, ensure_ascii=False, indent=2), encoding="utf-8")
    page.import_file(str(good))
    assert page.selected_id() == "dvht-tinh-a"

    seen = {}

    def read_and_close(box):
        seen["text"] = box.text() + "\n" + box.informativeText()
        click_button(box, "Đóng")

    del data["criteria"][0]["indicators"][0]["max_points"]
    bad = tmp_path / "sai.json"
    bad.write_text(json.dumps({**data, "id": "dvht-tinh-b"}, ensure_ascii=False, indent=2), encoding="utf-8")
    when_modal(read_and_close)
    page.import_file(str(bad))
    assert "Tệp sai.json chưa đúng định dạng bộ tiêu chí; có 1 lỗi." in seen["text"]
    assert "• Dòng " in seen["text"] and "chỉ tiêu 1.1: thiếu điểm tối đa" in seen["text"]

    out = tmp_path / "xuat.json"
    when_modal(lambda box: (seen.update(exported=box.text()), box.accept()))
    page.export_file(str(out))
    assert seen["exported"] == f"Đã ghi bộ tiêu chí dvht-tinh-a ra tệp {out}."
    assert json.loads(out.read_text(encoding="utf-8"))["id"] == "dvht-tinh-a"

    def confirm(box):
        seen["confirm"] = box.text()
        click_button(box, "Xóa bộ tiêu chí")

    when_modal(confirm)
    page.delete()
    assert "Xóa bộ tiêu chí dvht-tinh-a" in seen["confirm"] and "vẫn giữ nguyên" in seen["confirm"]
    assert "dvht-tinh-a" not in cells(page, 0)
