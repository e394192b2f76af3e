"""Importing from Excel: messy real-world files read right, the dialogs' rules applied, duplicates
found, all or nothing, and the `khuyenhoc import` command's exit codes and report."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select, text

from import_fixtures import (
    C_AN,
    C_BINH,
    C_CUONG,
    FIXTURES,
    Text,
    add_branch,
    add_household,
    add_member,
    messy_households,
    per_person,
    save,
    setup_commune,
)
from khuyenhoc_desktop import cli
from khuyenhoc_desktop.domain import legacy
from khuyenhoc_desktop.errors import UserError
from khuyenhoc_desktop.services import importing as im
from khuyenhoc_desktop.services import lists, registry
from khuyenhoc_desktop.services.lists import ListQuery
from khuyenhoc_desktop.services.registry import MemberForm, PersonForm
from khuyenhoc_desktop.storage.database import Database
from khuyenhoc_desktop.storage.models import Branch, Clan, Hamlet, Household, Organisation, Person

JSON_KEYS = {"kind", "file", "sheet", "header_row", "mapping", "encodings", "rows", "added", "merged", "skipped",
             "rejected", "duplicates", "missing_hamlets", "missing_clans", "notes", "dry_run"}


@pytest.fixture(scope="module")
def empty_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "empty.sqlite"
    Database(path).close()
    return path


@pytest.fixture
def db(tmp_path, empty_template):
    path = tmp_path / "xa.sqlite"
    shutil.copy(empty_template, path)
    database = Database(path)
    yield database
    database.close()


@pytest.fixture
def hamlets(db):
    return setup_commune(db)


@pytest.fixture(autouse=True)
def _private_dirs(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.getbasetemp() / "home"
    for var in ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"):
        monkeypatch.setenv(var, str(home / var.lower()))


def table(db, kind, **query):
    with db.read() as s:
        return lists.as_table(s, ListQuery(kind, **query))[1]


def persons(db) -> dict[str, dict]:
    return {r["full_name"]: r for r in table(db, "persons")}


def count(db, model) -> int:
    with db.read() as s:
        return s.scalar(select(func.count(model.id)))


def do_import(db, path, kind="households", **options):
    dry_run = options.pop("dry_run", False)
    layout = im.guess_layout(path, kind)
    return im.run_import(db, path, kind, layout, im.ImportOptions(**options), dry_run=dry_run)


def run_cli(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_clean_fts(db):
    with db.read() as s:
        assert s.execute(text("PRAGMA foreign_key_check")).all() == []
        for table_name in ("hamlet", "clan", "household", "person", "organisation", "branch", "member"):
            s.execute(text(f"INSERT INTO {table_name}_fts({table_name}_fts) VALUES ('integrity-check')"))


# ================================================================ reading a messy file
def test_messy_file_layout_guessed(tmp_path):
    path = messy_households(tmp_path / "chu ho.xlsx")
    assert im.read_sheets(path) == [im.SheetInfo("Chủ hộ", 16)]
    layout = im.guess_layout(path, "households")
    assert (layout.sheet, layout.header_row, layout.header_rows) == ("Chủ hộ", 4, 2)
    assert layout.mapping == {"full_name": 2, "sex_male": 3, "sex_female": 4, "birth_date": 5, "cccd": 6,
                              "hamlet": 8, "address": 9, "phone": 10}
    assert layout.headers[3] == "NĂM SINH / Nam" and layout.headers[4] == "NĂM SINH / Nữ"
    assert layout.headers[7] == "DAN TOC"  # seen, not imported
    assert layout.encodings == {}
    assert "DANH SÁCH CHỦ HỘ" in layout.title


def test_messy_file_imports_exact_rows(db, hamlets, tmp_path):
    path = messy_households(tmp_path / "chu ho.xlsx")
    result = do_import(db, path)
    assert result.rejected == [] and result.written
    assert (result.rows, result.added, result.persons_added) == (4, 4, 4)  # no totals, numbers or signatures
    got = persons(db)
    assert set(got) == {"Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung"}
    an, binh, cuong, dung = (got[n] for n in ("Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung"))
    assert (an["sex"], an["birth_date"], an["birth_year"], an["cccd"], an["phone"], an["hamlet"]) == (
        "Nam", "15/03/1970", 1970, C_AN, "0912345678", "Thôn Đông")
    # a CCCD stored as a number lost its zeros, a phone too: restored, and said so
    assert (binh["sex"], binh["birth_date"], binh["cccd"], binh["phone"], binh["hamlet"]) == (
        "Nữ", "05/09/1975", C_BINH, "0987654321", "Thôn Đông")
    assert (cuong["sex"], cuong["birth_date"], cuong["birth_year"], cuong["hamlet"]) == ("Nam", "", 1962, "Thôn Tây")
    assert (dung["sex"], dung["birth_date"], dung["hamlet"]) == ("Nữ", "05/09/1988", "Xóm 3")
    assert all(p["relation"] == "Chủ hộ" for p in got.values())
    warned = {(w.row, w.field) for w in result.warnings}
    assert warned == {(9, "cccd"), (9, "phone")}
    assert "đã ghi là 001175004567" in result.warnings[0].message
    households = {h["head"]: h for h in table(db, "households")}
    assert households["Nguyễn Văn An"]["address"] == "Xóm 1" and households["Phạm Thị Dung"]["address"] == "Đội 5"
    assert households["Trần Thị Bình"]["size"] == 1
    # the registry's derived columns: search finds them, ignoring diacritics
    assert [r["full_name"] for r in table(db, "persons", search="cuong")] == ["Lê Văn Cường"]
    assert [r["head"] for r in table(db, "households", search="doi 5")] == ["Phạm Thị Dung"]
    assert_clean_fts(db)


def test_rows_that_are_not_data(db, hamlets, tmp_path):
    path = save(tmp_path / "h.xlsx", [
        ["STT", "Họ và tên", "Giới tính", "Năm sinh", "Thôn"],
        ["1", "2", "3", "4", "5"],
        [1, "Nguyễn Văn An", "Nam", 1970, "Thôn Đông"],
        [2],
        [None, "Cộng thôn Đông", None, 1],
        ["STT", "Họ và tên", "Giới tính", "Năm sinh", "Thôn"],
        [3, "Công Văn Tổng", "Nam", 1971, "Thôn Tây"],
        [None, "TỔNG CỘNG", None, 2],
        [None, "Người lập biểu", None, None, "Trưởng thôn"],
        [None, None, None, None, "(Ký, ghi rõ họ tên)"],
        [None, "Ngày 05 tháng 01 năm 2026"],
    ])
    result = do_import(db, path)
    assert (result.rows, result.added, result.rejected) == (2, 2, [])
    assert set(persons(db)) == {"Nguyễn Văn An", "Công Văn Tổng"}


def test_name_header_over_two_columns(db, hamlets, tmp_path):
    """'Họ và tên' merged over 'Nguyễn Văn' | 'An' (school lists do this): both columns read."""
    path = save(tmp_path / "h.xlsx", [["STT", "Họ và tên", None, "Giới tính", "Năm sinh", "Thôn"],
                                      [1, "Nguyễn Văn", "An", "Nam", 1970, "Thôn Đông"],
                                      [2, "Lê Thị Ngọc", "Ánh", "Nữ", 1971, "Thôn Đông"]], merges=("B1:C1",))
    layout = im.guess_layout(path, "households")
    assert (layout.mapping["family_middle"], layout.mapping["given"]) == (2, 3) and "full_name" not in layout.mapping
    assert do_import(db, path).rejected == []
    assert set(persons(db)) == {"Nguyễn Văn An", "Lê Thị Ngọc Ánh"}


def test_header_row_chosen_by_hand(tmp_path):
    path = save(tmp_path / "h.xlsx", [["Danh sách"], ["Họ và tên", "Năm sinh"], ["Tên", "Sinh năm"],
                                      ["Nguyễn Văn An", 1970]])
    assert im.guess_layout(path, "households").header_row == 2
    layout = im.guess_layout(path, "households", header_row=3)
    assert (layout.header_row, layout.header_rows, layout.mapping) == (3, 1, {"given": 1, "birth_year": 2})
    assert layout.headers == {1: "Tên", 2: "Sinh năm"}
    with pytest.raises(UserError, match="Dòng tiêu đề phải từ 1 đến 4"):
        im.guess_layout(path, "households", header_row=9)


@pytest.mark.parametrize(
    "header, key",
    [
        ("Họ và tên", "full_name"), ("HỌ TÊN CHỦ HỘ", "full_name"), ("Họ tên", "full_name"), ("ho va ten", "full_name"),
        ("HO TEN", "full_name"), ("Năm sinh", "birth_year"), ("NAM SINH", "birth_year"), ("Ngày sinh", "birth_date"),
        ("Ngày/tháng/năm sinh", "birth_date"), ("Ngày, tháng, năm sinh", "birth_date"),
        ("Ngày sinh (dd/mm/yyyy)", "birth_date"), ("Thôn/Xóm", "hamlet"), ("Thôn", "hamlet"),
        ("Tổ dân phố", "hamlet"), ("THON", "hamlet"), ("Thôn, tổ dân phố", "hamlet"), ("Số CCCD", "cccd"),
        ("CCCD/CMND", "cccd"), ("so cccd", "cccd"), ("Số CMND/CCCD", "cccd"), ("SĐT", "phone"),
        ("Điện thoại", "phone"), ("SDT", "phone"), ("Giới tính", "sex"), ("Nam/Nữ", "sex"), ("GIOI TINH", "sex"),
        ("Quan hệ với chủ hộ", "relation"), ("QUAN HE VOI CHU HO", "relation"), ("Mã hộ", "household_code"),
        ("Số hộ", "household_code"), ("Hộ số", "household_code"), ("Địa chỉ", "address"), ("Dòng họ", "clan"),
        ("Hộ nghèo", "poor"), ("Trình độ học vấn", "education"), ("Nghề nghiệp", "occupation"),
    ],
)
def test_header_spellings(tmp_path, header, key):
    other = "Họ và tên" if key != "full_name" else "Ghi chú"
    path = save(tmp_path / "h.xlsx", [["DANH SÁCH"], [], ["STT", other, header, "Dân tộc"],
                                      [1, "Nguyễn Văn An", "x", "Kinh"]])
    layout = im.guess_layout(path, "households")
    assert layout.header_row == 3
    assert layout.mapping.get(key) == 3, layout.mapping
    assert 1 not in layout.mapping.values() and 4 not in layout.mapping.values()  # STT, Dân tộc ignored


def test_nam_nu_mark_columns(db, hamlets, tmp_path):
    """Two columns 'Nam' and 'Nữ' with an x (birth year elsewhere), or the birth year in one."""
    path = save(tmp_path / "h.xlsx", [
        ["Họ và tên", "Nam", "Nữ", "Năm sinh", "Thôn"],
        ["Nguyễn Văn An", "x", None, 1970, "Thôn Đông"],
        ["Trần Thị Bình", None, "X", 1975, "Thôn Đông"],
        ["Lê Thị Cúc", None, 1980, None, "Thôn Đông"],
        ["Đỗ Văn Dũng", "x", "x", 1985, "Thôn Đông"],
    ])
    result = do_import(db, path, skip_invalid=True)
    got = persons(db)
    assert (got["Nguyễn Văn An"]["sex"], got["Trần Thị Bình"]["sex"]) == ("Nam", "Nữ")
    assert (got["Lê Thị Cúc"]["sex"], got["Lê Thị Cúc"]["birth_year"]) == ("Nữ", 1980)
    assert [(i.row, i.message) for i in result.rejected] == [(5, "Chưa chọn giới tính.")]


@pytest.mark.parametrize(
    "value, expected",
    [
        (dt.datetime(1980, 9, 5), ("05/09/1980", "")), (dt.date(1980, 9, 5), ("05/09/1980", "")),
        ("05/09/1980", ("05/09/1980", "")), ("5-9-1980", ("5-9-1980", "")), ("1980", ("", "1980")),
        (1980, ("", "1980")), (1980.0, ("", "1980")), ("1980-09-05", ("05/09/1980", "")), ("09/1980", ("", "1980")),
        (29469, ("05/09/1980", "")), ("", ("", "")), (None, ("", "")), ("năm 80", ("năm 80", "")),
        (dt.datetime(1905, 5, 5), ("", "1952")),  # 1952 typed in a cell formatted as a date
    ],
)
def test_birth_values(value, expected):
    assert im.birth_parts(value) == expected


def test_cccd_values():
    assert im.cccd_text("001070000123") == ("001070000123", None)
    assert im.cccd_text("'001070000123") == ("001070000123", None)
    assert im.cccd_text("0010 7000 0123") == ("001070000123", None)
    fixed, warning = im.cccd_text(36062000042)  # 11 digits: Excel dropped the 0
    assert fixed == "036062000042" and "11 chữ số" in warning
    assert im.cccd_text(1070000123.0)[0] == "001070000123"
    assert im.cccd_text(99999999999) == ("99999999999", None)  # no province 099…: left for the rules


def test_dates_text_or_excel_or_year(db, hamlets, tmp_path):
    path = save(tmp_path / "h.xlsx", [
        ["Họ và tên", "Giới tính", "Ngày sinh", "Thôn"],
        ["Nguyễn Văn An", "Nam", dt.datetime(1970, 3, 15), "Thôn Đông"],
        ["Nguyễn Văn Bảo", "nam", "05/09/1980", "Thôn Đông"],
        ["Nguyễn Văn Cao", "NAM", "5-9-1981", "Thôn Đông"],
        ["Nguyễn Thị Dịu", "nữ", "1982", "Thôn Đông"],
        ["Nguyễn Thị Én", "Nu", 1983, "Thôn Đông"],
        ["Nguyễn Thị Gấm", "Nữ", "31/02/1984", "Thôn Đông"],
    ])
    result = do_import(db, path, skip_invalid=True)
    got = persons(db)
    names = ["Nguyễn Văn An", "Nguyễn Văn Bảo", "Nguyễn Văn Cao", "Nguyễn Thị Dịu", "Nguyễn Thị Én"]
    assert set(got) == set(names)
    assert [(got[n]["birth_date"], got[n]["birth_year"]) for n in names] == [
        ("15/03/1970", 1970), ("05/09/1980", 1980), ("05/09/1981", 1981), ("", 1982), ("", 1983)]
    assert [(i.row, i.field, i.message) for i in result.rejected] == [
        (7, "birth_date", "Ngày sinh: Ngày 31/02/1984 không có thật trên lịch.")]


# ================================================================ households: grouping
def household_sizes(db) -> dict[str, tuple[str, int, str]]:
    return {h["head"]: (h["code"], h["size"], h["hamlet"]) for h in table(db, "households")}


@pytest.mark.parametrize("variant", ["code", "scrambled", "relation"])
def test_one_row_per_person(db, hamlets, tmp_path, variant):
    path = per_person(tmp_path / "nk.xlsx", with_code=variant != "relation", scrambled=variant == "scrambled")
    result = do_import(db, path)
    assert result.rejected == [] and (result.added, result.persons_added) == (2, 6)
    sizes = household_sizes(db)
    code = variant != "relation"
    assert sizes == {"Hoàng Văn Minh": ("H001" if code else "", 3, "Thôn Đông"),
                     "Vũ Văn Hải": ("H002" if code else "", 3, "Thôn Tây")}
    got = persons(db)
    assert (got["Đỗ Thị Lan"]["relation"], got["Hoàng Minh Tuấn"]["relation"], got["Vũ Văn Nam"]["relation"]) == (
        "Vợ/chồng", "Con", "Bố/mẹ")
    assert (got["Hoàng Văn Minh"]["education"], got["Đỗ Thị Lan"]["education"], got["Hoàng Minh Tuấn"]["education"],
            got["Vũ Thị Hoa"]["education"]) == ("Trung học phổ thông", "Trung học cơ sở", "Đại học", "Trung học cơ sở")
    assert got["Hoàng Văn Minh"]["birth_date"] == "12/04/1965"


def test_grouped_by_head_name_column(db, hamlets, tmp_path):
    path = save(tmp_path / "h.xlsx", [
        ["Họ và tên", "Chủ hộ", "Giới tính", "Năm sinh", "Thôn"],
        ["Nguyễn Văn An", "Nguyễn Văn An", "Nam", 1970, "Thôn Đông"],
        ["Nguyễn Thị Bé", "Nguyễn Văn An", "Nữ", 2000, "Thôn Đông"],
        ["Lê Văn Cò", "Lê Văn Cò", "Nam", 1960, "Thôn Tây"],
    ])
    result = do_import(db, path)
    assert result.rejected == [] and result.added == 2
    assert household_sizes(db) == {"Nguyễn Văn An": ("", 2, "Thôn Đông"), "Lê Văn Cò": ("", 1, "Thôn Tây")}


def test_household_without_head_or_with_two_heads_rejected_whole(db, hamlets, tmp_path):
    path = save(tmp_path / "h.xlsx", [
        ["Mã hộ", "Họ và tên", "Giới tính", "Năm sinh", "Quan hệ với chủ hộ", "Thôn"],
        ["A", "Nguyễn Văn An", "Nam", 1970, "Vợ", "Thôn Đông"],
        ["A", "Nguyễn Thị Bé", "Nữ", 2000, "Con", "Thôn Đông"],
        ["B", "Lê Văn Cò", "Nam", 1960, "Chủ hộ", "Thôn Tây"],
        ["B", "Lê Văn Dế", "Nam", 1962, "Chủ hộ", "Thôn Tây"],
        ["C", "Trần Văn Én", "Nam", 1962, "Chủ hộ", "Thôn Tây"],
    ])
    result = do_import(db, path, skip_invalid=True)
    by_row = {i.row: i.message for i in result.rejected}
    assert by_row[2] == by_row[3] == "Hộ này không có ai ghi là Chủ hộ ở cột Quan hệ với chủ hộ."
    assert by_row[4] == by_row[5] == "Hộ này có 2 người ghi là Chủ hộ (dòng 4, 5)."
    assert list(persons(db)) == ["Trần Văn Én"]


def test_bad_member_keeps_the_whole_household_out(db, hamlets, tmp_path):
    path = per_person(tmp_path / "nk.xlsx")
    wb = openpyxl.load_workbook(path)
    wb.active["G5"] = "12345"  # Đỗ Thị Lan's CCCD: too short
    wb.save(path)
    result = do_import(db, path, skip_invalid=True)
    assert [(i.row, i.message) for i in result.rejected] == [
        (4, "Hộ có dòng lỗi (dòng 5); cả hộ chưa được nhập."),
        (5, "Số CCCD phải có đủ 12 chữ số."),
        (6, "Hộ có dòng lỗi (dòng 5); cả hộ chưa được nhập."),
    ]
    assert household_sizes(db) == {"Vũ Văn Hải": ("H002", 3, "Thôn Tây")}


# ================================================================ legacy encodings, odd text
@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_legacy_encoded_file(db, hamlets, tmp_path, encoding):
    enc = lambda s: legacy.from_unicode(s, encoding)  # noqa: E731
    people = [("Nguyễn Văn Đức", "Nam", 1970, "Thôn Đông"), ("Trần Thị Hương", "Nữ", 1982, "Thôn Tây"),
              ("Phạm Quốc Việt", "Nam", 1990, "Xóm 3"), ("Lê Thị Ngọc Ánh", "Nữ", 1995, "Thôn Đông")]
    rows = [[enc("DANH SÁCH HỘ GIA ĐÌNH")], [],
            [enc("STT"), enc("Họ và tên"), enc("Giới tính"), enc("Năm sinh"), enc("Thôn, xóm")]]
    rows += [[i, enc(n), enc(s), y, enc(h)] for i, (n, s, y, h) in enumerate(people, start=1)]
    path = save(tmp_path / f"{encoding}.xlsx", rows)
    layout = im.guess_layout(path, "households")
    assert layout.header_row == 3
    assert layout.mapping == {"full_name": 2, "sex": 3, "birth_year": 4, "hamlet": 5}
    assert layout.encodings == {2: encoding, 3: encoding, 5: encoding}
    assert layout.headers[2] == "Họ và tên"
    columns = {c.letter: c for c in im.describe_columns(path, layout)}
    assert columns["B"].samples[0] == enc("Nguyễn Văn Đức") and columns["B"].converted[0] == "Nguyễn Văn Đức"
    assert columns["B"].encoding == encoding and columns["D"].encoding is None and columns["B"].field == "full_name"
    im.save_mapping(layout, "households", tmp_path / "map.json")
    saved = im.load_mapping(tmp_path / "map.json", "households")
    assert saved.encodings == {"Họ và tên": encoding, "Giới tính": encoding, "Thôn, xóm": encoding}
    assert im.guess_layout(path, "households", saved=saved).encodings == layout.encodings
    result = im.run_import(db, path, "households", layout, im.ImportOptions())
    assert result.rejected == []
    got = persons(db)
    assert {n: (p["sex"], p["birth_year"], p["hamlet"]) for n, p in got.items()} == {
        n: (s, y, h) for n, s, y, h in people}


def test_formula_like_text_stays_text(db, hamlets, tmp_path):
    path = save(tmp_path / "h.xlsx", [
        ["Họ và tên", "Giới tính", "Năm sinh", "Thôn", "Ghi chú"],
        [Text("=SUM(A1) Văn An"), "Nam", 1970, "Thôn Đông", Text("=HYPERLINK(\"x\")")],
    ])
    result = do_import(db, path)
    assert result.rejected == []
    assert list(persons(db)) == ["=sum(a1) Văn An"]  # the dialog's name casing, never evaluated
    assert table(db, "households")[0]["note"] == '=HYPERLINK("x")'
    orgs = save(tmp_path / "o.xlsx", [["Tên đơn vị", "Loại"], [Text("=SUM(A1)"), "Trường học"]])
    assert do_import(db, orgs, "organisations").added == 1
    assert [r["name"] for r in table(db, "organisations")] == ["=SUM(A1)"]


def test_names_trimmed_and_cased_like_the_dialog(db, hamlets, tmp_path):
    path = save(tmp_path / "h.xlsx", [["Họ và tên", "Giới tính", "Năm sinh", "Thôn"],
                                      ["  NGUYỄN   văn   an ", "Nam ", " 1970 ", " thôn đông "]])
    assert do_import(db, path).rejected == []
    assert list(persons(db)) == ["Nguyễn Văn An"]


# ================================================================ unusable files
def test_truncated_file(db, tmp_path, capsys):
    good = messy_households(tmp_path / "good.xlsx")
    bad = tmp_path / "cut.xlsx"
    bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(UserError, match="bị hỏng hoặc chưa chép đủ"):
        im.read_sheets(bad)
    code, out, err = run_cli(capsys, "import", "households", bad, "--db", db.path)
    assert (code, out) == (2, "") and err.startswith("Lỗi: Tệp cut.xlsx bị hỏng")


def test_corrupt_inside(tmp_path):
    good = messy_households(tmp_path / "good.xlsx")
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = data[: len(data) // 2]  # XML cut in the middle
            dst.writestr(item, data)
    with pytest.raises(UserError, match="bị hỏng hoặc chưa chép đủ"):
        layout = im.guess_layout(bad, "households")
        im.describe_columns(bad, layout)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "trống (0 byte)"),
        (b"Ho va ten;Nam sinh\nAn;1970\n", "không phải bảng tính Excel"),
        (b"<html><table><tr><td>x</td></tr></table></html>", "trang web (HTML)"),
        (b"PK\x03\x04garbage", "bị hỏng hoặc chưa chép đủ"),
    ],
)
def test_not_a_workbook(tmp_path, content, message):
    path = tmp_path / "x.xlsx"
    path.write_bytes(content)
    with pytest.raises(UserError, match=re.escape(message)):
        im.read_sheets(path)


def test_empty_sheet(tmp_path, db, capsys):
    path = save(tmp_path / "empty.xlsx", [])
    with pytest.raises(UserError, match="không có dữ liệu"):
        im.guess_layout(path, "households")
    code, _, err = run_cli(capsys, "import", "households", path, "--db", db.path)
    assert code == 2 and "không có dữ liệu" in err


def test_picks_the_sheet_with_the_table(tmp_path):
    path = save(tmp_path / "h.xlsx", [["Họ và tên", "Năm sinh", "Thôn"], ["Nguyễn Văn An", 1970, "Thôn Đông"]],
                title="Danh sách", first_sheets={"Hướng dẫn": [["Nhập mỗi hộ một dòng."]], "Trống": []})
    assert [s.name for s in im.read_sheets(path)] == ["Trống", "Hướng dẫn", "Danh sách"]
    assert im.guess_layout(path, "households").sheet == "Danh sách"
    assert im.guess_layout(path, "households", sheet="Hướng dẫn").mapping == {}
    with pytest.raises(UserError, match="không có trang tính 'Khác'"):
        im.guess_layout(path, "households", sheet="Khác")


def test_password_protected_workbook(tmp_path, db, capsys):
    ooxml = pytest.importorskip("msoffcrypto.format.ooxml")
    plain = messy_households(tmp_path / "plain.xlsx")
    locked = tmp_path / "locked.xlsx"
    with open(plain, "rb") as src, open(locked, "wb") as out:
        ooxml.OOXMLFile(src).encrypt("matkhau", out)
    assert locked.read_bytes()[:8] == bytes.fromhex("d0cf11e0a1b11ae1")  # an OLE2 file, not a zip
    with pytest.raises(UserError) as info:
        im.read_sheets(locked)
    assert str(info.value) == "Tệp có mật khẩu; hãy mở bằng Excel, bỏ mật khẩu rồi lưu lại."
    code, out, err = run_cli(capsys, "import", "households", locked, "--db", db.path)
    assert (code, out, err) == (2, "", "Lỗi: Tệp có mật khẩu; hãy mở bằng Excel, bỏ mật khẩu rồi lưu lại.\n")


def test_legacy_xls_file(db, hamlets, tmp_path):
    """tests/fixtures/ho_gia_dinh.xls: `messy_households` saved as Excel 97-2003 by LibreOffice
    (`soffice --headless --convert-to xls`)."""
    path = FIXTURES / "ho_gia_dinh.xls"
    layout = im.guess_layout(path, "households")
    assert (layout.header_row, layout.header_rows, layout.mapping["full_name"]) == (4, 2, 2)
    result = im.run_import(db, path, "households", layout, im.ImportOptions())
    assert result.rejected == [] and result.added == 4
    xls_rows = table(db, "persons")
    other = Database(tmp_path / "other.sqlite")
    try:
        setup_commune(other)
        do_import(other, messy_households(tmp_path / "same.xlsx"))
        strip = lambda rows: [{k: v for k, v in r.items() if k != "id"} for r in rows]  # noqa: E731
        assert strip(xls_rows) == strip(table(other, "persons"))
    finally:
        other.close()


# ================================================================ duplicates
def test_duplicate_of_existing_head_by_cccd_each_action(db, hamlets, tmp_path):
    path = messy_households(tmp_path / "h.xlsx")
    add_household(db, hamlets["Thôn Tây"], ("Nguyễn Văn An", "M", 1970, C_AN))
    plan = im.analyse(db, path, "households", im.guess_layout(path, "households"))
    assert [(d.row, d.name, d.reason, d.action, d.target, d.other_row) for d in plan.duplicates] == [
        (7, "Nguyễn Văn An", "Trùng số CCCD với Nguyễn Văn An đã có", "skip", "households", None)]
    assert plan.duplicates[0].existing_id == 1
    assert (plan.rows, plan.valid, count(db, Person)) == (4, 4, 1)  # analysing wrote nothing

    skipped = do_import(db, path, dry_run=True)
    assert (skipped.added, skipped.skipped, skipped.persons_skipped) == (3, 1, 1)

    added = do_import(db, path, duplicates="add")
    assert [(i.row, i.message) for i in added.rejected] == [(7, "Số CCCD này đã có ở nhân khẩu Nguyễn Văn An.")]
    assert not added.written and count(db, Person) == 1

    merged = do_import(db, path, duplicates="merge")
    assert merged.rejected == [] and (merged.added, merged.merged, merged.persons_merged) == (3, 1, 1)
    an = persons(db)["Nguyễn Văn An"]
    assert (an["birth_date"], an["phone"], an["hamlet"]) == ("15/03/1970", "0912345678", "Thôn Đông")
    assert count(db, Person) == 4 and count(db, Household) == 4
    assert table(db, "households", search="xom 1")[0]["head"] == "Nguyễn Văn An"  # address merged, still found
    assert_clean_fts(db)


def test_duplicate_by_name_year_hamlet(db, hamlets, tmp_path):
    path = messy_households(tmp_path / "h.xlsx")
    add_household(db, hamlets["Thôn Đông"], ("Trần Thị Bình", "F", 1975, ""))
    add_household(db, hamlets["Thôn Tây"], ("Phạm Thị Dung", "F", 1988, ""))  # another hamlet: not the same
    plan = im.analyse(db, path, "households", im.guess_layout(path, "households"))
    assert [(d.row, d.reason) for d in plan.duplicates] == [
        (9, "Trùng họ tên, năm sinh, thôn với Trần Thị Bình đã có")]
    result = do_import(db, path, duplicates="merge")
    assert (result.added, result.merged) == (3, 1)
    assert persons(db)["Trần Thị Bình"]["cccd"] == C_BINH
    assert count(db, Person) == 5


def test_duplicates_inside_the_file(db, hamlets, tmp_path):
    rows = [["Họ và tên", "Giới tính", "Năm sinh", "Số CCCD", "Thôn", "Điện thoại"],
            ["Nguyễn Văn An", "Nam", 1970, C_AN, "Thôn Đông", ""],
            ["Nguyễn Văn An", "Nam", 1970, C_AN, "Thôn Đông", "0912345678"],
            ["Lê Văn Cường", "Nam", 1962, "", "Thôn Tây", ""],
            ["le van cuong", "Nam", 1962, "", "thon tay", "0987654321"]]
    path = save(tmp_path / "h.xlsx", rows)
    plan = im.analyse(db, path, "households", im.guess_layout(path, "households"))
    assert [(d.row, d.other_row, d.existing_id, d.reason) for d in plan.duplicates] == [
        (3, 2, None, "Trùng số CCCD với dòng 2"), (5, 4, None, "Trùng họ tên, năm sinh, thôn với dòng 4")]

    result = do_import(db, path, duplicates="add", dry_run=True)
    assert [(i.row, i.message) for i in result.rejected] == [(3, "Số CCCD này đã có ở nhân khẩu Nguyễn Văn An.")]

    result = do_import(db, path, duplicates="skip")
    assert (result.added, result.skipped) == (2, 2) and count(db, Person) == 2
    assert persons(db)["Nguyễn Văn An"]["phone"] == ""


def test_duplicates_inside_the_file_merged(db, hamlets, tmp_path):
    rows = [["Họ và tên", "Giới tính", "Năm sinh", "Số CCCD", "Thôn", "Điện thoại"],
            ["Nguyễn Văn An", "Nam", 1970, C_AN, "Thôn Đông", ""],
            ["Nguyễn Văn An", "Nam", 1970, C_AN, "Thôn Đông", "0912345678"]]
    path = save(tmp_path / "h.xlsx", rows)
    result = do_import(db, path, duplicates="merge")
    assert (result.added, result.merged, result.rejected) == (1, 1, [])
    assert persons(db)["Nguyễn Văn An"]["phone"] == "0912345678" and count(db, Household) == 1


def test_plan_actions_set_per_row(db, hamlets, tmp_path):
    """The wizard lets the user choose per duplicate; run_import follows the plan's actions."""
    path = messy_households(tmp_path / "h.xlsx")
    add_household(db, hamlets["Thôn Đông"], ("Nguyễn Văn An", "M", 1970, C_AN))
    add_household(db, hamlets["Thôn Tây"], ("Lê Văn Cường", "M", 1962, ""))
    layout = im.guess_layout(path, "households")
    plan = im.analyse(db, path, "households", layout)
    assert [d.row for d in plan.duplicates] == [7, 11]
    plan.duplicates[0].action = "merge"  # row 7: same CCCD
    plan.duplicates[1].action = "add"  # row 11: same name/year/hamlet but another person
    result = im.run_import(db, path, "households", layout, im.ImportOptions(), plan=plan)
    assert (result.added, result.merged, result.skipped) == (3, 1, 0)
    assert sorted(p["full_name"] for p in table(db, "persons")).count("Lê Văn Cường") == 2
    plan.duplicates[0].action = "delete"
    with pytest.raises(UserError, match="Cách xử lý trùng 'delete' không có"):
        im.run_import(db, path, "households", layout, im.ImportOptions(), plan=plan)


