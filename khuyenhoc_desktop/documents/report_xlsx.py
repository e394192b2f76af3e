"""The report's statistics annex as a workbook in the house Excel style (documents.xlsx), from
the same `ReportDoc` as the PDF (documents.report_papers).

- One sheet per table of the PDF annex ("Biểu 1", "Biểu 2", …: the layout's groups packed to a
  landscape page width, each keeping the hamlet column) with the groups as a row of merged
  titles over the column headers; A4 landscape, fitted to the page width. Counts and money are
  numbers (money in the house format, 1.250.000 đ); a share is a number in the percent format
  (0,8826 shown as 88,26%, rounded like the PDF) beside the columns it comes from, so a clerk
  adds up numerators and denominators, never percentages.
- "So với kỳ trước": the commune totals now, in the previous period and the change.
- "may_doc", hidden (not very hidden: anyone may unhide it): key/value rows for the receiving
  side's program, `format` = khuyenhoc-report/1, then the commune, period, report number,
  software version, each indicator's commune total (`indicator.<id>`) and each hamlet's values
  (`hamlet.<n>.name`, `hamlet.<n>.<id>`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from khuyenhoc_desktop.documents import xlsx
from khuyenhoc_desktop.documents.report_papers import (
    HAMLET_HEADER, AnnexRow, ReportDoc, annex_parts, cell_value, change_text, percent_parts, period_line,
    report_title, share_ten_thousandths, share_text,
)
from khuyenhoc_desktop.documents.xlsx import COUNT, MONEY, PERCENT, TEXT, SheetColumn, TitleBlock
from khuyenhoc_desktop.domain.dates import format_date
from khuyenhoc_desktop.domain.report_forms import Column, Group

FORMAT = "khuyenhoc-report/1"
MACHINE_SHEET = "may_doc"
_KIND = {"count": COUNT, "money": MONEY, "percent": PERCENT}


class _GroupedSheet(xlsx.TableSheet):
    """The house table with a row of merged group titles over its column headers, both rows
    repeated on every printed page."""

    def __init__(self, workbook, name: str, columns: list[SheetColumn], block: TitleBlock,
                 spans: list[tuple[str, int]]):
        self.spans = spans  # (title, columns) after the first column, which spans both header rows
        super().__init__(workbook, name, columns, block)

    def _title_rows(self, ncols: int, last: str) -> list[list]:
        rows = super()._title_rows(ncols, last)
        style = self._style(font=Font(name=xlsx.FONT_NAME, size=xlsx.BODY_SIZE, bold=True), border=xlsx._BORDER,
                            fill=xlsx._HEADER_FILL,
                            alignment=Alignment(horizontal="center", vertical="center", wrap_text=True))
        at = len(rows) + 1
        first = self.columns[0].header
        cells = [self._cell(first, style)]
        self.ws.merged_cells.add(f"A{at}:A{at + 1}")
        column = 2
        for title, count in self.spans:
            cells += [self._cell(title, style)] + [self._cell(None, style) for _ in range(count - 1)]
            if count > 1:
                self.ws.merged_cells.add(f"{get_column_letter(column)}{at}:{get_column_letter(column + count - 1)}{at}")
            column += count
        rows.append(cells)
        return rows

    def _print_setup(self, header_row: int) -> None:
        super()._print_setup(header_row)
        self.ws.print_title_rows = f"{header_row - 1}:{header_row}"


def share_value(column: Column, values: dict[str, int | None]) -> float | None:
    """0.8826 for 88,26%: rounded as the PDF prints it, so Excel shows the same figure."""
    share = share_ten_thousandths(*percent_parts(column, values))
    return None if share is None else share / 10000


def _annex_row(groups: list[Group], row: AnnexRow) -> list:
    line: list = [row.label]
    for column in (c for g in groups for c in g.columns):
        if column.kind == "percent":
            line.append(None if column.commune_only and not row.total else share_value(column, row.values))
        else:
            line.append(cell_value(column, row))
    return line


def _block(doc: ReportDoc, subtitle: str, title: str = "") -> TitleBlock:
    lines = [f"(Kèm theo Báo cáo số {doc.number} ngày {format_date(doc.date)})", period_line(doc)]
    if subtitle:
        lines.append(subtitle)
    return TitleBlock(organisation=doc.association, place=doc.commune_name, title=title or doc.layout.title,
                      lines=tuple(lines))


def machine_rows(doc: ReportDoc) -> list[tuple[str, object]]:
    """The key/value block of the "may_doc" sheet: whole numbers, ISO dates, plain text."""
    total = next((r.values for r in doc.rows if r.total), {})
    indicators = doc.layout.indicators()
    indicators += sorted({k for r in doc.rows for k in r.values} - set(indicators))
    rows: list[tuple[str, object]] = [
        ("format", FORMAT),
        ("commune_code", doc.commune_code),
        ("province_code", doc.province_code),
        ("commune_name", doc.commune_name),
        ("kind", doc.kind),
        ("year", doc.year),
        ("period_start", doc.period_start.isoformat()),
        ("period_end", doc.period_end.isoformat()),
        ("number", doc.number),
        ("software_version", doc.software_version),
        ("generated_on", doc.date.isoformat()),
        ("layout", f"{doc.layout.id}/{doc.layout.version}"),
    ]
    rows += [(f"indicator.{name}", total.get(name)) for name in indicators]
    hamlets = [r for r in doc.rows if not r.total]
    rows.append(("hamlet_count", len(hamlets)))
    for n, row in enumerate(hamlets, 1):
        rows.append((f"hamlet.{n}.name", row.label))
        rows += [(f"hamlet.{n}.{name}", row.values.get(name)) for name in indicators]
    return rows


def write_report_xlsx(doc: ReportDoc, out_path: Path | str, *, overwrite: bool = False) -> int:
    """The annex sheets, the comparison and the hidden machine-readable sheet; returns the
    number of annex rows (hamlets and the commune total)."""
    workbook = xlsx.new_workbook(report_title(doc))
    # Dated from the report, not the clock: the same report gives the same workbook.
    workbook.properties.created = dt.datetime.combine(doc.date, dt.time())
    parts = annex_parts(doc.layout)
    with xlsx.replacing(Path(out_path), overwrite=overwrite) as temp:
        for n, groups in enumerate(parts, 1):
            columns = [SheetColumn(HAMLET_HEADER, TEXT, 22)]
            columns += [SheetColumn(c.header, _KIND[c.kind], 10) for g in groups for c in g.columns]
            subtitle = f"Biểu {n}. {'; '.join(g.title for g in groups)}" if len(parts) > 1 else ""
            sheet = _GroupedSheet(workbook, f"Biểu {n}" if len(parts) > 1 else "Phụ lục", columns,
                                  _block(doc, subtitle), [(g.title, len(g.columns)) for g in groups])
            for row in doc.rows:
                sheet.append(_annex_row(groups, row))
            sheet.close()
        _comparison_sheet(workbook, doc)
        machine = workbook.create_sheet(MACHINE_SHEET)
        machine.sheet_state = "hidden"
        machine.column_dimensions["A"].width = 32
        machine.column_dimensions["B"].width = 40
        machine.append(["key", "value"])
        for key, value in machine_rows(doc):
            machine.append([key, xlsx.safe_text(value) if isinstance(value, str) else value])
        workbook.save(temp)
        xlsx.freeze_zip(temp, workbook.properties.created)
    return len(doc.rows)


def _comparison_sheet(workbook, doc: ReportDoc) -> None:
    """Counts and money as numbers; a share as text ("88,26%"), its change in points."""
    total = next((r.values for r in doc.rows if r.total), {})
    sheet = xlsx.TableSheet(workbook, "So với kỳ trước", [
        SheetColumn("Chỉ tiêu", TEXT, 34), SheetColumn("Kỳ này", COUNT, 14), SheetColumn("Kỳ trước", COUNT, 14),
        SheetColumn("Tăng (+), giảm (-)", COUNT, 14),
    ], _block(doc, f"(Kỳ trước: {doc.previous_label})" if doc.previous_label else "", "So sánh với kỳ trước (toàn xã)"),
        landscape=False)
    for g in doc.layout.groups:
        sheet.append([g.title])
        for c in g.columns:
            if c.kind == "percent":
                sheet.append([f"- {c.header}", share_text(c, total) or None, share_text(c, doc.previous) or None,
                              change_text(c, total, doc.previous) or None])
            else:
                now, before = total.get(c.id), doc.previous.get(c.id)
                change = None if now is None or before is None else now - before
                sheet.append([f"- {c.header}", now, before, change])
    sheet.close()

