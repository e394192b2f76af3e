"""Công dân học tập: results per person and year, kept, listed, imported and exported through the
same machinery as the other lists."""

import datetime as dt

import openpyxl
import pytest
from PySide6.QtCore import QSettings
from sqlalchemy import select

from khuyenhoc_desktop import cli
from khuyenhoc_desktop.errors import DependencyError, ValidationError
from khuyenhoc_desktop.services import importing as im
from khuyenhoc_desktop.services import lists
from khuyenhoc_desktop.services import registry as reg
from khuyenhoc_desktop.services.lists import ListQuery
from khuyenhoc_desktop.storage.database import Database
from khuyenhoc_desktop.storage.models import CitizenResult

AN_CCCD = "001070123456"


def seed(db) -> dict:
    """Two hamlets, five persons (two of them namesakes born the same year in different hamlets)
    and one result: Nguyễn Văn An, 2024."""
    ids = {}
    with db.write() as s:
        east = reg.save_hamlet(s, reg.HamletForm(name="Thôn Đông"))
        west = reg.save_hamlet(s, reg.HamletForm(name="Thôn Đoài"))
        people = [
            ("an", east, "Nguyễn", "Văn", "An", "M", "1970", AN_CCCD),
            ("dao", west, "Trần", "Thị", "Đào", "F", "1982", ""),
            ("binh", east, "Lê", "Văn", "Bình", "M", "1965", ""),
            ("cuong_east", east, "Phạm", "Văn", "Cường", "M", "1980", ""),
            ("cuong_west", west, "Phạm", "Văn", "Cường", "M", "1980", ""),
        ]
        for key, hamlet, family, middle, given, sex, year, cccd in people:
            household = reg.create_household(
                s, reg.HouseholdForm(hamlet_id=hamlet),
                reg.PersonForm(family_name=family, middle_name=middle, given_name=given, sex=sex,
                               birth_year=year, cccd=cccd))
            ids[key] = reg.load_household(s, household).head_person_id
            ids[key + "_household"] = household
        ids["an_2024"] = reg.save_citizen_result(s, reg.CitizenResultForm(
            person_id=ids["an"], year="2024", form_group="1", total="88", result="passed",
            result_on="20/10/2024"))
        ids.update(east=east, west=west)
    return ids


@pytest.fixture
def seeded(db):
    return db, seed(db)


def rows_in_db(db) -> list[tuple]:
    with db.read() as s:
        return [(r.person_id, r.year, r.form_group, r.total, r.passed, r.result_on, r.source, r.note)
                for r in s.scalars(select(CitizenResult).order_by(CitizenResult.person_id, CitizenResult.year))]


# ---------------------------------------------------------------- the service
def test_validation_messages(seeded):
    db, ids = seeded
    with db.read() as s:
        errors = reg.validate_citizen_result(s, reg.CitizenResultForm(
            year="1989", form_group="7", total="101", result="?", result_on="31/02/2025", source="fax"))
    assert errors == {
        "person_id": "Chưa chọn người (phải là một nhân khẩu trong danh sách).",
        "year": "Năm đánh giá phải là năm có 4 chữ số, từ 1990 đến 2100.",
        "form_group": "Nhóm phiếu '7' không hợp lệ.",
        "total": "Tổng điểm phải là số từ 0 đến 100, ví dụ 85 hoặc 85,5.",
        "result": "Kết quả '?' không hợp lệ.",
        "result_on": errors["result_on"],
        "source": "Nguồn 'fax' không hợp lệ.",
    }
    assert errors["result_on"].startswith("Ngày: ")
    with db.read() as s:
        assert reg.validate_citizen_result(s, reg.CitizenResultForm(person_id=ids["dao"], year="2025",
                                                                    total="abc"))["total"].startswith("Tổng điểm")


