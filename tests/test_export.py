"""Excel export: the list page's rows, order and filters in a workbook a district clerk can file,
print and import back; CCCD masked, no formulas, never a half-written file."""

import datetime as dt
import io
import os
import pathlib
import re
import zipfile

import pytest
from openpyxl import load_workbook

from khuyenhoc_desktop import cli
from khuyenhoc_desktop.documents import xlsx
from khuyenhoc_desktop.domain.dates import parse_date
from khuyenhoc_desktop.errors import UserError
from khuyenhoc_desktop.services import exporting, lists
from khuyenhoc_desktop.services import registry as reg
from khuyenhoc_desktop.domain.privacy import mask, mask_cccd
from khuyenhoc_desktop.services.exporting import default_file_name, export_list
from khuyenhoc_desktop.services.lists import ListQuery
from tests.gui_helpers import click_button, seed, when_modal

TODAY = dt.date(2026, 11, 22)
DANGEROUS = ["=sum(a1) An", "+84912345678 Bé", "-x Cả", "@y Dũng"]


@pytest.fixture(autouse=True)
def _private_dirs(tmp_path_factory, monkeypatch):
    """Keep the log file and default folders out of the real home directory."""
    home = tmp_path_factory.getbasetemp() / "home"
    for var in ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"):
        monkeypatch.setenv(var, str(home / var.lower()))


@pytest.fixture
def commune(db):
    """The GUI tests' small commune plus people with CCCD and formula-like names."""
    ids = seed(db)
    with db.write() as s:
        ids["an_cccd"] = "001070123456"
        person = reg.load_person(s, ids["head"])
        person.cccd = ids["an_cccd"]
        reg.save_person(s, person)
        for text in DANGEROUS:
            family, given = text.rsplit(" ", 1)
            reg.save_person(s, reg.PersonForm(household_id=ids["h2"], family_name=family, given_name=given,
                                              sex="F", birth_year="2001", occupation="=SUM(A1)"))
    return ids


def hamlet_id(db, name):
    with db.read() as s:
        return lists.find_hamlet(s, name)


def read(path):
    """The workbook as Excel would read it (not read-only: styles are checked too)."""
    return load_workbook(io.BytesIO(pathlib.Path(path).read_bytes())).active


def header_row(ws):
    return int(re.match(r"A(\d+)", ws.auto_filter.ref).group(1))


def table_rows(ws):
    h = header_row(ws)
    return [list(r) for r in ws.iter_rows(min_row=h + 1, max_row=ws.max_row)]


def headers(ws):
    return [c.value for c in ws[header_row(ws)]]


def expected_value(column, shown):
    """What the export holds for a value the list page shows."""
    if shown in ("", None):
        return None
    if column.kind == lists.DATE:
        return dt.datetime.combine(parse_date(shown), dt.time())
    if exporting.is_personal_column(column):
        return mask(column.personal, shown)
    return shown


def run(capsys, db, *argv):
    """`khuyenhoc …` on the test's data file; the fixture lets go of the file first, as the
    window would (one program at a time holds a data file)."""
    db.close()
    code = cli.main([str(a) for a in (*argv, "--db", db.path)])
    out, err = capsys.readouterr()
    return code, out, err


# ---------------------------------------------------------------- naming and masking
def test_mask_id_keeps_first_four_and_last_two():
    assert mask_cccd("001090123456") == "0010******56"
    assert mask_cccd("") == "" and mask_cccd(None) == "" and mask_cccd("12345") == "*****"


def test_default_file_name():
    assert default_file_name("persons", TODAY) == "Danh sách nhân khẩu 22-11-2026.xlsx"
    assert default_file_name("hamlets", TODAY) == "Danh sách thôn, tổ dân phố 22-11-2026.xlsx"


