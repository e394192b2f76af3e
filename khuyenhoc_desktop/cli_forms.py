"""`khuyenhoc forms list|show|check|score|import`: test criteria sets (bộ tiêu chí) without the window.

Without `--db` only the shipped sets in `forms/` are used; with `--db` the data file's own sets
(imported or edited in the window) are included.

Imported by `cli.py` on every run: only the standard library at module level.
"""

from __future__ import annotations

import argparse
import json
import sys


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "forms",
        help="bộ tiêu chí danh hiệu học tập: xem, kiểm tra tệp, chấm thử",
        description="Các bộ tiêu chí trong thư mục forms/: liệt kê, xem, kiểm tra một tệp, chấm thử một bảng điểm.",
    )
    actions = p.add_subparsers(dest="forms_command", metavar="LỆNH", parser_class=type(p))
    actions.required = True
    a = actions.add_parser("list", help="liệt kê các bộ tiêu chí (mã, danh hiệu, văn bản, phiên bản, kiểm chứng)")
    a.add_argument("--format", choices=["text", "json"], default="text")
    _add_db(a)
    a = actions.add_parser("show", help="tiêu chí và chỉ tiêu của một bộ (mã, điểm tối đa hoặc đạt/không đạt)")
    a.add_argument("form_id", metavar="FORM_ID", help="mã bộ tiêu chí (xem: khuyenhoc forms list)")
    a.add_argument("--format", choices=["text", "json"], default="text")
    _add_db(a)
    a = actions.add_parser("check", help="kiểm tra một tệp bộ tiêu chí theo định dạng (forms/schema.json)")
    a.add_argument("file", metavar="FILE", help="tệp .json của bộ tiêu chí")
    a = actions.add_parser("score", help="chấm thử: SCORES.json ghi {\"mã chỉ tiêu\": điểm hoặc true/false}")
    a.add_argument("form_id", metavar="FORM_ID", help="mã bộ tiêu chí")
    a.add_argument("scores", metavar="SCORES.json", help="tệp điểm theo mã chỉ tiêu")
    a.add_argument("--format", choices=["text", "json"], default="text")
    _add_db(a)
    a = actions.add_parser("import", help="nhập một tệp bộ tiêu chí (bản của tỉnh) vào tệp dữ liệu")
    a.add_argument("file", metavar="FILE", help="tệp .json của bộ tiêu chí")
    _add_db(a)
    return p


def _add_db(parser) -> None:
    parser.add_argument("--db", metavar="TỆP", default=argparse.SUPPRESS,
                        help="tệp dữ liệu (SQLite): tính cả các bộ tiêu chí đã nhập hoặc sửa trong tệp")


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def run(args) -> int:
    from khuyenhoc_desktop.cli import EXIT_OK, EXIT_USAGE
    from khuyenhoc_desktop.domain import forms

    num = forms.number_text
    command = args.forms_command
    if command == "check":
        problems = forms.check_file(args.file)
        if problems:
            sys.stderr.write(f"Tệp {args.file} có {len(problems)} lỗi:\n")
            for problem in problems:
                sys.stderr.write(f"- {problem}\n")
            return EXIT_USAGE
        form = forms.load_form(args.file)
        gaps = forms.missing(form)
        _out(f"Tệp {args.file} đúng định dạng: {form.id} ({form.title}, phiên bản {form.version}).")
        if gaps:
            _out(f"Còn {len(gaps)} mục để trống, phải điền trước khi chấm điểm: {'; '.join(gaps)}.")
        if form.notice:
            _out(form.notice)
        return EXIT_OK

    if command == "import":
        return _import(args)

    if command == "list":
        items, custom = _load(args)
        if args.format == "json":
            _out(json.dumps([_summary(f) for f in items], ensure_ascii=False, indent=1))
        else:
            for f in items:
                mark = "đã kiểm chứng" if f.verified else "CHƯA kiểm chứng đầy đủ"
                own = "  [trong tệp dữ liệu]" if f.id in custom else ""
                _out(f"{f.id}  {f.title_code} – {f.title}  {f.legal_text}  phiên bản {f.version}  ({mark}){own}")
            _out(f"({len(items)} bộ tiêu chí)")
        return EXIT_OK

    form, _custom = _load(args, args.form_id)
    if command == "show":
        if args.format == "json":
            data = _summary(form)
            data.update(
                criteria=[{"id": c.id, "text": c.text, "indicators": [
                    {"id": i.id, "text": i.text, "kind": i.kind, "max_points": i.max_points, "computed": i.computed,
                     "for_level": i.for_level} for i in c.indicators]} for c in form.criteria],
                pass_rule=form.pass_rule,
                levels=[{"name": lv.name, "min_total": lv.min_total, "requires_pass": lv.requires_pass}
                        for lv in form.levels],
                validity_months=form.validity_months, note=form.note, missing=forms.missing(form),
            )
            _out(json.dumps(data, ensure_ascii=False, indent=1))
            return EXIT_OK
        _out(f"{form.title_code} – {form.title} ({form.id}, phiên bản {form.version})")
        _out(f"Căn cứ: {form.legal_text}" + (f", {form.legal_basis['issuer']}" if form.legal_basis.get("issuer") else ""))
        years = form.years
        _out(f"Áp dụng: từ {years['from']}" + (f" đến {years['to']}" if years.get("to") else "")
             + (f"; hiệu lực công nhận {form.validity_months} tháng" if form.validity_months else ""))
        if form.notice:
            _out(form.notice)
        for c in form.criteria:
            _out(f"Tiêu chí {c.id}. {c.text or '(chưa có nội dung)'}")
            for i in c.indicators:
                measure = "đạt/không đạt" if i.kind == "pass_fail" else f"tối đa {num(i.max_points)} điểm"
                extra = f" [chỉ tính cho {i.for_level}]" if i.for_level else ""
                _out(f"  {i.id}  {i.text or '(chưa có nội dung)'} — {measure}{extra}")
                if i.computed:
                    _out(f"       tính từ sổ: {i.computed}")
        _out("Quy tắc đạt: " + forms.pass_rule_text(form.pass_rule))
        if form.levels:
            _out("Xếp loại: " + "; ".join(lv.name + (f" từ {num(lv.min_total)} điểm" if lv.min_total is not None else "")
                                          for lv in form.levels))
        gaps = forms.missing(form)
        if gaps:
            _out(f"Còn thiếu trước khi chấm: {'; '.join(gaps)}.")
        return EXIT_OK

    # score
    values = _read_scores(args.scores)
    result = forms.score(form, values)
    if args.format == "json":
        data = result.as_dict()
        data.update(verified=form.verified, version=form.version)
        if form.notice:
            data["notice"] = form.notice
        _out(json.dumps(data, ensure_ascii=False, indent=1))
        return EXIT_OK
    if form.notice:
        _out(form.notice)
    _out(f"{form.title_code} – {form.title} ({form.id}, phiên bản {form.version})")
    for c in result.criteria:
        points = f"{num(c.points)}/{num(c.max_points)} điểm" if c.max_points else ""
        verdict = "đạt" if c.passed else "không đạt: " + "; ".join(c.problems)
        _out(f"Tiêu chí {c.id}: {points}{', ' if points else ''}{verdict}")
    if result.max_total:
        _out(f"Tổng: {num(result.total)}/{num(result.max_total)} điểm")
    _out(f"Xếp loại: {result.level or '(không xếp loại)'}")
    _out("Kết quả: " + ("ĐẠT" if result.passed else "KHÔNG ĐẠT"))
    return EXIT_OK


