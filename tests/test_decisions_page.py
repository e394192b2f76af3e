"""The decisions page and its dialogs: review meeting, decision (issue, amend), certificates
with their live preview, PDF export and printing."""

import subprocess

import pypdfium2 as pdfium
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtPrintSupport import QPrinter
from sqlalchemy import select

from khuyenhoc_desktop.documents.certificates import CertificateTemplate
from khuyenhoc_desktop.services import reviews, title_documents, titles
from khuyenhoc_desktop.storage.models import Decision, DecisionEntry, ReviewMeeting, ReviewVote
from khuyenhoc_desktop.ui import pdf_view
from khuyenhoc_desktop.ui.certificate_dialog import CertificateDialog
from khuyenhoc_desktop.ui.context import AppContext
from khuyenhoc_desktop.ui.decision_dialog import DecisionDialog
from khuyenhoc_desktop.ui.decisions_page import DecisionsPage
from khuyenhoc_desktop.ui.review_dialog import VOTES_COLUMN, ReviewDialog
from tests.gui_helpers import click_button, when_modal
from tests.test_titles import LOW, _decide, _scored
from tests.test_titles_cycle import _clan_commune, _profile

YEAR = 2025


@pytest.fixture
def ctx(db, tmp_path):
    return AppContext(db, settings=QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat))


@pytest.fixture
def commune(db):
    """Five households of 'Thôn Đông': three scored a pass, one failed, one not scored."""
    _profile(db)
    _hamlet, _clan, households = _clan_commune(db)
    passed = _scored(db, YEAR, households[:3])
    failed = _scored(db, YEAR, households[3:4], LOW)
    with db.write() as s:
        titles.register(s, YEAR, "GĐHT", "household", households[4:])
    return dict(passed=passed, failed=failed, households=households)


def column(model, col):
    return [model.data(model.index(r, col)) for r in range(model.rowCount())]


def page_for(ctx, qtbot):
    page = DecisionsPage(ctx)
    qtbot.addWidget(page)
    page.year.setValue(YEAR)
    page.ensure_loaded()
    page.title_filter.setCurrentIndex(page.title_filter.findData("GĐHT"))
    return page


def test_page_lists_decisions_and_enables_buttons_by_state(ctx, qtbot, db, commune):
    issued = _decide(db, YEAR, commune["passed"][:2])
    _decide(db, YEAR, commune["passed"][2:], issue=False)
    page = page_for(ctx, qtbot)
    assert page.objectName() == "page_decisions"
    assert column(page.model, 0) == ["01/QĐ-HKH", "02/QĐ-HKH"]
    assert column(page.model, 1) == ["15/01/2026", "15/01/2026"]
    assert column(page.model, 2) == ["Gia đình học tập"] * 2
    assert column(page.model, 4) == ["2", "1"]
    assert column(page.model, 5) == ["Đã ban hành", "Dự thảo"]
    assert page.count_label.text() == "Hiển thị 2 quyết định"

    page.select_id(issued)
    assert not page.edit_button.isEnabled() and not page.delete_button.isEnabled()
    assert "quyết định sửa đổi" in page.edit_button.toolTip()
    assert page.amend_button.isEnabled() and page.certificates_button.isEnabled()
    page.table.selectRow(1)
    assert page.edit_button.isEnabled() and not page.amend_button.isEnabled()
    assert "dự thảo" in page.amend_button.toolTip()

    when_modal(lambda box: click_button(box, "Xóa quyết định"))
    page.delete_decision()
    assert column(page.model, 0) == ["01/QĐ-HKH"]

    page.title_filter.setCurrentIndex(page.title_filter.findData("DHHT"))
    assert page.model.rowCount() == 0 and "Chưa có quyết định" in page.empty.text()
    assert page.review_button.isEnabled()
    page.title_filter.setCurrentIndex(0)
    assert not page.review_button.isEnabled() and "Chọn một danh hiệu" in page.review_button.toolTip()


