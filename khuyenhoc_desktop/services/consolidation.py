"""Consolidation on the receiving side: the province (or other upper level) clerk's many commune
report workbooks (+ their detached `.p7s`) checked and added up into one annex.

Each file is checked in this order: its signature, its machine block ("may_doc"), its province,
its period (kind and year), its annex layout, then duplicates. A file that fails a check is
listed with a Vietnamese reason and is not summed:

- unsigned: not summed unless `include_unsigned`; signed by a root nobody trusted yet, but intact
  and valid: not summed unless `include_untrusted`; altered or an invalid signature: never;
- another province, another period (the requested kind/year, else the one most files have) or
  another annex layout (the one most files state, if the program has that layout file in
  forms/reports — a province's own annex is one more file there — else the default): never;
- the same commune twice: byte-identical copies count once; different reports of one commune are
  all left out (the program cannot know which one is the correction), so the clerk removes the
  wrong file and consolidates again.

Totals are sums of the communes' counts and money; percentages are recomputed from the summed
numerators and denominators, never averaged. Missing communes are the catalogue's communes of
the province without a summed report.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from khuyenhoc_desktop.domain import admin_units
from khuyenhoc_desktop.domain.admin_units import Unit
from khuyenhoc_desktop.domain.report_forms import AnnexLayout, all_layouts, default_layout
from khuyenhoc_desktop.domain.text import collation_key
from khuyenhoc_desktop.errors import UserError
from khuyenhoc_desktop.signing import cms, trust
from khuyenhoc_desktop.signing.verdict import Verdict, load_certificate

FORMAT = "khuyenhoc-report/1"  # documents.report_xlsx.FORMAT, kept here so reading needs no writer
MACHINE_SHEET = "may_doc"
REPORT_KINDS = ("half_year", "annual")
_REQUIRED = ("format", "commune_code", "province_code", "commune_name", "kind", "year", "period_start",
             "period_end", "number", "generated_on", "layout")

RECEIVED = "Đã nhận"
UNSIGNED = "Không ký"
BAD_SIGNATURE = "Chữ ký không hợp lệ"
ALTERED = "Tệp bị sửa"
UNTRUSTED = "Chưa tin cậy"
UNREADABLE = "Không đọc được"
DUPLICATE = "Trùng"
WRONG_PERIOD = "Sai kỳ"
OTHER_PROVINCE = "Khác tỉnh"
OTHER_LAYOUT = "Khác mẫu"

_PERIOD_NAMES = {"half_year": "sơ kết 6 tháng đầu năm", "annual": "tổng kết năm"}


@dataclass(frozen=True)
class CommuneReport:
    """A commune's report as its machine block states it."""

    path: Path
    sha256: str
    commune_code: int
    province_code: int
    commune_name: str
    kind: str  # "half_year" | "annual"
    year: int
    period_start: dt.date
    period_end: dt.date
    number: str
    generated_on: dt.date
    software_version: str
    layout: str  # "<id>/<version>"
    indicators: dict[str, int | None]  # the commune totals


@dataclass
class FileCheck:
    """One received file: what was found and whether it was summed."""

    path: Path
    status: str = RECEIVED
    reasons: list[str] = field(default_factory=list)
    summed: bool = False
    report: CommuneReport | None = None
    verdict: Verdict | None = None

    @property
    def message(self) -> str:
        return " ".join(self.reasons)

    @property
    def flagged(self) -> bool:
        return bool(self.reasons) or not self.summed

    def line(self) -> str:
        who = f" ({self.report.commune_name})" if self.report else ""
        return f"{self.path.name}{who}: {self.status}" + (f" — {self.message}" if self.message else "")