def test_one_result_per_person_and_year(seeded):
    db, ids = seeded
    with db.write() as s, pytest.raises(ValidationError) as exc:
        reg.save_citizen_result(s, reg.CitizenResultForm(person_id=ids["an"], year="2024", result="failed"))
    assert exc.value.errors == {"year": "Nguyễn Văn An đã có kết quả năm 2024."}
    with db.write() as s:  # editing the one result itself is no clash; another year is fine
        form = reg.load_citizen_result(s, ids["an_2024"])
        assert form == reg.CitizenResultForm(id=ids["an_2024"], person_id=ids["an"], year="2024", form_group="1",
                                             total="88", result="passed", result_on="20/10/2024", source="online")
        form.total, form.note = "85,5", "sửa điểm"
        reg.save_citizen_result(s, form)
        reg.save_citizen_result(s, reg.CitizenResultForm(person_id=ids["an"], year="2025", result="failed",
                                                         source="paper"))
    assert rows_in_db(db) == [
        (ids["an"], 2024, "1", 85.5, True, dt.date(2024, 10, 20), "online", "sửa điểm"),
        (ids["an"], 2025, "", None, False, None, "paper", ""),
    ]


def test_pass_below_the_mark_is_a_warning():
    assert reg.citizen_result_warnings(reg.CitizenResultForm(total="75,5", result="passed")) == [
        "Kết quả Đạt nhưng tổng điểm 75,5 dưới 80 (mức đạt)."]
    assert reg.citizen_result_warnings(reg.CitizenResultForm(total="75", result="failed")) == []
    assert reg.citizen_result_warnings(reg.CitizenResultForm(total="", result="passed")) == []


def test_a_person_with_results_is_kept(seeded):
    db, ids = seeded
    with db.read() as s:
        person = reg.delete_plan(s, "persons", ids["an"])
        household = reg.delete_plan(s, "households", ids["an_household"])
        result = reg.delete_plan(s, "citizen_results", ids["an_2024"])
    assert person.blockers == ["Người này có 1 kết quả công dân học tập; kết quả là lịch sử phải giữ, "
                               "nên chưa xóa được người này."]
    assert household.blockers == ["1 người trong hộ có kết quả công dân học tập; kết quả là lịch sử phải "
                                  "giữ, nên chưa xóa được hộ."]
    assert result.allowed and result.title == "kết quả công dân học tập năm 2024 của Nguyễn Văn An"
    with db.write() as s, pytest.raises(DependencyError):
        reg.delete_record(s, "persons", ids["an"])
    with db.write() as s:
        reg.delete_record(s, "citizen_results", ids["an_2024"])
        reg.delete_record(s, "persons", ids["an"])
    assert rows_in_db(db) == []


# ---------------------------------------------------------------- the list
def add_results(db, ids):
    with db.write() as s:
        for key, year, total, result in (("dao", 2025, "78", "failed"), ("binh", 2025, "92", "passed"),
                                         ("cuong_east", 2025, "", "passed"), ("cuong_west", 2024, "60", "failed")):
            reg.save_citizen_result(s, reg.CitizenResultForm(person_id=ids[key], year=str(year), total=total,
                                                             result=result, form_group="2"))