def test_review_dialog_live_result_and_save(ctx, qtbot, db, commune):
    dialog = ReviewDialog(ctx, YEAR, "GĐHT")
    qtbot.addWidget(dialog)
    model = dialog.model
    assert column(model, 0) == ["Lê Văn An", "Lê Thị Bình", "Lê Văn Cường", "Lê Văn Dũng", "Trần Thị Én"]
    assert dialog.quorum_share.value() == 60 and dialog.approval_share.value() == 60
    assert dialog.chair_name.text() == "Trần Văn Bảo"  # the profile's Chủ tịch
    dialog.invited.setValue(20)
    dialog.present.setValue(11)
    assert dialog.attendance.text() == "Có mặt 11/20 (55%) — chưa đủ số lượng (cần 60%)"
    dialog.present.setValue(12)
    assert dialog.attendance.text() == "Có mặt 12/20 (60%) — đủ số lượng"
    for row, votes in enumerate((12, 7, 8, 12)):
        assert model.setData(model.index(row, VOTES_COLUMN), votes)
    assert column(model, 5)[:4] == ["100%", "58,3%", "66,7%", "100%"]
    assert column(model, 6) == ["Đề nghị công nhận", "Không đề nghị", "Đề nghị công nhận", "Không đề nghị",
                                "Chưa chấm"]
    assert dialog.summary.text().startswith("Đề nghị công nhận 2/5")

    # Errors are shown next to the fields; nothing typed is lost.
    dialog.held_on.setText("31/02/2025")
    dialog.secretary_name.setText("")
    dialog.save_and_close()
    assert dialog.result() == 0
    assert dialog.errors["held_on"].text() and dialog.errors["secretary_name"].text() == "Cần họ tên thư ký."
    assert model.votes[commune["passed"][0]] == 12

    dialog.held_on.setText("10/12/2025")
    dialog.place.setText("Nhà văn hóa thôn Đông")
    dialog.secretary_name.setText("Trần Thị Én")
    dialog.save_and_close()
    assert dialog.result() == 1
    with db.read() as s:
        meeting = s.scalar(select(ReviewMeeting))
        assert (meeting.invited, meeting.present, meeting.quorum_share) == (20, 12, 0.6)
        votes = dict(s.execute(select(ReviewVote.registration_id, ReviewVote.votes_for)).all())
        assert votes[commune["passed"][0]] == 12 and votes[commune["passed"][2]] == 8
        assert reviews.outcome(s, meeting.id).approved_ids == [commune["passed"][0], commune["passed"][2]]

    again = ReviewDialog(ctx, YEAR, "GĐHT")
    qtbot.addWidget(again)
    assert again.place.text() == "Nhà văn hóa thôn Đông" and again.present.value() == 12
    assert again.model.votes[commune["passed"][1]] == 7
    assert not again.print_button.isHidden()


def _meeting(db, commune):
    with db.write() as s:
        m = reviews.save_meeting(s, reviews.MeetingForm(
            year=YEAR, title_code="GĐHT", held_on="10/12/2025", chair_name="Trần Văn Bảo",
            secretary_name="Trần Thị Én", invited=20, present=12))
        reviews.set_votes(s, m, {commune["passed"][0]: 12, commune["passed"][1]: 3, commune["passed"][2]: 9})


def test_decision_dialog_prefills_issues_and_amends(ctx, qtbot, db, commune):
    _meeting(db, commune)
    page = page_for(ctx, qtbot)
    seen = {}

    def fill_and_issue(dialog):
        seen["number"] = dialog.number.text()
        seen["signer"] = (dialog.signer_name.text(), dialog.signer_title.text())
        seen["basis"] = dialog.basis.toPlainText()
        seen["chosen"] = dialog.model.chosen_ids()
        seen["count"] = dialog.count.text()
        seen["title_fixed"] = not dialog.title_combo.isEnabled()
        when_modal(lambda box: (seen.setdefault("confirm", box.informativeText()), click_button(box, "Ban hành")))
        dialog.issue_button.click()

    when_modal(fill_and_issue)
    page.new_decision()
    assert seen["number"] == "01/QĐ-HKH" and seen["signer"] == ("Trần Văn Bảo", "Chủ tịch")
    assert seen["title_fixed"]
    assert "Căn cứ biên bản họp bình xét danh hiệu Gia đình học tập năm 2025 ngày 10/12/2025" in seen["basis"]
    assert "Căn cứ Quyết định 448/QĐ-KHVN" in seen["basis"]
    assert seen["chosen"] == [commune["passed"][0], commune["passed"][2]]
    assert seen["count"] == "Đã chọn 2/3"
    assert "quyết định sửa đổi" in seen["confirm"]
    with db.read() as s:
        first = s.scalar(select(Decision))
        assert first.issued and first.number == "01/QĐ-HKH"
        assert sorted(s.scalars(select(DecisionEntry.registration_id))) == [commune["passed"][0], commune["passed"][2]]
    assert column(page.model, 5) == ["Đã ban hành"]
    page.select_id(first.id)
    assert not page.edit_button.isEnabled()

    def amend(dialog):
        seen["amend_number"] = dialog.number.text()
        seen["amend_chosen"] = dialog.model.chosen_ids()
        dialog.model.set_all(True)
        when_modal(lambda box: click_button(box, "Ban hành"))
        dialog.issue_button.click()

    when_modal(amend)
    page.amend_decision()
    assert seen["amend_number"] == "02/QĐ-HKH"
    assert seen["amend_chosen"] == [commune["passed"][0], commune["passed"][2]]
    with db.read() as s:
        second = s.scalar(select(Decision).where(Decision.number == "02/QĐ-HKH"))
        assert second.issued and second.amends_id == first.id
        assert len(list(s.scalars(select(DecisionEntry).where(DecisionEntry.decision_id == second.id)))) == 3
    assert column(page.model, 5) == ["Đã ban hành, được sửa đổi bởi QĐ 02/QĐ-HKH", "Sửa đổi QĐ 01/QĐ-HKH"]


