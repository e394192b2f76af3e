"""The report sent upward (báo cáo sơ kết 6 tháng, tổng kết năm) as a PDF: the narrative on A4
portrait per Decree 30/2020/NĐ-CP (issuing body and number, national motto and place-date,
"BÁO CÁO" and its subject, "Nơi nhận:" and the signature), then the statistics annex on A4
landscape (the layout's groups, split into several tables when they do not fit one page width,
each keeping the hamlet column; the commune totals against the previous period), then a chart of
each title's share by hamlet against its target.

Pure writer from plain dataclasses (no database, no Qt). A percentage is printed with the counts
it comes from ("26.889/30.466 = 88,26%"); money in đồng as 1.250.000 under "(đồng)" headings.
The same document gives the same bytes (reportlab's invariant mode, dated from the report), so a
finalised report can be regenerated and checked. The signature block holds an empty box whose
place `render_report` returns: the digital signature's stamp goes there.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib.colors import Color, black, white
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable, Frame, KeepTogether, NextPageTemplate, PageBreak, PageTemplate, Paragraph, Spacer, Table,
    TableStyle,
)

from khuyenhoc_desktop import __version__
from khuyenhoc_desktop.documents import pdf
from khuyenhoc_desktop.documents.certificates import Issuer
from khuyenhoc_desktop.documents.pdf import MM, SERIF, SERIF_BOLD, SERIF_ITALIC
from khuyenhoc_desktop.documents.title_papers import (
    _Heading, _Measure, _para, _recipients, _rule, _Signature, _styles, _title, _two_columns,
)
from khuyenhoc_desktop.domain.dates import format_date, long_date
from khuyenhoc_desktop.domain.money import format_count
from khuyenhoc_desktop.domain.report_forms import AnnexLayout, Column, Group, percent_text

KINDS = {"half_year": ("sơ kết", "6 tháng đầu năm"), "annual": ("tổng kết", "năm")}
WIDE = landscape(A4)
WIDE_TEXT = WIDE[0] - pdf.MARGIN_LEFT - pdf.MARGIN_RIGHT
WIDE_HEIGHT = WIDE[1] - pdf.MARGIN_TOP - pdf.MARGIN_BOTTOM
HAMLET_HEADER = "Thôn, tổ dân phố"

# Narrowest readable column (mm) of each kind at 10 pt: what decides how the groups are split.
_MIN_MM = {"label": 34, "count": 17, "percent": 24, "money": 24}
_CELL = 10
_BAR = Color(0.42, 0.56, 0.74)
_BAR_TOTAL = Color(0.16, 0.28, 0.48)
_GRID = Color(0.8, 0.8, 0.8)
_TARGET = Color(0.85, 0.1, 0.1)


# ---------------------------------------------------------------- documents

@dataclass
class AnnexRow:
    label: str  # the hamlet, or "Toàn xã" on the total row
    values: dict[str, int | None]  # by indicator id: counts, money in đồng
    total: bool = False


@dataclass
class ReportDoc:
    number: str  # "05/BC-HKH"
    date: dt.date
    kind: str  # "half_year" | "annual"
    year: int
    period_start: dt.date
    period_end: dt.date
    addressed_to: str  # "Kính gửi:" line; "" → none
    narrative: list[tuple[str, str]]  # (section heading, text: one paragraph per line)
    layout: AnnexLayout
    rows: list[AnnexRow]  # the hamlets, then the commune total row
    previous: dict[str, int | None] = field(default_factory=dict)  # commune totals of the previous period
    previous_label: str = ""  # "6 tháng đầu năm 2025": named over the comparison; "" → not named
    recipients: list[str] = field(default_factory=list)  # "Nơi nhận"
    attachment_note: str = ""  # e.g. the annex workbook's name and SHA-256, printed under the signature
    title: str = ""  # "" → built from kind and year
    commune_code: int | None = None  # official catalogue
    province_code: int | None = None
    commune_name: str = ""  # "Xã Tân Lập"
    association: str = ""  # "Hội Khuyến học xã Tân Lập": the workbook's title block
    software_version: str = __version__
    draft: bool = False


@dataclass(frozen=True)
class ReportPdf:
    pages: int
    signature_box: tuple[int, float, float, float, float]  # page (0-based), x1, y1, x2, y2 in points


def report_title(doc: ReportDoc) -> str:
    """'Báo cáo sơ kết công tác khuyến học, khuyến tài, xây dựng xã hội học tập 6 tháng đầu năm 2026'."""
    if pdf.text(doc.title):
        return pdf.text(doc.title)
    verb, when = KINDS[doc.kind]
    return f"Báo cáo {verb} công tác khuyến học, khuyến tài, xây dựng xã hội học tập {when} {doc.year}"


def subject_line(doc: ReportDoc) -> str:
    """The line under "BÁO CÁO": the title without its leading "Báo cáo"."""
    rest = re.sub(r"(?i)^báo cáo\s+", "", report_title(doc))
    return rest[:1].upper() + rest[1:]


def period_line(doc: ReportDoc) -> str:
    return f"Kỳ báo cáo: từ ngày {format_date(doc.period_start)} đến ngày {format_date(doc.period_end)}"


# ---------------------------------------------------------------- figures shared with the workbook

def annex_parts(layout: AnnexLayout) -> list[list[Group]]:
    """The layout's groups packed, in order, into tables one landscape page wide (beside the
    hamlet column); a group wider than a page is a table of its own."""
    room = WIDE_TEXT / MM - _MIN_MM["label"]
    parts: list[list[Group]] = []
    used = room
    for group in layout.groups:
        need = sum(_MIN_MM[c.kind] for c in group.columns)
        if used + need > room:
            parts.append([])
            used = 0
        parts[-1].append(group)
        used += need
    return parts


def share_ten_thousandths(numerator: int | None, denominator: int | None) -> int | None:
    """The share in 1/10000 rounded half up like `percent_text` (8826 for 88,26%); None without
    a denominator."""
    if numerator is None or not denominator:
        return None
    return (numerator * 10000 * 2 + denominator) // (2 * denominator)


def cell_value(column: Column, row: AnnexRow) -> int | None:
    """A count or money column's value on a row (commune-only columns stay empty on hamlets)."""
    if column.commune_only and not row.total:
        return None
    return row.values.get(column.id)


