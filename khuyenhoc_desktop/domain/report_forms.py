"""Report annex layouts (forms/reports/*.json): which indicators the statistics annex shows, in
which groups and columns, so a province's own form is a new file, not a new release.

A column is a `count`, a `money` amount, or a `percent` that names its numerator and denominator
indicators (a percentage is never stored: it is recomputed from the two counts, so reports can
be added up). `target` (0..1) draws the national target line on the chart; `commune_only`
columns stay empty on the hamlet rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from khuyenhoc_desktop.errors import UserError

KINDS = ("count", "money", "percent")


@dataclass(frozen=True)
class Column:
    id: str
    header: str
    kind: str
    numerator: str | None = None
    denominator: str | None = None
    target: float | None = None
    commune_only: bool = False


@dataclass(frozen=True)
class Group:
    title: str
    columns: tuple[Column, ...]


@dataclass(frozen=True)
class AnnexLayout:
    id: str
    title: str
    version: str
    note: str
    groups: tuple[Group, ...]
    raw: dict

    @property
    def columns(self) -> list[Column]:
        return [c for g in self.groups for c in g.columns]

    def indicators(self) -> list[str]:
        """Every indicator the annex needs (counts and the parts of each percentage)."""
        wanted: list[str] = []
        for c in self.columns:
            for name in ((c.numerator, c.denominator) if c.kind == "percent" else (c.id,)):
                if name and name not in wanted:
                    wanted.append(name)
        return wanted


def parse_layout(data: dict, known: set[str] | None = None) -> AnnexLayout:
    """Check and build a layout; `known` = the indicator ids the program can compute."""
    problems = []
    if data.get("kind") != "report_annex":
        problems.append('"kind" phải là "report_annex".')
    groups = []
    seen = set()
    for g_no, group in enumerate(data.get("groups") or [], 1):
        columns = []
        for c_no, col in enumerate(group.get("columns") or [], 1):
            where = f"nhóm {g_no}, cột {c_no}"
            kind = col.get("kind")
            if kind not in KINDS:
                problems.append(f"{where}: \"kind\" phải là count, money hoặc percent.")
            cid = col.get("id")
            if not cid or cid in seen:
                problems.append(f"{where}: thiếu mã cột hoặc mã trùng.")
            seen.add(cid)
            needed = (col.get("numerator"), col.get("denominator")) if kind == "percent" else (cid,)
            if kind == "percent" and not all(needed):
                problems.append(f"{where}: cột tỉ lệ cần \"numerator\" và \"denominator\".")
            if known is not None:
                problems += [f"{where}: chỉ tiêu \"{n}\" chương trình chưa tính được." for n in needed if n and n not in known]
            columns.append(Column(cid or "", col.get("header") or cid or "", kind or "count", col.get("numerator"),
                                  col.get("denominator"), col.get("target"), bool(col.get("commune_only", False))))
        groups.append(Group(group.get("title") or "", tuple(columns)))
    if not groups:
        problems.append("mẫu chưa có nhóm cột nào.")
    if problems:
        raise UserError(f"Mẫu phụ lục {data.get('id', '?')} chưa đúng: " + " ".join(problems))
    return AnnexLayout(data.get("id", ""), data.get("title", ""), str(data.get("version", "")), data.get("note", ""),
                       tuple(groups), data)


def load_layout(path: Path, known: set[str] | None = None) -> AnnexLayout:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(f"Không đọc được mẫu phụ lục {Path(path).name}: {exc}") from None
    return parse_layout(data, known)


def layouts_dir() -> Path:
    from khuyenhoc_desktop.paths import forms_dir

    return forms_dir() / "reports"


DEFAULT_ID = "report-annex-default-2025"


def all_layouts(known: set[str] | None = None) -> list[AnnexLayout]:
    """Every annex layout shipped in forms/reports (a province's own form is one more file)."""
    return [load_layout(p, known) for p in sorted(layouts_dir().glob("*.json"))]


def find_layout(layout_id: str, known: set[str] | None = None) -> AnnexLayout:
    for layout in all_layouts(known):
        if layout.id == layout_id:
            return layout
    raise UserError(f"Không có mẫu phụ lục '{layout_id}' trong thư mục forms/reports.")


def default_layout(known: set[str] | None = None) -> AnnexLayout:
    return find_layout(DEFAULT_ID, known)


def percent_text(numerator: int, denominator: int, digits: int = 2) -> str:
    """'88,26%' rounded half up, decimal comma; '' when the denominator is 0."""
    if not denominator:
        return ""
    scaled = (numerator * 100 * 10 ** digits * 2 + denominator) // (2 * denominator)
    whole, frac = divmod(scaled, 10 ** digits)
    text = f"{whole},{frac:0{digits}d}".rstrip("0").rstrip(",") if digits else str(whole)
    return text + "%"
