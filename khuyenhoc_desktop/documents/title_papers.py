"""Papers of a title campaign (danh hiệu học tập): the recognition decision with its attached
list, a hamlet's registration list, score sheets and the minutes of the review meeting.

Pure writers from plain dataclasses (no database, no Qt). A4 portrait laid out per Decree
30/2020/NĐ-CP: issuing body and number top left, national motto and place-date top right,
signature bottom right, "Nơi nhận:" bottom left, page numbers from page 2 centred in the top
margin. Tables are platypus tables: they break over pages and repeat their header row.
Each `render_*` writes `out_path` atomically and returns the number of pages.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from xml.sax.saxutils import escape

from reportlab.lib.colors import black
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import (
    Flowable, HRFlowable, KeepTogether, PageBreak, Paragraph, Spacer, Table, TableStyle,
)

from khuyenhoc_desktop.documents import pdf
from khuyenhoc_desktop.documents.certificates import Issuer
from khuyenhoc_desktop.documents.pdf import MM, SERIF, SERIF_BOLD, SERIF_BOLD_ITALIC, SERIF_ITALIC
from khuyenhoc_desktop.domain.dates import format_date, long_date
from khuyenhoc_desktop.domain.money import format_count

TEXT_WIDTH = A4[0] - pdf.MARGIN_LEFT - pdf.MARGIN_RIGHT
NOT_WRITTEN = "(chưa có nội dung)"
BLANK = "…………"

ENTITY_NOUNS = {
    "household": "hộ gia đình", "clan": "dòng họ", "hamlet": "thôn, tổ dân phố", "unit": "đơn vị",
    "commune": "xã", "citizen": "công dân",
}


# ---------------------------------------------------------------- documents

@dataclass
class DecisionEntryLine:
    name: str
    address: str
    level: str | None = None
    certificate_number: str = ""
    note: str = ""  # e.g. "3 năm liền"


@dataclass
class DecisionDoc:
    number: str  # "01/QĐ-HKH"
    issued_on: dt.date | None  # None: dotted blanks, dated by hand when signed
    title_name: str  # "Gia đình học tập"
    year: int
    entity_noun: str  # "hộ gia đình", "dòng họ"
    basis: list[str]  # "Căn cứ …" lines, one paragraph each
    entries: list[DecisionEntryLine]
    recipients: list[str]  # "Như Điều 3", "Lưu: VT"
    amends_number: str | None = None  # the decision this one amends
    draft: bool = False
    authority: str = ""  # "" → "Ban Chấp hành " + issuing body; printed in capitals above "Căn cứ"
    award_text: str = ""  # Điều 2; "" → the certificates line
    executors_text: str = ""  # Điều 3; "" → office, branches and the entities named


@dataclass
class RegistrationLine:
    name: str
    address: str
    registered_on: dt.date | None = None
    note: str = ""


@dataclass
class RegistrationListDoc:
    title_name: str
    year: int
    entries: list[RegistrationLine]
    entity_noun: str = "hộ gia đình"
    hamlet_name: str = ""
    total_count: int | None = None  # all entities of the hamlet: "Tổng số: N/M …"
    left_title: str = "NGƯỜI LẬP BIỂU"
    left_name: str = ""
    right_title: str = "TRƯỞNG THÔN"
    right_name: str = ""
    blank_rows: int = 0  # empty rows for late registrations written in by hand


@dataclass
class SheetIndicator:
    id: str
    text: str | None
    kind: str  # "points" | "pass_fail"
    max_points: float | None = None
    value: float | bool | None = None  # None: left empty to fill by hand
    evidence: str = ""
    for_level: str | None = None  # counted only for this level (e.g. "Mức độ 2")


@dataclass
class SheetCriterion:
    id: str
    text: str | None
    indicators: list[SheetIndicator]
    points: float | None = None  # subtotal once scored
    passed: bool | None = None

    @property
    def max_points(self) -> float | None:
        counted = [i for i in self.indicators if i.kind == "points" and i.for_level is None]
        if not counted or any(i.max_points is None for i in counted):
            return None
        return sum(i.max_points for i in counted)


@dataclass
class ScoreSheet:
    entity_name: str
    entity_address: str
    year: int
    title_name: str
    form_title: str
    legal_text: str
    notice: str | None  # set for a form not fully verified: printed boxed
    criteria: list[SheetCriterion]
    total: float | None = None
    max_total: float | None = None
    level: str | None = None
    passed: bool | None = None  # None: blank sheet for hand-filling
    entity_noun: str = "hộ gia đình"
    left_title: str = ""  # "" → "ĐẠI DIỆN " + entity noun
    left_name: str = ""
    right_title: str = "NGƯỜI ĐÁNH GIÁ"
    right_name: str = ""

    @property
    def blank(self) -> bool:
        return self.total is None and self.passed is None

    @classmethod
    def from_form(cls, form, entity_name: str, entity_address: str, year: int, values: dict | None = None,
                  evidence: dict | None = None, result=None) -> ScoreSheet:
        """A sheet for `form` (domain.forms.Form): blank without `values`; with `result`
        (domain.forms.ScoreResult) the subtotals, total, level and verdict too."""
        values, evidence = values or {}, evidence or {}
        scored = {c.id: c for c in result.criteria} if result else {}
        criteria = []
        for c in form.criteria:
            indicators = [
                SheetIndicator(i.id, i.text, i.kind, i.max_points, values.get(i.id), evidence.get(i.id, ""),
                               i.for_level)
                for i in c.indicators
            ]
            done = scored.get(c.id)
            criteria.append(SheetCriterion(c.id, c.text, indicators, done.points if done else None,
                                           done.passed if done else None))
        sheet = cls(
            entity_name=entity_name, entity_address=entity_address, year=year,
            title_name=re.sub(r"\s*\([^)]*\)\s*$", "", form.title),  # drop "(bản minh họa …)"
            form_title=f"{form.title}; mã {form.id}, phiên bản {form.version}",
            legal_text=form.legal_text, notice=form.notice, criteria=criteria,
            total=result.total if result else None, level=result.level if result else None,
            passed=result.passed if result else None,
            entity_noun=ENTITY_NOUNS.get(form.entity, "hộ gia đình"),
            left_title="NGƯỜI ĐƯỢC ĐÁNH GIÁ" if form.entity == "citizen" else "",
        )
        maxima = [c.max_points for c in criteria if any(i.kind == "points" for i in c.indicators)]
        sheet.max_total = result.max_total if result else (
            sum(maxima) if maxima and None not in maxima else None)
        return sheet


@dataclass
class MinutesRow:
    name: str
    address: str
    total: float | None
    level: str | None
    votes_for: int
    share: float  # of those present
    approved: bool


@dataclass
class MinutesDoc:
    title_name: str
    year: int
    held_on: dt.date  # a datetime also prints the hour
    place: str
    chair_name: str
    secretary_name: str
    invited: int
    present: int
    quorum_share: float  # 0.6 = at least 60 % of those invited
    approval_share: float  # of those present, to propose recognition
    quorum_met: bool
    rows: list[MinutesRow]
    note: str = ""
    entity_noun: str = "hộ gia đình"
    number: str = ""  # "05/BB-HKH"; "" → no number line
    ended_at: str = ""  # "10 giờ 30"; "" → dotted blank
    attendees: list[str] = field(default_factory=list)  # "đại diện Ban Chấp hành Hội", …


# ---------------------------------------------------------------- writers

def render_decision(doc: DecisionDoc, issuer: Issuer, out_path: Path | str) -> int:
    """The recognition decision, then its attached list on new page(s)."""
    if not doc.entries:
        raise ValueError("Quyết định chưa có ai trong danh sách công nhận.")
    s = _styles()
    noun, title, year = pdf.text(doc.entity_noun), pdf.text(doc.title_name), doc.year
    number = pdf.text(doc.number)
    authority = pdf.text(doc.authority) or f"Ban Chấp hành {pdf.text(issuer.issuing_body)}"
    subject = f"Về việc công nhận danh hiệu {title} năm {year}"
    attached = "(có danh sách kèm theo)"
    if doc.amends_number:
        amends = pdf.text(doc.amends_number)
        subject = f"Về việc sửa đổi Quyết định số {amends} về việc công nhận danh hiệu {title} năm {year}"
        attached = f"(có danh sách kèm theo, thay thế danh sách kèm theo Quyết định số {amends})"
    articles = [
        f"Công nhận {format_count(len(doc.entries))} {noun} đạt danh hiệu {title} năm {year} {attached}.",
        pdf.text(doc.award_text)
        or f"Các {noun} có tên trong danh sách kèm theo được cấp Giấy công nhận danh hiệu {title} năm {year}.",
        pdf.text(doc.executors_text)
        or f"Quyết định này có hiệu lực kể từ ngày ký. Văn phòng Hội, các chi hội khuyến học và các {noun} "
           f"có tên tại Điều 1 chịu trách nhiệm thi hành Quyết định này./.",
    ]

    def story(paper: _Paper) -> list[Flowable]:
        return [
            _Heading(issuer, f"Số: {number or BLANK}", pdf.place_date_or_blank(issuer.place, doc.issued_on)),
            Spacer(1, 8 * MM),
            *_title("QUYẾT ĐỊNH", subject),
            _para(pdf.caps(authority), s.title),
            Spacer(1, 4 * MM),
            *(_para(line, s.basis) for line in _punctuated(doc.basis)),
            Spacer(1, 2 * MM),
            _para("QUYẾT ĐỊNH:", s.title),
            Spacer(1, 2 * MM),
            *(_article(n, body) for n, body in enumerate(articles[:-1], 1)),
            # The last article goes with the signature: no page holds a signature alone.
            KeepTogether([
                _article(len(articles), articles[-1]),
                Spacer(1, 4 * MM),
                _two_columns(_recipients(doc.recipients),
                             _Signature(issuer.signer_title, issuer.signer_name, issuer.signer_on_behalf), 0.45),
            ]),
            PageBreak(),
            _NewSection(paper),
            _heading_lines(f"DANH SÁCH {pdf.caps(noun)} ĐẠT DANH HIỆU", f"{pdf.caps(title)} NĂM {year}"),
            _para(f"(Kèm theo Quyết định số {number or BLANK} "
                  f"{long_date(doc.issued_on) if doc.issued_on else pdf.BLANK_LONG_DATE} "
                  f"của {authority})", s.attached),
            _rule(30 * MM),
            _table(
                ["STT", f"Tên {noun}", "Địa chỉ", "Xếp loại", "Số giấy công nhận", "Ghi chú"],
                [[str(n), e.name, e.address, e.level, e.certificate_number, e.note]
                 for n, e in enumerate(doc.entries, 1)],
                [11, 48, 32, 18, 30, 26], "CLLCCL",
            ),
        ]

    return _write(out_path, f"Quyết định {number}", issuer, story, draft=doc.draft)


def render_registration_list(doc: RegistrationListDoc, issuer: Issuer, out_path: Path | str) -> int:
    """Who registered for the title in a hamlet, with a column for their signatures."""
    s = _styles()
    noun = pdf.text(doc.entity_noun)
    count = format_count(len(doc.entries))
    if doc.total_count is not None:
        count = f"{count}/{format_count(doc.total_count)}"
    rows = [[str(n), e.name, e.address, format_date(e.registered_on), "", e.note]
            for n, e in enumerate(doc.entries, 1)]
    rows += [[str(n), "", "", "", "", ""] for n in range(len(rows) + 1, len(rows) + 1 + doc.blank_rows)]
    heading = ("DANH SÁCH ĐĂNG KÝ DANH HIỆU", f"{pdf.caps(doc.title_name)} NĂM {doc.year}")

    def story(paper: _Paper) -> list[Flowable]:
        return [
            _Heading(issuer, None, None),
            Spacer(1, 8 * MM),
            _heading_lines(*heading),
            *([_para(doc.hamlet_name, s.title)] if pdf.text(doc.hamlet_name) else []),
            _rule(30 * MM),
            _table(["STT", f"Tên {noun}", "Địa chỉ", "Ngày đăng ký", "Ký xác nhận", "Ghi chú"], rows,
                   [11, 50, 35, 22, 27, 20], "CLLCCL", roomy=True),
            Spacer(1, 3 * MM),
            KeepTogether([
                _para(f"Tổng số: {count} {noun} đăng ký.", s.plain),
                Spacer(1, 2 * MM),
                _two_columns(
                    _Signature(doc.left_title, doc.left_name, date_line=" "),
                    _Signature(doc.right_title, doc.right_name,
                               date_line=pdf.place_date_or_blank(issuer.place, issuer.date)),
                ),
            ]),
        ]

    return _write(out_path, " ".join(heading), issuer, story)


def render_score_sheets(sheets: list[ScoreSheet], issuer: Issuer, out_path: Path | str) -> int:
    """One "PHIẾU ĐÁNH GIÁ" per entity, each starting on a new page."""
    if not sheets:
        raise ValueError("Không có phiếu đánh giá nào để in.")

    def story(paper: _Paper) -> list[Flowable]:
        flow: list[Flowable] = []
        for n, sheet in enumerate(sheets):
            if n:
                flow += [PageBreak(), _NewSection(paper)]
            flow += _score_sheet(sheet, issuer)
        return flow

    return _write(out_path, "Phiếu đánh giá", issuer, story)


def render_minutes(doc: MinutesDoc, issuer: Issuer, out_path: Path | str) -> int:
    """Minutes of the meeting that reviews the candidates and votes on each."""
    s = _styles()
    noun, title = pdf.text(doc.entity_noun), pdf.text(doc.title_name)
    held = long_date(doc.held_on)
    if isinstance(doc.held_on, dt.datetime):
        held = f"{doc.held_on:%H} giờ {doc.held_on:%M}, {held}"
    present_share = doc.present / doc.invited if doc.invited else None
    quorum = ("Hội nghị đủ số người dự theo quy định." if doc.quorum_met else
              "Hội nghị không đủ số người dự theo quy định; kết quả bình xét dưới đây chưa có giá trị.")
    approved = sum(1 for r in doc.rows if r.approved)
    total = format_count(len(doc.rows))
    if doc.quorum_met:
        conclusion = (f"Hội nghị đề nghị công nhận {format_count(approved)}/{total} {noun} đạt danh "
                      f"hiệu {title} năm {doc.year}; không đề nghị {format_count(len(doc.rows) - approved)} {noun}.")
    else:
        conclusion = "Hội nghị không đủ số người dự nên không đề nghị công nhận; cần tổ chức lại."
    present = f"{format_count(doc.present)}/{format_count(doc.invited)} người"
    if present_share is not None:
        present += f" ({pdf.vn_percent(present_share)})"
    lines = [
        ("Thời gian:", f"{held}."),
        ("Địa điểm:", f"{pdf.text(doc.place)}."),
        ("Chủ trì:", f"{pdf.text(doc.chair_name)}."),
        ("Thư ký:", f"{pdf.text(doc.secretary_name)}."),
    ]
    if doc.attendees:
        lines.append(("Thành phần:", "; ".join(pdf.text(a) for a in doc.attendees) + "."))
    lines += [
        ("Số người được mời:", f"{format_count(doc.invited)}; có mặt: {present} "
                               f"(cần ít nhất {pdf.vn_percent(doc.quorum_share)} số người được mời). {quorum}"),
        ("Nguyên tắc:", f"một {noun} được đề nghị công nhận khi có từ {pdf.vn_percent(doc.approval_share)} "
                        f"số người có mặt trở lên đồng ý."),
    ]

    def story(paper: _Paper) -> list[Flowable]:
        return [
            _Heading(issuer, f"Số: {pdf.text(doc.number)}" if pdf.text(doc.number) else None,
                     pdf.place_date(issuer.place, doc.held_on)),
            Spacer(1, 8 * MM),
            *_title("BIÊN BẢN", f"Hội nghị bình xét danh hiệu {title} năm {doc.year}"),
            *(_labelled(label, body) for label, body in lines),
            _para("Kết quả bình xét, biểu quyết như sau:", s.body),
            _table(
                ["STT", f"Tên {noun}", "Địa chỉ", "Điểm", "Xếp loại", "Số phiếu đồng ý", "Tỉ lệ", "Kết quả"],
                [[str(n), r.name, r.address, pdf.vn_number(r.total), r.level, format_count(r.votes_for),
                  pdf.vn_percent(r.share), "Đề nghị công nhận" if r.approved else "Không đề nghị"]
                 for n, r in enumerate(doc.rows, 1)],
                [10, 34, 24, 12, 19, 16, 15, 35], "CLLCCCCC", size=11,
            ),
            Spacer(1, 3 * MM),
            _labelled("Kết luận:", conclusion),
            *([_labelled("Ý kiến khác:", doc.note)] if pdf.text(doc.note) else []),
            # The closing line goes with the signatures: no page holds signatures alone.
            KeepTogether([
                _para(f"Hội nghị kết thúc vào lúc {pdf.text(doc.ended_at) or '…… giờ ……'} cùng ngày.", s.body),
                Spacer(1, 3 * MM),
                _two_columns(_Signature("THƯ KÝ", doc.secretary_name), _Signature("CHỦ TRÌ", doc.chair_name)),
            ]),
        ]

    return _write(out_path, f"Biên bản bình xét {title} {doc.year}", issuer, story)


# ---------------------------------------------------------------- score sheet

def _score_sheet(sheet: ScoreSheet, issuer: Issuer) -> list[Flowable]:
    s = _styles()
    noun = pdf.text(sheet.entity_noun)
    indicators = [i for c in sheet.criteria for i in c.indicators]
    has_points = any(i.kind == "points" for i in indicators)
    has_pass_fail = any(i.kind == "pass_fail" for i in indicators)
    result_head = {(True, False): "Điểm chấm", (False, True): "Kết quả"}.get(
        (has_points, has_pass_fail), "Điểm chấm / Kết quả")

    rows, bold_rows = [], []
    for c in sheet.criteria:
        c_points = any(i.kind == "points" for i in c.indicators)
        if c_points:
            c_result = pdf.vn_number(c.points)
        else:
            c_result = "" if c.passed is None else ("Đạt" if c.passed else "Không đạt")
        bold_rows.append(len(rows) + 1)
        rows.append([f"Tiêu chí {pdf.text(c.id)}", pdf.text(c.text) or NOT_WRITTEN,
                     pdf.vn_number(c.max_points), c_result, ""])
        for i in c.indicators:
            content = pdf.text(i.text) or NOT_WRITTEN
            if i.for_level:
                content += f" (chỉ tính cho {pdf.text(i.for_level)})"
            if i.kind == "points":
                limit, value = pdf.vn_number(i.max_points), pdf.vn_number(i.value)
            else:
                limit = "Đạt/Không đạt"
                value = "" if i.value is None else ("Đạt" if i.value else "Không đạt")
            rows.append([pdf.text(i.id), content, limit, value, i.evidence])
    table = _table(["Tiêu chí/ Chỉ tiêu", "Nội dung", "Điểm tối đa" if has_points else "Yêu cầu", result_head,
                    "Minh chứng"], rows, [21, 59, 28, 24, 33] if has_pass_fail else [21, 70, 19, 22, 33], "CLCCL",
                   bold_rows=bold_rows)

    flow: list[Flowable] = [
        _Heading(issuer, None, None),
        Spacer(1, 6 * MM),
        *_title("PHIẾU ĐÁNH GIÁ", f"Danh hiệu {pdf.text(sheet.title_name)} năm {sheet.year}"),
        _labelled(f"Tên {noun}:", pdf.text(sheet.entity_name), s.info),
        _labelled("Địa chỉ:", pdf.text(sheet.entity_address), s.info),
        _labelled("Bộ tiêu chí:", pdf.text(sheet.form_title), s.info),
        _labelled("Căn cứ:", pdf.text(sheet.legal_text), s.info_italic),
    ]
    if pdf.text(sheet.notice):
        flow += [Spacer(1, 2 * MM), _boxed(_para(sheet.notice, s.notice))]
    flow += [Spacer(1, 3 * MM), table, Spacer(1, 3 * MM)]

    if sheet.blank:
        total, level, verdict = BLANK, BLANK, f"{BLANK} (Đạt/Chưa đạt)"
        date_line = pdf.place_date_or_blank(issuer.place, None)
    else:
        total = pdf.vn_number(sheet.total)
        level = pdf.text(sheet.level) or "không xếp loại"
        verdict = "Đạt" if sheet.passed else "Chưa đạt"
        date_line = pdf.place_date(issuer.place, issuer.date)
    if sheet.max_total is not None:
        total += f" (tối đa {pdf.vn_number(sheet.max_total)})"
    results = [("Tổng điểm:", total)] if has_points else []
    results += [("Xếp loại:", level), ("Kết luận:", verdict)]
    left_title = pdf.text(sheet.left_title) or f"ĐẠI DIỆN {pdf.caps(noun)}"
    flow.append(KeepTogether([
        *(_labelled(label, value, s.info_bold) for label, value in results),
        Spacer(1, 2 * MM),
        _two_columns(_Signature(left_title, sheet.left_name, date_line=" "),
                     _Signature(sheet.right_title, sheet.right_name, date_line=date_line)),
    ]))
    return flow


# ---------------------------------------------------------------- page machinery

# The page machinery is shared with the fund papers (documents.pdf).
_Paper = pdf.DecreePaper
_NewSection = pdf.NewSection


def _write(out_path: Path | str, title: str, issuer: Issuer, story: Callable[[_Paper], list[Flowable]],
           *, draft: bool = False) -> int:
    with pdf.atomic_pdf(out_path) as temp:
        paper = _Paper(temp, title, issuer.issuing_body, draft)
        paper.build(story(paper))
    return paper.page


class _Measure:
    """A canvas that draws nothing: a pdf.draw_* helper runs on it only to tell its height."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