def percent_parts(column: Column, values: dict[str, int | None]) -> tuple[int | None, int | None]:
    return values.get(column.numerator or ""), values.get(column.denominator or "")


def _signed(value: int, text: str) -> str:
    return f"+{text}" if value > 0 else text


def change_text(column: Column, now: dict[str, int | None], before: dict[str, int | None]) -> str:
    """'+12', '-1.250.000', '+3,16 điểm %'; '' when either period has no figure."""
    if column.kind == "percent":
        a, b = share_ten_thousandths(*percent_parts(column, now)), share_ten_thousandths(*percent_parts(column, before))
        if a is None or b is None:
            return ""
        return _signed(a - b, f"{pdf.vn_number((a - b) / 100)} điểm %")
    a, b = now.get(column.id), before.get(column.id)
    if a is None or b is None:
        return ""
    return _signed(a - b, format_count(a - b))


def share_text(column: Column, values: dict[str, int | None]) -> str:
    """'88,26%'; '' when a count is missing or the denominator is 0."""
    numerator, denominator = percent_parts(column, values)
    return percent_text(numerator, denominator) if numerator is not None and denominator else ""


def percent_cell(numerator: int | None, denominator: int | None) -> str:
    """'26.889/30.466 = 88,26%'; '' when a count is missing or the denominator is 0."""
    if numerator is None or not denominator:
        return ""
    return f"{format_count(numerator)}/{format_count(denominator)} = {percent_text(numerator, denominator)}"


# ---------------------------------------------------------------- writer

@functools.cache
def _note_style() -> ParagraphStyle:
    return ParagraphStyle("attachment_note", parent=_styles().plain, fontName=SERIF_ITALIC, fontSize=9, leading=11)


