"""The consolidated annex of many communes' reports (services.consolidation) as a workbook in the
house Excel style (documents.xlsx), A4 landscape fitted to the page width:

- "Tổng hợp": one row per summed commune (name, code, report number, signer, signing time, then
  the layout's columns: counts and money as numbers, each share a 0.00% number computed from its
  numerator and denominator), then the total row ("Toàn tỉnh") whose shares are recomputed from
  the summed counts, never averaged;
- "Kiểm tra": every received file with its status and the reason;
- "Chưa nộp": the catalogue's communes of the province without a summed report.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from khuyenhoc_desktop.documents import xlsx
from khuyenhoc_desktop.documents.report_xlsx import _GroupedSheet, share_value
from khuyenhoc_desktop.documents.xlsx import COUNT, MONEY, PERCENT, TEXT, SheetColumn, TitleBlock
from khuyenhoc_desktop.domain.admin_units import in_sentence
from khuyenhoc_desktop.domain.dates import format_date
from khuyenhoc_desktop.services.consolidation import Consolidation, FileCheck
from khuyenhoc_desktop.signing.verdict import format_time

TITLE = "Tổng hợp báo cáo công tác khuyến học, khuyến tài, xây dựng xã hội học tập"
_KIND = {"count": COUNT, "money": MONEY, "percent": PERCENT}
_PERIOD = {"half_year": "6 tháng", "annual": "năm"}


def _block(result: Consolidation, title: str, today: dt.date) -> TitleBlock:
    place = in_sentence(result.province.name, result.province.kind) if result.province else ""
    lines = [f"Kỳ báo cáo: {result.period_label}"] if result.period_label else []
    lines.append(f"Ngày tổng hợp: {format_date(today)}. Nhận {len(result.files)} tệp, cộng {len(result.accepted)} "
                 f"xã, phường; chưa nộp {len(result.missing)}.")
    return TitleBlock(place=place[:1].upper() + place[1:], title=title, lines=tuple(lines))


def _signature(check: FileCheck) -> tuple[str, str]:
    verdict = check.verdict
    if verdict is None:
        return "(không ký)", ""
    return verdict.signer, format_time(verdict.signed_at) if verdict.signed_at else ""


def _indicator_cells(result: Consolidation, values: dict[str, int | None]) -> list:
    return [share_value(c, values) if c.kind == "percent" else values.get(c.id) for c in result.layout.columns]


def write_consolidation_xlsx(result: Consolidation, out_path: Path | str, *, overwrite: bool = False) -> int:
    """The three sheets; returns the number of communes summed."""
    today = dt.date.today()
    workbook = xlsx.new_workbook(f"{TITLE} {result.period_label}".strip())
    with xlsx.replacing(Path(out_path), overwrite=overwrite) as temp:
        columns = [SheetColumn("Xã, phường", TEXT, 24), SheetColumn("Mã xã", TEXT, 8),
                   SheetColumn("Số báo cáo", TEXT, 12), SheetColumn("Người ký", TEXT, 20),
                   SheetColumn("Thời điểm ký", TEXT, 16)]
        columns += [SheetColumn(c.header, _KIND[c.kind], 10) for c in result.layout.columns]
        spans = [("Báo cáo", 4)] + [(g.title, len(g.columns)) for g in result.layout.groups]
        sheet = _GroupedSheet(workbook, "Tổng hợp", columns, _block(result, TITLE, today), spans)
        for check in result.accepted:
            report = check.report
            sheet.append([report.commune_name, str(report.commune_code), report.number, *_signature(check),
                          *_indicator_cells(result, report.indicators)])
        sheet.append([result.scope_label, None, None, None, None, *_indicator_cells(result, result.totals)])
        sheet.close()

        sheet = xlsx.TableSheet(workbook, "Kiểm tra", [
            SheetColumn("STT", COUNT, 5), SheetColumn("Tệp", TEXT, 24), SheetColumn("Xã, phường", TEXT, 20),
            SheetColumn("Mã xã", TEXT, 8), SheetColumn("Số báo cáo", TEXT, 12), SheetColumn("Kỳ", TEXT, 10),
            SheetColumn("Người ký", TEXT, 18), SheetColumn("Trạng thái", TEXT, 14), SheetColumn("Được cộng", TEXT, 8),
            SheetColumn("Ghi chú", TEXT, 40),
        ], _block(result, "Kiểm tra các tệp báo cáo nhận được", today))
        for n, check in enumerate(result.files, 1):
            report = check.report
            sheet.append([n, check.path.name, report.commune_name if report else None,
                          str(report.commune_code) if report else None, report.number if report else None,
                          f"{_PERIOD[report.kind]} {report.year}" if report else None,
                          check.verdict.signer if check.verdict else None, check.status,
                          "Có" if check.summed else "Không", check.message or None])
        for note in result.notes:
            sheet.append([None, "(toàn bộ)", None, None, None, None, None, "Lưu ý", None, note])
        sheet.close()

        sheet = xlsx.TableSheet(workbook, "Chưa nộp", [
            SheetColumn("STT", COUNT, 5), SheetColumn("Xã, phường", TEXT, 28), SheetColumn("Mã xã", TEXT, 8),
            SheetColumn("Ghi chú", TEXT, 40),
        ], _block(result, "Các xã, phường chưa có báo cáo được cộng", today))
        received = result.received_codes
        for n, unit in enumerate(result.missing, 1):
            note = "Có tệp gửi đến nhưng không được cộng (xem trang Kiểm tra)." if unit.code in received else None
            sheet.append([n, unit.name, str(unit.code), note])
        sheet.close()
        workbook.save(temp)
    return len(result.accepted)