def test_reimport_same_file_skips_everything(db, hamlets, tmp_path):
    path = per_person(tmp_path / "nk.xlsx")
    do_import(db, path)
    again = do_import(db, path)
    assert (again.added, again.skipped, again.persons_skipped, again.rejected) == (0, 2, 6, [])
    assert count(db, Person) == 6
    merged = do_import(db, path, duplicates="merge")
    assert (merged.added, merged.merged, merged.persons_merged, merged.persons_added) == (0, 2, 6, 0)
    assert count(db, Person) == 6 and count(db, Household) == 2


# ================================================================ all or nothing
def bad_file(tmp_path) -> Path:
    return save(tmp_path / "h.xlsx", [
        ["Họ và tên", "Giới tính", "Năm sinh", "Số CCCD", "Thôn"],
        ["Nguyễn Văn An", "Nam", 1970, C_AN, "Thôn Đông"],
        ["Trần Thị Bình", "Nữ", 2999, "", "Thôn Đông"],
        ["Lê Văn Cường", "Nam", 1962, "0360620000", "Thôn Tây"],
        ["Phạm Thị Dung", "Nữ", 1988, C_CUONG, "Thôn Tây"],
        ["Đỗ Văn Em", "Nam", 1990, "", "Thôn Tây"],
    ])


