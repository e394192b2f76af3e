"""Papers of the study-promotion fund: receipt and payment vouchers, the list people sign when a
payout decision is paid, the detailed book with its summaries, and the public notice.

Pure writers from plain dataclasses (no database, no Qt); money is whole đồng (`int`), dates are
`datetime.date`. Amounts print as 1.250.000 đ in sentences and 1.250.000 in table columns headed
"(đồng)"; a reversing entry (a cancelled voucher) prints negative as -500.000, never in
parentheses, so a column adds up as read. Each `render_*` writes `out_path` atomically and returns
the number of pages.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.lib.colors import Color
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.pagesizes import A4, A5, landscape
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from khuyenhoc_desktop.documents import pdf
from khuyenhoc_desktop.documents.certificates import Issuer
from khuyenhoc_desktop.documents.pdf import MM, SERIF, SERIF_BOLD, SERIF_ITALIC
from khuyenhoc_desktop.documents.title_papers import _Heading, _labelled, _para, _rule, _styles
from khuyenhoc_desktop.documents.title_papers import _Signature as _TitleSignature
from khuyenhoc_desktop.domain.dates import format_date, long_date
from khuyenhoc_desktop.domain.money import amount_in_words, format_count, format_money
from khuyenhoc_desktop.domain.names import initials

ANONYMOUS = "Nhà hảo tâm (ẩn danh)"
COPY_MARK = "BẢN SAO"
CANCELLED_MARK = "ĐÃ HỦY"
BLANK = "…………"


# ---------------------------------------------------------------- documents

@dataclass
class VoucherDoc:
    kind: str  # "receipt" (PHIẾU THU) | "payment" (PHIẾU CHI)
    number: str  # "PT-2026-0001"
    date: dt.date
    party_name: str  # payer or payee; "" with anonymous
    amount: int  # đồng; for goods given in kind, their estimated value
    party_address: str = ""
    reason: str = ""
    method: str = ""  # "Tiền mặt", "Chuyển khoản", "Hiện vật"; "" → no line
    in_kind: str = ""  # the goods ("200 quyển vở"); set → printed as goods at an estimated value
    anonymous: bool = False  # a donor who asked not to be named
    book: str = ""  # "Quyển số"; "" → dotted blank
    attachments: str = ""  # "Kèm theo": "01 chứng từ gốc"; "" → dotted blank
    chair_name: str = ""  # "" → the issuer's signer
    accountant_name: str = ""
    treasurer_name: str = ""
    party_signer_name: str = ""  # printed under the payer/payee box
    copy: bool = False  # a reprint: marked "BẢN SAO"
    cancelled_on: dt.date | None = None  # a cancelled voucher: marked "ĐÃ HỦY" with date and reason
    cancel_reason: str = ""


@dataclass
class PayoutLine:
    name: str  # a person of the registry or a name written by hand
    amount: int
    class_name: str = ""
    school: str = ""
    hamlet: str = ""


@dataclass
class PayoutListDoc:
    decision_number: str  # "05/QĐ-HKH"
    decided_on: dt.date
    lines: list[PayoutLine]
    payout_name: str = "học bổng"  # "phần thưởng", "quà": printed in "DANH SÁCH NHẬN …"
    purpose: str = ""  # "Năm học 2025-2026": a line under the title
    authority: str = ""  # who decided; "" → "Ban Chấp hành " + issuing body
    preparer_name: str = ""
    treasurer_name: str = ""
    chair_name: str = ""  # the decision's signer; "" → the issuer's signer


@dataclass
class LedgerLine:
    day: dt.date
    number: str  # the voucher's number
    kind: str  # "receipt" | "payment": which number column
    text: str  # "Diễn giải"; a reversal says "Hủy phiếu PT-2026-0002 …: lý do"
    received: int  # signed: a cancelled receipt's reversal is negative
    paid: int
    balance: int  # running balance after the line
    reversal: bool = False


@dataclass
class PeriodBalance:
    label: str  # "Tháng 01/2026", "Quý I", "Năm 2026"
    opening: int
    received: int
    paid: int
    closing: int


@dataclass
class TotalRow:
    label: str  # a campaign/purpose, a kind of payout, a hamlet
    received: int
    paid: int


@dataclass
class AwardRow:
    level: str  # "Tiểu học", "Trung học cơ sở", …
    recipient: str  # "Học sinh, sinh viên", "Giáo viên"
    count: int
    amount: int


@dataclass
class LedgerDoc:
    start: dt.date
    end: dt.date
    opening: int
    lines: list[LedgerLine]
    periods: list[PeriodBalance] = field(default_factory=list)
    by_purpose: list[TotalRow] = field(default_factory=list)
    by_payout_kind: list[TotalRow] = field(default_factory=list)
    by_hamlet: list[TotalRow] = field(default_factory=list)
    awards: list[AwardRow] = field(default_factory=list)
    keeper_name: str = ""  # "Người ghi sổ"
    treasurer_name: str = ""

    @property
    def received(self) -> int:
        return sum(line.received for line in self.lines)

    @property
    def paid(self) -> int:
        return sum(line.paid for line in self.lines)

    @property
    def closing(self) -> int:
        return self.opening + self.received - self.paid


@dataclass
class DonorLine:
    name: str
    amount: int  # money, or the estimated value of goods
    in_kind: str = ""  # the goods, for a gift in kind
    anonymous: bool = False  # printed as "Nhà hảo tâm (ẩn danh)"


@dataclass
class PayoutEntry:
    day: dt.date
    number: str  # "PC-2026-0003"
    text: str  # "Học bổng theo Quyết định số 05/QĐ-HKH"
    amount: int


@dataclass
class BeneficiaryLine:
    name: str
    amount: int
    kind: str = ""  # "Học bổng", "Khen thưởng"
    hamlet: str = ""
    minor: bool = False  # a child: initials only when the notice asks for it


@dataclass
class DisclosureDoc:
    start: dt.date
    end: dt.date
    opening: int
    received_cash: int
    received_bank: int
    received_in_kind: int  # estimated value of goods
    paid: int
    closing: int
    donors: list[DonorLine] = field(default_factory=list)
    payouts: list[PayoutEntry] = field(default_factory=list)
    beneficiaries: list[BeneficiaryLine] = field(default_factory=list)
    initials_only_for_minors: bool = True
    number: str = ""  # "03/TB-HKH"; "" → no number line

    @property
    def received(self) -> int:
        return self.received_cash + self.received_bank + self.received_in_kind


def period_text(start: dt.date, end: dt.date) -> str:
    """'Năm 2026' for a calendar year, else 'Từ ngày 01/01/2026 đến ngày 30/06/2026'."""
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year:
        return f"Năm {start.year}"
    return f"Từ ngày {format_date(start)} đến ngày {format_date(end)}"


def beneficiary_name(line: BeneficiaryLine, initials_only_for_minors: bool) -> str:
    return initials(line.name) if line.minor and initials_only_for_minors else pdf.text(line.name)


def donor_name(line: DonorLine) -> str:
    return ANONYMOUS if line.anonymous or not pdf.text(line.name) else pdf.text(line.name)


def figure(amount: int | None) -> str:
    """A table's money cell: 1.250.000, -500.000; None → ''."""
    return "" if amount is None else format_count(amount)


