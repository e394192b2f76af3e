"""The import wizard end to end: a messy workbook in, rows in the database out."""

import openpyxl
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QWizard
from sqlalchemy import func, select

from khuyenhoc_desktop.domain import legacy
from khuyenhoc_desktop.services import registry as reg
from khuyenhoc_desktop.storage.models import Hamlet, Household, Person
from khuyenhoc_desktop.ui.context import AppContext
from khuyenhoc_desktop.ui.import_wizard import ImportWizard


@pytest.fixture
def ctx(db, tmp_path):
    with db.write() as s:
        reg.save_hamlet(s, reg.HamletForm(name="Thôn Đông"))
    return AppContext(db, settings=QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat))


def households_file(path, *, bad_cccd=False, tcvn3=False):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "DS ho"
    ws.append(["DANH SÁCH HỘ GIA ĐÌNH NĂM 2026"])
    ws.append([])
    ws.append(["STT", "HO TEN CHU HO", "Nam/Nữ", "Năm sinh", "Số CCCD", "Thôn/Xóm", "Địa chỉ"])
    names = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Đức Cường"]
    if tcvn3:
        names = [legacy.from_unicode(n, "tcvn3") for n in names]
    ws.append([1, names[0], "Nam", 1970, "001070123456", "Thôn Đông", "Xóm 1"])
    ws.append([2, names[1], "Nữ", 1985, "12345" if bad_cccd else "001185123456", "thon dong", "Xóm 2"])
    ws.append([3, names[2], "Nam", 1990, "", "Thôn Bắc", "Xóm 3"])
    ws.append(["", "Tổng cộng", "", "", "", "", ""])
    wb.save(path)
    return path


def run_wizard(qtbot, wizard, path, *, skip_invalid=False, create_missing=False):
    wizard.show()
    wizard.file_page.set_file(str(path))
    assert wizard.file_page.isComplete()
    wizard.next()
    assert wizard.currentPage() is wizard.mapping_page
    assert wizard.mapping_page.isComplete()
    wizard.next()
    review = wizard.review
    qtbot.waitUntil(lambda: review.plan is not None, timeout=20000)
    review.skip_invalid.setChecked(skip_invalid)
    if create_missing:
        review.create_missing.setChecked(True)
        qtbot.waitUntil(lambda: review.plan is not None, timeout=20000)
    return review


def test_wizard_guesses_layout_and_imports(qtbot, ctx, db, tmp_path):
    path = households_file(tmp_path / "ho.xlsx")
    wizard = ImportWizard(ctx, "households")
    qtbot.addWidget(wizard)
    review = run_wizard(qtbot, wizard, path)
    assert wizard.layout_.header_row == 3
    plan = review.plan
    assert plan.missing_hamlets == ["Thôn Bắc"]
    assert not review.isComplete()
    review.create_missing.setChecked(True)
    qtbot.waitUntil(lambda: review.plan is not None and not review.plan.rejected, timeout=20000)
    assert review.isComplete()
    wizard.next()
    run = wizard.run_page
    qtbot.waitUntil(lambda: run.result is not None, timeout=20000)
    assert run.result.added == 3
    assert "Thêm mới: 3 hộ" in run.summary.text()
    assert "Nhân khẩu thêm mới: 3" in run.summary.text()
    with db.read() as s:
        assert s.scalar(select(func.count(Household.id))) == 3
        names = set(s.scalars(select(Person.full_name)))
        assert names == {"Nguyễn Văn An", "Trần Thị Bình", "Lê Đức Cường"}
        assert s.scalar(select(Hamlet.id).where(Hamlet.name == "Thôn Bắc")) is not None
    wizard.button(QWizard.FinishButton).click()


def test_wizard_shows_bad_rows_with_file_row_numbers_and_can_skip_them(qtbot, ctx, db, tmp_path):
    path = households_file(tmp_path / "ho.xlsx", bad_cccd=True)
    wizard = ImportWizard(ctx, "households")
    qtbot.addWidget(wizard)
    review = run_wizard(qtbot, wizard, path, create_missing=True)
    rows = review.rejected.rows
    assert any(r[1] == 5 and "Số CCCD phải có đủ 12 chữ số." in r[3] for r in rows)
    assert not review.isComplete()
    review.skip_invalid.setChecked(True)
    assert review.isComplete()
    wizard.next()
    qtbot.waitUntil(lambda: wizard.run_page.result is not None, timeout=20000)
    assert wizard.run_page.save_rejected.isVisibleTo(wizard)
    with db.read() as s:
        assert set(s.scalars(select(Person.full_name))) == {"Nguyễn Văn An", "Lê Đức Cường"}


def test_wizard_converts_tcvn3_columns_and_shows_samples(qtbot, ctx, db, tmp_path):
    path = households_file(tmp_path / "tcvn3.xlsx", tcvn3=True)
    wizard = ImportWizard(ctx, "households")
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.file_page.set_file(str(path))
    wizard.next()
    name_column = wizard.layout_.mapping["full_name"]
    assert wizard.layout_.encodings.get(name_column) == "tcvn3"
    column = next(c for c in wizard.mapping_page.columns if c.index == name_column)
    assert "Nguyễn Văn An" in column.converted
    assert "Nguyễn Văn An" in wizard.mapping_page.samples["full_name"].text()


def test_wizard_refuses_a_file_that_is_not_excel(qtbot, ctx, tmp_path):
    bad = tmp_path / "hong.xlsx"
    bad.write_bytes(b"not a workbook at all")
    wizard = ImportWizard(ctx, "households")
    qtbot.addWidget(wizard)
    wizard.file_page.set_file(str(bad))
    assert not wizard.file_page.isComplete()
    assert wizard.file_page.error.text()


def test_wizard_header_row_can_be_chosen_by_hand(qtbot, ctx, tmp_path):
    path = households_file(tmp_path / "ho.xlsx")
    wizard = ImportWizard(ctx, "households")
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.file_page.set_file(str(path))
    wizard.next()
    page = wizard.mapping_page
    page.header_row.setValue(1)
    assert wizard.layout_.header_row == 1
    assert not page.isComplete()
    page.header_row.setValue(3)
    assert wizard.layout_.header_row == 3 and page.isComplete()
    assert page.combos["full_name"].currentText() == "B – HO TEN CHU HO"
