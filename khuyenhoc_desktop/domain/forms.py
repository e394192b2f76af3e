"""Criteria sets (bộ tiêu chí) as data files in `forms/`: load, check and score.

Pure Python: no database, no Qt. The format is described in `forms/README.md` and
`forms/schema.json`; `check_file` is a small validator of the same rules with Vietnamese
messages that name the line and the field ("Dòng 12, tiêu chí 2 › chỉ tiêu 2.3: …").
A value that the legal text does not give (or that was not read) is `null`: such a form can be
shown but `score` refuses it and `missing` says what to fill.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from khuyenhoc_desktop.errors import UserError, ValidationError

FORMAT_VERSION = 1
TITLE_CODES = ("GĐHT", "DHHT", "CĐHT thôn", "ĐVHT", "CĐHT cấp xã", "CDHT")
KINDS = ("points", "pass_fail")
ENTITIES = ("household", "clan", "hamlet", "unit", "commune", "citizen")
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_TOP_KEYS = {"format", "id", "title_code", "title", "entity", "legal_basis", "years", "version", "verified",
             "note", "variant_of", "results_recorded", "criteria", "pass_rule", "levels", "validity_months"}
# Machine rules for computed indicators (services.titles computes them from the registry):
# gdht_share = share of the clan's / hamlet's households recognised GĐHT in the evaluation year;
# a points indicator gets share × max_points, a pass/fail one passes at share ≥ min_share.
COMPUTE_RULES = ("gdht_share",)
_RULE_KEYS = {"min_total", "min_share_per_criterion", "all_indicators_passed", "min_points_per_indicator"}


@dataclass(frozen=True)
class Indicator:
    id: str
    text: str | None
    kind: str  # "points" | "pass_fail"
    max_points: float | None = None
    computed: str | None = None
    for_level: str | None = None  # counted only for this level (e.g. TT 25 "Mức độ 2")
    compute: dict | None = None  # machine rule, e.g. {"rule": "gdht_share", "min_share": 0.7}


@dataclass(frozen=True)
class Criterion:
    id: str
    text: str | None
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True)
class Level:
    name: str
    min_total: float | None = None
    requires_pass: bool = False


@dataclass(frozen=True)
class Form:
    id: str
    title_code: str
    title: str
    legal_basis: dict
    years: dict
    version: str
    verified: bool
    note: str
    criteria: tuple[Criterion, ...]
    pass_rule: dict
    levels: tuple[Level, ...]
    validity_months: int | None
    variant_of: str | None = None
    results_recorded: bool = False
    entity: str | None = None  # household, clan, hamlet, unit, commune, citizen
    path: Path | None = None
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def indicators(self) -> list[Indicator]:
        return [i for c in self.criteria for i in c.indicators]

    @property
    def is_points(self) -> bool:
        return any(i.kind == "points" for i in self.indicators)

    @property
    def legal_text(self) -> str:
        basis = self.legal_basis
        date = basis.get("date")
        return basis.get("document", "") + (f" ngày {_vn_date(date)}" if date else "")

    @property
    def notice(self) -> str | None:
        """The visible line for a form that is not fully verified (None when verified)."""
        if self.verified:
            return None
        gaps = missing(self)
        text = self.note.strip() or "nội dung có phần suy ra."
        if gaps:
            text += f" Còn thiếu {len(gaps)} mục, chưa chấm điểm được."
        return f"Lưu ý: bộ tiêu chí này chưa được kiểm chứng đầy đủ: {text}"


@dataclass
class CriterionResult:
    id: str
    text: str | None
    points: float
    max_points: float | None
    passed: bool
    problems: list[str] = field(default_factory=list)


@dataclass
class ScoreResult:
    form_id: str
    total: float
    max_total: float | None
    criteria: list[CriterionResult]
    level: str | None
    passed: bool
    problems: list[str]

    def as_dict(self) -> dict:
        return {
            "form": self.form_id, "total": _num(self.total), "max_total": _num(self.max_total),
            "criteria": [{"id": c.id, "text": c.text, "points": _num(c.points), "max_points": _num(c.max_points),
                          "passed": c.passed, "problems": c.problems} for c in self.criteria],
            "level": self.level, "passed": self.passed, "problems": self.problems,
        }


def _num(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _vn_date(iso: str) -> str:
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})$", iso or "")
    return f"{m[3]}/{m[2]}/{m[1]}" if m else iso


# ---------------------------------------------------------------- checking

class _Lines:
    """Line numbers for messages: where an indicator/criterion id or a key first appears."""

    def __init__(self, text: str):
        self.text = text

    def _line(self, pos: int) -> int:
        return self.text.count("\n", 0, pos) + 1

    def key(self, name: str, after: int = 0) -> int | None:
        m = re.compile(r'"%s"\s*:' % re.escape(name)).search(self.text, after)
        return self._line(m.start()) if m else None

    def id_pos(self, ident: str, start: int = 0) -> int:
        m = re.compile(r'"id"\s*:\s*"%s"' % re.escape(str(ident))).search(self.text, start)
        return m.start() if m else start

    def line(self, pos: int) -> int:
        return self._line(pos)


def _is_num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def check_data(data, text: str = "") -> list[str]:
    """Vietnamese problems of a parsed form (empty list: the file is usable)."""
    lines = _Lines(text)
    problems: list[str] = []

    def top(key: str, message: str) -> None:
        line = lines.key(key)
        problems.append((f"Dòng {line}, " if line else "") + f"trường \"{key}\": {message}")

    if not isinstance(data, dict):
        return ["Dòng 1: tệp phải là một đối tượng JSON { … } mô tả một bộ tiêu chí."]
    for key in sorted(set(data) - _TOP_KEYS):
        top(key, "trường không có trong định dạng (viết sai tên?).")
    if data.get("format") != FORMAT_VERSION:
        top("format", f"phải là {FORMAT_VERSION}.")
    for key in ("id", "title", "version", "note"):
        if not isinstance(data.get(key), str) or (key != "note" and not data.get(key, "").strip()):
            top(key, "thiếu hoặc không phải chuỗi chữ.")
    if isinstance(data.get("id"), str) and not _ID.match(data["id"]):
        top("id", "chỉ dùng chữ thường không dấu, số, dấu chấm, gạch ngang (vd. dvht-tt22-2020).")
    if data.get("title_code") not in TITLE_CODES:
        top("title_code", f"phải là một trong: {', '.join(TITLE_CODES)}.")
    if data.get("entity") is not None and data.get("entity") not in ENTITIES:
        top("entity", f"phải là một trong: {', '.join(ENTITIES)}.")
    if not isinstance(data.get("verified"), bool):
        top("verified", "phải là true hoặc false.")
    basis = data.get("legal_basis")
    if not isinstance(basis, dict) or not isinstance(basis.get("document"), str) or not basis.get("document"):
        top("legal_basis", "cần {\"document\": số hiệu văn bản, \"date\": \"YYYY-MM-DD\" hoặc null, \"issuer\": cơ quan ban hành}.")
    elif basis.get("date") is not None and not re.match(r"^\d{4}-\d{2}-\d{2}$", str(basis.get("date"))):
        top("legal_basis", "ngày ban hành viết dạng YYYY-MM-DD hoặc null.")
    years = data.get("years")
    if not isinstance(years, dict) or not all(years.get(k) is None or (isinstance(years.get(k), int)
                                                                         and not isinstance(years.get(k), bool))
                                              for k in ("from", "to")) or years.get("from") is None:
        top("years", "cần {\"from\": năm, \"to\": năm hoặc null}.")
    elif years.get("to") is not None and years["to"] < years["from"]:
        top("years", "năm kết thúc trước năm bắt đầu.")
    vm = data.get("validity_months")
    if vm is not None and (not isinstance(vm, int) or isinstance(vm, bool) or vm <= 0):
        top("validity_months", "phải là số tháng (số nguyên dương) hoặc null.")

    criteria = data.get("criteria")
    level_names = [lv.get("name") for lv in data.get("levels") or [] if isinstance(lv, dict)]
    if not isinstance(criteria, list) or not criteria:
        top("criteria", "cần ít nhất một tiêu chí.")
        criteria = []
    seen: set[str] = set()
    pos = 0
    for ci, crit in enumerate(criteria, 1):
        if not isinstance(crit, dict):
            problems.append(f"Tiêu chí thứ {ci}: phải là một đối tượng {{…}}.")
            continue
        cid = crit.get("id")
        pos = lines.id_pos(cid, pos) if isinstance(cid, str) else pos
        where = f"Dòng {lines.line(pos)}, tiêu chí {cid if isinstance(cid, str) else ci}"
        if not isinstance(cid, str) or not cid:
            problems.append(f"{where}: thiếu mã tiêu chí (\"id\").")
        if crit.get("text") is not None and not isinstance(crit.get("text"), str):
            problems.append(f"{where}: nội dung (\"text\") phải là chữ hoặc null.")
        for key in sorted(set(crit) - {"id", "text", "indicators"}):
            problems.append(f"{where}: trường \"{key}\" không có trong định dạng.")
        inds = crit.get("indicators")
        if not isinstance(inds, list) or not inds:
            problems.append(f"{where}: cần ít nhất một chỉ tiêu (\"indicators\").")
            continue
        for ii, ind in enumerate(inds, 1):
            if not isinstance(ind, dict):
                problems.append(f"{where} › chỉ tiêu thứ {ii}: phải là một đối tượng {{…}}.")
                continue
            iid = ind.get("id")
            if isinstance(iid, str):
                pos = lines.id_pos(iid, pos)
            w = f"Dòng {lines.line(pos)}, tiêu chí {cid} › chỉ tiêu {iid if isinstance(iid, str) else f'thứ {ii}'}"
            if not isinstance(iid, str) or not iid:
                problems.append(f"{w}: thiếu mã chỉ tiêu (\"id\").")
            elif iid in seen:
                problems.append(f"{w}: mã chỉ tiêu trùng.")
            else:
                seen.add(iid)
            for key in sorted(set(ind) - {"id", "text", "kind", "max_points", "computed", "for_level", "compute"}):
                problems.append(f"{w}: trường \"{key}\" không có trong định dạng.")
            kind = ind.get("kind")
            if kind not in KINDS:
                problems.append(f"{w}: \"kind\" phải là \"points\" (chấm điểm) hoặc \"pass_fail\" (đạt/không đạt).")
            if ind.get("text") is not None and not isinstance(ind.get("text"), str):
                problems.append(f"{w}: nội dung (\"text\") phải là chữ hoặc null.")
            if kind == "points":
                if "max_points" not in ind:
                    problems.append(f"{w}: thiếu điểm tối đa (\"max_points\"; ghi null nếu chưa biết).")
                elif ind["max_points"] is not None and (not _is_num(ind["max_points"]) or ind["max_points"] <= 0):
                    problems.append(f"{w}: điểm tối đa phải là số dương hoặc null.")
            elif kind == "pass_fail" and ind.get("max_points") is not None:
                problems.append(f"{w}: chỉ tiêu đạt/không đạt không có điểm tối đa.")
            if ind.get("computed") is not None and not isinstance(ind.get("computed"), str):
                problems.append(f"{w}: \"computed\" là mô tả cách tính bằng chữ, hoặc null.")
            problems.extend(f"{w}: {p}" for p in _compute_problems(ind.get("compute"), kind))
            if ind.get("for_level") is not None and ind.get("for_level") not in level_names:
                problems.append(f"{w}: \"for_level\" phải là tên một mức trong \"levels\".")

    rule = data.get("pass_rule")
    if not isinstance(rule, dict):
        top("pass_rule", "cần quy tắc đạt {\"min_total\", \"min_share_per_criterion\", "
                         "\"all_indicators_passed\", \"min_points_per_indicator\"}.")
    else:
        for key in sorted(set(rule) - _RULE_KEYS):
            top("pass_rule", f"trường \"{key}\" không có trong định dạng.")
        for key in _RULE_KEYS - {"all_indicators_passed"}:
            if key not in rule:
                top("pass_rule", f"thiếu \"{key}\" (ghi null nếu không áp dụng hoặc chưa biết).")
            elif rule[key] is not None and (not _is_num(rule[key]) or rule[key] < 0):
                top("pass_rule", f"\"{key}\" phải là số không âm hoặc null.")
        share = rule.get("min_share_per_criterion")
        if _is_num(share) and share > 1:
            top("pass_rule", "\"min_share_per_criterion\" là tỉ lệ từ 0 đến 1 (vd. 0.5 = 50% điểm tiêu chí).")
        if not isinstance(rule.get("all_indicators_passed"), bool):
            top("pass_rule", "\"all_indicators_passed\" phải là true hoặc false.")
    levels = data.get("levels")
    if not isinstance(levels, list):
        top("levels", "cần danh sách mức xếp loại (có thể rỗng []).")
    else:
        last = None
        for li, lv in enumerate(levels, 1):
            if not isinstance(lv, dict) or not isinstance(lv.get("name"), str) or not lv.get("name"):
                top("levels", f"mức thứ {li} cần tên (\"name\").")
                continue
            for key in sorted(set(lv) - {"name", "min_total", "requires_pass"}):
                top("levels", f"mức {lv['name']}: trường \"{key}\" không có trong định dạng.")
            mt = lv.get("min_total")
            if mt is not None and not _is_num(mt):
                top("levels", f"mức {lv['name']}: \"min_total\" phải là số hoặc null.")
            elif _is_num(mt):
                if last is not None and mt > last:
                    top("levels", f"mức {lv['name']}: các mức phải xếp từ cao xuống thấp.")
                last = mt
            if not isinstance(lv.get("requires_pass", False), bool):
                top("levels", f"mức {lv['name']}: \"requires_pass\" phải là true hoặc false.")
    if data.get("variant_of") is not None and not isinstance(data.get("variant_of"), str):
        top("variant_of", "là mã bộ tiêu chí gốc, hoặc null.")
    if not isinstance(data.get("results_recorded", False), bool):
        top("results_recorded", "phải là true hoặc false.")
    return sorted(problems, key=_line_of)


def _compute_problems(compute, kind) -> list[str]:
    if compute is None:
        return []
    if not isinstance(compute, dict) or compute.get("rule") not in COMPUTE_RULES:
        return [f"\"compute\" phải là {{\"rule\": {' hoặc '.join(repr(r) for r in COMPUTE_RULES)}, "
                "\"min_share\": tỉ lệ 0..1}} hoặc null."]
    problems = [f"trường \"compute.{k}\" không có trong định dạng." for k in sorted(set(compute) - {"rule", "min_share"})]
    share = compute.get("min_share")
    if share is not None and (not _is_num(share) or not 0 <= share <= 1):
        problems.append("\"compute.min_share\" phải là tỉ lệ từ 0 đến 1, hoặc null.")
    if kind == "pass_fail" and share is None:
        problems.append("chỉ tiêu đạt/không đạt tính tự động cần \"compute.min_share\" (tỉ lệ tối thiểu để đạt).")
    return problems


def _line_of(problem: str) -> int:
    m = re.match(r"^Dòng (\d+)", problem)
    return int(m[1]) if m else 0


def _read(path: Path) -> tuple[dict, str]:
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UserError(f"Không có tệp {path}.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"Không đọc được tệp {path} ({exc.__class__.__name__}); cần tệp JSON mã UTF-8.") from None
    try:
        return json.loads(text), text
    except json.JSONDecodeError as exc:
        raise UserError(f"Tệp {Path(path).name} không phải JSON hợp lệ: dòng {exc.lineno}, cột {exc.colno}.") from None


def check_file(path) -> list[str]:
    """Vietnamese problems of a criteria-set file; an empty list means it is fine."""
    try:
        data, text = _read(Path(path))
    except UserError as exc:
        return [str(exc)]
    return check_data(data, text)


def _build(data: dict, path: Path | None) -> Form:
    criteria = tuple(
        Criterion(c["id"], c.get("text"), tuple(
            Indicator(i["id"], i.get("text"), i["kind"], i.get("max_points"), i.get("computed"), i.get("for_level"),
                      i.get("compute"))
            for i in c["indicators"]))
        for c in data["criteria"])
    levels = tuple(Level(lv["name"], lv.get("min_total"), bool(lv.get("requires_pass", False)))
                   for lv in data["levels"])
    return Form(
        id=data["id"], title_code=data["title_code"], title=data["title"], legal_basis=dict(data["legal_basis"]),
        years=dict(data["years"]), version=data["version"], verified=data["verified"], note=data.get("note", ""),
        criteria=criteria, pass_rule=dict(data["pass_rule"]), levels=levels,
        validity_months=data.get("validity_months"), variant_of=data.get("variant_of"),
        results_recorded=bool(data.get("results_recorded", False)), entity=data.get("entity"), path=path, raw=data,
    )


def valid_id(form_id) -> bool:
    """Whether `form_id` can name a criteria set (lower case ASCII, digits, `.`, `-`)."""
    return isinstance(form_id, str) and bool(_ID.match(form_id))


class FormProblems(ValidationError):
    """A criteria set that does not pass `check_data`; `problems` lists every message."""

    def __init__(self, problems: list[str], heading: str = "Bộ tiêu chí chưa đúng định dạng"):
        self.problems = list(problems)
        super().__init__({"form": f"{heading} ({len(self.problems)} lỗi): " + "; ".join(self.problems)})


def form_from_data(data, text: str = "") -> Form:
    """The form described by parsed JSON `data` (`text`, when given, puts line numbers in the
    messages); raises FormProblems listing every problem."""
    problems = check_data(data, text)
    if problems:
        raise FormProblems(problems)
    return _build(data, None)


def load_form(path) -> Form:
    """The form in `path`; a file with problems raises UserError listing the first of them."""
    path = Path(path)
    data, text = _read(path)
    problems = check_data(data, text)
    if problems:
        more = f" (và {len(problems) - 1} lỗi khác)" if len(problems) > 1 else ""
        raise UserError(f"Tệp {path.name} chưa đúng định dạng bộ tiêu chí: {problems[0]}{more}")
    return _build(data, path)


def all_forms(directory=None) -> list[Form]:
    """Every criteria set shipped in `forms/` (files named *.json other than schema.json)."""
    from khuyenhoc_desktop.paths import forms_dir

    folder = Path(directory) if directory else forms_dir()
    return [load_form(p) for p in sorted(folder.glob("*.json")) if p.name != "schema.json"]


def find_form(form_id: str, directory=None) -> Form:
    forms = all_forms(directory)
    for form in forms:
        if form.id == form_id:
            return form
    raise UserError(f"Không có bộ tiêu chí '{form_id}'; có: {', '.join(f.id for f in forms)}.")


def number_text(value) -> str:
    """A threshold or point value as written in Vietnamese: 10, 2,5; '?' when unknown."""
    if value is None:
        return "?"
    return str(_num(value)).replace(".", ",")


def pass_rule_text(rule: dict) -> str:
    """The pass rule in one Vietnamese line (what the CLI and the window show)."""
    parts = []
    if rule.get("min_total") is not None:
        parts.append(f"tổng từ {number_text(rule['min_total'])} điểm")
    if rule.get("min_share_per_criterion") is not None:
        parts.append(f"mỗi tiêu chí từ {number_text(round(rule['min_share_per_criterion'] * 100, 2))}% số điểm")
    if rule.get("min_points_per_indicator") is not None:
        parts.append(f"không chỉ tiêu nào dưới {number_text(rule['min_points_per_indicator'])} điểm")
    if rule.get("all_indicators_passed"):
        parts.append("đạt mọi chỉ tiêu")
    return ", ".join(parts) if parts else "(chưa có, cần điền)"


# ---------------------------------------------------------------- scoring

def missing(form: Form) -> list[str]:
    """What must be filled in before the form can score (Vietnamese, one item each)."""
    gaps = []
    for c in form.criteria:
        for i in c.indicators:
            if i.kind == "points" and i.max_points is None:
                gaps.append(f"tiêu chí {c.id} › chỉ tiêu {i.id}: điểm tối đa")
            if i.kind == "pass_fail" and not (i.text or "").strip():
                gaps.append(f"tiêu chí {c.id} › chỉ tiêu {i.id}: nội dung chỉ tiêu")
    rule = form.pass_rule
    if form.is_points and all(rule.get(k) is None for k in _RULE_KEYS - {"all_indicators_passed"}) \
            and not rule.get("all_indicators_passed"):
        gaps.append("quy tắc đạt (điểm tổng tối thiểu hoặc điều kiện khác)")
    for lv in form.levels:
        if form.is_points and lv.min_total is None and not lv.requires_pass and lv is not form.levels[-1]:
            gaps.append(f"mức {lv.name}: điểm tối thiểu")
    return gaps


def score(form: Form, values: dict) -> ScoreResult:
    """Total, each criterion's points and verdict, level and overall verdict for `values`
    (indicator id -> points, or true/false for a pass/fail indicator)."""
    gaps = missing(form)
    if gaps:
        raise UserError(f"Bộ tiêu chí {form.id} chưa đủ để chấm điểm; còn thiếu: {'; '.join(gaps)}.")
    if not isinstance(values, dict):
        raise UserError("Bảng điểm phải là một đối tượng JSON {\"mã chỉ tiêu\": điểm hoặc true/false}.")
    by_id = {i.id: i for i in form.indicators}
    errors = []
    for key, value in values.items():
        ind = by_id.get(key)
        if ind is None:
            errors.append(f"chỉ tiêu '{key}' không có trong bộ {form.id}")
        elif ind.kind == "pass_fail":
            if not isinstance(value, bool):
                errors.append(f"chỉ tiêu {key} là đạt/không đạt: ghi true hoặc false")
        elif isinstance(value, bool) or not _is_num(value):
            errors.append(f"chỉ tiêu {key} chấm điểm: ghi một số từ 0 đến {_num(ind.max_points)}")
        elif value < 0:
            errors.append(f"chỉ tiêu {key}: điểm không được âm ({_num(value)})")
        elif value > ind.max_points:
            errors.append(f"chỉ tiêu {key}: {_num(value)} điểm vượt điểm tối đa {_num(ind.max_points)}")
    unscored = [i.id for i in form.indicators if i.for_level is None and values.get(i.id) is None]
    if unscored:
        errors.append(f"chưa chấm chỉ tiêu {', '.join(unscored)}")
    if errors:
        raise UserError("Bảng điểm sai: " + "; ".join(errors) + ".")

    rule = form.pass_rule
    min_ind = rule.get("min_points_per_indicator")
    min_share = rule.get("min_share_per_criterion")
    problems: list[str] = []
    results: list[CriterionResult] = []
    total = 0.0
    overall = True
    for c in form.criteria:
        base = [i for i in c.indicators if i.for_level is None]
        points = 0.0
        cproblems = []
        for i in base:
            value = values[i.id]
            if i.kind == "points":
                points += value
                if min_ind is not None and value < min_ind:
                    cproblems.append(f"chỉ tiêu {i.id} dưới {_num(min_ind)} điểm")
            elif value is False and (rule.get("all_indicators_passed") or not form.is_points):
                cproblems.append(f"chỉ tiêu {i.id} không đạt")
        cmax = sum(i.max_points for i in base if i.kind == "points") or None
        if min_share is not None and cmax and points < min_share * cmax:
            cproblems.append(f"tiêu chí {c.id} dưới {_num(round(min_share * 100, 2))}% số điểm")
        passed = not cproblems
        overall &= passed
        total += points
        problems += cproblems
        results.append(CriterionResult(c.id, c.text, points, cmax, passed, cproblems))
    if rule.get("min_total") is not None and total < rule["min_total"]:
        overall = False
        problems.append(f"tổng {_num(total)} điểm dưới mức đạt {_num(rule['min_total'])}")
    max_total = sum(i.max_points for i in form.indicators if i.kind == "points" and i.for_level is None) or None

    level = None
    for lv in form.levels:
        if lv.requires_pass and not overall:
            continue
        if lv.min_total is not None and total < lv.min_total:
            continue
        extra = [i for i in form.indicators if i.for_level == lv.name]
        if any(values.get(i.id) is None or values.get(i.id) is False for i in extra):
            continue
        level = lv.name
        break
    return ScoreResult(form.id, total, max_total, results, level, overall, problems)