def _nonzero(amount: int) -> str:
    """A money cell left empty for nothing (a donation row has no payment)."""
    return figure(amount) if amount else ""


# ---------------------------------------------------------------- voucher

VOUCHER_SIZE = landscape(A5)
_V_LEFT, _V_RIGHT, _V_TOP, _V_BOTTOM = 18 * MM, 12 * MM, 10 * MM, 10 * MM


def render_voucher(v: VoucherDoc, issuer: Issuer, out_path: Path | str) -> int:
    """One receipt ("PHIẾU THU") or payment ("PHIẾU CHI") voucher on A5 landscape.

    A5 landscape is the size of the Ministry of Finance voucher forms (01-TT/02-TT, C40/C41) and
    of the pre-bound voucher books offices keep; printed on A4 it comes out two to a sheet or
    at the printer's "fit". The left margin is wider for binding the vouchers into the book.
    """
    if v.kind not in ("receipt", "payment"):
        raise ValueError("Chỉ có phiếu thu (receipt) hoặc phiếu chi (payment).")
    receipt = v.kind == "receipt"
    title = "PHIẾU THU" if receipt else "PHIẾU CHI"
    words = amount_in_words(v.amount)
    page_w, page_h = VOUCHER_SIZE
    left, right = _V_LEFT, page_w - _V_RIGHT
    with pdf.atomic_pdf(out_path) as temp:
        c = pdf.new_canvas(temp, VOUCHER_SIZE, title=f"{title} {pdf.text(v.number)}", author=issuer.issuing_body)
        top = page_h - _V_TOP

        # Issuing body top left; book and number top right; marks under them.
        body_w = (right - left) * 0.55
        pdf.draw_issuing_body(c, left + body_w / 2, top, issuer.parent_body, issuer.issuing_body,
                              scale=11 / 13, max_width=body_w)
        number_x = left + (right - left) * 0.72
        y = top - 11
        c.setFont(SERIF, 11)
        c.drawString(number_x, y, f"Quyển số: {pdf.text(v.book) or BLANK}")
        y -= 14
        c.setFont(SERIF_BOLD, 11)
        c.drawString(number_x, y, pdf.text(f"Số: {pdf.text(v.number)}"))
        marks = ([COPY_MARK] if v.copy else []) + ([CANCELLED_MARK] if v.cancelled_on else [])
        mark_x = number_x
        for mark in marks:
            w = pdf.width(mark, SERIF_BOLD, 12) + 4 * MM
            c.setLineWidth(1.2)
            c.rect(mark_x, y - 24, w, 17)
            pdf.draw_centred(c, mark, mark_x + w / 2, y - 19, SERIF_BOLD, 12)
            mark_x += w + 2 * MM
        if v.cancelled_on:
            _stamp(c, CANCELLED_MARK, page_w / 2, page_h / 2)

        # Title and date.
        y = top - 52
        pdf.draw_centred(c, title, page_w / 2, y, SERIF_BOLD, 18)
        y -= 16
        date_line = long_date(v.date)
        pdf.draw_centred(c, date_line[0].upper() + date_line[1:], page_w / 2, y, SERIF_ITALIC, 12)
        y -= 10

        party = ANONYMOUS if v.anonymous or not pdf.text(v.party_name) else pdf.text(v.party_name)
        fields = [
            (f"Họ và tên {'người nộp tiền' if receipt else 'người nhận tiền'}:", party, SERIF),
            ("Địa chỉ:", pdf.text(v.party_address) or BLANK, SERIF),
            ("Lý do nộp:" if receipt else "Lý do chi:", pdf.text(v.reason) or BLANK, SERIF),
        ]
        if pdf.text(v.method):
            fields.append(("Hình thức:", pdf.text(v.method), SERIF))
        if pdf.text(v.in_kind):
            fields += [("Hiện vật:", pdf.text(v.in_kind), SERIF),
                       ("Giá trị ước tính:", format_money(v.amount), SERIF_BOLD)]
        else:
            fields.append(("Số tiền:", format_money(v.amount), SERIF_BOLD))
        fields += [("(Viết bằng chữ):", words, SERIF_ITALIC),
                   ("Kèm theo:", pdf.text(v.attachments) or f"{BLANK} chứng từ gốc", SERIF)]
        if v.cancelled_on:
            reason = pdf.text(v.cancel_reason)
            fields.append(("Đã hủy:", f"ngày {format_date(v.cancelled_on)}" + (f"; lý do: {reason}" if reason else ""),
                           SERIF_BOLD))
        for label, value, font in fields:
            y = _field(c, left, right, y, label, value, font)

        # Signatures in a row, each "(Ký, họ tên)", names printed under when known.
        party_title = "Người nộp tiền" if receipt else "Người nhận tiền"
        boxes = [("Chủ tịch", "(Ký, họ tên, đóng dấu)", pdf.text(v.chair_name) or pdf.text(issuer.signer_name)),
                 ("Kế toán", "(Ký, họ tên)", pdf.text(v.accountant_name)),
                 ("Thủ quỹ", "(Ký, họ tên)", pdf.text(v.treasurer_name)),
                 (party_title, "(Ký, họ tên)", pdf.text(v.party_signer_name))]
        box_w = (right - left) / len(boxes)
        sig_top = max(y - 6, _V_BOTTOM + 82)
        for n, (head, hint, name) in enumerate(boxes):
            cx = left + box_w * (n + 0.5)
            pdf.draw_centred(c, head, cx, sig_top - 12, SERIF_BOLD, 12)
            pdf.draw_centred(c, hint, cx, sig_top - 25, SERIF_ITALIC, 10)
            if name:
                pdf.draw_fitted(c, name, cx, _V_BOTTOM + 16, SERIF_BOLD, 12, box_w - 2 * MM, max_lines=1)
        c.showPage()
        c.save()
    return 1