@dataclass
class Consolidation:
    files: list[FileCheck]  # in the order given
    accepted: list[FileCheck]  # summed, one per commune, in Vietnamese name order
    province: Unit | None
    kind: str | None
    year: int | None
    layout: AnnexLayout
    totals: dict[str, int | None]  # by indicator id; None when a summed commune has no figure
    missing: list[Unit]  # catalogue communes of the province without a summed report
    notes: list[str]  # consolidation-wide remarks (incomplete indicators)

    @property
    def problems(self) -> list[str]:
        return [f.line() for f in self.files if f.flagged] + self.notes

    @property
    def flagged(self) -> bool:
        return bool(self.problems or self.missing)

    @property
    def received_codes(self) -> set[int]:
        return {f.report.commune_code for f in self.files if f.report}

    @property
    def scope_label(self) -> str:
        """The total row: "Toàn tỉnh", "Toàn thành phố", or "Tổng cộng" without a province."""
        if self.province is None:
            return "Tổng cộng"
        return "Toàn tỉnh" if self.province.kind == "tỉnh" else "Toàn thành phố"

    @property
    def period_label(self) -> str:
        """'sơ kết 6 tháng đầu năm 2026'; '' when unknown."""
        if self.kind is None or self.year is None:
            return ""
        return f"{_PERIOD_NAMES[self.kind]} {self.year}"


# ---------------------------------------------------------------- one file

def _int(name: str, key: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise UserError(f"Tệp {name}: giá trị \"{key}\" phải là số nguyên, không phải {value!r}.")
    return value


def _date(name: str, key: str, value) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise UserError(f"Tệp {name}: giá trị \"{key}\" phải là ngày dạng YYYY-MM-DD, không phải {value!r}.") from None


def read_report(path: Path | str) -> CommuneReport:
    """The machine block of a commune's report workbook, checked; a Vietnamese UserError naming
    the file when it is not such a workbook or its block is incomplete or wrong."""
    from openpyxl import load_workbook

    path = Path(path)
    name = path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"Không đọc được tệp {name}: {exc.strerror or exc}.") from None
    # A damaged or foreign file can fail anywhere in the zip, XML or openpyxl: all mean "unreadable".
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise UserError(f"Tệp {name} không phải tệp Excel (.xlsx) đọc được.") from None
    try:
        if MACHINE_SHEET not in workbook.sheetnames:
            raise UserError(f"Tệp {name} không có trang dữ liệu \"{MACHINE_SHEET}\": không phải báo cáo xuất từ "
                            "chương trình.")
        pairs: dict[str, object] = {}
        for row in workbook[MACHINE_SHEET].iter_rows(min_row=2, max_col=2, values_only=True):
            if row and isinstance(row[0], str):
                pairs[row[0]] = row[1] if len(row) > 1 else None
    except UserError:
        raise
    except Exception:
        raise UserError(f"Tệp {name} bị hỏng: không đọc được trang \"{MACHINE_SHEET}\".") from None
    finally:
        workbook.close()
    if pairs.get("format") != FORMAT:
        raise UserError(f"Tệp {name}: khối dữ liệu có định dạng {pairs.get('format')!r}, chương trình đọc {FORMAT}.")
    lacking = [k for k in _REQUIRED if pairs.get(k) in (None, "")]
    if lacking:
        raise UserError(f"Tệp {name}: khối dữ liệu thiếu {', '.join(lacking)}.")
    kind = pairs["kind"]
    if kind not in REPORT_KINDS:
        raise UserError(f"Tệp {name}: loại báo cáo {kind!r} không có (half_year hoặc annual).")
    indicators = {}
    for key, value in pairs.items():
        if key.startswith("indicator."):
            indicators[key.removeprefix("indicator.")] = None if value is None else _int(name, key, value)
    return CommuneReport(
        path=path, sha256=hashlib.sha256(data).hexdigest(),
        commune_code=_int(name, "commune_code", pairs["commune_code"]),
        province_code=_int(name, "province_code", pairs["province_code"]),
        commune_name=str(pairs["commune_name"]), kind=str(kind), year=_int(name, "year", pairs["year"]),
        period_start=_date(name, "period_start", pairs["period_start"]),
        period_end=_date(name, "period_end", pairs["period_end"]),
        number=str(pairs["number"]), generated_on=_date(name, "generated_on", pairs["generated_on"]),
        software_version=str(pairs.get("software_version") or ""), layout=str(pairs["layout"]),
        indicators=indicators)


