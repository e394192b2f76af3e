"""The house style of every workbook the program writes, streamed row by row.

One sheet = a title block (who, where, what, when, which filter), one header row and the rows,
set up to print on A4 with the header repeated on every page. `TableSheet` writes such a sheet
on a write-only workbook (`new_workbook`), so memory stays flat however many rows there are;
`replacing` puts the file in place only once it is complete. List exports use both today;
reports (annexes, fund books) reuse them with their own columns.

Cell kinds and their Excel number formats (Vietnamese Excel shows #,##0 as 1.250.000):
    TEXT    stored as text, never as a formula ('@')
    COUNT   whole numbers '#,##0'          MONEY    whole đồng '#,##0" đ"'
    YEAR    '0' (1970, not 1.970)          DATE     real dates 'dd/mm/yyyy'
    PERCENT '0.00%' (value 0.8826 → 88,26%)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import math
import os
import re
import secrets
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins

from khuyenhoc_desktop import APP_NAME
from khuyenhoc_desktop.errors import UserError

TEXT, COUNT, MONEY, YEAR, DATE, PERCENT = "text", "count", "money", "year", "date", "percent"
NUMBER_FORMATS = {
    TEXT: "@",
    COUNT: "#,##0",
    MONEY: '#,##0" đ"',
    YEAR: "0",
    DATE: "dd/mm/yyyy",
    PERCENT: "0.00%",
}
_ALIGN = {TEXT: "left", COUNT: "right", MONEY: "right", YEAR: "center", DATE: "center", PERCENT: "right"}
_SAMPLE_TEXT = {DATE: "00/00/0000", YEAR: "0000"}

FONT_NAME = "Times New Roman"  # Decree 30; LibreOffice substitutes the metric-equal Liberation Serif
BODY_SIZE = 11
MIN_WIDTH, MAX_WIDTH = 5, 40  # column widths in Excel characters; longer text wraps
SAMPLE_ROWS = 200  # rows looked at before the widths are fixed (a streamed sheet cannot widen later)

# Margins in inches after Decree 30 (left 30 mm, right 15 mm, top/bottom 20 mm).
MARGINS = PageMargins(left=1.18, right=0.59, top=0.79, bottom=0.79, header=0.3, footer=0.3)
FOOTER = "Trang &P / &N"
PAPER_A4 = 9  # OOXML paperSize code

_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")

# Characters XML cannot carry (openpyxl refuses them); old files sometimes have them.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
MAX_CELL_TEXT = 32767
FORMULA_START = ("=", "+", "-", "@")
_SHEET_NAME_BAD = re.compile(r"[\\/?*\[\]:]")


@dataclass(frozen=True)
class SheetColumn:
    header: str
    kind: str = TEXT
    width: float | None = None  # a hint in Excel characters, used when there is no content to measure


@dataclass(frozen=True)
class TitleBlock:
    """The lines above the table: organisation (capitals, bold), place, title (capitals, bold,
    centred) and small centred lines such as "Ngày xuất: 22/11/2026" or the filter in words."""

    organisation: str = ""
    place: str = ""
    title: str = ""
    lines: tuple[str, ...] = ()


def safe_text(value) -> str:
    """Text as a cell can hold it: no XML-illegal control characters, at most 32.767 characters."""
    return _ILLEGAL.sub("", str(value))[:MAX_CELL_TEXT]


def looks_like_formula(text: str) -> bool:
    """Text that Excel would take for a formula if someone retyped it (=, +, -, @)."""
    return text.startswith(FORMULA_START)


def sheet_name(title: str) -> str:
    """A valid sheet name: no \\ / ? * [ ] :, at most 31 characters, never empty."""
    cleaned = _SHEET_NAME_BAD.sub(" ", title).strip().strip("'")
    return (cleaned or "Danh sách")[:31]


def px_to_chars(pixels: int) -> float:
    """Screen column widths (pixels) in Excel character units (7 px per character)."""
    return round(pixels / 7, 1)


def new_workbook(title: str = "") -> Workbook:
    """A streaming workbook: rows go to disk as they are appended."""
    workbook = Workbook(write_only=True)
    workbook.properties.creator = APP_NAME
    workbook.properties.title = title or None
    return workbook


def _text_len(value, kind: str) -> int:
    if value is None or value == "":
        return 0
    if kind in _SAMPLE_TEXT:
        return len(_SAMPLE_TEXT[kind])
    if kind in (COUNT, MONEY) and isinstance(value, (int, float)):
        return len(f"{value:,.0f}") + (2 if kind == MONEY else 0)
    if kind == PERCENT and isinstance(value, (int, float)):
        return 7
    return max(len(line) for line in str(value).splitlines() or [""])


class _ColumnCell(Cell):
    """A data cell reused down one column: its style never changes, so its style id is looked up
    once instead of openpyxl hashing the style of every cell it writes."""

    __slots__ = ("_style_id",)

    @property
    def style_id(self) -> int:
        return self._style_id


class TableSheet:
    """One table streamed onto a write-only sheet.

    The first `SAMPLE_ROWS` rows are held back to measure the column widths (a streamed sheet
    writes its widths before its rows); after that every appended row goes straight to disk.
    `close()` finishes the sheet and returns the number of rows; `discard()` drops it.
    """

    def __init__(self, workbook: Workbook, name: str, columns: Sequence[SheetColumn],
                 block: TitleBlock, *, landscape: bool = True):
        if not columns:
            raise ValueError("a table needs at least one column")
        self.workbook = workbook
        self.ws = workbook.create_sheet(sheet_name(name))
        self.columns = list(columns)
        self.block = block
        self.landscape = landscape
        self.rows = 0
        self.header_row = 0
        self._pending: list[Sequence] | None = []
        self._cells: list[tuple] = []
        self._wrapping: list[tuple[int, float]] = []  # (column, width) of the columns that wrap
        self.ws._values_to_row = self._cells_row

    def _cells_row(self, values: Sequence, row_idx: int) -> Iterator:
        """openpyxl's write-only append for rows of ready cells. Its own first tries each cell as
        a value (an exception per cell), then replaces every styled one with a new cell: together
        with the style lookups, more than half the time of a 100.000-row export."""
        for col_idx, value in enumerate(values, 1):
            if value is None:
                continue
            cell = value if isinstance(value, Cell) else WriteOnlyCell(self.ws, value)
            cell.column, cell.row = col_idx, row_idx
            yield cell

    # ---- styles: made once per column, shared by every cell of it
    def _style(self, *, font: Font, border: Border | None = None, fill: PatternFill | None = None,
               number_format: str = "General", alignment: Alignment | None = None, quoted: bool = False):
        cell = WriteOnlyCell(self.ws)
        cell.font = font
        if border is not None:
            cell.border = border
        if fill is not None:
            cell.fill = fill
        if alignment is not None:
            cell.alignment = alignment
        cell.number_format = number_format
        if quoted:
            cell.quotePrefix = True
        return cell._style

    def _cell(self, value, style=None):
        cell = WriteOnlyCell(self.ws)
        if style is not None:
            cell._style = style
        if value is None or value == "":
            return cell
        if isinstance(value, str):
            _set_text(cell, safe_text(value))
        else:
            cell.value = value
        return cell

    # ---- writing
    def append(self, values: Sequence) -> None:
        """One data row, values in column order: str, int, float, date/datetime or None."""
        if self._pending is not None:
            self._pending.append(values)
            if len(self._pending) >= SAMPLE_ROWS:
                self._start()
            return
        self._write(values)

    def _write(self, values: Sequence) -> None:
        # One plain and one quote-prefixed cell per column, reused row after row: openpyxl
        # serialises a row as soon as it is appended, so nothing refers to them afterwards.
        cells = []
        for (plain, quoted, kind), value in zip(self._cells, values):
            if isinstance(value, str):
                text = safe_text(value)
                cell = quoted if text.startswith(FORMULA_START) else plain
                _set_text(cell, text)
            else:
                cell = plain
                _set_plain(cell, value, kind)
            cells.append(cell)
        # A streamed row cannot be measured afterwards, and neither Excel nor LibreOffice grows
        # a row for wrapped text by itself: give it the height of its longest cell.
        lines = max((_wrapped_lines(values[i], width * 0.9 - 1) for i, width in self._wrapping
                     if i < len(values) and isinstance(values[i], str) and len(values[i]) > width * 0.9 - 1),
                    default=1)
        if lines > 1:
            self.ws.row_dimensions[self.header_row + self.rows + 1].height = 15 * lines + 2
        self.ws.append(cells)
        self.rows += 1

    def _widths(self, sample: list[Sequence]) -> list[float]:
        widths = []
        for i, col in enumerate(self.columns):
            words = col.header.split() or [""]
            # the header wraps, but on two lines at most
            header_need = max(max(len(w) for w in words), math.ceil(len(col.header) / 2)) + 2
            content = max((_text_len(row[i], col.kind) for row in sample if i < len(row)), default=0)
            if content:
                width = max(header_need, content * 1.1 + 2)
            else:
                width = max(header_need, col.width or len(col.header) + 2)
            widths.append(round(min(max(width, MIN_WIDTH), MAX_WIDTH), 1))
        return widths

    def _start(self) -> None:
        sample, self._pending = self._pending or [], None
        ws, ncols = self.ws, len(self.columns)
        last = get_column_letter(ncols)
        widths = self._widths(sample)
        for i, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        wrap = [
            any(_text_len(row[i], col.kind) > widths[i] for row in sample if i < len(row))
            for i, col in enumerate(self.columns)
        ]

        title_rows = self._title_rows(ncols, last)
        self.header_row = h = len(title_rows) + 1
        ws.freeze_panes = f"A{h + 1}"
        self._print_setup(h)
        lines = max(_wrapped_lines(c.header, w * 0.9 - 1) for c, w in zip(self.columns, widths))
        if lines > 1:
            ws.row_dimensions[h].height = 15 * lines + 2

        for row in title_rows:
            ws.append(row)
        head = self._style(
            font=Font(name=FONT_NAME, size=BODY_SIZE, bold=True),
            border=_BORDER,
            fill=_HEADER_FILL,
            alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
        )
        ws.append([self._cell(c.header, head) for c in self.columns])

        body = Font(name=FONT_NAME, size=BODY_SIZE)
        self._cells = []
        for col, wrapped in zip(self.columns, wrap):
            align = Alignment(horizontal=_ALIGN.get(col.kind, "left"), vertical="top", wrap_text=wrapped or None)
            fmt = NUMBER_FORMATS.get(col.kind, "General")
            plain, quoted = _ColumnCell(self.ws), _ColumnCell(self.ws)
            plain._style = self._style(font=body, border=_BORDER, number_format=fmt, alignment=align)
            quoted._style = self._style(font=body, border=_BORDER, number_format=fmt, alignment=align, quoted=True)
            for cell in (plain, quoted):
                cell._style_id = self.workbook._cell_styles.add(cell._style)
            self._cells.append((plain, quoted, col.kind))
        self._wrapping = [(i, width) for i, (width, wrapped) in enumerate(zip(widths, wrap)) if wrapped]
        for values in sample:
            self._write(values)

    def _title_rows(self, ncols: int, last: str) -> list[list]:
        block, ws = self.block, self.ws
        rows: list[list] = []
        if block.organisation:
            style = self._style(font=Font(name=FONT_NAME, size=12, bold=True))
            rows.append([self._cell(block.organisation.upper(), style)])
        if block.place:
            style = self._style(font=Font(name=FONT_NAME, size=12))
            rows.append([self._cell(block.place, style)])
        if rows:
            rows.append([])
        centred = Alignment(horizontal="center", vertical="center")
        if block.title:
            style = self._style(font=Font(name=FONT_NAME, size=14, bold=True), alignment=centred)
            rows.append([self._cell(block.title.upper(), style)])
            ws.row_dimensions[len(rows)].height = 22
            if ncols > 1:
                ws.merged_cells.add(f"A{len(rows)}:{last}{len(rows)}")
        for line in block.lines:
            style = self._style(font=Font(name=FONT_NAME, size=BODY_SIZE, italic=True), alignment=centred)
            rows.append([self._cell(line, style)])
            if ncols > 1:
                ws.merged_cells.add(f"A{len(rows)}:{last}{len(rows)}")
        if rows:
            rows.append([])
        return rows

    def _print_setup(self, header_row: int) -> None:
        ws = self.ws
        ws.page_setup.orientation = "landscape" if self.landscape else "portrait"
        ws.page_setup.paperSize = PAPER_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_options.horizontalCentered = True
        ws.page_margins = MARGINS
        ws.print_title_rows = f"{header_row}:{header_row}"
        ws.oddFooter.center.text = FOOTER
        ws.oddFooter.center.font = f"{FONT_NAME},Regular"
        ws.oddFooter.center.size = 10

    def close(self) -> int:
        """Finish the sheet (auto-filter over header and rows); returns the number of rows."""
        if self._pending is not None:
            self._start()
        h = self.header_row
        self.ws.auto_filter.ref = f"A{h}:{get_column_letter(len(self.columns))}{h + self.rows}"
        return self.rows

    def discard(self) -> None:
        """Drop a sheet that will not be saved, with openpyxl's temporary file."""
        ws = self.ws
        writer = getattr(ws, "_writer", None)
        if writer is None:
            return
        with contextlib.suppress(Exception):
            if not ws.closed:
                ws.close()
        with contextlib.suppress(OSError, ValueError):
            writer.cleanup()