def test_list_order_search_filters_and_paging(seeded):
    db, ids = seeded
    add_results(db, ids)
    with db.read() as s:
        columns, rows = lists.as_table(s, ListQuery("citizen_results"))
        assert [c.header for c in columns] == ["Họ tên", "Năm sinh", "Thôn", "Năm đánh giá", "Nhóm phiếu",
                                               "Tổng điểm", "Kết quả", "Ngày", "Nguồn", "Ghi chú"]
        assert [(r["full_name"], r["year"], r["total"], r["passed"]) for r in rows] == [
            ("Nguyễn Văn An", 2024, "88", "Đạt"),  # Vietnamese order: by given name first
            ("Lê Văn Bình", 2025, "92", "Đạt"),
            ("Phạm Văn Cường", 2025, "", "Đạt"),
            ("Phạm Văn Cường", 2024, "60", "Chưa đạt"),
            ("Trần Thị Đào", 2025, "78", "Chưa đạt"),
        ]
        assert rows[1]["form_group"] == "Công nhân, thợ thủ công" and rows[0]["source"] == "congdanhoctap.vn"
        assert rows[0]["result_on"] == "20/10/2024" and rows[4]["hamlet"] == "Thôn Đoài"

        def names(q):
            return [lists.fetch_rows(s, "citizen_results", [i])[i]["full_name"] for i in lists.row_ids(s, q)]

        assert names(ListQuery("citizen_results", search="dao")) == ["Trần Thị Đào"]
        assert names(ListQuery("citizen_results", search="cuong")) == ["Phạm Văn Cường"] * 2
        assert names(ListQuery("citizen_results", status="failed")) == ["Phạm Văn Cường", "Trần Thị Đào"]
        assert names(ListQuery("citizen_results", hamlet_id=ids["west"], status="failed")) == [
            "Phạm Văn Cường", "Trần Thị Đào"]
        assert names(ListQuery("citizen_results", hamlet_id=ids["east"], search="cuong")) == ["Phạm Văn Cường"]
        assert lists.count_rows(s, ListQuery("citizen_results", search="van")) == 4
        assert lists.count_rows(s, ListQuery("citizen_results", status="passed")) == 3
        # Pages read with OFFSET agree with the whole list, and a row's position is found.
        for q in (ListQuery("citizen_results"), ListQuery("citizen_results", descending=True),
                  ListQuery("citizen_results", search="van"), ListQuery("citizen_results", status="failed")):
            assert lists.name_ordered(q)
            ids_all = lists.row_ids(s, q)
            matches = lists.count_rows(s, q)
            paged = [r["id"] for start in range(0, matches, 2) for r in lists.page_rows(s, q, start, 2, matches)]
            assert paged == ids_all
            assert [lists.position(s, q, i) for i in ids_all] == list(range(len(ids_all)))
        by_total = ListQuery("citizen_results", sort_key="total", descending=True)
        assert not lists.name_ordered(by_total)
        assert [r["total"] for r in lists.as_table(s, by_total)[1]] == ["92", "88", "78", "60", ""]


# ---------------------------------------------------------------- import
HEADERS = ["STT", "Ho va ten", "Nam sinh", "Số định danh", "Thôn", "Năm", "Nhóm", "Tong diem", "Kết quả", "Ngày",
           "Nguồn"]


def workbook(path, headers, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["DANH SÁCH CÔNG DÂN HỌC TẬP NĂM 2025"])
    ws.append([])
    ws.append(headers)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def results_file(path):
    return workbook(path, HEADERS, [
        [1, "NGUYỄN VĂN AN", None, AN_CCCD, None, 2025, "Nhóm 1", 85, "Đạt", "15/10/2025", "congdanhoctap.vn"],
        [2, "Tran Thi Dao", 1982, None, "Thôn Đoài", 2025, "Công nhân", 78, "Chưa đạt", None, "Phiếu giấy"],
        [3, "Lê Văn Bình", 1965, None, None, 2025, 3, 92.5, "x", dt.datetime(2025, 11, 2), None],
        [4, "Hoàng Văn Không", 1990, None, "Thôn Đông", 2025, None, 90, "Đạt", None, None],
        [5, "Nguyễn Văn An", 1970, None, "Thôn Đông", 2024, None, 70, "Chưa đạt", None, None],
        [6, "Phạm Văn Cường", 1980, None, None, 2025, None, 81, "Đạt", None, None],
    ])


NOT_FOUND = ("Không tìm thấy nhân khẩu Hoàng Văn Không (sinh năm 1990), Thôn Đông trong danh sách; "
             "hãy nhập hộ gia đình trước hoặc kiểm tra họ tên, năm sinh.")
AMBIGUOUS = ("Có 2 nhân khẩu Phạm Văn Cường (sinh năm 1980); hãy thêm cột Số CCCD, Năm sinh hoặc Thôn "
             "để biết là ai.")


def test_columns_found_with_or_without_diacritics(seeded, tmp_path):
    layout = im.guess_layout(results_file(tmp_path / "cdht.xlsx"), "citizen_results")
    assert layout.header_row == 3
    assert layout.mapping == {"full_name": 2, "birth_year": 3, "cccd": 4, "hamlet": 5, "year": 6,
                              "form_group": 7, "total": 8, "result": 9, "result_on": 10, "source": 11}