def test_decision_dialog_errors_and_drafts(ctx, qtbot, db, commune):
    dialog = DecisionDialog(ctx, YEAR)  # no title from the page: the user chooses it
    qtbot.addWidget(dialog)
    assert dialog.title_combo.isEnabled()
    dialog.title_combo.setCurrentIndex(dialog.title_combo.findData("GĐHT"))
    assert dialog.model.chosen_ids() == [] and dialog.count.text() == "Đã chọn 0/3"
    assert "Chưa có biên bản" in dialog.source.text()
    dialog.number.setText("mười hai")
    dialog.save(issue=False)
    assert "12/QĐ-HKH" in dialog.errors["number"].text() and dialog.result() == 0
    dialog.number.setText("05/QĐ-HKH")
    dialog.model.set_all(True)
    dialog.save(issue=False)
    assert dialog.result() == 1
    with db.read() as s:
        draft = s.scalar(select(Decision))
        assert not draft.issued and draft.number == "05/QĐ-HKH"
    edit = DecisionDialog(ctx, YEAR, "GĐHT", decision_id=draft.id)
    qtbot.addWidget(edit)
    assert edit.number.text() == "05/QĐ-HKH" and len(edit.model.chosen_ids()) == 3
    assert edit.basis.toPlainText() == draft.basis


@pytest.fixture
def issued(db, commune):
    return _decide(db, YEAR, commune["passed"])