def _wrapped_lines(text: str, width: float) -> int:
    """How many lines `text` takes when wrapped at word boundaries to `width` characters."""
    lines, used = 1, 0
    for word in text.split():
        if used and used + 1 + len(word) > width:
            lines, used = lines + 1, len(word)
        else:
            used += len(word) + (1 if used else 0)
    return lines


def _set_text(cell, text: str) -> None:
    """A string cell that stays a string: openpyxl would make '=…' a formula."""
    cell._value = text or None
    cell.data_type = "s" if text else "n"


def _set_plain(cell, value, kind: str) -> None:
    """Numbers and dates without openpyxl's type guessing (which may change the cell's format)."""
    if value is None:
        cell._value, cell.data_type = None, "n"
    elif isinstance(value, bool):
        cell._value, cell.data_type = value, "b"
    elif isinstance(value, (int, float)):
        cell._value, cell.data_type = value, "n"
    elif isinstance(value, (dt.date, dt.datetime)) and kind == DATE:
        cell._value, cell.data_type = value, "d"
    elif isinstance(value, (dt.date, dt.datetime)):
        cell._value, cell.data_type = value.strftime("%d/%m/%Y"), "s"
    else:
        _set_text(cell, safe_text(value))


_KINDS = {".xlsx": "tệp Excel", ".pdf": "tệp PDF"}