# ---------------------------------------------------------------- same rows as the list page
@pytest.mark.parametrize("kind_key", list(lists.KINDS))
def test_every_list_exports_what_the_page_shows(demo_db, tmp_path, kind_key):
    out = tmp_path / "x.xlsx"
    result = export_list(demo_db, ListQuery(kind_key), out)
    with demo_db.read() as s:
        columns, rows = lists.as_table(s, ListQuery(kind_key))
    ws = read(out)
    extra = [c.header for c in lists.kind(kind_key).export_extra]
    assert headers(ws) == [c.header for c in columns] + extra
    got = table_rows(ws)
    assert result.rows == len(got) == len(rows) > 0
    for row, cells in zip(rows, got):
        assert [c.value for c in cells[: len(columns)]] == [expected_value(c, row[c.key]) for c in columns]


@pytest.mark.parametrize(
    "query",
    [
        dict(kind="persons", search="nguyen", hamlet="Thôn An Hòa"),
        dict(kind="persons", search="thi", sort_key="birth_date", descending=True),
        dict(kind="households", hamlet="Thôn An Lạc", status="poor"),
        dict(kind="members", search="nguyen", sort_key="join_date"),
    ],
)
def test_search_filter_and_order_as_on_the_page(demo_db, tmp_path, query):
    query = dict(query)
    hamlet = query.pop("hamlet", None)
    q = ListQuery(**query, hamlet_id=hamlet_id(demo_db, hamlet) if hamlet else None)
    export_list(demo_db, q, tmp_path / "x.xlsx")
    with demo_db.read() as s:
        columns, rows = lists.as_table(s, q)
    got = table_rows(read(tmp_path / "x.xlsx"))
    assert len(got) == len(rows)
    assert [c[1].value for c in got] == [expected_value(columns[1], r[columns[1].key]) for r in rows]
    assert [c[0].value for c in got] == [expected_value(columns[0], r[columns[0].key]) for r in rows]


def test_cli_export_same_rows_and_order_as_list(demo_db, tmp_path, capsys):
    out = tmp_path / "nk.xlsx"
    code, stdout, err = run(capsys, demo_db, "export", "persons", "--search", "nguyen", "--hamlet", "thon an hoa",
                            "--out", out)
    q = ListQuery("persons", "nguyen", hamlet_id(demo_db, "Thôn An Hòa"))
    with demo_db.read() as s:
        _, rows = lists.as_table(s, q)
    assert (code, err) == (0, "")
    assert stdout == f"Đã xuất {len(rows)} dòng vào {out}\n"
    ws = read(out)
    assert [c[0].value for c in table_rows(ws)] == [r["full_name"] for r in rows]
    texts = [ws.cell(r, 1).value for r in range(1, header_row(ws))]
    assert "Lọc: Thôn An Hòa; tìm “nguyen”" in texts


def test_cli_json_report(demo_db, tmp_path, capsys):
    code, stdout, _ = run(capsys, demo_db, "export", "hamlets", "--out", tmp_path / "t.xlsx", "--format", "json")
    assert code == 0
    assert stdout.strip() == f'{{"path": "{tmp_path / "t.xlsx"}", "rows": 3, "kind": "hamlets"}}'


def test_empty_result_still_a_proper_sheet(demo_db, tmp_path):
    result = export_list(demo_db, ListQuery("persons", search="khongcoaiten"), tmp_path / "x.xlsx")
    ws = read(tmp_path / "x.xlsx")
    h = header_row(ws)
    assert result.rows == 0 and table_rows(ws) == []
    assert headers(ws)[0] == "Họ và tên" and ws.auto_filter.ref == f"A{h}:L{h}"
    assert "Lọc: tìm “khongcoaiten”" in [ws.cell(r, 1).value for r in range(1, h)]