def render_report(doc: ReportDoc, issuer: Issuer, out_path: Path | str) -> ReportPdf:
    """Narrative, "Nơi nhận:" and signature (with the empty box for the digital signature),
    then the annex tables, the comparison with the previous period and the charts."""
    if doc.kind not in KINDS:
        raise ValueError(f"Loại báo cáo {doc.kind!r} không có; chọn half_year hoặc annual.")
    if not doc.rows:
        raise ValueError("Phụ lục chưa có dòng số liệu nào.")
    s = _styles()
    number = pdf.text(doc.number)
    signature = _SignatureBox(issuer)

    paragraphs: list[Flowable] = []
    for heading, body in doc.narrative:
        if pdf.text(heading):
            paragraphs.append(_para(heading, _section_style()))
        paragraphs += [_para(line, s.body) for line in body.splitlines() if pdf.text(line)]
    # The last paragraph goes with the signature: no page holds a signature alone.
    closing = [*paragraphs[-1:], Spacer(1, 4 * MM),
               _two_columns(_recipients(doc.recipients), signature, 0.45)]
    if pdf.text(doc.attachment_note):
        closing += [Spacer(1, 3 * MM), _para(doc.attachment_note, _note_style())]

    def story(paper: pdf.DecreePaper) -> list[Flowable]:
        flow: list[Flowable] = [
            _Heading(issuer, f"Số: {number}", pdf.place_date(issuer.place, doc.date)),
            Spacer(1, 8 * MM),
            *_title("BÁO CÁO", subject_line(doc)),
        ]
        if pdf.text(doc.addressed_to):
            flow += [_para(f"Kính gửi: {pdf.text(doc.addressed_to)}", _centred_style()), Spacer(1, 4 * MM)]
        flow += [*paragraphs[:-1], KeepTogether(closing), NextPageTemplate("wide"), PageBreak()]
        flow += _annex(doc, issuer)
        return flow

    with pdf.atomic_pdf(out_path) as temp:
        paper = pdf.DecreePaper(temp, f"{report_title(doc)} (số {number})", issuer.issuing_body, doc.draft)
        frame = Frame(pdf.MARGIN_LEFT, pdf.MARGIN_BOTTOM, WIDE_TEXT, WIDE_HEIGHT, id="wide",
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        paper.addPageTemplates([PageTemplate("wide", [frame], onPageEnd=paper._furniture, pagesize=WIDE)])
        paper.build(story(paper), canvasmaker=_fixed_canvas(doc.date))
    if signature.box is None:
        raise RuntimeError("the signature block was not drawn")
    return ReportPdf(paper.page, signature.box)


def _fixed_canvas(on: dt.date):
    """Canvases in reportlab's invariant mode, dated from the report: same document, same bytes."""
    stamp = f"D:{on:%Y%m%d}000000+07'00'"

    def make(*args, **kwargs) -> Canvas:
        canvas = Canvas(*args, **{**kwargs, "invariant": 1})
        canvas.setDateFormatter(lambda *_: stamp)
        return canvas

    return make


class _SignatureBox(_Signature):
    """The chair's block with its room for signature and seal left empty; remembers where that
    room landed on the page (the digital signature's stamp goes there)."""

    BOX_WIDTH = 62 * MM
    ROOM = 22 * MM  # pdf.draw_signature's default space between title and name

    def __init__(self, issuer: Issuer):
        super().__init__(issuer.signer_title, issuer.signer_name, issuer.signer_on_behalf)
        self.box: tuple[int, float, float, float, float] | None = None

    def draw(self) -> None:
        super().draw()
        cx = self.width / 2
        under_title = pdf.draw_signature(_Measure(), cx, self.height, "", title=self.title, on_behalf=self.on_behalf,
                                         scale=self.scale, space=0)
        half = min(self.BOX_WIDTH, self.width - 4 * MM) / 2
        x1, y1 = self.canv.absolutePosition(cx - half, under_title - self.ROOM * self.scale + 1 * MM)
        x2, y2 = self.canv.absolutePosition(cx + half, under_title - 1 * MM)
        self.box = (self.canv.getPageNumber() - 1, round(x1, 2), round(y1, 2), round(x2, 2), round(y2, 2))


# ---------------------------------------------------------------- annex

def _annex(doc: ReportDoc, issuer: Issuer) -> list[Flowable]:
    s = _styles()
    attached = (f"(Kèm theo Báo cáo số {pdf.text(doc.number)} {long_date(doc.date)} "
                f"của {pdf.text(issuer.issuing_body)})")
    flow: list[Flowable] = [
        _para("PHỤ LỤC", s.title),
        # The layout's title usually starts with "Phụ lục" itself.
        _para(pdf.caps(re.sub(r"(?i)^phụ lục\s+", "", pdf.text(doc.layout.title))), s.title),
        _para(attached, s.attached),
        _para(period_line(doc), s.attached),
        _rule(30 * MM),
    ]
    parts = annex_parts(doc.layout)
    for n, groups in enumerate(parts, 1):
        if len(parts) > 1:
            flow.append(_para(f"Biểu {n}. {'; '.join(pdf.text(g.title) for g in groups)}", _table_heading()))
        flow += [_annex_table(groups, doc.rows), Spacer(1, 5 * MM)]
    flow += [PageBreak(), _para("SO SÁNH VỚI KỲ TRƯỚC (TOÀN XÃ)", s.title),
             *([_para(f"(Kỳ trước: {pdf.text(doc.previous_label)})", s.attached)] if pdf.text(doc.previous_label) else []),
             Spacer(1, 3 * MM), *_comparison(doc)]
    charted = [c for c in doc.layout.columns if c.kind == "percent" and c.target is not None]
    if charted:
        flow += [PageBreak(), _para("BIỂU ĐỒ TỈ LỆ THEO THÔN, TỔ DÂN PHỐ SO VỚI MỤC TIÊU", s.title),
                 _para("(cột: tỉ lệ đạt; đường màu đỏ: mục tiêu)", s.attached), Spacer(1, 3 * MM)]
        flow += _charts(charted, doc.rows)
    return flow


class _Cell(Paragraph):
    """A paragraph in the annex table. A table running over pages has every cell measured again
    for each page and each split tried (about ten times); its lines depend on the width alone."""

    _measured: tuple[float, tuple[float, float]] | None = None

    def wrap(self, availWidth, availHeight):  # noqa: N803 (reportlab's names)
        if self._measured is None or self._measured[0] != availWidth:
            self._measured = (availWidth, super().wrap(availWidth, availHeight))
        return self._measured[1]


def _fitted(value: str, width: float, bold: bool = False, align: str = "R") -> Paragraph:
    """A figure on one line, shrunk when the column is narrower than it (figures never wrap)."""
    value = pdf.text(value)
    size = _CELL
    font = SERIF_BOLD if bold else SERIF
    if value and pdf.width(value, font, size) > width:
        size = max(6.0, size * width / pdf.width(value, font, size))
    return _Cell(escape(value), pdf.cell_style(round(size, 2), align, bold))


def _percent(numerator: int | None, denominator: int | None, width: float, bold: bool) -> list[Paragraph]:
    """Counts over the share on two lines: '26.889/30.466' then '= 88,26%'."""
    text = percent_cell(numerator, denominator)
    if not text:
        return [_fitted("", width, bold)]
    counts, share = text.split(" = ")
    return [_fitted(counts, width, bold, "C"), _fitted(f"= {share}", width, bold, "C")]


def _annex_table(groups: list[Group], rows: list[AnnexRow]) -> Table:
    columns = [c for g in groups for c in g.columns]
    wanted = [_MIN_MM["label"]] + [_MIN_MM[c.kind] for c in columns]
    scale = WIDE_TEXT / (sum(wanted) * MM)
    widths = [w * MM * scale for w in wanted]
    head = functools.partial(pdf.cell_style, _CELL, "C", True)
    top = [_Cell(HAMLET_HEADER, head())]
    for g in groups:
        top += [_Cell(escape(pdf.text(g.title)), head())] + [""] * (len(g.columns) - 1)
    data = [top, [""] + [_Cell(escape(pdf.text(c.header)), head()) for c in columns]]
    for row in rows:
        line: list[object] = [_Cell(escape(pdf.text(row.label)), pdf.cell_style(_CELL, "L", row.total))]
        for column, w in zip(columns, widths[1:]):
            room = w - 6
            if column.kind == "percent":
                line.append(_percent(*percent_parts(column, row.values), room, row.total)
                            if not (column.commune_only and not row.total) else "")
            else:
                value = cell_value(column, row)
                line.append(_fitted("" if value is None else format_count(value), room, row.total))
        data.append(line)
    style = [
        *pdf.NO_HELVETICA,
        ("GRID", (0, 0), (-1, -1), 0.5, black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ("SPAN", (0, 0), (0, 1)),
    ]
    first = 1
    for g in groups:
        if len(g.columns) > 1:
            style.append(("SPAN", (first, 0), (first + len(g.columns) - 1, 0)))
        first += len(g.columns)
    table = Table(data, colWidths=widths, repeatRows=2)
    table.setStyle(TableStyle(style))
    return table


def _comparison(doc: ReportDoc) -> list[Flowable]:
    """The commune totals now, in the previous period and the change, in two tables side by
    side (the layout's groups halved) so that they fit one page; one long table otherwise."""
    if not doc.previous:
        return [_para("(Chưa có số liệu kỳ trước để so sánh.)", _styles().attached)]
    total = next((r.values for r in doc.rows if r.total), {})
    groups = list(doc.layout.groups)
    sizes = [len(g.columns) + 1 for g in groups]
    cut = next((n for n in range(1, len(groups)) if sum(sizes[:n]) * 2 >= sum(sizes)), len(groups))
    gap = 8 * MM
    halves = [_comparison_table(groups[:cut], total, doc.previous, (WIDE_TEXT - gap) / 2),
              _comparison_table(groups[cut:], total, doc.previous, (WIDE_TEXT - gap) / 2)]
    tallest = max(t.wrap(WIDE_TEXT, WIDE_HEIGHT)[1] for t in halves)
    if len(groups) > 1 and tallest <= WIDE_HEIGHT - 15 * MM:
        return [pdf.side_by_side([halves[0], Spacer(1, 1), halves[1]], WIDE_TEXT,
                                 [(1 - gap / WIDE_TEXT) / 2, gap / WIDE_TEXT, (1 - gap / WIDE_TEXT) / 2])]
    return [_comparison_table(groups, total, doc.previous, WIDE_TEXT * 0.7)]


def _comparison_table(groups: list[Group], now: dict[str, int | None], before: dict[str, int | None],
                      width: float) -> Table:
    # A share shows alone: its numerator and denominator are rows of the same group.
    def shown(column: Column, values: dict[str, int | None]) -> str:
        if column.kind == "percent":
            return share_text(column, values)
        value = values.get(column.id)
        return "" if value is None else format_count(value)

    rows: list[list[object]] = []
    group_rows = []
    for g in groups:
        group_rows.append(len(rows) + 1)
        rows.append([g.title, "", "", ""])
        rows += [[f"- {pdf.text(c.header)}", shown(c, now), shown(c, before), change_text(c, now, before)]
                 for c in g.columns]
    table = pdf.ruled_table(["Chỉ tiêu", "Kỳ này", "Kỳ trước", "Tăng (+), giảm (-)"], rows, [44, 28, 28, 26], "LRRR",
                            width, size=_CELL, bold_rows=group_rows)
    table.setStyle(TableStyle([("SPAN", (0, n), (-1, n)) for n in group_rows]))
    return table


# ---------------------------------------------------------------- charts

def _charts(columns: list[Column], rows: list[AnnexRow]) -> list[Flowable]:
    """One horizontal bar chart per percent column: a bar per hamlet and the commune (bold),
    the share at the end of each bar, the target as a red vertical line. Two charts a row; a
    list of hamlets too long for a page is split into charts of even length."""
    gap = 8 * MM
    chart_w = (WIDE_TEXT - gap) / 2
    charts = [d for c in columns for d in _chart(c, rows, chart_w)]
    flow: list[Flowable] = []
    for n in range(0, len(charts), 2):
        pair = charts[n:n + 2]
        flow += [Spacer(1, 4 * MM)] if flow else []
        flow.append(pdf.side_by_side([pair[0], Spacer(1, 1), pair[1] if len(pair) > 1 else Spacer(1, 1)], WIDE_TEXT,
                                     [chart_w / WIDE_TEXT, gap / WIDE_TEXT, chart_w / WIDE_TEXT]))
    return flow


_PITCH, _MIN_PITCH = 7 * MM, 3.5 * MM
_TOP, _BOTTOM = 12 * MM, 7 * MM  # title and target label above the bars; axis labels below


def _chart(column: Column, rows: list[AnnexRow], chart_w: float) -> list[Drawing]:
    most = int((WIDE_HEIGHT - 25 * MM - _TOP - _BOTTOM) // _MIN_PITCH)
    chunks = -(-len(rows) // most)
    size = -(-len(rows) // chunks)
    title = f"{pdf.text(column.header)} (mục tiêu {pdf.vn_percent(column.target, 2)})"
    return [_bars(f"{title}{' (tiếp)' if n else ''}", column, rows[start:start + size], chart_w)
            for n, start in enumerate(range(0, len(rows), size))]


def _bars(title: str, column: Column, rows: list[AnnexRow], chart_w: float) -> Drawing:
    pitch = max(_MIN_PITCH, min(_PITCH, (WIDE_HEIGHT - 25 * MM - _TOP - _BOTTOM) / len(rows)))
    size = min(9.0, pitch / MM * 1.5)
    label_w, value_w = 34 * MM, 17 * MM
    plot_w = chart_w - label_w - value_w
    height = _TOP + _BOTTOM + pitch * len(rows)
    plot_top, plot_bottom = height - _TOP, _BOTTOM
    # The renderer's starting font would otherwise be an unembedded Helvetica.
    d = Drawing(chart_w, height, initialFontName=SERIF, initialFontSize=9)
    lines, title_size = pdf.fit_lines(title, SERIF_BOLD, 10.5, chart_w, max_lines=1)
    d.add(String(chart_w / 2, height - 4 * MM, lines[0], fontName=SERIF_BOLD, fontSize=title_size, textAnchor="middle"))
    for tick in range(0, 101, 20):
        x = label_w + plot_w * tick / 100
        d.add(Line(x, plot_bottom, x, plot_top, strokeColor=_GRID, strokeWidth=0.4))
        d.add(String(x, plot_bottom - 3.5 * MM, f"{tick}%", fontName=SERIF, fontSize=8, textAnchor="middle"))
    d.add(Line(label_w, plot_bottom, label_w, plot_top, strokeColor=black, strokeWidth=0.6))
    x = label_w + plot_w * min(column.target or 0, 1)
    d.add(Line(x, plot_bottom, x, plot_top + 2 * MM, strokeColor=_TARGET, strokeWidth=1.4))
    d.add(String(x, plot_top + 3 * MM, f"Mục tiêu {pdf.vn_percent(column.target, 2)}", fontName=SERIF_ITALIC,
                 fontSize=8.5, textAnchor="middle", fillColor=_TARGET))
    for n, row in enumerate(rows):
        y = plot_top - pitch * (n + 1)
        base = y + pitch / 2 - size * 0.35
        font = SERIF_BOLD if row.total else SERIF
        names, name_size = pdf.fit_lines(row.label, font, size, label_w - 2 * MM, max_lines=1)
        d.add(String(label_w - 1.5 * MM, base, names[0], fontName=font, fontSize=name_size, textAnchor="end"))
        share = share_ten_thousandths(*percent_parts(column, row.values))
        label = percent_text(*percent_parts(column, row.values)) if share is not None else "không có số liệu"
        bar = plot_w * min(share or 0, 10000) / 10000
        if share:
            d.add(Rect(label_w, y + pitch * 0.18, bar, pitch * 0.64, fillColor=_BAR_TOTAL if row.total else _BAR,
                       strokeColor=None))
        # On a white patch: the label stays readable where it crosses the target line.
        font = font if share is not None else SERIF_ITALIC
        x = label_w + bar + 1.2 * MM
        d.add(Rect(x - 0.6, base - size * 0.25, pdf.width(label, font, size) + 1.2, size * 1.1, fillColor=white,
                   strokeColor=None))
        d.add(String(x, base, label, fontName=font, fontSize=size, textAnchor="start"))
    return d


# ---------------------------------------------------------------- styles

@functools.cache
def _section_style() -> ParagraphStyle:
    return ParagraphStyle("report-section", parent=_styles().body, fontName=SERIF_BOLD, firstLineIndent=0,
                          spaceBefore=4, keepWithNext=1)


@functools.cache
def _centred_style() -> ParagraphStyle:
    return ParagraphStyle("report-to", parent=_styles().body, alignment=1, firstLineIndent=0)


@functools.cache
def _table_heading() -> ParagraphStyle:
    return ParagraphStyle("report-table", parent=_styles().info_bold, spaceBefore=2, spaceAfter=3, keepWithNext=1)
