"""A commune's own criteria sets: import, duplicate, edit, delete, export, and the CLI with --db."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from khuyenhoc_desktop.cli import main
from khuyenhoc_desktop.domain import forms as F
from khuyenhoc_desktop.errors import NotFoundError, UserError, ValidationError
from khuyenhoc_desktop.paths import forms_dir
from khuyenhoc_desktop.services import form_library as lib
from khuyenhoc_desktop.services import registry as reg
from khuyenhoc_desktop.services import titles
from khuyenhoc_desktop.storage.database import Database
from khuyenhoc_desktop.storage.models import CustomForm

DVHT = "dvht-tt22-2020"


def _dvht_data(form_id: str = "dvht-tinh-thu") -> dict:
    data = json.loads((forms_dir() / f"{DVHT}.json").read_text(encoding="utf-8"))
    data.update(id=form_id, title="Đơn vị học tập (tỉnh thử)", variant_of=DVHT)
    return data


def _write(path, data) -> str:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return str(path)


def _values(form: F.Form, total: int) -> dict:
    values, left = {}, total
    for ind in form.indicators:
        values[ind.id] = min(ind.max_points, left)
        left -= values[ind.id]
    assert left == 0
    return values


def _bad_file(tmp_path):
    data = _dvht_data()
    del data["criteria"][1]["indicators"][1]["max_points"]  # 2.2
    data["criteria"][0]["indicators"][2]["kind"] = "diem"  # 1.3
    path = _write(tmp_path / "tinh.json", data)
    return path


# ------------------------------------------------------------ service

def test_available_forms_shipped_then_custom(db, tmp_path):
    with db.write() as s:
        shipped = lib.available_forms(s)
        assert [f.id for f in shipped] == [f.id for f in F.all_forms()]
        lib.import_form_file(s, _write(tmp_path / "a.json", _dvht_data()))
        forms = lib.available_forms(s)
        assert forms[-1].id == "dvht-tinh-thu" and len(forms) == len(shipped) + 1
        assert [f.id for f in lib.available_forms(s, "ĐVHT")] == [DVHT, "dvht-tinh-thu"]
        assert lib.is_custom(s, "dvht-tinh-thu") and not lib.is_custom(s, DVHT)
        assert lib.find_form(s, DVHT).path is not None
        with pytest.raises(NotFoundError, match="Không có bộ tiêu chí 'khong-co'"):
            lib.find_form(s, "khong-co")


def test_import_good_file_is_stored_in_the_data_file(db, tmp_path):
    with db.write() as s:
        form = lib.import_form_file(s, _write(tmp_path / "a.json", _dvht_data()))
    assert form.id == "dvht-tinh-thu" and form.variant_of == DVHT and form.notice
    with db.read() as s:
        row = s.scalar(select(CustomForm))
        assert row.form_id == "dvht-tinh-thu" and row.source == "Nhập từ tệp a.json"
        assert lib.find_form(s, "dvht-tinh-thu").title == "Đơn vị học tập (tỉnh thử)"


def test_import_bad_file_lists_problems_by_line(db, tmp_path):
    with db.write() as s, pytest.raises(F.FormProblems) as err:
        lib.import_form_file(s, _bad_file(tmp_path))
    problems = err.value.problems
    assert len(problems) == 2
    assert problems[0].startswith("Dòng ") and "tiêu chí 1 › chỉ tiêu 1.3: \"kind\" phải là" in problems[0]
    assert "tiêu chí 2 › chỉ tiêu 2.2: thiếu điểm tối đa" in problems[1]
    assert str(err.value).startswith("Tệp tinh.json chưa nhập được") and "(2 lỗi)" in str(err.value)
    assert isinstance(err.value, ValidationError)
    with db.read() as s:
        assert s.scalar(select(CustomForm)) is None


def test_import_not_json(db, tmp_path):
    path = tmp_path / "x.json"
    path.write_text("{ khong", encoding="utf-8")
    with db.write() as s, pytest.raises(F.FormProblems, match="không phải JSON hợp lệ: dòng 1"):
        lib.import_form_file(s, path)


def test_id_clash_refused(db, tmp_path):
    with db.write() as s:
        with pytest.raises(UserError, match="trùng với một bộ có sẵn") as err:
            lib.import_form_file(s, _write(tmp_path / "a.json", _dvht_data(DVHT)))
        assert "đổi \"id\"" in str(err.value) and "Nhân bản" in str(err.value)
        lib.import_form_file(s, _write(tmp_path / "b.json", _dvht_data()))
        with pytest.raises(UserError, match="trùng với một bộ đã nhập trước đây"):
            lib.import_form_file(s, tmp_path / "b.json")
        with pytest.raises(ValidationError, match="chọn mã khác"):
            lib.duplicate_form(s, DVHT, "dvht-tinh-thu")
        with pytest.raises(ValidationError, match="chữ thường không dấu"):
            lib.duplicate_form(s, DVHT, "Tỉnh X")


def test_duplicate(db):
    with db.write() as s:
        copy = lib.duplicate_form(s, DVHT)
        again = lib.duplicate_form(s, copy.id)
    assert copy.id == "dvht-tt22-2020-tinh-2" and again.id == "dvht-tt22-2020-tinh-3"
    assert copy.variant_of == DVHT and again.variant_of == copy.id
    assert copy.version == "2" and again.version == "3"
    assert copy.verified is False and copy.note.startswith(f"Bản sao của {DVHT} (phiên bản 1). ")
    assert copy.title == "Đơn vị học tập (bản sao)" and again.title == copy.title
    assert [i.max_points for i in copy.indicators] == [i.max_points for i in F.find_form(DVHT).indicators]


def test_next_version():
    assert [lib.next_version(v) for v in ("1", "1.9", "2024-tinh", " 7 ")] == ["2", "1.10", "2024-tinh.2", "8"]


def test_edit_points_new_version_and_past_evaluation_kept(db):
    with db.write() as s:
        orgs = [reg.save_organisation(s, reg.OrganisationForm(name=f"Trường {n}")) for n in ("A", "B")]
        titles.register(s, 2025, "ĐVHT", "organisation", orgs)
        first, second = (r.id for r in titles.registrations(s, 2025, "ĐVHT"))
        copy = lib.duplicate_form(s, DVHT)
        old = titles.score_registration(s, first, copy, _values(copy, 84))
        assert old.total == 84

        data = json.loads(json.dumps(copy.raw))
        data["criteria"][0]["indicators"][0]["max_points"] = 20  # 1.1: 10 -> 20
        data["criteria"][0]["indicators"][0]["text"] = "Có kế hoạch học tập của đơn vị"
        edited = lib.save_form(s, copy.id, data)
        assert edited.version == "3" and edited.indicators[0].max_points == 20
        assert lib.save_form(s, copy.id, edited.raw).version == "3"  # nothing changed: same version

        with pytest.raises(UserError, match="vượt điểm tối đa 10"):
            F.score(copy, {**_values(copy, 80), "1.1": 15})
        new = titles.score_registration(s, second, lib.find_form(s, copy.id), _values(edited, 94))
        assert new.total == 94 and new.form_version_id != old.form_version_id
    with db.read() as s:
        assert titles.evaluation_of(s, first).total == 84
        frozen = titles.stored_form(s, titles.evaluation_of(s, first).form_version_id)
        assert frozen.version == "2" and frozen.indicators[0].max_points == 10
        stored = json.loads(s.scalar(select(CustomForm.content)))
        assert stored["version"] == "3" and stored["criteria"][0]["indicators"][0]["max_points"] == 20


def test_save_refuses_bad_data_and_shipped_forms(db):
    with db.write() as s:
        copy = lib.duplicate_form(s, DVHT)
        data = json.loads(json.dumps(copy.raw))
        data["criteria"][1]["indicators"][0]["max_points"] = -3
        data["levels"][0]["min_total"] = 10
        with pytest.raises(F.FormProblems) as err:
            lib.save_form(s, copy.id, data)
        assert sorted(err.value.problems) == [
            "tiêu chí 2 › chỉ tiêu 2.1: điểm tối đa phải là số dương hoặc null.",
            "trường \"levels\": mức Khá: các mức phải xếp từ cao xuống thấp."]
        assert str(err.value).startswith(f"Chưa lưu được bộ tiêu chí {copy.id} (2 lỗi)")
        with pytest.raises(ValidationError, match="Không đổi được mã"):
            lib.save_form(s, copy.id, {**copy.raw, "id": "khac"})
        with pytest.raises(UserError, match="có sẵn trong chương trình.*Nhân bản"):
            lib.save_form(s, DVHT, F.find_form(DVHT).raw)
        assert lib.find_form(s, copy.id).version == "2"


def test_delete(db):
    with db.write() as s:
        copy = lib.duplicate_form(s, DVHT)
        lib.delete_form(s, copy.id)
        assert not lib.is_custom(s, copy.id)
        with pytest.raises(UserError, match="có sẵn"):
            lib.delete_form(s, DVHT)
        with pytest.raises(NotFoundError):
            lib.delete_form(s, copy.id)


def test_export_round_trip(db, tmp_path):
    target = tmp_path / "xuat.json"
    with db.write() as s:
        copy = lib.duplicate_form(s, "gdht-qd448-2015")
        lib.export_form(s, copy.id, target)
        text = target.read_text(encoding="utf-8")
        assert "Gia đình học tập (bản sao)" in text and '\n  "id": ' in text
        assert F.check_file(target) == []
        lib.delete_form(s, copy.id)
        back = lib.import_form_file(s, target)
    assert back.raw == copy.raw
    with db.write() as s, pytest.raises(UserError, match="Không ghi được tệp"):
        lib.export_form(s, DVHT, tmp_path / "khong-co" / "x.json")


# ------------------------------------------------------------ CLI

@pytest.fixture
def data_file(tmp_path):
    path = tmp_path / "xa.sqlite"
    Database(path).close()
    return str(path)


def test_cli_import_list_show_score(data_file, tmp_path, capsys):
    assert main(["forms", "import", _write(tmp_path / "a.json", _dvht_data()), "--db", data_file]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Đã nhập bộ tiêu chí dvht-tinh-thu (ĐVHT – Đơn vị học tập (tỉnh thử), phiên bản 1)")
    assert "Lưu ý:" in out

    assert main(["forms", "list", "--db", data_file]) == 0
    out = capsys.readouterr().out
    assert "dvht-tinh-thu  ĐVHT" in out and "[trong tệp dữ liệu]" in out
    assert f"({len(F.all_forms()) + 1} bộ tiêu chí)" in out
    assert main(["forms", "list"]) == 0
    assert "dvht-tinh-thu" not in capsys.readouterr().out
    assert main(["forms", "list", "--format", "json", "--db", data_file]) == 0
    assert json.loads(capsys.readouterr().out)[-1]["variant_of"] == DVHT

    assert main(["forms", "show", "dvht-tinh-thu", "--db", data_file]) == 0
    assert "Đơn vị học tập (tỉnh thử) (dvht-tinh-thu, phiên bản 1)" in capsys.readouterr().out
    scores = _write(tmp_path / "s.json", _values(F.find_form(DVHT), 84))
    assert main(["forms", "score", "dvht-tinh-thu", scores, "--db", data_file]) == 0
    assert "Tổng: 84/100 điểm" in capsys.readouterr().out
    assert main(["forms", "score", "dvht-tinh-thu", scores]) == 2
    assert "Không có bộ tiêu chí 'dvht-tinh-thu'" in capsys.readouterr().err


def test_cli_import_errors(data_file, tmp_path, capsys):
    assert main(["forms", "import", _bad_file(tmp_path), "--db", data_file]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].endswith("chưa nhập được; có 2 lỗi:")
    assert err[1].startswith("- Dòng ") and "chỉ tiêu 1.3" in err[1]
    assert err[2].startswith("- Dòng ") and "chỉ tiêu 2.2: thiếu điểm tối đa" in err[2]
    assert main(["forms", "import", str(forms_dir() / f"{DVHT}.json"), "--db", data_file]) == 2
    assert "trùng với một bộ có sẵn" in capsys.readouterr().err
    assert main(["forms", "import", str(forms_dir() / f"{DVHT}.json"), "--db", str(tmp_path / "khong.sqlite")]) == 2
    assert "Không có tệp dữ liệu" in capsys.readouterr().err