def check_signature(path: Path | str, trust_roots: Iterable[Path | str]) -> Verdict | None:
    """The verdict on FILE.p7s beside FILE; None when the file is unsigned."""
    path = Path(path)
    if not cms.p7s_path(path).is_file():
        return None
    return cms.verify_detached(path, None, trust_roots)


def _signature(check: FileCheck, roots: list[Path], include_unsigned: bool, include_untrusted: bool) -> bool:
    """Record the signature's finding; True when the file may still be summed."""
    try:
        verdict = check.verdict = check_signature(check.path, roots)
    except UserError as exc:  # a damaged or foreign .p7s
        check.status = BAD_SIGNATURE
        check.reasons.append(str(exc))
        return False
    if verdict is None:
        check.status = UNSIGNED
        check.reasons.append(f"Không có chữ ký số ({cms.p7s_path(check.path).name})"
                             + ("; vẫn cộng theo yêu cầu." if include_unsigned else "; không cộng."))
        return include_unsigned
    if not verdict.intact:
        check.status = ALTERED
    elif not verdict.valid:
        check.status = BAD_SIGNATURE
    elif not verdict.trusted:
        check.status = UNTRUSTED
        check.reasons.append(f"Người ký: {verdict.signer or 'không rõ'}. {verdict.message_vi}"
                             + (" Vẫn cộng theo yêu cầu." if include_untrusted else " Không cộng."))
        return include_untrusted
    else:
        return True
    check.reasons.append(verdict.message_vi + " Không cộng.")
    return False


def _most_common(values: list) -> object:
    """The value most files have; ties go to the smallest, so the result never depends on order."""
    counts = Counter(values)
    return min(counts, key=lambda v: (-counts[v], v)) if counts else None


# ---------------------------------------------------------------- many files

def consolidate(paths: Iterable[Path | str], *, trust_roots: Iterable[Path | str] | None = None,
                province_code: int | None = None, kind: str | None = None, year: int | None = None,
                include_unsigned: bool = False, include_untrusted: bool = False) -> Consolidation:
    """Check every file and add up the communes that pass (see the module's docstring).
    `trust_roots` None → the roots the user imported; province, kind and year None → the ones
    most files state."""
    paths = [Path(p) for p in paths]
    if not paths:
        raise UserError("Chưa có tệp báo cáo nào để tổng hợp.")
    for path in paths:
        if not path.is_file():
            raise UserError(f"Không có tệp {path}.")
    if kind is not None and kind not in REPORT_KINDS:
        raise UserError(f"Loại báo cáo {kind!r} không có; chọn half_year hoặc annual.")
    province = None
    if province_code is not None:
        province = admin_units.province(province_code)
        if province is None:
            raise UserError(f"Không có tỉnh, thành phố mã {province_code} trong danh mục năm 2025.")
    roots = [Path(p) for p in (trust.trusted_root_paths() if trust_roots is None else trust_roots)]
    for root in roots:  # a broken root is the caller's mistake, not a bad signature of some file
        load_certificate(root)
    checks = [FileCheck(p) for p in paths]
    candidates: list[FileCheck] = []
    for check in checks:
        may_sum = _signature(check, roots, include_unsigned, include_untrusted)
        try:
            check.report = read_report(check.path)
        except UserError as exc:
            if may_sum:
                check.status = UNREADABLE
            check.reasons.append(str(exc))
            continue
        if may_sum:
            candidates.append(check)

    if province is None:
        code = _most_common([c.report.province_code for c in candidates])
        province = admin_units.province(code) if code is not None else None
    candidates = [c for c in candidates if _province_ok(c, province)]

    kind = kind or _most_common([c.report.kind for c in candidates])
    year = year if year is not None else _most_common([c.report.year for c in candidates if c.report.kind == kind])
    wanted = " ".join(str(part) for part in (_PERIOD_NAMES.get(kind), year) if part)
    layout = _layout_of(c.report.layout for c in candidates if (c.report.kind, c.report.year) == (kind, year))
    layout_key = _key(layout)
    kept = []
    for check in candidates:
        report = check.report
        if (report.kind, report.year) != (kind, year):
            check.status = WRONG_PERIOD
            check.reasons.append(f"Báo cáo {_PERIOD_NAMES[report.kind]} {report.year}, đang tổng hợp {wanted}; "
                                 "không cộng.")
        elif report.layout != layout_key:
            check.status = OTHER_LAYOUT
            check.reasons.append(f"Phụ lục theo mẫu {report.layout}, chương trình tổng hợp theo mẫu {layout_key}; "
                                 "không cộng.")
        else:
            kept.append(check)

    accepted = _without_duplicates(kept)
    for check in accepted:
        check.summed = True
    accepted.sort(key=lambda c: (collation_key(c.report.commune_name), c.report.commune_code))

    totals, notes = _totals(accepted, layout)
    summed_codes = {c.report.commune_code for c in accepted}
    missing = [u for u in admin_units.communes(province.code) if u.code not in summed_codes] if province else []
    return Consolidation(files=checks, accepted=accepted, province=province, kind=kind, year=year, layout=layout,
                         totals=totals, missing=missing, notes=notes)


