"""The home page's progress against the QĐ 387 targets, on the demo commune (whose previous year
is complete): numbers come from the database and the bars follow the year and title chosen."""

from PySide6.QtCore import QSettings
from sqlalchemy import func, select

from khuyenhoc_desktop.domain.dates import today
from khuyenhoc_desktop.services import progress
from khuyenhoc_desktop.storage.models import Hamlet
from khuyenhoc_desktop.ui.context import AppContext
from khuyenhoc_desktop.ui.home_page import HomePage
from khuyenhoc_desktop.ui.progress_chart import figures


def test_home_page_shows_progress_bars(qtbot, demo_db, tmp_path):
    ctx = AppContext(demo_db, settings=QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat))
    page = HomePage(ctx)
    qtbot.addWidget(page)
    page.ensure_loaded()
    last = today().year - 1
    assert page.year_box.currentData() == last  # the newest year with an issued decision
    assert page.year_box.findData(today().year) >= 0
    with demo_db.read() as s:
        commune, by_hamlet = progress.progress(s, last)
        hamlets = s.scalar(select(func.count(Hamlet.id)))
    labels = [label for label, _ in page.commune_chart.lines]
    assert labels[0] == "Gia đình học tập (mục tiêu 70%)" and labels[-1] == "Công dân học tập (mục tiêu 40%)"
    gdht = commune[0]
    assert gdht.recognised > 0 and f"Gia đình học tập (mục tiêu 70%): {figures(gdht)}, mục tiêu 70%" in page.commune_chart.toolTip()
    assert len(page.hamlet_chart.lines) == hamlets
    assert page.hamlet_caption.text().startswith(f"Gia đình học tập theo thôn, tổ dân phố năm {last}")
    page.title_box.setCurrentIndex(page.title_box.findData("CDHT"))
    assert page.hamlet_caption.text().startswith("Công dân học tập theo thôn")
    page.year_box.setCurrentIndex(page.year_box.findData(today().year))
    gdht_now = page.commune_chart.lines[0][1]
    assert gdht_now.recognised == 0  # the current year is open: nothing decided yet
    image = page.commune_chart.grab().toImage()
    assert image.height() >= 5 * 24


def test_title_names_dialog_saves_aliases(qtbot, db, tmp_path):
    from khuyenhoc_desktop.services import titles
    from khuyenhoc_desktop.ui.title_names_dialog import TitleNamesDialog

    ctx = AppContext(db, settings=QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat))
    dialog = TitleNamesDialog(ctx)
    qtbot.addWidget(dialog)
    assert dialog.fields["GĐHT"].text() == "" and dialog.fields["GĐHT"].placeholderText() == "Gia đình học tập"
    dialog.fields["GĐHT"].setText("Gia đình hiếu học")
    dialog.accept()
    with db.read() as s:
        assert titles.title_names(s)["GĐHT"] == "Gia đình hiếu học"
    again = TitleNamesDialog(ctx)
    qtbot.addWidget(again)
    assert again.fields["GĐHT"].text() == "Gia đình hiếu học"