# ---------------------------------------------------------------- the workbook itself
def test_title_block_header_formats_and_print_setup(commune, db, tmp_path):
    out = tmp_path / "nk.xlsx"
    q = ListQuery("persons", search="nguyen", hamlet_id=commune["east"])
    export_list(db, q, out, today=TODAY)
    ws = read(out)
    assert ws.title == "Nhân khẩu"
    with db.read() as s:
        from khuyenhoc_desktop.services.profile import get_profile

        profile = get_profile(s)
    h = header_row(ws)
    block = [ws.cell(r, 1).value for r in range(1, h)]
    assert block[0] == profile.association_name.upper() and ws["A1"].font.b
    assert block[1].startswith(profile.commune_name + ", ")
    assert "DANH SÁCH NHÂN KHẨU" in block
    title = ws.cell(block.index("DANH SÁCH NHÂN KHẨU") + 1, 1)
    assert title.font.b and title.alignment.horizontal == "center"
    assert "Ngày xuất: 22/11/2026; tổng số 2 người" in block
    assert "Lọc: Thôn Đông; tìm “nguyen”" in block

    head = ws[h]
    assert all(c.font.b and c.border.bottom.style == "thin" and c.fill.fgColor.rgb.endswith("DDEBF7") for c in head)
    assert [c.value for c in head][-2:] == ["Mã hộ", "Chủ hộ"]
    assert ws.freeze_panes == f"A{h + 1}"
    assert ws.auto_filter.ref == f"A{h}:L{h + 2}"
    assert ws.print_title_rows == f"${h}:${h}"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
    assert int(ws.page_setup.fitToWidth) == 1 and int(ws.page_setup.fitToHeight) == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.oddFooter.center.text == "Trang &P / &N"
    assert all(4 <= ws.column_dimensions[c].width <= 41 for c in "ABCDEFGHIJKL")

    rows = {r[0].value: r for r in table_rows(ws)}
    child = rows["Nguyễn Minh Khôi"]
    born = child[2]
    assert born.value == dt.datetime(2012, 9, 5) and born.number_format == "dd/mm/yyyy"
    assert child[3].value == 2012 and child[3].number_format == "0"
    assert child[0].border.left.style == "thin" and child[0].number_format == "@"
    assert child[10].value == rows["Nguyễn Văn An"][10].value and child[11].value == "Nguyễn Văn An"


def test_counts_are_numbers(commune, db, tmp_path):
    export_list(db, ListQuery("households"), tmp_path / "h.xlsx")
    ws = read(tmp_path / "h.xlsx")
    names = headers(ws)
    assert names[-3:] == ["Giới tính chủ hộ", "Năm sinh chủ hộ", "Số CCCD chủ hộ"]
    size = names.index("Số nhân khẩu")
    rows = {r[1].value: r for r in table_rows(ws)}
    an = rows["Nguyễn Văn An"]
    assert an[size].value == 2 and isinstance(an[size].value, int) and an[size].number_format == "#,##0"
    assert [c.value for c in an[-3:]] == ["Nam", 1970, "0010******56"]
    assert rows["Trần Thị Đào"][-1].value is None


def test_members_carry_cccd_and_sex(commune, db, tmp_path, capsys):
    code, _, _ = run(capsys, db, "export", "members", "--out", tmp_path / "m.xlsx", "--full-ids")
    assert code == 0
    ws = read(tmp_path / "m.xlsx")
    assert headers(ws)[-2:] == ["Số CCCD", "Giới tính"]
    (row,) = table_rows(ws)
    assert [c.value for c in row[-2:]] == ["001070123456", "Nam"]
    assert row[4].value == dt.datetime(2020, 3, 1)


def test_cccd_masked_unless_full_ids(commune, db, tmp_path, capsys):
    masked, full = tmp_path / "masked.xlsx", tmp_path / "full.xlsx"
    assert run(capsys, db, "export", "persons", "--out", masked)[0] == 0
    assert run(capsys, db, "export", "persons", "--out", full, "--full-ids")[0] == 0
    cccd = headers(read(masked)).index("Số CCCD")
    values = {r[0].value: r[cccd].value for r in table_rows(read(masked))}
    assert values["Nguyễn Văn An"] == "0010******56"
    assert "001070123456" not in zipfile.ZipFile(masked).read("xl/worksheets/sheet1.xml").decode()
    values = {r[0].value: r[cccd].value for r in table_rows(read(full))}
    assert values["Nguyễn Văn An"] == "001070123456"