def test_a_bad_row_writes_nothing(db, hamlets, tmp_path):
    result = do_import(db, bad_file(tmp_path))
    assert [(i.row, i.field, i.message) for i in result.rejected] == [
        (3, "birth_year", "Năm sinh không thể sau năm hiện tại."),
        (4, "cccd", "Số CCCD phải có đủ 12 chữ số."),
        (5, "cccd", "Số CCCD không khớp năm sinh 1988 (chữ số 5–6 phải là 88)."),
    ]
    assert not result.written and (result.added, result.would_add) == (0, 2)
    assert count(db, Person) == count(db, Household) == 0


def test_skip_invalid_writes_only_good_rows(db, hamlets, tmp_path):
    result = do_import(db, bad_file(tmp_path), skip_invalid=True)
    assert result.written and result.rejected_rows == [3, 4, 5] and result.added == 2
    assert sorted(persons(db)) == ["Nguyễn Văn An", "Đỗ Văn Em"]


def test_messages_are_the_registry_messages(db, hamlets, tmp_path):
    add_household(db, hamlets["Thôn Đông"], ("Nguyễn Văn An", "M", 1970, C_AN))
    with db.read() as s:
        dialog = registry.validate_person(s, PersonForm(family_name="Lê", given_name="Bá", sex="M",
                                                        birth_year="1970", cccd=C_AN))
    path = save(tmp_path / "h.xlsx", [["Họ và tên", "Giới tính", "Năm sinh", "Số CCCD", "Thôn"],
                                      ["Lê Bá", "Nam", 1970, C_AN, "Thôn Đông"]])
    result = do_import(db, path, duplicates="add")
    assert [i.message for i in result.rejected] == [dialog["cccd"]]


