"""Messy workbooks for the import tests, built the way commune files really look: title rows,
merged two-row headers, headers without diacritics or in capitals, blank and totals rows,
signature lines, dates typed every way, CCCD numbers that lost their leading zero."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl

from khuyenhoc_desktop.domain.cccd import make_cccd
from khuyenhoc_desktop.services import registry
from khuyenhoc_desktop.services.registry import (
    BranchForm,
    HamletForm,
    HouseholdForm,
    MemberForm,
    PersonForm,
)

FIXTURES = Path(__file__).parent / "fixtures"
HAMLETS = ("Thôn Đông", "Thôn Tây", "Xóm 3")


class Text(str):
    """A cell to write as text even if it looks like a formula ('=SUM(A1)')."""


def save(path: Path, rows: list[list], *, title: str = "Danh sách", merges: tuple[str, ...] = (),
         more_sheets: dict[str, list[list]] | None = None, first_sheets: dict[str, list[list]] | None = None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for name, sheet_rows in (first_sheets or {}).items():
        other = wb.create_sheet(name, 0)
        _fill(other, sheet_rows)
    _fill(ws, rows)
    for rng in merges:
        ws.merge_cells(rng)
    for name, sheet_rows in (more_sheets or {}).items():
        _fill(wb.create_sheet(name), sheet_rows)
    wb.save(path)
    return path


def _fill(ws, rows: list[list]) -> None:
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is None:
                continue
            cell = ws.cell(row=r, column=c)
            cell.value = value
            if isinstance(value, Text):
                cell.data_type = "s"
            if isinstance(value, (dt.date, dt.datetime)):
                cell.number_format = "DD/MM/YYYY"


def setup_commune(db) -> dict[str, int]:
    """Three hamlets; returns name -> id."""
    ids = {}
    with db.write() as s:
        for name in HAMLETS:
            ids[name] = registry.save_hamlet(s, HamletForm(name=name, kind="xom" if name.startswith("Xóm") else "thon"))
    return ids


def add_household(db, hamlet_id: int, head: tuple, others: tuple = (), code: str = "") -> int:
    """head/others: (full name, sex, year, cccd, relation)."""
    from khuyenhoc_desktop.domain.text import split_full_name

    def form(name, sex, year, cccd, relation="head"):
        parts = split_full_name(name)
        return PersonForm(family_name=parts.family, middle_name=parts.middle, given_name=parts.given, sex=sex,
                          birth_year=str(year), cccd=cccd or "", relation=relation)

    with db.write() as s:
        hid = registry.create_household(s, HouseholdForm(code=code, hamlet_id=hamlet_id), form(*head))
        for other in others:
            p = form(*other)
            p.household_id = hid
            registry.save_person(s, p)
    return hid


def add_branch(db, hamlet_id: int, name: str) -> int:
    with db.write() as s:
        return registry.save_branch(s, BranchForm(name=name, kind="hamlet", hamlet_id=hamlet_id))


def add_member(db, person_id: int, branch_id: int, card: str = "") -> int:
    with db.write() as s:
        return registry.save_member(s, MemberForm(person_id=person_id, branch_id=branch_id, card_number=card))


# ---------------------------------------------------------------- the messy household list
C_AN = make_cccd("001", 1970, "M", 123)
C_BINH = make_cccd("001", 1975, "F", 4567)  # 001175004567: Excel keeps 1175004567 as a number
C_CUONG = make_cccd("036", 1962, "M", 42)
C_DUNG = make_cccd("034", 1988, "F", 77)


def messy_households(path: Path) -> Path:
    """One row per household: two title rows, a blank row, a merged two-row header whose
    'Năm sinh' spans 'Nam' | 'Nữ' (the birth year written in the column of the sex), headers
    in capitals without diacritics, a row of column numbers, blank rows, trailing spaces, a
    totals row and signature lines."""
    rows = [
        ["ỦY BAN NHÂN DÂN XÃ TÂN LẬP"],
        ["DANH SÁCH CHỦ HỘ NĂM 2025"],
        [],
        ["STT", "HO VA TEN CHU HO", "NĂM SINH", None, "NGAY/THANG/NAM SINH", "SO CCCD", "DAN TOC",
         "THON/XOM", "DIA CHI", "SĐT"],
        [None, None, "Nam", "Nữ"],
        ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)", "(8)", "(9)", "(10)"],
        [1, "  Nguyễn Văn An  ", 1970, None, dt.datetime(1970, 3, 15), C_AN, "Kinh", "Thôn Đông ", "Xóm 1", "0912 345 678"],
        [],
        [2, "trần thị bình", None, 1975, "05/09/1975", int(C_BINH), "Kinh", "thon dong", "Xóm 2", 987654321],
        [None],
        [3, "LÊ VĂN CƯỜNG", "x", None, "1962", C_CUONG, "Kinh", "THÔN TÂY", "", None],
        [4, "Phạm Thị Dung", None, "x", "5-9-1988", C_DUNG, "Tày", "Xóm 3", "Đội 5", None],
        [None, "Tổng cộng", 2, 2],
        [],
        [None, None, None, None, None, None, "Tân Lập, ngày 05 tháng 01 năm 2026"],
        [None, None, "Người lập biểu", None, None, None, "TM. BAN CÁN SỰ THÔN"],
    ]
    return save(path, rows, title="Chủ hộ", merges=("A4:A5", "B4:B5", "C4:D4", "E4:E5", "F4:F5", "G4:G5",
                                                    "H4:H5", "I4:I5", "J4:J5"))


def per_person(path: Path, *, with_code: bool = True, scrambled: bool = False) -> Path:
    """One row per person, households by 'Mã hộ' (or by 'Quan hệ với chủ hộ' alone)."""
    people = [
        ("H001", "Hoàng Văn Minh", "Nam", "12/04/1965", "Chủ hộ", make_cccd("001", 1965, "M", 1), "Thôn Đông", "12/12", "Làm ruộng"),
        ("H001", "Đỗ Thị Lan", "Nữ", "1968", "Vợ", make_cccd("001", 1968, "F", 2), "Thôn Đông", "9/12", ""),
        ("H001", "Hoàng Minh Tuấn", "Nam", "2001", "Con trai", "", "Thôn Đông", "ĐH", "Sinh viên"),
        ("H002", "Vũ Văn Hải", "Nam", "1980", "Chủ hộ", make_cccd("001", 1980, "M", 3), "Thôn Tây", "", ""),
        ("H002", "Vũ Thị Hoa", "Nữ", "2010", "Con gái", "", "Thôn Tây", "Lớp 8", "Học sinh"),
        ("H002", "Vũ Văn Nam", "Nam", "1950", "Bố", "", "Thôn Tây", "", ""),
    ]
    header = ["TT", "Mã hộ", "Họ và tên", "Giới tính", "Ngày sinh", "Quan hệ với chủ hộ", "CCCD/CMND", "Thôn",
              "Trình độ học vấn", "Nghề nghiệp"]
    if not with_code:
        header[1] = "Ghi chép"
    order = [2, 0, 4, 1, 3, 5] if scrambled else range(len(people))
    rows = [["DANH SÁCH NHÂN KHẨU"], [], header]
    for i, k in enumerate(order, start=1):
        p = people[k]
        rows.append([i, p[0] if with_code else "", *p[1:]])
    return save(path, rows)
