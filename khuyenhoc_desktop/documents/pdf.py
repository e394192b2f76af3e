"""Shared pieces of every PDF the program writes (reportlab, no database, no Qt).

- The bundled Liberation Serif (Times-metric, all Vietnamese letters) registered once as the
  family `SERIF` with `SERIF_BOLD`, `SERIF_ITALIC`, `SERIF_BOLD_ITALIC`; embedded as TTF subsets.
- Every string drawn goes through `text()`: NFC (reportlab does no shaping, so combining marks
  would land in the wrong place) and single spaces.
- Decree 30/2020/NĐ-CP pieces: national motto block, issuing-body block, place-date line,
  signature block. Each `draw_*` takes the centre x and the top y of the block and returns the y
  under it, so a document stacks them without knowing their sizes.
- `fit_lines()` shrinks then wraps a text to a width, so nothing runs past a margin or border.
- `atomic_pdf()` writes beside the target and replaces it only once the file is complete.
- Papers of flowing text and tables (platypus): `DecreePaper` (A4 portrait or landscape, Decree 30
  margins, page numbers from page 2), `NewSection`, `ruled_table()` (header repeated on every
  page), `side_by_side()`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib.colors import black
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, A5, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph, Table, TableStyle

from khuyenhoc_desktop.domain.dates import long_date
from khuyenhoc_desktop.domain.text import nfc
from khuyenhoc_desktop.paths import resources_dir

SERIF = "KH-Serif"
SERIF_BOLD = "KH-Serif-Bold"
SERIF_ITALIC = "KH-Serif-Italic"
SERIF_BOLD_ITALIC = "KH-Serif-BoldItalic"

_FONT_FILES = {
    SERIF: "LiberationSerif-Regular.ttf",
    SERIF_BOLD: "LiberationSerif-Bold.ttf",
    SERIF_ITALIC: "LiberationSerif-Italic.ttf",
    SERIF_BOLD_ITALIC: "LiberationSerif-BoldItalic.ttf",
}

MM = 72 / 25.4

PAPERS = {"A4": A4, "A5": A5}

MOTTO_NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO_MOTTO = "Độc lập - Tự do - Hạnh phúc"
ON_BEHALF = "TM. BAN CHẤP HÀNH"
CHAIR = "CHỦ TỊCH"

_registered = False


def register_fonts() -> None:
    """Register the four bundled styles (once per process) and tie them into one family."""
    global _registered
    if _registered:
        return
    folder = resources_dir() / "fonts"
    for name, filename in _FONT_FILES.items():
        path = folder / filename
        if not path.is_file():
            raise FileNotFoundError(f"Thiếu phông chữ {path}; hãy cài lại chương trình.")
        pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily(
        SERIF, normal=SERIF, bold=SERIF_BOLD, italic=SERIF_ITALIC, boldItalic=SERIF_BOLD_ITALIC
    )
    _registered = True


def text(value: object) -> str:
    """What is drawn: NFC, single spaces, no surrounding spaces; None → ''."""
    return nfc("" if value is None else str(value))


def caps(value: object) -> str:
    """Capitals, in NFC (upper() of Vietnamese letters is right: 'đ' → 'Đ', 'ư' → 'Ư')."""
    return text(text(value).upper())


def page_size(paper: str, *, landscape_: bool = False) -> tuple[float, float]:
    try:
        size = PAPERS[paper.upper()]
    except KeyError:
        raise ValueError(f"Khổ giấy {paper!r} không dùng được; chọn A4 hoặc A5.") from None
    return landscape(size) if landscape_ else size


def new_canvas(path: Path | str, size: tuple[float, float], *, title: str = "", author: str = "") -> Canvas:
    """A canvas whose only font is the bundled one (no Helvetica in the file)."""
    register_fonts()
    canvas = Canvas(
        str(path), pagesize=size, pageCompression=1, initialFontName=SERIF, initialFontSize=12
    )
    canvas.setTitle(text(title))
    canvas.setAuthor(text(author))
    canvas.setCreator("Khuyến Học")
    canvas.setSubject(text(title))
    return canvas


def width(value: str, font: str, size: float) -> float:
    register_fonts()
    return pdfmetrics.stringWidth(value, font, size)


def fit_lines(
    value: str, font: str, size: float, max_width: float, *, min_size: float | None = None,
    max_lines: int = 2,
) -> tuple[list[str], float]:
    """Lines and size for `value` within `max_width`: shrink to `min_size` first (default 70 %),
    then wrap into up to `max_lines` lines, then shrink further until the lines fit."""
    value = text(value)
    max_width += 0.01  # a size shrunk to fit exactly must not fail the check by rounding
    min_size = size * 0.7 if min_size is None else min_size
    if width(value, font, size) <= max_width:
        return [value], size
    shrunk = max(min_size, size * max_width / width(value, font, size))
    if width(value, font, shrunk) <= max_width:
        return [value], shrunk
    current = size
    while True:
        lines = simpleSplit(value, font, current, max_width)
        if len(lines) <= max_lines and all(width(ln, font, current) <= max_width for ln in lines):
            return lines, current
        if current <= 4:
            # A single unbreakable word: last resort, scale to the width whatever the size.
            lines = lines[:max_lines] if len(lines) <= max_lines else _merge(lines, max_lines)
            widest = max(width(ln, font, current) for ln in lines)
            return lines, current * min(1.0, max_width / widest)
        current = max(4, current * 0.95)


def _merge(lines: list[str], count: int) -> list[str]:
    head = lines[: count - 1]
    return [*head, " ".join(lines[count - 1 :])]


def draw_centred(canvas: Canvas, value: str, cx: float, y: float, font: str, size: float) -> None:
    canvas.setFont(font, size)
    canvas.drawCentredString(cx, y, text(value))


def draw_fitted(
    canvas: Canvas, value: str, cx: float, top: float, font: str, size: float, max_width: float,
    *, leading: float = 1.25, min_size: float | None = None, max_lines: int = 2,
) -> float:
    """Centred text shrunk/wrapped to `max_width`, first baseline one ascent under `top`;
    returns the y under the last line."""
    lines, used = fit_lines(value, font, size, max_width, min_size=min_size, max_lines=max_lines)
    y = top
    for line in lines:
        y -= used * leading
        draw_centred(canvas, line, cx, y + used * (leading - 1), font, used)
    return y


def rule(canvas: Canvas, cx: float, y: float, length: float, thickness: float = 0.6) -> None:
    canvas.setLineWidth(thickness)
    canvas.line(cx - length / 2, y, cx + length / 2, y)


def draw_motto(canvas: Canvas, cx: float, top: float, *, scale: float = 1.0, max_width: float | None = None) -> float:
    """'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM' (bold 13) over 'Độc lập - Tự do - Hạnh phúc'
    (bold 14) with a rule as long as the second line; returns the y under the rule."""
    size1, size2 = 13 * scale, 14 * scale
    if max_width:
        size1 = min(size1, size1 * max_width / width(MOTTO_NATION, SERIF_BOLD, size1))
        size2 = min(size2, size2 * max_width / width(MOTTO_MOTTO, SERIF_BOLD, size2))
    y = top - size1
    draw_centred(canvas, MOTTO_NATION, cx, y, SERIF_BOLD, size1)
    y -= size2 * 1.25
    draw_centred(canvas, MOTTO_MOTTO, cx, y, SERIF_BOLD, size2)
    y -= size2 * 0.45
    rule(canvas, cx, y, width(MOTTO_MOTTO, SERIF_BOLD, size2), 0.7 * scale)
    return y - size2 * 0.3


def draw_issuing_body(
    canvas: Canvas, cx: float, top: float, parent_body: str, issuing_body: str, *,
    scale: float = 1.0, max_width: float | None = None,
) -> float:
    """Parent body in capitals (13) over the issuing body in bold capitals (13) with a short
    rule; either may be empty. Returns the y under the rule."""
    size = 13 * scale
    y = top
    for value, font in ((parent_body, SERIF), (issuing_body, SERIF_BOLD)):
        value = caps(value)
        if not value:
            continue
        if max_width:
            y = draw_fitted(canvas, value, cx, y, font, size, max_width, leading=1.2, max_lines=2)
        else:
            y -= size * 1.2
            draw_centred(canvas, value, cx, y + size * 0.2, font, size)
    y -= size * 0.3
    body_width = width(caps(issuing_body), SERIF_BOLD, size) if text(issuing_body) else 0
    length = max(20 * MM * scale, body_width / 3)
    rule(canvas, cx, y, min(length, max_width or length), 0.7 * scale)
    return y - size * 0.3


def place_date(place: str, value: dt.date) -> str:
    """'Tân Lập, ngày 05 tháng 01 năm 2026'."""
    place = text(place)
    return text(f"{place}, {long_date(value)}" if place else long_date(value).capitalize())


def draw_place_date(canvas: Canvas, cx: float, y: float, place: str, value: dt.date, *, scale: float = 1.0) -> float:
    size = 13 * scale
    draw_centred(canvas, place_date(place, value), cx, y - size, SERIF_ITALIC, size)
    return y - size * 1.3


def draw_signature(
    canvas: Canvas, cx: float, top: float, name: str, *, title: str = CHAIR,
    on_behalf: str = ON_BEHALF, scale: float = 1.0, space: float = 22 * MM,
) -> float:
    """'TM. BAN CHẤP HÀNH' / 'CHỦ TỊCH' (bold capitals 13), room for signature and seal, the
    name in bold (14). Returns the y under the name."""
    size = 13 * scale
    y = top
    for value in (on_behalf, title):
        value = caps(value)
        if value:
            y -= size * 1.25
            draw_centred(canvas, value, cx, y + size * 0.25, SERIF_BOLD, size)
    y -= space * scale
    name = text(name)
    if name:
        y -= 14 * scale * 1.25
        draw_centred(canvas, name, cx, y + 14 * scale * 0.25, SERIF_BOLD, 14 * scale)
    return y


@contextlib.contextmanager
def atomic_pdf(out_path: Path | str) -> Iterator[Path]:
    """Yield a temporary path beside `out_path`; it replaces `out_path` only when the block
    ends without error. On any error the temporary file is removed and `out_path` is untouched."""
    out = Path(out_path)
    temp = out.parent / f".{out.stem[:40]}.{secrets.token_hex(4)}.pdf.tmp"
    try:
        yield temp
        os.replace(temp, out)
    finally:
        with contextlib.suppress(OSError):
            temp.unlink(missing_ok=True)


BLANK_LONG_DATE = "ngày …… tháng …… năm ……"


def place_date_or_blank(place: str, value: dt.date | None) -> str:
    """`place_date()`, or dotted blanks to fill in by hand when the date is not known yet."""
    if value is not None:
        return place_date(place, value)
    place = text(place)
    return text(f"{place}, {BLANK_LONG_DATE}" if place else BLANK_LONG_DATE.capitalize())


def vn_number(value: float | int | None, digits: int = 2) -> str:
    """Vietnamese figures: 7.5 → '7,5', 10.0 → '10', 1250 → '1.250'; None → ''."""
    if value is None:
        return ""
    rounded = round(float(value), digits)
    whole = int(abs(rounded))
    sign = "-" if rounded < 0 else ""
    fraction = f"{abs(rounded) - whole:.{digits}f}"[2:].rstrip("0")
    grouped = f"{whole:,}".replace(",", ".")
    return f"{sign}{grouped},{fraction}" if fraction else f"{sign}{grouped}"


def vn_percent(share: float | None, digits: int = 1) -> str:
    """A share as a Vietnamese percentage: 0.6 → '60%', 2/3 → '66,7%'; None → ''."""
    return "" if share is None else f"{vn_number(share * 100, digits)}%"


# ---------------------------------------------------------------- platypus papers (Decree 30)
# Shared by the papers made of flowing text and tables (title papers, fund papers).

MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = 20 * MM, 20 * MM, 30 * MM, 15 * MM

# A table sets its cells' font even when they hold paragraphs: without this, an unembedded
# Helvetica lands in the file.
NO_HELVETICA = [("FONT", (0, 0), (-1, -1), SERIF)]


class DecreePaper(BaseDocTemplate):
    """A4 (portrait, or landscape for wide tables) with Decree 30 margins; page numbers from a
    paper's second page centred in the top margin, and a "DỰ THẢO" mark on every page of a draft."""

    def __init__(self, path: Path | str, title: str, author: str, draft: bool = False, *,
                 pagesize: tuple[float, float] = A4):
        register_fonts()
        super().__init__(
            str(path), pagesize=pagesize, leftMargin=MARGIN_LEFT, rightMargin=MARGIN_RIGHT,
            topMargin=MARGIN_TOP, bottomMargin=MARGIN_BOTTOM, title=text(title), author=text(author),
            subject=text(title), creator="Khuyến Học", initialFontName=SERIF, pageCompression=1,
        )
        self.draft = draft
        self.section_start = 1
        self.text_width = pagesize[0] - MARGIN_LEFT - MARGIN_RIGHT
        frame = Frame(MARGIN_LEFT, MARGIN_BOTTOM, self.text_width, pagesize[1] - MARGIN_TOP - MARGIN_BOTTOM,
                      id="text", leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        self.addPageTemplates([PageTemplate("paper", [frame], onPageEnd=self._furniture)])

    def _furniture(self, canvas, _doc) -> None:
        # At the end of the page: a NewSection drawn on it has already moved section_start.
        # The page's own size: a paper may add landscape pages for its wide tables.
        page_w, page_h = canvas._pagesize
        number = self.page - self.section_start + 1
        if number >= 2:
            draw_centred(canvas, str(number), (MARGIN_LEFT + page_w - MARGIN_RIGHT) / 2, page_h - 13 * MM, SERIF, 13)
        if self.draft:
            label = "DỰ THẢO"
            w = width(label, SERIF_BOLD, 13) + 4 * MM
            x, y = page_w - MARGIN_RIGHT - w, page_h - 15 * MM
            canvas.setLineWidth(1)
            canvas.rect(x, y, w, 8 * MM)
            draw_centred(canvas, label, x + w / 2, y + 2.6 * MM, SERIF_BOLD, 13)


class NewSection(Flowable):
    """Restarts page numbering: a paper attached to another one numbers its own pages."""

    def __init__(self, paper: DecreePaper):
        super().__init__()
        self.paper = paper

    def wrap(self, available_width, available_height):
        return 0, 0

    def draw(self) -> None:
        self.paper.section_start = self.canv.getPageNumber()


_CELL_ALIGN = {"L": TA_LEFT, "C": TA_CENTER, "R": TA_RIGHT}


@functools.cache
def cell_style(size: float, align: str, bold: bool) -> ParagraphStyle:
    return ParagraphStyle(f"cell-{size}-{align}-{bold}", fontName=SERIF_BOLD if bold else SERIF, fontSize=size,
                          leading=size * 1.2, alignment=_CELL_ALIGN[align])


def ruled_table(header: list[str], rows: list[list[object]], widths_mm: list[float], align: str,
                total_width: float, *, size: float = 12, roomy: bool = False,
                bold_rows: tuple[int, ...] | list[int] = ()) -> Table:
    """A ruled table across `total_width` (widths scaled to it) whose header row repeats on
    every page; cells wrap, aligned per column by `align` ("L", "C", "R"), `bold_rows` counted
    from 1 under the header, and `roomy` rows leave room for a handwritten signature."""
    scale = total_width / (sum(widths_mm) * MM)
    bold = set(bold_rows)
    data = [[Paragraph(escape(text(h)), cell_style(size, "C", True)) for h in header]]
    for n, row in enumerate(rows, 1):
        data.append([Paragraph(escape(text(v)), cell_style(size, a, n in bold)) for v, a in zip(row, align)])
    pad = 7 if roomy else 3
    table = Table(data, colWidths=[w * MM * scale for w in widths_mm], repeatRows=1)
    table.setStyle(TableStyle([
        *NO_HELVETICA,
        ("GRID", (0, 0), (-1, -1), 0.5, black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, 0), 3), ("BOTTOMPADDING", (0, 0), (-1, 0), 4),
        ("TOPPADDING", (0, 1), (-1, -1), pad), ("BOTTOMPADDING", (0, 1), (-1, -1), pad + 1),
    ]))
    return table


def side_by_side(blocks: list, total_width: float, shares: list[float] | None = None) -> Table:
    """Blocks next to each other across `total_width`, tops level (recipients and signature,
    or a row of signatures); equal columns unless `shares` (summing to 1) are given."""
    shares = shares or [1 / len(blocks)] * len(blocks)
    table = Table([blocks], colWidths=[total_width * s for s in shares])
    table.setStyle(TableStyle([
        *NO_HELVETICA,
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
    ]))
    return table