def test_formula_like_text_stays_text(commune, db, tmp_path):
    out = tmp_path / "nk.xlsx"
    export_list(db, ListQuery("persons", search="", sort_key=None), out, today=TODAY)
    export_list(db, ListQuery("persons", search="=sum"), tmp_path / "search.xlsx")
    ws = read(out)
    cells = {r[0].value: r for r in table_rows(ws)}
    for name in DANGEROUS:
        assert cells[name][0].data_type == "s" and cells[name][0].quotePrefix, name
        assert cells[name][7].value == "=SUM(A1)" and cells[name][7].data_type == "s"
    for path in (out, tmp_path / "search.xlsx"):
        assert all(c.data_type != "f" for row in read(path).iter_rows() for c in row)
        with zipfile.ZipFile(path) as z:
            sheet = z.read("xl/worksheets/sheet1.xml").decode()
        assert "<f>" not in sheet and "<f " not in sheet
        assert "=SUM(A1)" in sheet


# ---------------------------------------------------------------- files: never half-written
def test_existing_file_needs_force(commune, db, tmp_path, capsys):
    out = tmp_path / "nk.xlsx"
    out.write_bytes(b"old")
    code, stdout, err = run(capsys, db, "export", "persons", "--out", out)
    assert (code, stdout) == (2, "")
    assert err == f"Lỗi: Tệp {out} đã có; thêm --force để ghi đè.\n"
    assert out.read_bytes() == b"old"
    with pytest.raises(UserError, match="đã có"):
        export_list(db, ListQuery("persons"), out)
    assert out.read_bytes() == b"old"

    code, stdout, err = run(capsys, db, "export", "persons", "--out", out, "--force")
    assert (code, err) == (0, "")
    assert len(table_rows(read(out))) == 3 + len(DANGEROUS)
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]


@pytest.mark.parametrize("stop_after", [0, 2])
def test_stop_leaves_no_file(demo_db, tmp_path, monkeypatch, stop_after):
    monkeypatch.setattr(exporting, "CHUNK", 10)
    folder = tmp_path / "out"
    folder.mkdir()
    calls = []

    def cancel():
        calls.append(1)
        return len(calls) > stop_after

    seen = []
    with pytest.raises(UserError, match="^Đã dừng; chưa ghi tệp nào.$"):
        export_list(demo_db, ListQuery("persons"), folder / "nk.xlsx", cancel=cancel,
                    progress=lambda *a: seen.append(a))
    assert os.listdir(folder) == []
    assert seen[0][:2] == (0, 0) and all(isinstance(t, str) for *_, t in seen)

    old = folder / "old.xlsx"
    old.write_bytes(b"old")
    calls.clear()
    with pytest.raises(UserError):
        export_list(demo_db, ListQuery("persons"), old, overwrite=True, cancel=cancel)
    assert os.listdir(folder) == ["old.xlsx"] and old.read_bytes() == b"old"


def test_progress_reaches_the_total(demo_db, tmp_path, monkeypatch):
    monkeypatch.setattr(exporting, "CHUNK", 50)
    seen = []
    result = export_list(demo_db, ListQuery("persons"), tmp_path / "nk.xlsx", progress=lambda *a: seen.append(a))
    assert result.rows == 196
    assert [s[0] for s in seen if s[1]] == [50, 100, 150, 196, 196]
    assert "196" in seen[-2][2]


