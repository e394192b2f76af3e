"""The criteria sets a commune can use: the shipped ones in `forms/` plus its own (imported
files, provincial copies) kept in the `custom_form` table, so they travel with the data file
and its backups.

Only the user's own sets can be edited or deleted; a shipped set is changed by duplicating it.
Every save of an edited set bumps its `version`. Past evaluations are not affected: scoring
freezes the exact form content (`services.titles.snapshot_form`).
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from khuyenhoc_desktop.domain import forms
from khuyenhoc_desktop.domain.forms import Form, FormProblems
from khuyenhoc_desktop.errors import NotFoundError, UserError, ValidationError
from khuyenhoc_desktop.storage.models import CustomForm

ID_MAX_LENGTH = 120  # custom_form.form_id
COPY_TITLE_SUFFIX = " (bản sao)"
_LINE_PREFIX = re.compile(r"^Dòng \d+, ")
_COPY_SUFFIX = re.compile(r"-tinh-\d+$")


def _dump(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def _row(session: Session, form_id: str) -> CustomForm | None:
    return session.scalar(select(CustomForm).where(CustomForm.form_id == form_id))


def _from_row(row: CustomForm) -> Form:
    return forms.form_from_data(json.loads(row.content))


def _shipped_ids() -> set[str]:
    return {f.id for f in forms.all_forms()}


def _taken_ids(session: Session) -> set[str]:
    return _shipped_ids() | set(session.scalars(select(CustomForm.form_id)))


def available_forms(session: Session, title_code: str | None = None) -> list[Form]:
    """Shipped sets (in file order) then the commune's own sets (by id), optionally of one title."""
    custom = [_from_row(r) for r in session.scalars(select(CustomForm).order_by(CustomForm.form_id))]
    return [f for f in forms.all_forms() + custom if title_code is None or f.title_code == title_code]


def find_form(session: Session, form_id: str) -> Form:
    row = _row(session, form_id)
    if row is not None:
        return _from_row(row)
    shipped = forms.all_forms()
    for form in shipped:
        if form.id == form_id:
            return form
    raise NotFoundError(f"Không có bộ tiêu chí '{form_id}'; xem danh sách bộ tiêu chí để chọn mã đúng.")


def is_custom(session: Session, form_id: str) -> bool:
    return _row(session, form_id) is not None


def _editable_row(session: Session, form_id: str) -> CustomForm:
    row = _row(session, form_id)
    if row is not None:
        return row
    if form_id in _shipped_ids():
        raise UserError(f"Bộ tiêu chí '{form_id}' có sẵn trong chương trình nên không sửa, xóa trực tiếp được; "
                        "hãy Nhân bản rồi sửa bản sao.")
    raise NotFoundError(f"Không có bộ tiêu chí '{form_id}'; có thể đã bị xóa.")


def next_version(version: str) -> str:
    """'1' -> '2', '1.2' -> '1.3', '2024-tinh' -> '2024-tinh.2': the trailing number goes up."""
    m = re.search(r"(\d+)$", version.strip())
    if m:
        return version.strip()[:m.start()] + str(int(m[1]) + 1)
    return f"{version.strip()}.2"


def suggest_id(session: Session, form_id: str) -> str:
    """A free id for a provincial copy: `<source>-tinh-2`, `-tinh-3`, …"""
    base = _COPY_SUFFIX.sub("", form_id)
    taken = _taken_ids(session)
    n = 2
    while f"{base}-tinh-{n}" in taken:
        n += 1
    return f"{base}-tinh-{n}"


def _check_new_id(session: Session, form_id: str) -> None:
    if not forms.valid_id(form_id) or len(form_id) > ID_MAX_LENGTH:
        raise ValidationError({"id": "Mã bộ tiêu chí chỉ dùng chữ thường không dấu, số, dấu chấm, gạch ngang "
                                     f"(tối đa {ID_MAX_LENGTH} ký tự), ví dụ gdht-qd448-2015-tinh-2."})
    if form_id in _shipped_ids():
        raise ValidationError({"id": f"Mã '{form_id}' là của một bộ tiêu chí có sẵn; hãy chọn mã khác."})
    if _row(session, form_id) is not None:
        raise ValidationError({"id": f"Đã có bộ tiêu chí mã '{form_id}'; hãy chọn mã khác."})