def test_cancel_writes_nothing(db, hamlets, tmp_path):
    rows = [["Họ và tên", "Giới tính", "Năm sinh", "Thôn"]]
    rows += [[f"Nguyễn Văn An {i}", "Nam", 1970 + i % 40, "Thôn Đông"] for i in range(6000)]
    path = save(tmp_path / "big.xlsx", rows)
    layout = im.guess_layout(path, "households")
    seen = []

    def progress(done, total, what):
        seen.append((done, total, what))

    with pytest.raises(UserError) as info:
        im.run_import(db, path, "households", layout, im.ImportOptions(), progress=progress,
                      cancel=lambda: bool(seen) and seen[-1][0] >= 5500)
    assert str(info.value) == "Đã dừng; chưa có gì được lưu."
    assert seen and all(total >= done for done, total, _ in seen) and seen[0][2] == "Đang đọc và kiểm tra…"
    assert count(db, Person) == count(db, Household) == 0
    assert_clean_fts(db)
    with pytest.raises(UserError, match="Đã dừng"):
        im.analyse(db, path, "households", layout, cancel=lambda: True)
    result = im.run_import(db, path, "households", layout, im.ImportOptions())  # and then it goes through
    assert result.added == 6000 and count(db, Person) == 6000
    assert lists.count_rows(db.read().__enter__(), ListQuery("persons", search="an 5999")) == 1
    assert_clean_fts(db)