@pytest.mark.parametrize(
    "target, message",
    [
        ("missing/nk.xlsx", "Không có thư mục"),
        ("file.txt/nk.xlsx", "Không có thư mục"),
        ("nk.csv", "đuôi .xlsx"),
        (".", "đuôi .xlsx"),
        ("folder.xlsx", "là một thư mục"),
    ],
)
def test_unusable_target_exit_2(commune, db, tmp_path, capsys, target, message):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "file.txt").write_text("x")
    (folder / "folder.xlsx").mkdir()
    code, out, err = run(capsys, db, "export", "persons", "--out", folder / target)
    assert (code, out) == (2, "")
    assert err.startswith("Lỗi: ") and message in err and err.count("\n") == 1
    assert sorted(os.listdir(folder)) == ["file.txt", "folder.xlsx"]


def test_unwritable_folder_exit_2(commune, db, tmp_path, capsys, monkeypatch):
    real_open = pathlib.Path.open

    def refuse_temp(self, *args, **kwargs):
        if self.name.endswith(".tmp"):
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "open", refuse_temp)
    code, out, err = run(capsys, db, "export", "persons", "--out", tmp_path / "nk.xlsx")
    assert (code, out) == (2, "")
    assert err == f"Lỗi: Không ghi được vào thư mục {tmp_path}; hãy chọn thư mục khác.\n"
    assert not (tmp_path / "nk.xlsx").exists()


def test_error_while_saving_removes_temp(commune, db, tmp_path, monkeypatch):
    from openpyxl.workbook.workbook import Workbook

    def broken(self, filename):
        pathlib.Path(filename).write_bytes(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Workbook, "save", broken)
    with pytest.raises(UserError, match="ổ đĩa đã đầy"):
        export_list(db, ListQuery("persons"), tmp_path / "nk.xlsx")
    assert not [n for n in os.listdir(tmp_path) if "nk" in n]


# ---------------------------------------------------------------- shared helpers
def test_xlsx_helpers():
    assert xlsx.safe_text("a\x00b\x1fc\td") == "abc\td"
    assert len(xlsx.safe_text("x" * 40000)) == 32767
    assert xlsx.sheet_name("Thôn, tổ dân phố") == "Thôn, tổ dân phố"
    assert xlsx.sheet_name("a/b:c[d]*?") == "a b c d"
    assert len(xlsx.sheet_name("x" * 50)) == 31
    assert xlsx.looks_like_formula("=1") and xlsx.looks_like_formula("@a") and not xlsx.looks_like_formula("a=1")


def test_table_sheet_streams_rows(tmp_path):
    wb = xlsx.new_workbook("Thử")
    sheet = xlsx.TableSheet(wb, "Thử", [xlsx.SheetColumn("Tên"), xlsx.SheetColumn("Số tiền", xlsx.MONEY),
                                       xlsx.SheetColumn("Tỉ lệ", xlsx.PERCENT)], xlsx.TitleBlock(title="Thử"))
    for i in range(1000):
        sheet.append([f"Người {i}", i * 1000, i / 1000])
    assert sheet._pending is None and not sheet.ws._cells  # nothing held in memory
    assert sheet.close() == 1000
    with xlsx.replacing(tmp_path / "t.xlsx") as temp:
        wb.save(temp)
    ws = read(tmp_path / "t.xlsx")
    assert ws["A3"].value == "Tên" and ws["A4"].value == "Người 0"
    assert ws["B5"].value == 1000 and ws["B5"].number_format == '#,##0" đ"'
    assert ws["C5"].value == 0.001 and ws["C5"].number_format == "0.00%"
    assert [p.name for p in tmp_path.iterdir()] == ["t.xlsx"]


# ---------------------------------------------------------------- the window
@pytest.fixture
def persons_page(qtbot, commune, db, tmp_path):
    from PySide6.QtCore import QSettings

    from khuyenhoc_desktop.ui.context import AppContext
    from khuyenhoc_desktop.ui.list_page import ListPage

    ctx = AppContext(db, settings=QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat))
    page = ListPage(ctx, "persons")
    qtbot.addWidget(page)
    page.ensure_loaded()
    return page