class _Heading(Flowable):
    """Issuing body over the number on the left, national motto over the place-date on the right,
    number and place-date on one line."""

    def __init__(self, issuer: Issuer, number_line: str | None, date_line: str | None):
        super().__init__()
        self.issuer, self.number_line, self.date_line = issuer, number_line, date_line

    def wrap(self, available_width, available_height):
        self.width = available_width
        self.height = -self._draw(_Measure(), 0.0)
        return self.width, self.height

    def draw(self) -> None:
        self._draw(self.canv, self.height)

    def _draw(self, canvas, top: float) -> float:
        # The motto's column is as wide as its first line needs; the issuing body gets the rest.
        right_w = pdf.width(pdf.MOTTO_NATION, SERIF_BOLD, 12) + 6 * MM
        left_w = self.width - right_w
        left_cx, right_cx = left_w / 2, left_w + right_w / 2
        # 12 pt (Decree 30 allows 12-13): at 13 the two blocks of a portrait page nearly touch.
        y_left = pdf.draw_issuing_body(canvas, left_cx, top, self.issuer.parent_body, self.issuer.issuing_body,
                                       scale=12 / 13, max_width=left_w - 2 * MM)
        y_right = pdf.draw_motto(canvas, right_cx, top, scale=12 / 13)
        if not (self.number_line or self.date_line):
            return min(y_left, y_right)
        y = min(y_left, y_right) - 13 * 1.3
        if self.number_line:
            pdf.draw_centred(canvas, self.number_line, left_cx, y, SERIF, 13)
        if self.date_line:
            # draw_fitted puts its baseline 1.25 - 0.25 sizes under the top given: level with the number.
            pdf.draw_fitted(canvas, self.date_line, right_cx, y + 13, SERIF_ITALIC, 13, right_w, max_lines=1)
        return y - 13 * 0.4