def _field(c, left: float, right: float, y: float, label: str, value: str, font: str) -> float:
    """'Label: value' on the next line, the value wrapped (at most 2 lines) after the label;
    returns the baseline of the last line."""
    size = 12
    y -= size * 1.45
    c.setFont(SERIF, size)
    c.drawString(left, y, label)
    x = left + pdf.width(label, SERIF, size) + 4
    lines, used = pdf.fit_lines(value, font, size, right - x, min_size=10, max_lines=2)
    for n, line in enumerate(lines):
        if n:
            y -= used * 1.25
        c.setFont(font, used)
        c.drawString(x, y, line)
    return y


def _stamp(c, label: str, cx: float, cy: float) -> None:
    """A large light diagonal mark across the page, under nothing important: it shows at a glance."""
    c.saveState()
    c.setFillColor(Color(0.75, 0.75, 0.75))
    c.translate(cx, cy)
    c.rotate(18)
    c.setFont(SERIF_BOLD, 64)
    c.drawCentredString(0, -22, label)
    c.restoreState()


# ---------------------------------------------------------------- payout list

def render_payout_list(doc: PayoutListDoc, issuer: Issuer, out_path: Path | str) -> int:
    """"DANH SÁCH NHẬN HỌC BỔNG" attached to the payout decision, one row per beneficiary with an
    empty "Ký nhận" cell to sign on receipt; A4 portrait (seven columns fit) per Decree 30."""
    if not doc.lines:
        raise ValueError("Danh sách người nhận đang trống.")
    s = _styles()
    total = sum(line.amount for line in doc.lines)
    authority = pdf.text(doc.authority) or f"Ban Chấp hành {pdf.text(issuer.issuing_body)}"
    heading = f"DANH SÁCH NHẬN {pdf.caps(doc.payout_name)}"
    rows = [[str(n), line.name, line.class_name, line.school, line.hamlet, figure(line.amount), ""]
            for n, line in enumerate(doc.lines, 1)]
    rows.append(["", "Tổng cộng", "", "", "", figure(total), ""])

    def story(paper: pdf.DecreePaper) -> list[Flowable]:
        return [
            _Heading(issuer, None, None),
            Spacer(1, 6 * MM),
            _para(heading, s.title),
            *([_para(doc.purpose, s.title)] if pdf.text(doc.purpose) else []),
            _para(f"(Kèm theo Quyết định số {pdf.text(doc.decision_number) or BLANK} {long_date(doc.decided_on)} "
                  f"của {authority})", s.attached),
            _rule(30 * MM),
            pdf.ruled_table(["STT", "Họ và tên", "Lớp", "Trường", "Thôn", "Số tiền (đồng)", "Ký nhận"], rows,
                            [10, 44, 13, 35, 22, 24, 22], "CLCLLRC", paper.text_width, size=11, roomy=True,
                            bold_rows=[len(rows)]),
            Spacer(1, 3 * MM),
            KeepTogether([
                _labelled("Tổng số:", f"{format_count(len(doc.lines))} người; số tiền {format_money(total)}.", s.info),
                _labelled("Viết bằng chữ:", f"{amount_in_words(total)}.", s.info_italic),
                Spacer(1, 3 * MM),
                _signatures(paper, issuer, [("NGƯỜI LẬP", doc.preparer_name), ("THỦ QUỸ", doc.treasurer_name)],
                            doc.chair_name),
            ]),
        ]

    return _write(out_path, f"{heading} {doc.decision_number}", issuer, story)