# ================================================================ hamlets and clans not in the list
def test_unknown_hamlet_rejected_or_created(db, hamlets, tmp_path):
    path = save(tmp_path / "h.xlsx", [["Họ và tên", "Giới tính", "Năm sinh", "Thôn", "Dòng họ"],
                                      ["Nguyễn Văn An", "Nam", 1970, "Thôn Bắc", "Họ Nguyễn Văn"],
                                      ["Nguyễn Văn Ba", "Nam", 1971, "THÔN BẮC", ""],
                                      ["Lê Văn Cò", "Nam", 1972, "Tổ dân phố 5", ""],
                                      ["Đỗ Văn Dê", "Nam", 1973, "dong", ""]])
    plan = im.analyse(db, path, "households", im.guess_layout(path, "households"))
    assert plan.missing_hamlets == ["Thôn Bắc", "Tổ dân phố 5"]
    assert plan.rejected_rows == [2, 3, 4] and plan.valid == 1  # 'dong' is Thôn Đông
    assert plan.rejected[0].message == ("Chưa có thôn, tổ dân phố 'Thôn Bắc' trong danh sách; hãy thêm thôn "
                                        "hoặc chọn tạo thôn mới khi nhập.")
    result = do_import(db, path, create_missing=True)
    assert result.rejected == [] and result.created_hamlets == ["Thôn Bắc", "Tổ dân phố 5"]
    assert result.created_clans == ["Họ Nguyễn Văn"]
    with db.read() as s:
        assert dict(s.execute(select(Hamlet.name, Hamlet.kind)).all())["Tổ dân phố 5"] == "to_dan_pho"
        assert s.scalar(select(func.count(Clan.id))) == 1
    assert household_sizes(db)["Nguyễn Văn Ba"][2] == "Thôn Bắc"
    assert household_sizes(db)["Đỗ Văn Dê"][2] == "Thôn Đông"
    assert {h["head"]: h["clan"] for h in table(db, "households")}["Nguyễn Văn An"] == "Họ Nguyễn Văn"


def test_missing_clan_rejected(db, hamlets, tmp_path):
    path = save(tmp_path / "h.xlsx", [["Họ và tên", "Giới tính", "Năm sinh", "Thôn", "Dòng họ"],
                                      ["Nguyễn Văn An", "Nam", 1970, "Thôn Đông", "Họ Nguyễn"]])
    plan = im.analyse(db, path, "households", im.guess_layout(path, "households"))
    assert plan.missing_clans == ["Họ Nguyễn"] and plan.rejected_rows == [2]


def test_hamlet_from_the_title(db, hamlets, tmp_path):
    path = save(tmp_path / "h.xlsx", [["DANH SÁCH HỘ GIA ĐÌNH THÔN TÂY NĂM 2025"], [],
                                      ["Họ và tên", "Giới tính", "Năm sinh"], ["Nguyễn Văn An", "Nam", 1970]])
    plan = im.analyse(db, path, "households", im.guess_layout(path, "households"))
    assert plan.default_hamlet == "Thôn Tây" and plan.valid == 1
    do_import(db, path)
    assert household_sizes(db) == {"Nguyễn Văn An": ("", 1, "Thôn Tây")}


def test_no_hamlet_at_all(db, hamlets, tmp_path):
    path = save(tmp_path / "h.xlsx", [["Họ và tên", "Giới tính", "Năm sinh"], ["Nguyễn Văn An", "Nam", 1970]])
    result = do_import(db, path)
    assert [(i.field, i.message) for i in result.rejected] == [("hamlet_id", "Chưa chọn thôn, tổ dân phố của hộ.")]
    result = im.run_import(db, path, "households", im.guess_layout(path, "households"),
                           im.ImportOptions(default_hamlet="xom 3"))
    assert result.added == 1 and household_sizes(db)["Nguyễn Văn An"][2] == "Xóm 3"