class _Signature(Flowable):
    """Optional place-date line, then pdf.draw_signature, centred in the width given;
    shrunk as a whole when a title or name is wider than that."""

    def __init__(self, title: str, name: str, on_behalf: str = "", *, date_line: str | None = None):
        super().__init__()
        self.title, self.name, self.on_behalf, self.date_line = title, name, on_behalf, date_line

    def wrap(self, available_width, available_height):
        self.width = available_width
        widest = max([pdf.width(pdf.caps(v), SERIF_BOLD, 13) for v in (self.title, self.on_behalf)]
                     + [pdf.width(pdf.text(self.name), SERIF_BOLD, 14)])
        self.scale = min(1.0, (available_width - 2 * MM) / widest) if widest else 1.0
        self.height = -self._draw(_Measure(), 0.0)
        return self.width, self.height

    def draw(self) -> None:
        self._draw(self.canv, self.height)

    def _draw(self, canvas, top: float) -> float:
        cx, y = self.width / 2, top
        if self.date_line is not None:
            # A blank date line keeps side-by-side blocks level with the one that has a date.
            y = pdf.draw_fitted(canvas, self.date_line, cx, y, SERIF_ITALIC, 13, self.width, max_lines=1)
        return pdf.draw_signature(canvas, cx, y, self.name, title=self.title, on_behalf=self.on_behalf,
                                  scale=self.scale)


