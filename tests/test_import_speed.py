"""The import's shortcuts give what the plain way gives: the reader's own handling of sheets
without a stated size and of text written in place, and the audit entries of a bulk insert
logged in one statement instead of by the per-row trigger."""

import datetime as dt
import json
import zipfile

import openpyxl
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from sqlalchemy import select, text

from khuyenhoc_desktop.services import importing as im
from khuyenhoc_desktop.services.import_read import open_book
from khuyenhoc_desktop.storage import audit
from khuyenhoc_desktop.storage.models import AuditLog

ROWS = [
    ["Họ và tên", "Năm sinh", "Ghi chú"],
    ["Nguyễn Văn An", 1980, None],
    [None, None, None],
    ["  Lê Thị   Bình ", 1975.0, "có  khoảng trắng"],
]


def _plain_rows(path) -> list[list]:
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    ws = wb.worksheets[0]
    ws.reset_dimensions()
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    wb.close()
    return rows


def _ours(path) -> tuple[list[list], int]:
    with open_book(path) as book:
        name = book.sheet_names()[0]
        return [row for _, row in book.rows(name)], book.row_count(name)


def test_inline_and_rich_text_read_as_openpyxl_reads_them(tmp_path):
    path = tmp_path / "rich.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in ROWS:
        ws.append(row)
    ws["C2"] = CellRichText("Hộ ", TextBlock(InlineFont(b=True), "nghèo"), " 2024")  # written in place, in runs
    wb.save(path)
    rows, count = _ours(path)
    assert rows == _plain_rows(path)
    assert rows[1][2] == "Hộ nghèo 2024"
    assert count == 4  # the size the file states


def test_a_sheet_without_its_size_is_read_whole_and_counted(tmp_path):
    source = tmp_path / "hh.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in ROWS + [[f"Người {i}", 1990, "x"] for i in range(50)]:
        ws.append(row)
    wb.save(source)
    # drop <dimension>, as our own exports and many programs write a sheet
    bare = tmp_path / "bare.xlsx"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(bare, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename.startswith("xl/worksheets/"):
                start = data.index(b"<dimension")
                data = data[:start] + data[data.index(b"/>", start) + 2:]
                assert b"<dimension" not in data
            zout.writestr(item, data)
    rows, count = _ours(bare)
    assert rows == _plain_rows(bare) == _ours(source)[0]
    assert count == len(rows) == 54


def test_bulk_insert_logs_what_the_trigger_logs(db):
    db.actor = "Cán bộ nhập"
    with db.write() as s:
        s.execute(text("INSERT INTO hamlet (uid, created_at, updated_at, name, kind, former_commune, former_hamlet,"
                       " note, sort_key, search_text) VALUES ('h', '2024-01-01', '2024-01-01', 'Thôn Đông', 'thon',"
                       " '', '', '', '', '')"))
    now = dt.datetime(2024, 1, 1)
    rows = [{"id": i, "uid": f"u{i}", "created_at": now, "updated_at": now, "code": f"H{i}",
             "hamlet_id": 1, "clan_id": None, "head_person_id": None, "address": "" if i % 2 else "Xóm 1",
             "poverty": "none", "note": "a 'quoted' \"note\"" if i == 3 else "", "sort_key": "",
             "search_text": ""} for i in (5, 3, 4)]
    table = im.Household.__table__
    with db.write() as s:
        s.execute(table.insert(), rows[:1])  # through the trigger
    with db.write() as s:
        s.execute(text("DELETE FROM household"))
        im._bulk_insert(s, table, rows)  # logged in one statement
    with db.read() as s:
        entries = list(s.scalars(select(AuditLog).where(AuditLog.table_name == "household",
                                                        AuditLog.action == "insert").order_by(AuditLog.id)))
        trigger_sql = s.execute(text("SELECT sql FROM sqlite_master WHERE name = 'audit_insert_household'")).scalar()
    assert [e.record_id for e in entries] == [5, 5, 3, 4]  # the rows' own order
    assert entries[0].new_values == entries[1].new_values
    assert {e.actor for e in entries} == {"Cán bộ nhập"}
    assert json.loads(entries[2].new_values)["note"] == "a 'quoted' \"note\""
    assert "address" not in json.loads(entries[2].new_values)  # empty values left out, as by the trigger
    assert json.loads(entries[3].new_values)["address"] == "Xóm 1"
    with db.write() as s:
        assert audit.table_triggers(s.connection(), "household")["audit_insert_household"] == trigger_sql