# ================================================================ persons into existing households
def test_persons_join_households_by_code_or_head(db, hamlets, tmp_path):
    add_household(db, hamlets["Thôn Đông"], ("Nguyễn Văn An", "M", 1970, C_AN), code="H1")
    add_household(db, hamlets["Thôn Tây"], ("Lê Văn Cường", "M", 1962, ""), code="H2")
    add_household(db, hamlets["Xóm 3"], ("Lê Văn Cường", "M", 1980, ""))
    path = save(tmp_path / "nk.xlsx", [
        ["Họ và tên", "Giới tính", "Năm sinh", "Quan hệ với chủ hộ", "Mã hộ", "Chủ hộ", "Thôn"],
        ["Nguyễn Thị Bé", "Nữ", 2001, "Con gái", "h1", "", ""],
        ["Lê Thị Cúc", "Nữ", 1965, "Vợ", "", "Lê Văn Cường", "Thôn Tây"],
        ["Lê Văn Dũng", "Nam", 2005, "Con", "", "Lê Văn Cường", ""],
        ["Trần Văn Én", "Nam", 2005, "Con", "H9", "", ""],
        ["Trần Văn Gà", "Nam", 2005, "Con", "", "", ""],
        ["Trần Văn Hạ", "Nam", 2005, "Con", "", "Trần Văn Hạ", "Thôn Đông"],
        ["Nguyễn Văn An", "Nam", 1970, "Chủ hộ", "H1", "", ""],
    ])
    result = do_import(db, path, "persons", skip_invalid=True)
    assert [(i.row, i.message) for i in result.rejected] == [
        (4, "Có 2 hộ có chủ hộ Lê Văn Cường; hãy thêm cột Mã hộ."),
        (5, "Không tìm thấy hộ mã H9 trong danh sách hộ."),
        (6, "Chưa có mã hộ hoặc tên chủ hộ để biết người này thuộc hộ nào."),
        (7, "Không tìm thấy hộ có chủ hộ Trần Văn Hạ ở Thôn Đông."),
    ]
    assert [(d.row, d.reason) for d in result.duplicates] == [
        (8, "Trùng họ tên, năm sinh, thôn với Nguyễn Văn An đã có")]
    assert (result.added, result.skipped) == (2, 1)
    sizes = household_sizes(db)
    assert sizes["Nguyễn Văn An"] == ("H1", 2, "Thôn Đông")
    assert persons(db)["Lê Thị Cúc"]["hamlet"] == "Thôn Tây"


# ================================================================ members, organisations, clans
def test_members_import(db, hamlets, tmp_path):
    hid = add_household(db, hamlets["Thôn Đông"], ("Nguyễn Văn An", "M", 1970, C_AN),
                        others=(("Nguyễn Thị Bé", "F", 1972, "", "spouse"),))
    add_household(db, hamlets["Thôn Tây"], ("Lê Văn Cường", "M", 1962, ""))
    add_household(db, hamlets["Xóm 3"], ("Trần Văn Dũng", "M", 1955, ""))
    add_household(db, hamlets["Xóm 3"], ("Phạm Văn Em", "M", 1950, ""))
    branch = add_branch(db, hamlets["Thôn Đông"], "Chi hội khuyến học Thôn Đông")
    with db.read() as s:
        em = s.scalar(select(Person.id).where(Person.full_name == "Phạm Văn Em"))
    add_member(db, em, branch, card="KH-9")
    path = save(tmp_path / "hv.xlsx", [
        ["DANH SÁCH HỘI VIÊN"],
        ["STT", "Họ và tên", "Năm sinh", "Số CCCD", "Chi hội", "Số thẻ", "Năm vào hội", "Trạng thái"],
        [1, "Nguyễn Văn An", 1970, C_AN, "Thôn Đông", "KH-1", 2015, ""],
        [2, "nguyen thi be", 1972, "", "Chi hội khuyến học Thôn Đông", "KH-2", dt.datetime(2018, 3, 8), "Đã thôi"],
        [3, "Lê Văn Cường", 1962, "", "Chi hội Thôn Tây", "KH-3", "", "Đang sinh hoạt"],
        [4, "Trần Văn Dũng", 1955, "", "Chi hội Trường Tiểu học", "KH-4", "", ""],
        [5, "Hoàng Văn Xa", 1990, "", "Thôn Đông", "KH-5", "", ""],
        [6, "Phạm Văn Em", 1950, "", "Thôn Đông", "KH-6", "", ""],
        [7, "Lê Văn Cường", 1962, "", "Chi hội Thôn Tây", "KH-1", "", ""],
    ])
    layout = im.guess_layout(path, "members")
    assert layout.mapping == {"full_name": 2, "birth_year": 3, "cccd": 4, "branch": 5, "card_number": 6,
                              "join_date": 7, "status": 8}
    result = im.run_import(db, path, "members", layout, im.ImportOptions(skip_invalid=True))
    by_row = {i.row: i.message for i in result.rejected}
    assert by_row == {
        4: "Hội viên đã thôi hoặc đã mất cần có ngày thôi.",
        5: "Chưa có chi hội 'Chi hội Thôn Tây' trong danh sách; hãy thêm chi hội hoặc chọn tạo mới "
           "khi nhập.",
        6: "Chưa có chi hội 'Chi hội Trường Tiểu học' trong danh sách; hãy thêm chi hội hoặc chọn tạo mới "
           "khi nhập.",
        7: "Không tìm thấy nhân khẩu Hoàng Văn Xa (sinh năm 1990) trong danh sách; hãy nhập hộ gia đình trước "
           "hoặc kiểm tra họ tên, năm sinh.",
        9: "Chưa có chi hội 'Chi hội Thôn Tây' trong danh sách; hãy thêm chi hội hoặc chọn tạo mới "
           "khi nhập.",
    }
    assert [(d.row, d.reason, d.action) for d in result.duplicates] == [(8, "Phạm Văn Em đã là hội viên", "skip")]
    assert [(w.row, w.message) for w in result.warnings] == [
        (3, "Ngày vào hội chỉ ghi năm 2015; đã ghi là 01/01/2015.")]
    members = {m["full_name"]: m for m in table(db, "members")}
    assert set(members) == {"Nguyễn Văn An", "Phạm Văn Em"}
    assert (members["Nguyễn Văn An"]["card_number"], members["Nguyễn Văn An"]["join_date"],
            members["Nguyễn Văn An"]["branch"], members["Nguyễn Văn An"]["status"]) == (
        "KH-1", "01/01/2015", "Chi hội khuyến học Thôn Đông", "Đang sinh hoạt")
    assert [r["full_name"] for r in table(db, "members", search="kh-1")] == ["Nguyễn Văn An"]

    # again, creating the hamlet's branch, merging the one already there
    result = im.run_import(db, path, "members", layout,
                           im.ImportOptions(skip_invalid=True, create_missing=True, duplicates="merge"))
    assert result.created_branches == ["Chi hội Thôn Tây", "Chi hội Trường Tiểu học"]
    by_row = {i.row: i.message for i in result.rejected}
    assert by_row[9] == "Số thẻ KH-1 đã cấp cho hội viên khác."
    assert 5 not in by_row and 6 not in by_row
    members = {m["full_name"]: m for m in table(db, "members")}
    assert members["Lê Văn Cường"]["branch"] == "Chi hội Thôn Tây"
    assert members["Phạm Văn Em"]["card_number"] == "KH-6"  # merged
    with db.read() as s:
        assert s.scalar(select(Branch.hamlet_id).where(Branch.name == "Chi hội Thôn Tây")) == hamlets["Thôn Tây"]
        # no school of that name in the registry: the branch is kept, as "other"
        assert s.scalar(select(Branch.kind).where(Branch.name == "Chi hội Trường Tiểu học")) == "other"
    assert hid


def test_member_messages_are_the_registry_messages(db, hamlets, tmp_path):
    add_household(db, hamlets["Thôn Đông"], ("Nguyễn Văn An", "M", 1970, C_AN))
    add_household(db, hamlets["Thôn Đông"], ("Lê Văn Bình", "M", 1971, ""))
    branch = add_branch(db, hamlets["Thôn Đông"], "Chi hội Thôn Đông")
    add_member(db, 1, branch, card="KH-1")
    with db.read() as s:
        dialog = registry.validate_member(s, MemberForm(person_id=2, branch_id=branch, card_number="KH-1"))
        again = registry.validate_member(s, MemberForm(person_id=1, branch_id=branch))
    path = save(tmp_path / "hv.xlsx", [["Họ và tên", "Năm sinh", "Chi hội", "Số thẻ"],
                                       ["Lê Văn Bình", 1971, "Chi hội Thôn Đông", "KH-1"],
                                       ["Nguyễn Văn An", 1970, "Chi hội Thôn Đông", ""]])
    result = do_import(db, path, "members", duplicates="add")
    assert [i.message for i in result.rejected] == [dialog["card_number"], again["person_id"]]