def check_target(out: Path, *, overwrite: bool, suffix: str = ".xlsx") -> Path:
    """Refuse, in Vietnamese and before any work, a file name we cannot or should not write."""
    out = Path(out)
    if out.suffix.lower() != suffix:
        raise UserError(f"Tên tệp phải có đuôi {suffix} ({_KINDS[suffix]}), ví dụ {out.stem or 'danh-sach'}{suffix}.")
    folder = out.parent
    if not folder.is_dir():
        raise UserError(f"Không có thư mục {folder}; hãy tạo thư mục hoặc chọn nơi lưu khác.")
    if out.is_dir():
        raise UserError(f"{out} là một thư mục; hãy ghi tên tệp, ví dụ {out / 'danh-sach.xlsx'}.")
    if out.exists() and not overwrite:
        raise UserError(f"Tệp {out} đã có; chọn tên khác hoặc cho phép ghi đè.")
    return out


@contextlib.contextmanager
def replacing(out: Path, *, overwrite: bool = False) -> Iterator[Path]:
    """Write to a temporary file beside `out`; it replaces `out` only when the block finishes.

    The temporary file is made first, so an unwritable folder is refused before any work; on an
    error or a stop it is removed and `out` is left as it was (absent, or the old file).
    """
    out = check_target(out, overwrite=overwrite)
    temp = out.parent / f".{out.stem[:40]}.{secrets.token_hex(4)}.tmp"
    try:
        temp.open("xb").close()  # made as any new file (umask), unlike mkstemp's 0600
    except OSError:
        raise UserError(f"Không ghi được vào thư mục {out.parent}; hãy chọn thư mục khác.") from None
    try:
        yield temp
        if out.exists() and not overwrite:
            raise UserError(f"Tệp {out} đã có; chọn tên khác hoặc cho phép ghi đè.")
        try:
            os.replace(temp, out)
        except PermissionError:
            raise UserError(
                f"Không thay được tệp {out}; có thể tệp đang mở trong Excel. Hãy đóng tệp rồi thử lại."
            ) from None
    except OSError as exc:
        reason = "ổ đĩa đã đầy" if exc.errno == errno.ENOSPC else "hãy kiểm tra ổ đĩa và quyền ghi"
        raise UserError(f"Không ghi được tệp {out}; {reason}.") from None
    finally:
        with contextlib.suppress(OSError):
            temp.unlink(missing_ok=True)



def freeze_zip(path: Path, when: dt.datetime) -> None:
    """Make a saved workbook depend on its content only: every zip entry and the "modified"
    property dated `when` (openpyxl stamps the clock), so the same report gives the same bytes
    and the same SHA-256."""
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(path) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    frozen = path.with_name(path.name + ".frozen")
    with zipfile.ZipFile(frozen, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in entries:
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>" + stamp.encode() + rb"\g<2>", data)
            fixed = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            target.writestr(fixed, data)
    os.replace(frozen, path)