def _load(args, form_id: str | None = None):
    """(the forms, or the one `form_id`; the ids of the data file's own sets)."""
    from khuyenhoc_desktop.domain import forms

    if getattr(args, "db", None) is None:
        return (forms.find_form(form_id) if form_id else forms.all_forms()), set()
    from khuyenhoc_desktop.cli import open_db
    from khuyenhoc_desktop.services import form_library

    with open_db(args.db) as db, db.read() as session:
        if form_id:
            return form_library.find_form(session, form_id), set()
        items = form_library.available_forms(session)
        return items, {f.id for f in items if form_library.is_custom(session, f.id)}


def _import(args) -> int:
    from khuyenhoc_desktop.cli import EXIT_OK, EXIT_USAGE, open_db
    from khuyenhoc_desktop.domain.forms import FormProblems
    from khuyenhoc_desktop.services import form_library

    try:
        with open_db(getattr(args, "db", None)) as db, db.write() as session:
            form = form_library.import_form_file(session, args.file)
    except FormProblems as exc:
        sys.stderr.write(f"Tệp {args.file} chưa nhập được; có {len(exc.problems)} lỗi:\n")
        for problem in exc.problems:
            sys.stderr.write(f"- {problem}\n")
        return EXIT_USAGE
    _out(f"Đã nhập bộ tiêu chí {form.id} ({form.title_code} – {form.title}, phiên bản {form.version}) "
         f"vào tệp dữ liệu {db.path.name}.")
    if form.notice:
        _out(form.notice)
    return EXIT_OK


def _summary(form) -> dict:
    data = {"id": form.id, "title_code": form.title_code, "title": form.title, "legal_basis": form.legal_basis,
            "version": form.version, "verified": form.verified, "variant_of": form.variant_of}
    if form.notice:
        data["notice"] = form.notice
    return data


def _read_scores(path: str) -> dict:
    from khuyenhoc_desktop.errors import UserError

    try:
        with open(path, encoding="utf-8-sig") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        raise UserError(f"Không có tệp {path}.") from None
    except (OSError, UnicodeDecodeError):
        raise UserError(f"Không đọc được tệp {path}; cần tệp JSON mã UTF-8.") from None
    except json.JSONDecodeError as exc:
        raise UserError(f"Tệp {path} không phải JSON hợp lệ: dòng {exc.lineno}, cột {exc.colno}.") from None
    if not isinstance(data, dict):
        raise UserError(f"Tệp {path} phải là một đối tượng JSON {{\"mã chỉ tiêu\": điểm hoặc true/false}}.")
    return data