def test_organisations_import(db, hamlets, tmp_path):
    path = save(tmp_path / "dv.xlsx", [
        ["DANH SÁCH CƠ QUAN, ĐƠN VỊ"],
        ["TT", "Tên cơ quan, đơn vị", "Người đứng đầu", "Chức vụ", "Thôn", "Số điện thoại"],
        [1, "Trường Tiểu học Tân Lập", "nguyễn thị hoa", "Hiệu trưởng", "Thôn Đông", 912345678],
        [2, "Công ty TNHH Minh Phát", "", "", "", ""],
        [3, "Ủy ban nhân dân xã", "", "", "", "0123"],
        [4, "trường tiểu học tân lập", "", "", "", ""],
    ])
    result = do_import(db, path, "organisations", skip_invalid=True)
    assert [(i.row, i.message) for i in result.rejected] == [
        (5, "Số điện thoại phải có 10 chữ số, bắt đầu bằng 0 (ví dụ 0912345678).")]
    assert [(d.row, d.reason) for d in result.duplicates] == [(6, "Trùng tên với dòng 3")]
    orgs = {o["name"]: o for o in table(db, "organisations")}
    school = orgs["Trường Tiểu học Tân Lập"]
    assert (school["kind"], school["head_name"], school["phone"], school["hamlet"]) == (
        "Trường học", "Nguyễn Thị Hoa", "0912345678", "Thôn Đông")
    assert orgs["Công ty TNHH Minh Phát"]["kind"] == "Doanh nghiệp"
    again = do_import(db, path, "organisations", skip_invalid=True, duplicates="merge")
    assert (again.added, again.merged) == (0, 3) and count(db, Organisation) == 2


def test_clans_import(db, hamlets, tmp_path):
    add_household(db, hamlets["Thôn Đông"], ("Nguyễn Văn Tộc", "M", 1940, ""))
    path = save(tmp_path / "dh.xlsx", [
        ["Tên dòng họ", "Trưởng họ", "Thôn, tổ dân phố"],
        ["Họ Nguyễn Văn", "Nguyễn Văn Tộc", "Thôn Đông, Thôn Tây"],
        ["Họ Lê", "Lê Văn Vắng", ""],
        ["họ nguyễn văn", "", "Xóm 3"],
    ])
    result = do_import(db, path, "clans", duplicates="merge")
    assert result.rejected == [] and (result.added, result.merged) == (2, 1)
    assert [(w.row, w.message) for w in result.warnings] == [
        (3, "Trưởng họ Lê Văn Vắng chưa có trong danh sách nhân khẩu; để trống, chọn sau.")]
    clans = {c["name"]: c for c in table(db, "clans")}
    assert clans["Họ Nguyễn Văn"]["head"] == "Nguyễn Văn Tộc"
    assert clans["Họ Nguyễn Văn"]["hamlets"] == "Thôn Đông, Thôn Tây, Xóm 3"


# ================================================================ mappings, rejected rows, describe
def test_mapping_saved_and_reused_on_another_file(db, hamlets, tmp_path):
    first = save(tmp_path / "dong.xlsx", [["THÔN ĐÔNG"], ["Tên người", "Nam/nữ", "Sinh năm", "Khu dân cư"],
                                          ["Nguyễn Văn An", "Nam", 1970, "Thôn Đông"]])
    layout = im.guess_layout(first, "households")
    assert "hamlet" not in layout.mapping  # 'Khu dân cư' is not a known header: chosen by hand
    layout.mapping.update({"full_name": 1, "hamlet": 4})
    im.save_mapping(layout, "households", tmp_path / "map.json")
    saved = im.load_mapping(tmp_path / "map.json", "households")
    assert saved == {"full_name": "Tên người", "sex": "Nam/nữ", "birth_year": "Sinh năm", "hamlet": "Khu dân cư"}
    assert (saved.header_rows, saved.encodings, saved.kind) == (1, {}, "households")
    second = save(tmp_path / "tay.xlsx", [["UBND XÃ"], ["THÔN TÂY"], [],
                                          ["STT", "Khu dân cư", "Sinh năm", "Tên người", "Nam/nữ"],
                                          [1, "Thôn Tây", 1980, "Lê Văn Bình", "Nam"]])
    again = im.guess_layout(second, "households", saved=saved)
    assert (again.header_row, again.mapping) == (4, {"full_name": 4, "sex": 5, "birth_year": 3, "hamlet": 2})
    assert im.run_import(db, second, "households", again, im.ImportOptions()).added == 1
    assert household_sizes(db) == {"Lê Văn Bình": ("", 1, "Thôn Tây")}


def test_load_mapping_errors(tmp_path):
    path = tmp_path / "m.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(UserError, match="không phải tệp cách ghép cột"):
        im.load_mapping(path, "households")
    good = {"program": "khuyenhoc", "version": 1, "kind": "members", "header_rows": 1,
            "columns": {"full_name": "Họ và tên"}, "encodings": {}}
    path.write_text(json.dumps(good), encoding="utf-8")
    with pytest.raises(UserError, match="dành cho danh sách Hội viên, không phải Hộ gia đình"):
        im.load_mapping(path, "households")
    path.write_text(json.dumps({**good, "kind": "households", "columns": {"ten": "Tên"}}), encoding="utf-8")
    with pytest.raises(UserError, match="trường không biết: ten"):
        im.load_mapping(path, "households")
    with pytest.raises(UserError, match="Không có tệp cách ghép cột"):
        im.load_mapping(tmp_path / "none.json", "households")
    path.write_text(json.dumps({**good, "kind": "households"}), encoding="utf-8")
    other = save(tmp_path / "x.xlsx", [["Tên", "Năm sinh"], ["An", 1970]])
    with pytest.raises(UserError, match="không có các cột như trong cách ghép đã lưu: 'Họ và tên'"):
        im.guess_layout(other, "households", saved=im.load_mapping(path, "households"))


def test_rejected_rows_workbook(db, hamlets, tmp_path):
    path = bad_file(tmp_path)
    layout = im.guess_layout(path, "households")
    result = im.run_import(db, path, "households", layout, im.ImportOptions())
    out = tmp_path / "loi.xlsx"
    assert im.write_rejected(result.rejected, path, layout, out) == 3
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0] == ("Họ và tên", "Giới tính", "Năm sinh", "Số CCCD", "Thôn", "Dòng gốc", "Lý do")
    assert rows[1:] == [
        ("Trần Thị Bình", "Nữ", 2999, None, "Thôn Đông", 3, "Năm sinh không thể sau năm hiện tại."),
        ("Lê Văn Cường", "Nam", 1962, "0360620000", "Thôn Tây", 4, "Số CCCD phải có đủ 12 chữ số."),
        ("Phạm Thị Dung", "Nữ", 1988, C_CUONG, "Thôn Tây", 5,
         "Số CCCD không khớp năm sinh 1988 (chữ số 5–6 phải là 88)."),
    ]
    # the workbook of rejected rows imports back once fixed
    fixed = openpyxl.load_workbook(out)
    fixed.active["C2"], fixed.active["D3"], fixed.active["D4"] = 1975, "", ""
    fixed.save(out)
    again = do_import(db, out)
    assert again.rejected == [] and again.added == 3


def test_rejected_formula_text_stays_text(db, hamlets, tmp_path):
    path = save(tmp_path / "h.xlsx", [["Họ và tên", "Giới tính", "Năm sinh", "Thôn"],
                                      [Text("=1+1"), "Nam", 1970, "Thôn Đông"]])
    layout = im.guess_layout(path, "households")
    result = im.run_import(db, path, "households", layout, im.ImportOptions())
    im.write_rejected(result.rejected, path, layout, tmp_path / "loi.xlsx")
    cell = openpyxl.load_workbook(tmp_path / "loi.xlsx").active["A2"]
    assert (cell.value, cell.data_type) == ("=1+1", "s")