# ---------------------------------------------------------------- ledger

def render_ledger(doc: LedgerDoc, issuer: Issuer, out_path: Path | str) -> int:
    """"SỔ CHI TIẾT QUỸ KHUYẾN HỌC" on A4 landscape (seven columns with long descriptions): the
    opening balance, every voucher and reversal by date with the running balance, period totals
    and closing; then the summaries (balance by period, totals by purpose, by kind of payout, by
    hamlet, scholarships and awards by level and recipients), and the signatures."""
    s = _styles()
    period = period_text(doc.start, doc.end)
    rows = [[format_date(doc.start), "", "", "Số dư đầu kỳ", "", "", figure(doc.opening)]]
    for line in doc.lines:
        rows.append([format_date(line.day), line.number if line.kind == "receipt" else "",
                     line.number if line.kind == "payment" else "", line.text,
                     figure(line.received) if line.received else "", figure(line.paid) if line.paid else "",
                     figure(line.balance)])
    rows += [["", "", "", "Cộng phát sinh trong kỳ", figure(doc.received), figure(doc.paid), ""],
             [format_date(doc.end), "", "", "Số dư cuối kỳ", "", "", figure(doc.closing)]]
    bold = [1, len(rows) - 1, len(rows)]

    def story(paper: pdf.DecreePaper) -> list[Flowable]:
        width = paper.text_width
        flow: list[Flowable] = [
            _Heading(issuer, None, None),
            Spacer(1, 5 * MM),
            _para("SỔ CHI TIẾT QUỸ KHUYẾN HỌC", s.title),
            _para(f"({period})", s.attached),
            _rule(30 * MM),
            pdf.ruled_table(["Ngày", "Số phiếu thu", "Số phiếu chi", "Diễn giải", "Thu (đồng)", "Chi (đồng)",
                             "Tồn (đồng)"], rows, [22, 29, 29, 105, 28, 28, 30], "CCCLRRR", width, size=11,
                            bold_rows=bold),
        ]
        blocks = [[_para(f"{_ROMAN[n]}. {head}", s.info_bold), table]
                  for n, (head, table) in enumerate(_ledger_sections(doc, width), 1)]
        # The signatures go with the last summary: no page holds them alone.
        signatures = [Spacer(1, 5 * MM), _signatures(paper, issuer, [("NGƯỜI GHI SỔ", doc.keeper_name),
                                                                       ("THỦ QUỸ", doc.treasurer_name)], "")]
        for block in blocks[:-1]:
            flow += [Spacer(1, 5 * MM), KeepTogether(block)]
        flow += [Spacer(1, 5 * MM), KeepTogether((blocks[-1] if blocks else []) + signatures)]
        return flow

    return _write(out_path, f"Sổ chi tiết quỹ khuyến học {period}", issuer, story, pagesize=landscape(A4))