def test_import_rows_messages_and_all_or_nothing(seeded, tmp_path):
    db, ids = seeded
    path = results_file(tmp_path / "cdht.xlsx")
    layout = im.guess_layout(path, "citizen_results")
    result = im.run_import(db, path, "citizen_results", layout, im.ImportOptions())
    assert [(i.row, i.message) for i in result.rejected] == [(7, NOT_FOUND), (9, AMBIGUOUS)]
    assert [(d.row, d.name, d.reason, d.action) for d in result.duplicates] == [
        (8, "Nguyễn Văn An", "Nguyễn Văn An đã có kết quả năm 2024", "skip")]
    assert not result.written and result.would_add == 3
    assert len(rows_in_db(db)) == 1  # one bad row: nothing saved

    result = im.run_import(db, path, "citizen_results", layout, im.ImportOptions(skip_invalid=True))
    assert result.written and (result.added, result.skipped) == (3, 1) and result.notes == []
    assert rows_in_db(db) == [
        (ids["an"], 2024, "1", 88.0, True, dt.date(2024, 10, 20), "online", ""),
        (ids["an"], 2025, "1", 85.0, True, dt.date(2025, 10, 15), "online", ""),
        (ids["dao"], 2025, "2", 78.0, False, None, "paper", ""),
        (ids["binh"], 2025, "3", 92.5, True, dt.date(2025, 11, 2), "online", ""),
    ]


def test_duplicate_year_added_is_refused_and_merge_updates(seeded, tmp_path):
    db, ids = seeded
    path = results_file(tmp_path / "cdht.xlsx")
    layout = im.guess_layout(path, "citizen_results")
    added = im.run_import(db, path, "citizen_results", layout, im.ImportOptions(skip_invalid=True, duplicates="add"))
    assert [(i.row, i.message) for i in added.rejected] == [
        (7, NOT_FOUND), (8, "Nguyễn Văn An đã có kết quả năm 2024."), (9, AMBIGUOUS)]
    merged = im.run_import(db, path, "citizen_results", layout,
                           im.ImportOptions(skip_invalid=True, duplicates="merge"))
    assert (merged.added, merged.merged) == (0, 4)  # the three added just before, and An's 2024
    assert rows_in_db(db)[0] == (ids["an"], 2024, "1", 70.0, False, dt.date(2024, 10, 20), "online", "")


def test_without_a_result_column_the_total_decides(seeded, tmp_path):
    db, ids = seeded
    path = workbook(tmp_path / "diem.xlsx", ["Họ và tên", "Năm sinh", "Năm đánh giá", "Tổng điểm", "Hình thức"], [
        ["Trần Thị Đào", 1982, 2025, 80, "giấy"],
        ["Lê Văn Bình", 1965, 2025, "79,5", "trực tuyến"],
        ["Phạm Văn Cường", 1980, 2025, None, None],
    ])
    layout = im.guess_layout(path, "citizen_results")
    plan = im.analyse(db, path, "citizen_results", layout)
    assert plan.notes == ["Tệp không có cột Kết quả: người có tổng điểm từ 80 trở lên được ghi là Đạt, "
                          "còn lại Chưa đạt."]
    assert [(i.row, i.message) for i in plan.rejected] == [
        (6, AMBIGUOUS), (6, "Chưa ghi kết quả (Đạt hoặc Chưa đạt) hay tổng điểm.")]
    im.run_import(db, path, "citizen_results", layout, im.ImportOptions(skip_invalid=True))
    assert rows_in_db(db)[1:] == [
        (ids["dao"], 2025, "", 80.0, True, None, "paper", ""),
        (ids["binh"], 2025, "", 79.5, False, None, "online", ""),
    ]