def import_form_file(session: Session, path) -> Form:
    """Add the criteria set in the JSON file `path`; every problem (by line and field) is listed
    in the FormProblems raised."""
    path = Path(path)
    problems = forms.check_file(path)
    if problems:
        raise FormProblems(problems, f"Tệp {path.name} chưa nhập được, vì chưa đúng định dạng bộ tiêu chí")
    data = forms.load_form(path).raw
    form_id = data["id"]
    if len(form_id) > ID_MAX_LENGTH:
        raise UserError(f"Tệp {path.name}: mã \"id\" dài quá {ID_MAX_LENGTH} ký tự; hãy rút ngắn rồi nhập lại.")
    if form_id in _shipped_ids() or _row(session, form_id) is not None:
        where = "một bộ có sẵn trong chương trình" if form_id in _shipped_ids() else "một bộ đã nhập trước đây"
        raise UserError(f"Tệp {path.name} có mã \"id\": \"{form_id}\" trùng với {where}. Hãy đổi \"id\" trong tệp "
                        f"(ví dụ \"{suggest_id(session, form_id)}\") rồi nhập lại, hoặc dùng Nhân bản để tạo "
                        "bản sao rồi sửa.")
    session.add(CustomForm(form_id=form_id, content=_dump(data), source=f"Nhập từ tệp {path.name}"[:300]))
    session.flush()
    return forms.form_from_data(data)


def duplicate_form(session: Session, form_id: str, new_id: str | None = None) -> Form:
    """A not-yet-verified copy of a set (shipped or the commune's own), ready to be edited."""
    source = find_form(session, form_id)
    new_id = new_id or suggest_id(session, form_id)
    _check_new_id(session, new_id)
    data = copy.deepcopy(source.raw)
    title = data["title"] if data["title"].endswith(COPY_TITLE_SUFFIX) else data["title"] + COPY_TITLE_SUFFIX
    data.update(
        id=new_id, title=title, variant_of=source.id, version=next_version(source.version), verified=False,
        note=f"Bản sao của {source.id} (phiên bản {source.version}). {source.note}".strip(),
    )
    form = forms.form_from_data(data)
    session.add(CustomForm(form_id=new_id, content=_dump(data), source=f"Nhân bản từ {source.id}"))
    session.flush()
    return form


def save_form(session: Session, form_id: str, data: dict) -> Form:
    """Store edited `data` (the whole form as in a file) for one of the commune's own sets.
    The saved copy gets the next version number; saving unchanged data changes nothing."""
    row = _editable_row(session, form_id)
    data = copy.deepcopy(data)
    if data.setdefault("id", form_id) != form_id:
        raise ValidationError({"id": "Không đổi được mã của bộ tiêu chí khi sửa; hãy Nhân bản để có mã mới."})
    stored = json.loads(row.content)
    data["version"] = stored["version"]
    if data == stored:
        return forms.form_from_data(data)
    data["version"] = next_version(stored["version"])
    # The dialog has no file, so line numbers would point nowhere: keep the field names only.
    problems = [_LINE_PREFIX.sub("", p) for p in forms.check_data(data)]
    if problems:
        raise FormProblems(problems, f"Chưa lưu được bộ tiêu chí {form_id}")
    row.content = _dump(data)
    session.flush()
    return forms.form_from_data(data)


def delete_form(session: Session, form_id: str) -> None:
    """Remove one of the commune's own sets; evaluations scored with it keep their frozen copy."""
    session.delete(_editable_row(session, form_id))
    session.flush()


def export_form(session: Session, form_id: str, path) -> Path:
    """Write a set as a JSON file (UTF-8) that `import_form_file` and `khuyenhoc forms check` accept."""
    form = find_form(session, form_id)
    path = Path(path)
    try:
        path.write_text(_dump(form.raw) + "\n", encoding="utf-8")
    except OSError as exc:
        raise UserError(f"Không ghi được tệp {path} ({exc.strerror or exc.__class__.__name__}); "
                        "hãy chọn thư mục khác.") from None
    return path