def test_gui_export_writes_the_filtered_list(persons_page, qtbot, tmp_path, monkeypatch):
    from khuyenhoc_desktop.ui import export_action

    page = persons_page
    folder = tmp_path / "exports"
    monkeypatch.setattr(export_action.paths, "exports_dir", lambda: folder)
    page.search.setText("nguyen")
    page._search_timer.timeout.emit()
    page.hamlet_filter.setCurrentIndex(page.hamlet_filter.findText("Thôn Đông"))

    offered = {}

    def save_dialog(parent, caption, start, file_filter):
        offered.update(caption=caption, start=start, filter=file_filter)
        return str(folder / "ds"), file_filter

    done = []
    monkeypatch.setattr(export_action.QFileDialog, "getSaveFileName", save_dialog)
    monkeypatch.setattr(export_action, "ask_full_ids", lambda parent: False)
    monkeypatch.setattr(export_action, "show_done", lambda parent, result: done.append(result))
    export_action.export_list(page)
    qtbot.waitUntil(lambda: bool(done), timeout=20000)

    assert offered["filter"] == "Sổ tính Excel (*.xlsx)"
    assert pathlib.Path(offered["start"]).parent == folder and folder.is_dir()
    assert pathlib.Path(offered["start"]).name.startswith("Danh sách nhân khẩu ")
    out = folder / "ds.xlsx"
    assert done[0].path == out and done[0].rows == 2
    assert [r[0].value for r in table_rows(read(out))] == ["Nguyễn Văn An", "Nguyễn Minh Khôi"]
    assert page.ctx.settings.value(export_action.LAST_FOLDER_KEY) == str(folder)


def test_gui_asks_about_cccd(persons_page, qtbot):
    from khuyenhoc_desktop.ui.export_action import FULL_IDS_TEXT, ask_full_ids

    def tick_and_go(box):
        assert box.checkBox().text() == FULL_IDS_TEXT and not box.checkBox().isChecked()
        box.checkBox().setChecked(True)
        click_button(box, "Chọn nơi lưu…")

    when_modal(tick_and_go)
    assert ask_full_ids(persons_page) is True
    when_modal(lambda box: click_button(box, "Chọn nơi lưu…"))
    assert ask_full_ids(persons_page) is False
    when_modal(lambda box: click_button(box, "Hủy"))
    assert ask_full_ids(persons_page) is None


def test_gui_done_message(persons_page, tmp_path):
    from khuyenhoc_desktop.ui.export_action import done_box

    box = done_box(persons_page, exporting.ExportResult(tmp_path / "ds.xlsx", 1234))
    assert box.text() == "Đã xuất 1.234 dòng vào tệp “ds.xlsx”."
    assert str(tmp_path) in box.informativeText()
    assert sorted(b.text() for b in box.buttons()) == ["Mở thư mục", "Đóng"]


def test_rows_with_wrapped_text_get_their_height(tmp_path):
    """A streamed row is not measured by Excel or LibreOffice: a long note would overlap the
    next row unless the row is given the height of its wrapped text."""
    book = xlsx.new_workbook("Thử")
    sheet = xlsx.TableSheet(book, "Thử", [xlsx.SheetColumn("Tên", "text", 12), xlsx.SheetColumn("Ghi chú", "text", 20)],
                            xlsx.TitleBlock(title="Thử"))
    for _ in range(30):
        sheet.append(["An", "ngắn"])
    sheet.append(["Bình", "một ghi chú rất dài " * 12])
    sheet.close()
    out = tmp_path / "t.xlsx"
    book.save(out)
    ws = load_workbook(out).worksheets[0]
    last = ws.max_row
    assert ws.cell(last, 2).value.startswith("một ghi chú") and ws.row_dimensions[last].height >= 45
    assert ws.row_dimensions[last - 1].height is None