def test_layout_needs_year_and_result_or_total(seeded, tmp_path):
    path = workbook(tmp_path / "x.xlsx", ["Họ và tên", "Năm sinh", "Ghi chú"], [["Trần Thị Đào", 1982, ""]])
    layout = im.guess_layout(path, "citizen_results")
    with pytest.raises(im.UserError, match="Chưa chọn cột Năm đánh giá."):
        im.check_layout(layout, "citizen_results")
    layout.mapping["year"] = layout.mapping.pop("note")
    with pytest.raises(im.UserError, match="Chưa chọn cột Kết quả hoặc Tổng điểm"):
        im.check_layout(layout, "citizen_results")


# ---------------------------------------------------------------- the command line
def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_list_import_export_round_trip(tmp_path, capsys):
    first, second = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    for path in (first, second):
        with Database(path) as db:
            seed(db)
    code, out, err = run(capsys, "import", "citizen_results", str(results_file(tmp_path / "cdht.xlsx")),
                         "--db", str(first), "--skip-invalid")
    assert code == 1, err
    assert "Đã thêm 3 kết quả, gộp 0, bỏ qua 1 trùng; 2 dòng bị từ chối." in out
    assert f"  Dòng 7: {NOT_FOUND}" in out
    code, listed, _ = run(capsys, "list", "citizen_results", "--db", str(first), "--format", "csv")
    assert code == 0
    assert listed.splitlines()[0] == "Họ tên,Năm sinh,Thôn,Năm đánh giá,Nhóm phiếu,Tổng điểm,Kết quả,Ngày,Nguồn,Ghi chú"
    assert len(listed.splitlines()) == 5
    assert "Lê Văn Bình,1965,Thôn Đông,2025,\"Cán bộ quản lý, công chức, doanh nhân\",\"92,5\",Đạt,02/11/2025" in listed

    exported = tmp_path / "xuat.xlsx"
    code, out, _ = run(capsys, "export", "citizen_results", "--db", str(first), "--out", str(exported))
    assert (code, out) == (0, f"Đã xuất 4 dòng vào {exported}\n")
    # Into the other data file (same persons, only An's 2024 result): the export imports back.
    code, out, err = run(capsys, "import", "citizen_results", str(exported), "--db", str(second))
    assert code == 0, out + err
    assert "Đã thêm 3 kết quả, gộp 0, bỏ qua 1 trùng; 0 dòng bị từ chối." in out
    _, again, _ = run(capsys, "list", "citizen_results", "--db", str(second), "--format", "csv")
    assert again == listed


# ---------------------------------------------------------------- the window
def test_list_page_shows_rows_and_the_dialog_saves(qtbot, seeded, tmp_path):
    from khuyenhoc_desktop.ui.context import AppContext
    from khuyenhoc_desktop.ui.dialogs import citizen_result_dialog
    from khuyenhoc_desktop.ui.list_page import ListPage

    db, ids = seeded
    add_results(db, ids)
    ctx = AppContext(db, settings=QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat))
    page = ListPage(ctx, "citizen_results")
    qtbot.addWidget(page)
    page.ensure_loaded()
    assert page.import_button.isVisibleTo(page) and page.status_filter.isVisibleTo(page)
    model = page.model
    assert [model.data(model.index(r, 0)) for r in range(model.rowCount())] == [
        "Nguyễn Văn An", "Lê Văn Bình", "Phạm Văn Cường", "Phạm Văn Cường", "Trần Thị Đào"]
    assert page.count_label.text() == "Hiển thị 5 / 5 kết quả"
    page.status_filter.setCurrentIndex(page.status_filter.findData("failed"))
    assert model.rowCount() == 2

    dialog = citizen_result_dialog(ctx, None, page)
    qtbot.addWidget(dialog)
    dialog.widgets["person_id"].set_record(ids["dao"], "Trần Thị Đào")
    dialog.widgets["year"].setText("2024")
    dialog.widgets["total"].setText("75")
    dialog.save()  # Đạt below 80: warned first, saved on the second press
    assert dialog.warning.isVisibleTo(dialog) and "dưới 80" in dialog.warning.text()
    dialog.save()
    assert dialog.saved_id is not None
    page.status_filter.setCurrentIndex(0)
    assert model.rowCount() == 6 and page.count_label.text() == "Hiển thị 6 / 6 kết quả"