@dataclass
class StatementLine:
    day: dt.date
    number: str
    purpose: str
    amount: int
    in_kind: str = ""


@dataclass
class StatementDoc:
    """What one donor gave in a period (the thank-you letter's attachment, or an answer to "how
    much did our clan give this year?")."""

    donor: str
    address: str
    start: dt.date
    end: dt.date
    lines: list[StatementLine]

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)


def render_statement(doc: StatementDoc, issuer: Issuer, out_path: Path | str) -> int:
    """"BẢNG KÊ ỦNG HỘ QUỸ KHUYẾN HỌC" of one donor: each receipt, the total in figures and words."""
    s = _styles()
    period = period_text(doc.start, doc.end)
    rows = [[str(n), format_date(line.day), line.number, line.purpose + (f" (hiện vật: {line.in_kind})" if line.in_kind
                                                                         else ""), figure(line.amount)]
            for n, line in enumerate(doc.lines, 1)]
    rows.append(["", "", "", "Cộng", figure(doc.total)])

    def story(paper: pdf.DecreePaper) -> list[Flowable]:
        width = paper.text_width
        flow: list[Flowable] = [
            _Heading(issuer, None, pdf.place_date(issuer.place, issuer.date)),
            Spacer(1, 6 * MM),
            _para("BẢNG KÊ ỦNG HỘ QUỸ KHUYẾN HỌC", s.title),
            _para(f"({period})", s.attached),
            _rule(30 * MM),
            _labelled("Người, đơn vị ủng hộ: ", doc.donor),
        ]
        if doc.address:
            flow.append(_labelled("Địa chỉ: ", doc.address))
        flow += [Spacer(1, 3 * MM),
                 pdf.ruled_table(["STT", "Ngày", "Số phiếu thu", "Nội dung", "Số tiền (đồng)"], rows,
                                 [12, 24, 30, 69, 30], "CCCLR", width, size=11, bold_rows=[len(rows)])]
        if doc.total:
            flow.append(_para(f"(Bằng chữ: {amount_in_words(doc.total)})", _indented()))
        flow += [Spacer(1, 5 * MM), KeepTogether([pdf.side_by_side([
            Spacer(1, 1), _Signature(issuer.signer_title, issuer.signer_name, issuer.signer_on_behalf)],
            width, [0.5, 0.5])])]
        return flow

    return _write(out_path, f"Bảng kê ủng hộ quỹ khuyến học {period}", issuer, story)