# ---------------------------------------------------------------- pieces

@functools.cache
def _styles() -> SimpleNamespace:
    pdf.register_fonts()

    def style(name: str, size: float, font: str = SERIF, align: int = TA_JUSTIFY, **kw) -> ParagraphStyle:
        kw.setdefault("leading", size * 1.25)
        return ParagraphStyle(name, fontName=font, fontSize=size, alignment=align, **kw)

    return SimpleNamespace(
        title=style("title", 14, SERIF_BOLD, TA_CENTER, keepWithNext=1),
        subject=style("subject", 14, SERIF_BOLD, TA_CENTER, keepWithNext=1),
        attached=style("attached", 13, SERIF_ITALIC, TA_CENTER, keepWithNext=1),
        basis=style("basis", 14, SERIF_ITALIC, firstLineIndent=10 * MM, spaceAfter=3),
        body=style("body", 14, firstLineIndent=10 * MM, spaceAfter=4),
        plain=style("plain", 13, align=TA_LEFT),
        info=style("info", 13, align=TA_LEFT, spaceAfter=1),
        info_italic=style("info_italic", 13, SERIF_ITALIC, TA_LEFT, spaceAfter=1),
        info_bold=style("info_bold", 13, SERIF_BOLD, TA_LEFT, spaceAfter=2, keepWithNext=1),
        notice=style("notice", 12, SERIF_ITALIC),
        recipients_head=style("recipients_head", 12, SERIF_BOLD_ITALIC, TA_LEFT),
        recipient=style("recipient", 11, align=TA_LEFT, leading=11 * 1.15),
    )


