"""The fund's workbooks in the house Excel style (documents.xlsx): the detailed book with its
summaries, and the public notice. Same dataclasses as the PDFs (documents.fund_papers).

Money cells are whole đồng as integers in the house MONEY format ('#,##0" đ"', shown as
1.250.000 đ), so columns add up in Excel; a reversal is a negative number. One table per sheet:
each summary gets its own sheet, written only when it has rows.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from khuyenhoc_desktop.documents import xlsx
from khuyenhoc_desktop.documents.fund_papers import (
    DisclosureDoc, LedgerDoc, StatementDoc, TotalRow, award_matrix, beneficiary_name, donor_name, period_text,
)
from khuyenhoc_desktop.documents.xlsx import COUNT, DATE, MONEY, TEXT, SheetColumn, TitleBlock
from khuyenhoc_desktop.domain.dates import format_date, today

_C = SheetColumn


def _block(organisation: str, place: str, title: str, period: str, exported_on: dt.date | None) -> TitleBlock:
    return TitleBlock(organisation=organisation, place=place, title=title,
                      lines=(f"({period})", f"Ngày xuất: {format_date(exported_on or today())}"))


def _sheet(workbook, name: str, columns: list[SheetColumn], block: TitleBlock, rows: list[list]) -> int:
    sheet = xlsx.TableSheet(workbook, name, columns, block)
    for row in rows:
        sheet.append(row)
    return sheet.close()


def _totals_rows(totals: list[TotalRow], paid_only: bool) -> list[list]:
    if paid_only:
        return [*([n, t.label, t.paid] for n, t in enumerate(totals, 1)),
                [None, "Cộng", sum(t.paid for t in totals)]]
    return [*([n, t.label, t.received or None, t.paid or None] for n, t in enumerate(totals, 1)),
            [None, "Cộng", sum(t.received for t in totals), sum(t.paid for t in totals)]]


def write_ledger_xlsx(doc: LedgerDoc, organisation: str, place: str, out_path: Path | str, *,
                      overwrite: bool = False, exported_on: dt.date | None = None) -> int:
    """"Sổ chi tiết" (opening row, every line with its running balance, period totals, closing)
    and one sheet per summary; returns the number of rows of the book sheet."""
    period = period_text(doc.start, doc.end)
    workbook = xlsx.new_workbook("Sổ chi tiết quỹ khuyến học")

    def block(title: str) -> TitleBlock:
        return _block(organisation, place, title, period, exported_on)

    book = [[doc.start, None, None, "Số dư đầu kỳ", None, None, doc.opening]]
    book += [[line.day, line.number if line.kind == "receipt" else None,
              line.number if line.kind == "payment" else None, line.text,
              line.received or None, line.paid or None, line.balance] for line in doc.lines]
    book += [[None, None, None, "Cộng phát sinh trong kỳ", doc.received, doc.paid, None],
             [doc.end, None, None, "Số dư cuối kỳ", None, None, doc.closing]]
    with xlsx.replacing(Path(out_path), overwrite=overwrite) as temp:
        rows = _sheet(workbook, "Sổ chi tiết", [
            _C("Ngày", DATE), _C("Số phiếu thu", TEXT), _C("Số phiếu chi", TEXT), _C("Diễn giải", TEXT, 60),
            _C("Thu", MONEY), _C("Chi", MONEY), _C("Tồn", MONEY),
        ], block("Sổ chi tiết quỹ khuyến học"), book)
        if doc.periods:
            _sheet(workbook, "Số dư theo kỳ", [
                _C("Kỳ"), _C("Đầu kỳ", MONEY), _C("Thu", MONEY), _C("Chi", MONEY), _C("Cuối kỳ", MONEY),
            ], block("Số dư theo kỳ"),
                [[p.label, p.opening, p.received, p.paid, p.closing] for p in doc.periods])
        for name, title, totals, paid_only in (
                ("Theo mục đích", "Tổng hợp theo đợt vận động, mục đích", doc.by_purpose, False),
                ("Theo loại chi", "Tổng hợp chi theo loại", doc.by_payout_kind, True),
                ("Theo thôn", "Tổng hợp theo thôn", doc.by_hamlet, False)):
            if totals:
                columns = [_C("STT", COUNT), _C("Nội dung", TEXT, 40)]
                columns += [_C("Chi", MONEY)] if paid_only else [_C("Thu", MONEY), _C("Chi", MONEY)]
                _sheet(workbook, name, columns, block(title), _totals_rows(totals, paid_only))
        if doc.awards:
            header, matrix = award_matrix(doc.awards)
            columns = [_C(header[0])] + [_C(h, MONEY if "tiền" in h else COUNT) for h in header[1:]]
            _sheet(workbook, "Học bổng, khen thưởng", columns,
                   block("Học bổng, khen thưởng theo cấp học và đối tượng"), matrix)
        workbook.save(temp)
    return rows


def write_disclosure_xlsx(doc: DisclosureDoc, organisation: str, place: str, out_path: Path | str, *,
                          overwrite: bool = False, exported_on: dt.date | None = None) -> int:
    """The public notice as sheets: "Tổng hợp" (opening, received by form, paid, closing),
    "Người ủng hộ", "Khoản chi", "Người nhận" (minors by initials when the notice asks);
    returns the number of donor rows."""
    period = period_text(doc.start, doc.end)
    workbook = xlsx.new_workbook("Công khai thu, chi quỹ khuyến học")

    def block(title: str) -> TitleBlock:
        return _block(organisation, place, title, period, exported_on)

    with xlsx.replacing(Path(out_path), overwrite=overwrite) as temp:
        _sheet(workbook, "Tổng hợp", [_C("Nội dung", TEXT, 40), _C("Số tiền", MONEY)],
               block("Công khai thu, chi quỹ khuyến học"), [
                   ["Số dư đầu kỳ", doc.opening],
                   ["I. Tổng thu trong kỳ", doc.received],
                   ["- Tiền mặt", doc.received_cash],
                   ["- Chuyển khoản", doc.received_bank],
                   ["- Hiện vật (giá trị ước tính)", doc.received_in_kind],
                   ["III. Tổng chi trong kỳ", doc.paid],
                   ["IV. Số dư cuối kỳ", doc.closing],
               ])
        donors = _sheet(workbook, "Người ủng hộ", [
            _C("STT", COUNT), _C("Họ và tên, đơn vị", TEXT, 30), _C("Hiện vật", TEXT, 25),
            _C("Số tiền, giá trị", MONEY),
        ], block("II. Danh sách người, đơn vị ủng hộ"),
            [[n, donor_name(d), d.in_kind or None, d.amount] for n, d in enumerate(doc.donors, 1)]
            + [[None, "Cộng", None, sum(d.amount for d in doc.donors)]]) - 1
        _sheet(workbook, "Khoản chi", [
            _C("STT", COUNT), _C("Ngày", DATE), _C("Số phiếu chi"), _C("Nội dung", TEXT, 40), _C("Số tiền", MONEY),
        ], block("III. Các khoản chi"),
            [[n, p.day, p.number, p.text, p.amount] for n, p in enumerate(doc.payouts, 1)]
            + [[None, None, None, "Cộng", sum(p.amount for p in doc.payouts)]])
        _sheet(workbook, "Người nhận", [
            _C("STT", COUNT), _C("Họ và tên", TEXT, 25), _C("Thôn", TEXT, 15), _C("Nội dung", TEXT, 15),
            _C("Số tiền", MONEY),
        ], block("III. Danh sách người nhận"),
            [[n, beneficiary_name(b, doc.initials_only_for_minors), b.hamlet or None, b.kind or None, b.amount]
             for n, b in enumerate(doc.beneficiaries, 1)]
            + [[None, "Cộng", None, None, sum(b.amount for b in doc.beneficiaries)]])
        workbook.save(temp)
    return donors


def write_statement_xlsx(doc: StatementDoc, organisation: str, place: str, out_path: Path | str, *,
                         overwrite: bool = False, exported_on: dt.date | None = None) -> int:
    """One donor's receipts in the period; returns the number of receipts."""
    workbook = xlsx.new_workbook("Bảng kê ủng hộ quỹ khuyến học")
    block = _block(organisation, place, f"Bảng kê ủng hộ của {doc.donor}", period_text(doc.start, doc.end), exported_on)
    with xlsx.replacing(Path(out_path), overwrite=overwrite) as temp:
        _sheet(workbook, "Bảng kê", [
            _C("STT", COUNT), _C("Ngày", DATE), _C("Số phiếu thu"), _C("Nội dung", TEXT, 40), _C("Hiện vật", TEXT, 20),
            _C("Số tiền, giá trị", MONEY),
        ], block, [[n, ln.day, ln.number, ln.purpose or None, ln.in_kind or None, ln.amount]
                   for n, ln in enumerate(doc.lines, 1)] + [[None, None, None, "Cộng", None, doc.total]])
        workbook.save(temp)
    return len(doc.lines)