_ROMAN = ["", "I", "II", "III", "IV", "V", "VI", "VII", "VIII"]


def _ledger_sections(doc: LedgerDoc, width: float) -> list[tuple[str, Flowable]]:
    sections: list[tuple[str, Flowable]] = []
    if doc.periods:
        rows = [[p.label, figure(p.opening), figure(p.received), figure(p.paid), figure(p.closing)]
                for p in doc.periods]
        sections.append(("SỐ DƯ THEO KỲ", pdf.ruled_table(
            ["Kỳ", "Đầu kỳ (đồng)", "Thu (đồng)", "Chi (đồng)", "Cuối kỳ (đồng)"], rows, [60, 40, 40, 40, 40],
            "LRRRR", width * 0.75, size=11)))
    for head, totals, paid_only in (("TỔNG HỢP THEO ĐỢT VẬN ĐỘNG, MỤC ĐÍCH", doc.by_purpose, False),
                                    ("TỔNG HỢP CHI THEO LOẠI", doc.by_payout_kind, True),
                                    ("TỔNG HỢP THEO THÔN", doc.by_hamlet, False)):
        if totals:
            sections.append((head, _totals_table(totals, width, paid_only)))
    if doc.awards:
        sections.append(("HỌC BỔNG, KHEN THƯỞNG THEO CẤP HỌC VÀ ĐỐI TƯỢNG", _awards_table(doc.awards, width)))
    for _head, table in sections:
        table.hAlign = "LEFT"
    return sections


def _totals_table(totals: list[TotalRow], width: float, paid_only: bool):
    if paid_only:
        rows = [[str(n), t.label, _nonzero(t.paid)] for n, t in enumerate(totals, 1)]
        rows.append(["", "Cộng", figure(sum(t.paid for t in totals))])
        return pdf.ruled_table(["STT", "Nội dung", "Chi (đồng)"], rows, [12, 100, 40], "CLR", width * 0.6,
                               size=11, bold_rows=[len(rows)])
    rows = [[str(n), t.label, _nonzero(t.received), _nonzero(t.paid)] for n, t in enumerate(totals, 1)]
    rows.append(["", "Cộng", figure(sum(t.received for t in totals)), figure(sum(t.paid for t in totals))])
    return pdf.ruled_table(["STT", "Nội dung", "Thu (đồng)", "Chi (đồng)"], rows, [12, 100, 40, 40], "CLRR",
                           width * 0.75, size=11, bold_rows=[len(rows)])


def award_matrix(awards: list[AwardRow]) -> tuple[list[str], list[list[object]]]:
    """Levels down, recipients across (count and amount each), totals right and at the bottom:
    the header and rows shared by the PDF and the workbook (None where nobody was counted)."""
    levels = list(dict.fromkeys(a.level for a in awards))
    recipients = list(dict.fromkeys(a.recipient for a in awards))
    cells = {(a.level, a.recipient): a for a in awards}
    header = ["Cấp học"]
    for r in recipients:
        header += [f"{r}: số người", f"{r}: số tiền (đồng)"]
    header += ["Cộng: số người", "Cộng: số tiền (đồng)"]
    rows: list[list[object]] = []
    for level in [*levels, None]:
        row: list[object] = [level or "Cộng"]
        for r in recipients:
            picked = [a for a in awards if a.recipient == r and (level is None or a.level == level)]
            if level is not None and (level, r) not in cells:
                row += [None, None]
            else:
                row += [sum(a.count for a in picked), sum(a.amount for a in picked)]
        picked = [a for a in awards if level is None or a.level == level]
        row += [sum(a.count for a in picked), sum(a.amount for a in picked)]
        rows.append(row)
    return header, rows