def _para(value: object, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(pdf.text(value)), style)


def _labelled(label: str, body: str, style: ParagraphStyle | None = None) -> Paragraph:
    """'Label: body' with the label in bold (italic styles keep their italic)."""
    style = style or _styles().body
    return Paragraph(f"<b>{escape(pdf.text(label))}</b> {escape(pdf.text(body))}", style)


def _article(number: int, body: str) -> Paragraph:
    return _labelled(f"Điều {number}.", body)


def _title(kind: str, subject: str) -> list[Flowable]:
    """'QUYẾT ĐỊNH' over its subject line, with a rule a third as long under it (Decree 30)."""
    s = _styles()
    subject = pdf.text(subject)
    return [_para(kind, s.title), _para(subject, s.subject),
            _rule(min(pdf.width(subject, SERIF_BOLD, 14), TEXT_WIDTH) / 3), Spacer(1, 3 * MM)]


def _heading_lines(first: str, second: str) -> Paragraph:
    """A bold centred heading on one line, or broken between its two halves when too long
    (rather than leaving a lone word on the second line)."""
    whole = f"{pdf.text(first)} {pdf.text(second)}"
    if pdf.width(whole, SERIF_BOLD, 14) <= TEXT_WIDTH:
        return _para(whole, _styles().title)
    return Paragraph(f"{escape(pdf.text(first))}<br/>{escape(pdf.text(second))}", _styles().title)