def test_fields_for_every_kind():
    for kind in im.IMPORT_KINDS:
        specs = im.fields_for(kind)
        assert len({f.key for f in specs}) == len(specs)
        assert all(f.label and f.aliases for f in specs)
        required = {"citizen_results": ["full_name", "year"], "organisations": ["name"], "clans": ["name"]}
        assert [f.key for f in specs if f.required] == required.get(kind, ["full_name"])
    with pytest.raises(UserError, match="Không nhập được danh sách 'dues'"):
        im.fields_for("dues")


def test_layout_checked(db, hamlets, tmp_path):
    path = messy_households(tmp_path / "h.xlsx")
    layout = im.guess_layout(path, "households")
    layout.mapping["hamlet"] = layout.mapping["full_name"]
    with pytest.raises(UserError, match="Cột B được chọn cho cả"):
        im.analyse(db, path, "households", layout)
    layout.mapping = {"hamlet": 8}
    with pytest.raises(UserError, match="Chưa chọn cột Họ và tên."):
        im.analyse(db, path, "households", layout)
    names = save(tmp_path / "nk.xlsx", [["Họ và tên", "Năm sinh"], ["Nguyễn Văn An", 1970]])
    with pytest.raises(UserError, match="Chưa chọn cột Mã hộ hoặc Chủ hộ"):
        im.analyse(db, names, "persons", im.guess_layout(names, "persons"))


# ================================================================ the command
def test_cli_imports_and_reports(db, hamlets, tmp_path, capsys):
    path = messy_households(tmp_path / "h.xlsx")
    db.close()
    code, out, err = run_cli(capsys, "import", "households", path, "--db", db.path)
    assert (code, err) == (0, "")
    assert "Đã thêm 4 hộ (4 nhân khẩu), gộp 0, bỏ qua 0 trùng; 0 dòng bị từ chối." in out
    assert "B 'HO VA TEN CHU HO' → Họ và tên" in out and "tiêu đề ở dòng 4–5" in out
    assert "Dòng 9: Số CCCD 1175004567 chỉ có 10 chữ số" in out
    code, out, err = run_cli(capsys, "import", "households", path, "--db", db.path, "--format", "json")
    data = json.loads(out)
    assert code == 0 and set(data) == JSON_KEYS
    assert (data["kind"], data["sheet"], data["header_row"], data["rows"], data["added"], data["skipped"]) == (
        "households", "Chủ hộ", 4, 4, 0, 4)
    assert data["mapping"]["full_name"] == {"column": 2, "letter": "B", "header": "HO VA TEN CHU HO"}
    assert data["duplicates"][0] == {"row": 7, "name": "Nguyễn Văn An",
                                     "reason": "Trùng số CCCD với Nguyễn Văn An đã có", "action": "skip"}
    assert data["rejected"] == [] and data["dry_run"] is False and data["encodings"] == {}


def test_cli_exit_codes(db, hamlets, tmp_path, capsys):
    path = bad_file(tmp_path)
    db.close()
    code, out, err = run_cli(capsys, "import", "households", path, "--db", db.path, "--dry-run", "--format", "json")
    data = json.loads(out)
    assert code == 1 and data["dry_run"] is True and [r["row"] for r in data["rejected"]] == [3, 4, 5]
    assert data["rejected"][0] == {"row": 3, "field": "birth_year", "message": "Năm sinh không thể sau năm hiện tại."}
    code, out, err = run_cli(capsys, "import", "households", path, "--db", db.path, "--rejected", tmp_path / "r.xlsx")
    assert code == 1 and "Chưa lưu gì vì có dòng lỗi" in out and "Dòng 4: Số CCCD phải có đủ 12 chữ số." in out
    assert (tmp_path / "r.xlsx").exists()
    with Database(db.path) as again:
        assert count(again, Person) == 0
    code, out, err = run_cli(capsys, "import", "households", path, "--db", db.path, "--skip-invalid")
    assert code == 1 and "Đã thêm 2 hộ" in out
    with Database(db.path) as again:
        assert sorted(persons(again)) == ["Nguyễn Văn An", "Đỗ Văn Em"]
    good = save(tmp_path / "ok.xlsx", [["Họ và tên", "Giới tính", "Năm sinh", "Thôn"],
                                       ["Trần Văn Tư", "Nam", 1960, "Thôn Mới"]])
    code, out, err = run_cli(capsys, "import", "households", good, "--db", db.path, "--dry-run")
    assert code == 1 and "Thôn, tổ dân phố chưa có: Thôn Mới" in out
    code, out, err = run_cli(capsys, "import", "households", good, "--db", db.path, "--create-missing",
                             "--format", "json")
    assert code == 0 and json.loads(out)["added"] == 1
    for argv, message in [
        (["import", "households", tmp_path / "none.xlsx", "--db", db.path], "Không có tệp"),
        (["import", "dues", good, "--db", db.path], "Giá trị dues không hợp lệ"),
        (["import", "households", good, "--db", db.path, "--duplicates", "all"], "Giá trị all không hợp lệ"),
        (["import", "households", good, "--db", db.path, "--mapping", tmp_path / "none.json"], "Không có tệp cách"),
        (["import", "households", good, "--db", tmp_path / "chua-co.sqlite", "--dry-run"], "Không có tệp dữ liệu"),
    ]:
        code, out, err = run_cli(capsys, *argv)
        assert (code, out) == (2, ""), argv
        assert err.startswith("Lỗi: ") and message in err and err.count("\n") == 1
    assert not (tmp_path / "chua-co.sqlite").exists()  # a dry run creates no data file


def test_cli_mapping_round_trip(db, hamlets, tmp_path, capsys):
    path = messy_households(tmp_path / "h.xlsx")
    db.close()
    code, out, _ = run_cli(capsys, "import", "households", path, "--db", db.path, "--dry-run",
                           "--save-mapping", tmp_path / "map.json")
    assert code == 0
    code, out, _ = run_cli(capsys, "import", "households", FIXTURES / "ho_gia_dinh.xls", "--db", db.path,
                           "--mapping", tmp_path / "map.json", "--format", "json")
    assert code == 0 and json.loads(out)["added"] == 4


# ================================================================ an export imports back
def test_export_imports_back(demo_db, tmp_path):
    exporting = pytest.importorskip("khuyenhoc_desktop.services.exporting")
    exporting.export_list(demo_db, ListQuery("households"), tmp_path / "ho.xlsx", full_ids=True)
    exporting.export_list(demo_db, ListQuery("persons"), tmp_path / "nk.xlsx", full_ids=True)
    with demo_db.read() as s:
        want_households = s.scalar(select(func.count(Household.id)))
        want_persons = s.scalar(select(func.count(Person.id)))
        want = {(p.full_name, p.birth_year, p.cccd, p.sex, p.relation)
                for p in s.scalars(select(Person))}
    fresh = Database(tmp_path / "moi.sqlite")
    try:
        heads = do_import(fresh, tmp_path / "ho.xlsx", create_missing=True)
        assert heads.rejected == [] and heads.added == want_households
        everyone = do_import(fresh, tmp_path / "nk.xlsx", "persons")
        assert everyone.rejected == [] and everyone.skipped == want_households
        with fresh.read() as s:
            assert s.scalar(select(func.count(Person.id))) == want_persons
            got = {(p.full_name, p.birth_year, p.cccd, p.sex, p.relation) for p in s.scalars(select(Person))}
        assert got == want
        # the persons list alone rebuilds the households too
        other = Database(tmp_path / "khac.sqlite")
        try:
            result = do_import(other, tmp_path / "nk.xlsx", create_missing=True)
            assert result.rejected == [] and result.added == want_households
            assert result.persons_added == want_persons
        finally:
            other.close()
    finally:
        fresh.close()


def test_missing_hamlet_spelled_two_ways_is_listed_once(db, tmp_path):
    path = tmp_path / "hai-cach-viet.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Họ và tên", "Giới tính", "Năm sinh", "Thôn"])
    ws.append(["Nguyễn Văn An", "Nam", 1970, "Thôn Đông"])
    ws.append(["Trần Thị Bình", "Nữ", 1980, "thon dong"])
    wb.save(path)
    layout = im.guess_layout(path, "households")
    plan = im.analyse(db, path, "households", layout)
    assert plan.missing_hamlets == ["Thôn Đông"]
    result = im.run_import(db, path, "households", layout, im.ImportOptions(create_missing=True))
    assert result.created_hamlets == ["Thôn Đông"] and result.added == 2