def test_certificate_preview_follows_the_template_and_saves_it(ctx, qtbot, db, issued):
    dialog = CertificateDialog(ctx, issued)
    qtbot.addWidget(dialog)
    before = dialog.preview.image.copy()
    assert not before.isNull() and abs(before.width() / before.height() - 841.89 / 595.28) < 0.01
    dialog.switches["show_border"].setChecked(False)
    dialog.offset_x.setValue(20)
    qtbot.waitUntil(lambda: dialog.preview.image != before, timeout=3000)
    after = dialog.preview.image
    # The outer border line (10 mm from the left edge) is gone.
    x = round(10 / 297 * after.width())
    assert min(before.pixelColor(x, after.height() // 2).lightness(),
               before.pixelColor(x + 1, after.height() // 2).lightness()) < 128
    assert after.pixelColor(x, after.height() // 2).lightness() > 200

    dialog.texts["title_line"].setText("Danh hiệu {sai}")
    dialog.render_preview()
    assert "ngoặc nhọn" in dialog.preview.text()
    dialog.texts["title_line"].setText("Đạt danh hiệu {title} năm {year}")
    dialog.font_scale.setValue(90)
    dialog.save_template()
    assert dialog.status.text() == "Đã lưu mẫu giấy công nhận."
    with db.read() as s:
        template = title_documents.load_template(s)
    assert (template.show_border, template.offset_x_mm, template.font_scale) == (False, 20.0, 0.9)
    dialog.offset_y.setValue(0)
    dialog.font_scale.setValue(50)
    assert dialog.font_scale.value() == 50


def test_certificate_export_writes_one_page_per_entity(ctx, qtbot, issued, tmp_path):
    dialog = CertificateDialog(ctx, issued)
    qtbot.addWidget(dialog)
    out = tmp_path / "gcn.pdf"
    seen = {}
    when_modal(lambda box: (seen.setdefault("text", box.text()), box.reject()), attempts=500)
    dialog.export_to(out)
    qtbot.waitUntil(lambda: "text" in seen, timeout=10000)
    assert seen["text"] == "Đã in 3 giấy công nhận vào tệp “gcn.pdf”."
    assert pdf_view.page_count(out) == 3
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "Gia đình ông Lê Văn An" in text and "Gia đình ông Lê Văn Cường" in text


def test_template_only_dialog_uses_a_sample(ctx, qtbot, db):
    _profile(db)
    dialog = CertificateDialog(ctx, None)
    qtbot.addWidget(dialog)
    assert not dialog.export_button.isEnabled() and "Chọn một quyết định" in dialog.export_button.toolTip()
    assert not dialog.preview.image.isNull()


def _pdf(path, template=None):
    from khuyenhoc_desktop.documents.certificates import Certificate, Issuer, render_certificates
    from khuyenhoc_desktop.domain.dates import today

    render_certificates(
        [Certificate("Gia đình ông Lê Văn An", "Thôn Đông", "Gia đình học tập", YEAR, None, "01/GCN-HKH",
                     "01/QĐ-HKH", today())] * 2,
        Issuer("HỘI KHUYẾN HỌC TỈNH", "HỘI KHUYẾN HỌC XÃ", "Tân Lập", "CHỦ TỊCH", "TM. BAN CHẤP HÀNH",
               "Trần Văn Bảo", today()), path, template or CertificateTemplate())
    return path


def test_pdf_view_renders_and_prints(qtbot, tmp_path):
    source = _pdf(tmp_path / "a.pdf")
    image = pdf_view.render_page(source, 0, width=600)
    assert image.width() == 600 and abs(image.width() / image.height() - 297 / 210) < 0.01
    assert image.pixelColor(300, 5).name() == "#ffffff"

    printer = QPrinter(QPrinter.HighResolution)
    printer.setOutputFormat(QPrinter.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    pdf_view.match_printer_to_pdf(printer, source)
    assert pdf_view.print_pdf(source, printer) == 2
    printed = pdfium.PdfDocument(str(tmp_path / "printed.pdf"))
    assert len(printed) == 2
    width, height = printed[0].get_size()
    assert abs(width - 841.89) < 2 and abs(height - 595.28) < 2  # landscape A4, as the source
    printed.close()


def test_page_view_scales_to_its_size(qtbot, tmp_path):
    view = pdf_view.PageView()
    qtbot.addWidget(view)
    view.resize(400, 400)
    view.set_image(pdf_view.render_page(_pdf(tmp_path / "a.pdf"), 0, width=800))
    pixmap = view.pixmap()
    assert pixmap.width() <= 400 and abs(pixmap.width() / pixmap.height() - 297 / 210) < 0.02
    assert Qt.AlignCenter & view.alignment()


def test_print_preview_of_the_whole_decision(ctx, qtbot, issued, monkeypatch):
    from PySide6.QtPrintSupport import QPrintPreviewDialog

    painted = []
    real = pdf_view.print_pdf
    monkeypatch.setattr(pdf_view, "print_pdf", lambda path, printer: painted.append(real(path, printer)))
    dialog = CertificateDialog(ctx, issued)
    qtbot.addWidget(dialog)
    seen = {}

    def look(preview):
        seen["kind"] = isinstance(preview, QPrintPreviewDialog)
        seen["orientation"] = preview.printer().pageLayout().orientation()
        preview.grab().save(str(ctx.db.path.parent / "preview.png"))
        preview.reject()

    when_modal(look, attempts=500)
    dialog.print_preview()
    qtbot.waitUntil(lambda: "kind" in seen, timeout=10000)
    assert seen["kind"] and painted == [3]
    from PySide6.QtGui import QPageLayout

    assert seen["orientation"] == QPageLayout.Landscape


def test_decision_paper_shown_then_saved(ctx, qtbot, db, commune, tmp_path):
    draft = _decide(db, YEAR, commune["passed"][:2], issue=False)
    page = page_for(ctx, qtbot)
    page.select_id(draft)
    assert page.paper_button.isEnabled()
    opened = []
    page.show_decision(on_open=opened.append)
    qtbot.waitUntil(lambda: bool(opened), timeout=10000)
    dialog = opened[0]
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "Quyết định số 01/QĐ-HKH" and dialog.page.maximum() >= 2
    assert not dialog.view.image.isNull() and dialog.view.image.height() > dialog.view.image.width()
    dialog.page.setValue(2)
    saved = dialog.save_to(tmp_path / "qd.pdf")
    assert dialog.saved.text() == f"Đã lưu vào {saved}"
    text = subprocess.run(["pdftotext", "-layout", str(saved), "-"], capture_output=True, text=True, check=True).stdout
    assert "DỰ THẢO" in text and "Lê Văn An" in text and "Lê Thị Bình" in text
    assert ctx.settings.value("export/last_folder") == str(tmp_path)