def _rule(length: float) -> HRFlowable:
    return HRFlowable(width=length, thickness=0.6, color=black, hAlign="CENTER", spaceBefore=3, spaceAfter=6)


def _punctuated(lines: list[str]) -> list[str]:
    """Decree 30 basis and recipient lists: ';' after each line, '.' after the last."""
    cleaned = [pdf.text(line).rstrip(" ;.,") for line in lines]
    cleaned = [line for line in cleaned if line]
    return [line + (";" if n < len(cleaned) - 1 else ".") for n, line in enumerate(cleaned)]


def _recipients(recipients: list[str]) -> list[Flowable]:
    s = _styles()
    lines = _punctuated(recipients)
    if not lines:
        return [Spacer(1, 1)]
    return [_para("Nơi nhận:", s.recipients_head),
            *(_para(line if line.startswith("-") else f"- {line}", s.recipient) for line in lines)]


_NO_HELVETICA = pdf.NO_HELVETICA


def _two_columns(left, right, left_share: float = 0.5):
    """Two blocks side by side, tops level (recipients and signature, or two signatures)."""
    return pdf.side_by_side([left, right], TEXT_WIDTH, [left_share, 1 - left_share])


def _boxed(content: Flowable) -> Table:
    table = Table([[content]], colWidths=[TEXT_WIDTH])
    table.setStyle(TableStyle([
        *_NO_HELVETICA,
        ("BOX", (0, 0), (-1, -1), 0.8, black),
        ("LEFTPADDING", (0, 0), (-1, -1), 5), ("RIGHTPADDING", (0, 0), (-1, -1), 5),
        ("TOPPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
    ]))
    return table


def _table(header: list[str], rows: list[list[object]], widths_mm: list[float], align: str, *,
           size: float = 12, roomy: bool = False, bold_rows: tuple[int, ...] | list[int] = ()):
    """`pdf.ruled_table` across the portrait text width."""
    return pdf.ruled_table(header, rows, widths_mm, align, TEXT_WIDTH, size=size, roomy=roomy, bold_rows=bold_rows)