def _key(layout: AnnexLayout) -> str:
    return f"{layout.id}/{layout.version}"


def _layout_of(stated: Iterable[str]) -> AnnexLayout:
    """The annex layout most files state, when the program has it; else the default one."""
    known = {_key(layout): layout for layout in all_layouts()}
    counts = Counter(key for key in stated if key in known)
    return known[counts.most_common(1)[0][0]] if counts else default_layout()


def _province_ok(check: FileCheck, province: Unit | None) -> bool:
    report = check.report
    if province is None:
        return True
    if report.province_code != province.code:
        other = admin_units.province(report.province_code)
        whose = admin_units.in_sentence(other.name) if other else f"tỉnh mã {report.province_code}"
        check.status = OTHER_PROVINCE
        check.reasons.append(f"Báo cáo của {whose}, đang tổng hợp {admin_units.in_sentence(province.name)}; "
                             "không cộng.")
        return False
    if admin_units.commune(province.code, report.commune_code) is None:
        check.status = OTHER_PROVINCE
        check.reasons.append(f"Mã xã {report.commune_code} không thuộc {admin_units.in_sentence(province.name)} "
                             "trong danh mục năm 2025; không cộng.")
        return False
    return True


def _without_duplicates(checks: list[FileCheck]) -> list[FileCheck]:
    """One file per commune: identical copies count once; different reports of one commune none."""
    by_commune: dict[int, list[FileCheck]] = {}
    for check in checks:
        by_commune.setdefault(check.report.commune_code, []).append(check)
    kept = []
    for group in by_commune.values():
        first = group[0]
        if len(group) == 1:
            kept.append(first)
        elif len({c.report.sha256 for c in group}) == 1:
            kept.append(first)
            for check in group[1:]:
                check.status = DUPLICATE
                check.reasons.append(f"Bản sao giống hệt tệp {first.path.name}; chỉ cộng một lần.")
        else:
            names = ", ".join(c.path.name for c in group)
            for check in group:
                check.status = DUPLICATE
                check.reasons.append(f"{first.report.commune_name} có {len(group)} báo cáo khác nhau ({names}); "
                                     "không cộng báo cáo nào. Bỏ tệp sai rồi tổng hợp lại.")
    return kept


def _totals(accepted: list[FileCheck], layout: AnnexLayout) -> tuple[dict[str, int | None], list[str]]:
    """Per indicator the sum over the summed communes; None (and a note) when one has no figure,
    so a share is never computed from a partial numerator over a full denominator."""
    totals: dict[str, int | None] = {}
    notes = []
    for name in layout.indicators():
        values = [c.report.indicators.get(name) for c in accepted]
        lacking = [c.report.commune_name for c, v in zip(accepted, values) if v is None]
        totals[name] = None if lacking or not accepted else sum(values)
        if lacking:
            notes.append(f"Chỉ tiêu \"{name}\" không cộng được: thiếu số liệu của {', '.join(lacking)}.")
    return totals, notes