def _awards_table(awards: list[AwardRow], width: float):
    header, rows = award_matrix(awards)
    shown = [[row[0], *(figure(v) for v in row[1:])] for row in rows]
    widths = [50] + [22, 32] * ((len(header) - 1) // 2)
    return pdf.ruled_table(header, shown, widths, "L" + "CR" * ((len(header) - 1) // 2),
                           min(width, sum(widths) * MM * 1.2), size=11, bold_rows=[len(rows)])


# ---------------------------------------------------------------- public notice

def render_disclosure(doc: DisclosureDoc, issuer: Issuer, out_path: Path | str) -> int:
    """"THÔNG BÁO CÔNG KHAI THU, CHI QUỸ KHUYẾN HỌC" for the office and the hamlet halls, A4
    portrait per Decree 30: I. what came in (cash, transfer, goods at estimated value), II. who
    gave (anonymous donors as "Nhà hảo tâm (ẩn danh)"), III. what went out and to whom (minors by
    initials when `initials_only_for_minors`), IV. the closing balance; signed by the chair."""
    s = _styles()
    period = period_text(doc.start, doc.end)
    number = pdf.text(doc.number)

    donors = [[str(n), donor_name(d), d.in_kind, figure(d.amount)] for n, d in enumerate(doc.donors, 1)]
    donors.append(["", "Cộng", "", figure(sum(d.amount for d in doc.donors))])
    payouts = [[str(n), format_date(p.day), p.number, p.text, figure(p.amount)] for n, p in enumerate(doc.payouts, 1)]
    payouts.append(["", "", "", "Cộng", figure(sum(p.amount for p in doc.payouts))])
    people = [[str(n), beneficiary_name(b, doc.initials_only_for_minors), b.hamlet, b.kind, figure(b.amount)]
              for n, b in enumerate(doc.beneficiaries, 1)]
    people.append(["", "Cộng", "", "", figure(sum(b.amount for b in doc.beneficiaries))])

    def story(paper: pdf.DecreePaper) -> list[Flowable]:
        width = paper.text_width
        flow: list[Flowable] = [
            _Heading(issuer, f"Số: {number}" if number else None, pdf.place_date(issuer.place, issuer.date)),
            Spacer(1, 6 * MM),
            _para("THÔNG BÁO", s.title),
            _para("CÔNG KHAI THU, CHI QUỸ KHUYẾN HỌC", s.title),
            _para(f"({period})", s.attached),
            _rule(30 * MM),
            _money_lines([("Số dư đầu kỳ:", doc.opening)], width),
            Spacer(1, 2 * MM),
            _para("I. TỔNG THU", s.info_bold),
            _money_lines([("Tổng thu trong kỳ:", doc.received), ("- Tiền mặt:", doc.received_cash),
                          ("- Chuyển khoản:", doc.received_bank),
                          ("- Hiện vật (giá trị ước tính):", doc.received_in_kind)], width),
            Spacer(1, 3 * MM),
            *_section("II. DANH SÁCH NGƯỜI, ĐƠN VỊ ỦNG HỘ"),
        ]
        if doc.donors:
            flow.append(pdf.ruled_table(["STT", "Họ và tên, đơn vị", "Hiện vật", "Số tiền, giá trị (đồng)"],
                                        donors, [12, 70, 50, 33], "CLLR", width, size=11, bold_rows=[len(donors)]))
        else:
            flow.append(_para("Không có.", s.plain))
        flow += [Spacer(1, 3 * MM), _para("III. TỔNG CHI", s.info_bold),
                 _money_lines([("Tổng chi trong kỳ:", doc.paid)], width)]
        if doc.payouts:
            flow += [Spacer(1, 2 * MM), pdf.ruled_table(
                ["STT", "Ngày", "Số phiếu chi", "Nội dung", "Số tiền (đồng)"], payouts, [12, 24, 30, 69, 30],
                "CCCLR", width, size=11, bold_rows=[len(payouts)])]
        if doc.beneficiaries:
            flow += [Spacer(1, 3 * MM), *_section("Danh sách người nhận:"), pdf.ruled_table(
                ["STT", "Họ và tên", "Thôn", "Nội dung", "Số tiền (đồng)"], people, [12, 55, 34, 34, 30],
                "CLLLR", width, size=11, bold_rows=[len(people)])]
        flow += [Spacer(1, 3 * MM), KeepTogether([
            _para("IV. SỐ DƯ CUỐI KỲ", s.info_bold),
            _money_lines([("Số dư cuối kỳ:", doc.closing)], width),
            *([_para(f"(Bằng chữ: {amount_in_words(doc.closing)})", _indented())] if doc.closing > 0 else []),
            Spacer(1, 3 * MM),
            _para("Mọi ý kiến về thu, chi quỹ xin gửi Ban Chấp hành Hội trong thời gian niêm yết.", s.info_italic),
            Spacer(1, 3 * MM),
            pdf.side_by_side([Spacer(1, 1), _Signature(issuer.signer_title, issuer.signer_name,
                                                       issuer.signer_on_behalf)], width, [0.5, 0.5]),
        ])]
        return flow

    return _write(out_path, f"Thông báo công khai thu, chi quỹ khuyến học {period}", issuer, story)


def _section(heading: str) -> list[Flowable]:
    """A heading over a long table: kept with the table's first rows (not the whole table, which
    would push it to the next page and leave this one half empty)."""
    style = ParagraphStyle("section", parent=_styles().info_bold, keepWithNext=0)
    return [CondPageBreak(35 * MM), _para(heading, style)]


@functools.cache
def _indented() -> ParagraphStyle:
    return ParagraphStyle("indented", parent=_styles().info_italic, leftIndent=10 * MM)


def _money_lines(items: list[tuple[str, int]], width: float) -> Table:
    """Labels left, amounts right-aligned in a column (the first line bold): totals that read
    like a statement."""
    rows = [[Paragraph(pdf.text(label), pdf.cell_style(13, "L", n == 0)),
             Paragraph(format_money(amount), pdf.cell_style(13, "R", n == 0))]
            for n, (label, amount) in enumerate(items)]
    table = Table(rows, colWidths=[width * 0.5, width * 0.25], hAlign="LEFT")
    table.setStyle(TableStyle([*pdf.NO_HELVETICA, ("LEFTPADDING", (0, 0), (-1, -1), 10 * MM),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 0),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
    return table


# ---------------------------------------------------------------- shared

def _signatures(paper: pdf.DecreePaper, issuer: Issuer, others: list[tuple[str, str]], chair_name: str) -> Table:
    """Signatures in a row, the chair's (on behalf of the board) last under the place-date."""
    # The others sit one line lower, so every name lands level with the chair's.
    blocks = [_Signature(title, name, date_line=" ", pad_lines=1) for title, name in others]
    blocks.append(_Signature(issuer.signer_title, pdf.text(chair_name) or issuer.signer_name,
                             issuer.signer_on_behalf, date_line=pdf.place_date(issuer.place, issuer.date)))
    shares = [0.28] * len(others) + [1 - 0.28 * len(others)]
    return pdf.side_by_side(blocks, paper.text_width, shares)


class _Signature(_TitleSignature):
    """A signature block that may start `pad_lines` title lines lower."""

    def __init__(self, title: str, name: str, on_behalf: str = "", *, date_line: str | None = None,
                 pad_lines: int = 0):
        super().__init__(title, name, on_behalf, date_line=date_line)
        self.pad_lines = pad_lines

    def _draw(self, canvas, top: float) -> float:
        return super()._draw(canvas, top - self.pad_lines * 13 * 1.25 * self.scale)


def _write(out_path: Path | str, title: str, issuer: Issuer, story, *, pagesize=A4) -> int:
    with pdf.atomic_pdf(out_path) as temp:
        paper = pdf.DecreePaper(temp, title, issuer.issuing_body, pagesize=pagesize)
        paper.build(story(paper))
    return paper.page
