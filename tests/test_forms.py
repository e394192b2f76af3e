"""Criteria sets in forms/: file format, scoring rules per form and the `khuyenhoc forms` command."""

from __future__ import annotations

import json

import pytest

from khuyenhoc_desktop.cli import main
from khuyenhoc_desktop.domain import forms as F
from khuyenhoc_desktop.errors import UserError
from khuyenhoc_desktop.paths import forms_dir

SHIPPED = sorted(p for p in forms_dir().glob("*.json") if p.name != "schema.json")


def _form(form_id: str) -> F.Form:
    return F.find_form(form_id)


def _dvht(total: int) -> dict:
    """ĐVHT values adding up to `total` (filled in indicator order)."""
    values, left = {}, total
    for ind in _form("dvht-tt22-2020").indicators:
        values[ind.id] = min(ind.max_points, left)
        left -= values[ind.id]
    assert left == 0
    return values


# ------------------------------------------------------------ shipped files

@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_file_passes_check(path):
    assert F.check_file(path) == []
    form = F.load_form(path)
    assert form.id == path.stem


def test_shipped_files_match_the_json_schema():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((forms_dir() / "schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for path in SHIPPED:
        assert list(validator.iter_errors(json.loads(path.read_text(encoding="utf-8")))) == [], path.name


def test_expected_sets_are_shipped():
    ids = {f.id for f in F.all_forms()}
    assert {"gdht-qd448-2015", "dvht-tt22-2020", "cdht-xa-tt25-2023", "dhht-qd448-template",
            "cdht-thon-qd448-template", "cdht-cong-dan-qd244-2022"} <= ids
    variants = [f for f in F.all_forms() if f.variant_of]
    assert len(variants) >= 4
    for f in variants:
        assert not f.verified and "minh họa" in f.title and "MINH HỌA" in f.note
        assert F.missing(f) == [], f.id


def test_gdht_placeholders_are_not_invented():
    form = _form("gdht-qd448-2015")
    assert not form.verified
    c1, c2, c3, c4 = form.criteria
    assert [i.max_points for i in c1.indicators] == [10, 10, 10]
    assert c2.indicators[0].max_points == 10
    assert c2.indicators[1].max_points is None and c2.indicators[2].text is None
    assert all(i.max_points is None and i.text is None for c in (c3, c4) for i in c.indicators)
    assert all(v is None for k, v in form.pass_rule.items() if k != "all_indicators_passed")
    gaps = F.missing(form)
    assert "tiêu chí 2 › chỉ tiêu 2.3: điểm tối đa" in gaps and any("quy tắc đạt" in g for g in gaps)


# ------------------------------------------------------------ scoring rules

@pytest.mark.parametrize("total, level", [
    (100, "Tốt"), (85, "Tốt"), (84, "Khá"), (70, "Khá"), (69, "Trung bình"), (50, "Trung bình"),
    (49, "Chưa đạt"), (0, "Chưa đạt"),
])
def test_tt22_bands(total, level):
    result = F.score(_form("dvht-tt22-2020"), _dvht(total))
    assert result.total == total and result.max_total == 100
    assert result.level == level
    assert result.passed is (total >= 50)


def test_tt22_structure():
    form = _form("dvht-tt22-2020")
    assert [sum(i.max_points for i in c.indicators) for c in form.criteria] == [30, 30, 40]
    assert [i.max_points for i in form.criteria[1].indicators] == [10, 5, 10, 5]
    assert form.criteria[2].indicators[0].max_points == 25


def _cdht(points: list) -> dict:
    ids = [i.id for i in _form("cdht-cong-dan-qd244-2022").indicators]
    assert len(ids) == 10
    return dict(zip(ids, points))


@pytest.mark.parametrize("points, passed", [
    ([8] * 10, True),                      # 80, none below 5
    ([10] * 9 + [5], True),                # 95, lowest exactly 5
    ([10] * 9 + [4], False),               # 94 but one below 5
    ([8] * 9 + [7.5], False),              # 79.5 < 80
    ([7] * 10, False),
])
def test_cdht_rule(points, passed):
    form = _form("cdht-cong-dan-qd244-2022")
    assert form.results_recorded
    result = F.score(form, _cdht(points))
    assert result.passed is passed
    assert result.level == ("Đạt" if passed else "Chưa đạt")


def _tt25(all_met=True, **overrides) -> dict:
    form = _form("cdht-xa-tt25-2023-minh-hoa-tinh")
    values = {i.id: all_met for i in form.indicators if i.for_level is None}
    values.update({k.replace("_", "."): v for k, v in overrides.items()})
    return values


def test_tt25_original_has_15_indicators_and_refuses_to_score():
    form = _form("cdht-xa-tt25-2023")
    base = [i for i in form.indicators if i.for_level is None]
    assert len(base) == 15 and all(i.kind == "pass_fail" for i in form.indicators)
    assert form.validity_months == 36
    assert sum(1 for i in base if i.text) == 6
    with pytest.raises(UserError, match="nội dung chỉ tiêu"):
        F.score(form, {i.id: True for i in base})


def test_tt25_levels():
    form = _form("cdht-xa-tt25-2023-minh-hoa-tinh")
    assert F.score(form, _tt25()).level == "Mức độ 1 (Khá)"
    assert F.score(form, _tt25(**{"4_M2": True, "5_M2": True})).level == "Mức độ 2 (Tốt)"
    assert F.score(form, _tt25(**{"4_M2": True, "5_M2": False})).level == "Mức độ 1 (Khá)"
    result = F.score(form, _tt25(**{"2_3": False, "4_M2": True, "5_M2": True}))
    assert not result.passed and result.level == "Chưa đạt"
    assert [c.passed for c in result.criteria] == [True, False, True, True, True]
    assert "chỉ tiêu 2.3 không đạt" in result.problems


def test_min_share_per_criterion():
    form = _form("gdht-qd448-2015-minh-hoa-tinh")  # pass: total >= 80 and each criterion >= 50%
    values = {i.id: i.max_points for i in form.indicators}
    assert F.score(form, values).passed
    values["3.1"] = values["3.2"] = 0  # criterion 3 at 0 of 20, total 80
    result = F.score(form, values)
    assert result.total == 80 and not result.passed
    assert [c.passed for c in result.criteria] == [True, True, False, True]


def test_incomplete_form_refused_with_what_is_missing():
    form = _form("gdht-qd448-2015")
    with pytest.raises(UserError) as err:
        F.score(form, {"1.1": 10})
    message = str(err.value)
    assert "chưa đủ để chấm điểm" in message and "chỉ tiêu 2.2: điểm tối đa" in message
    assert "quy tắc đạt" in message


@pytest.mark.parametrize("values, fragment", [
    ({"9.9": 1}, "chỉ tiêu '9.9' không có"),
    ({"1.1": 11}, "vượt điểm tối đa 10"),
    ({"1.1": -1}, "không được âm"),
    ({"1.1": True}, "ghi một số"),
    ({"1.1": 10}, "chưa chấm chỉ tiêu 1.2"),
])
def test_bad_values(values, fragment):
    form = _form("dvht-tt22-2020")
    full = _dvht(100)
    full.update(values)
    if fragment.startswith("chưa chấm"):
        full = values
    with pytest.raises(UserError, match=fragment):
        F.score(form, full)


def test_boolean_required_for_pass_fail():
    form = _form("cdht-xa-tt25-2023-minh-hoa-tinh")
    with pytest.raises(UserError, match="ghi true hoặc false"):
        F.score(form, _tt25(**{"1_1": 1}))


# ------------------------------------------------------------ format errors

BAD = """{
  "format": 1,
  "id": "Tinh X",
  "title_code": "GĐHT",
  "title": "Gia đình học tập",
  "legal_basis": {"document": "QĐ 1/QĐ-UBND", "date": "2024-13", "issuer": null},
  "years": {"from": 2024, "to": null},
  "version": "1",
  "verified": "yes",
  "note": "",
  "criteria": [
    {"id": "1", "text": "A", "indicators": [
      {"id": "1.1", "text": "a", "kind": "points", "max_points": 10}
    ]},
    {"id": "2", "text": "B", "indicators": [
      {"id": "2.1", "text": "b", "kind": "points", "max_points": 10},
      {"id": "2.3", "text": "c", "kind": "points"},
      {"id": "2.4", "text": "d", "kind": "diem"}
    ]}
  ],
  "pass_rule": {"min_total": 15, "min_share_per_criterion": 2, "all_indicators_passed": false,
                "min_points_per_indicator": null},
  "levels": [{"name": "Đạt", "min_total": 15}, {"name": "Tốt", "min_total": 18}],
  "colour": "red"
}
"""


def test_schema_errors_by_line_and_field(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(BAD, encoding="utf-8")
    problems = F.check_file(path)
    text = "\n".join(problems)
    assert "Dòng 17, tiêu chí 2 › chỉ tiêu 2.3: thiếu điểm tối đa" in text
    assert "Dòng 18, tiêu chí 2 › chỉ tiêu 2.4: \"kind\" phải là" in text
    assert "Dòng 3, trường \"id\"" in text
    assert "Dòng 9, trường \"verified\"" in text
    assert "Dòng 6, trường \"legal_basis\"" in text
    assert "trường \"colour\": trường không có trong định dạng" in text
    assert "min_share_per_criterion\" là tỉ lệ" in text
    assert "từ cao xuống thấp" in text
    lines = [int(p.split(",")[0].split()[1]) for p in problems if p.startswith("Dòng ")]
    assert lines == sorted(lines)
    with pytest.raises(UserError, match="chưa đúng định dạng"):
        F.load_form(path)


def test_check_file_not_json(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"id": "a",\n', encoding="utf-8")
    [problem] = F.check_file(path)
    assert "không phải JSON hợp lệ: dòng 2" in problem
    assert F.check_file(tmp_path / "none.json") == [f"Không có tệp {tmp_path / 'none.json'}."]


def test_duplicate_indicator_id(tmp_path):
    data = json.loads((forms_dir() / "dvht-tt22-2020.json").read_text(encoding="utf-8"))
    data["criteria"][1]["indicators"][0]["id"] = "1.1"
    path = tmp_path / "dup.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    assert any("chỉ tiêu 1.1: mã chỉ tiêu trùng" in p for p in F.check_file(path))


# ------------------------------------------------------------ CLI

def test_cli_list_text_and_json(capsys):
    assert main(["forms", "list"]) == 0
    out = capsys.readouterr().out
    assert "dvht-tt22-2020" in out and "Thông tư 22/2020/TT-BGDĐT" in out and "bộ tiêu chí)" in out
    assert main(["forms", "list", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {"id", "title_code", "title", "legal_basis", "version", "verified"} <= set(rows[0])
    gdht = next(r for r in rows if r["id"] == "gdht-qd448-2015")
    assert gdht["verified"] is False and gdht["notice"].startswith("Lưu ý: bộ tiêu chí này chưa được kiểm chứng")


def test_cli_show(capsys):
    assert main(["forms", "show", "cdht-xa-tt25-2023"]) == 0
    out = capsys.readouterr().out
    assert "Lưu ý: bộ tiêu chí này chưa được kiểm chứng đầy đủ: " in out
    assert "1.2  Ban hành kế hoạch hằng năm và thực hiện đầy đủ — đạt/không đạt" in out
    assert "Còn thiếu trước khi chấm" in out
    assert main(["forms", "show", "dvht-tt22-2020", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["criteria"][2]["indicators"][0] == {
        "id": "3.1", "text": "Mọi thành viên có các năng lực của công dân học tập", "kind": "points",
        "max_points": 25, "computed": None, "for_level": None}
    assert [lv["name"] for lv in data["levels"]] == ["Tốt", "Khá", "Trung bình", "Chưa đạt"]
    assert data["missing"] == [] and "pass_rule" in data


def test_cli_unknown_form(capsys):
    assert main(["forms", "show", "khong-co"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Lỗi: Không có bộ tiêu chí 'khong-co'") and err.count("\n") == 1


def test_cli_check(tmp_path, capsys):
    assert main(["forms", "check", str(forms_dir() / "dvht-tt22-2020.json")]) == 0
    assert "đúng định dạng" in capsys.readouterr().out
    assert main(["forms", "check", str(forms_dir() / "gdht-qd448-2015.json")]) == 0
    out = capsys.readouterr().out
    assert "phải điền trước khi chấm điểm" in out and "Lưu ý:" in out
    bad = tmp_path / "bad.json"
    bad.write_text(BAD, encoding="utf-8")
    assert main(["forms", "check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "- Dòng 17, tiêu chí 2 › chỉ tiêu 2.3: thiếu điểm tối đa" in err


def test_cli_score(tmp_path, capsys):
    scores = tmp_path / "s.json"
    scores.write_text(json.dumps(_dvht(84)), encoding="utf-8")
    assert main(["forms", "score", "dvht-tt22-2020", str(scores)]) == 0
    out = capsys.readouterr().out
    assert "Tổng: 84/100 điểm" in out and "Xếp loại: Khá" in out and "Kết quả: ĐẠT" in out
    assert "Lưu ý: bộ tiêu chí này chưa được kiểm chứng đầy đủ: " in out
    assert main(["forms", "score", "dvht-tt22-2020", str(scores), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"total", "max_total", "criteria", "level", "passed", "verified", "notice", "version"} <= set(data)
    assert data["total"] == 84 and data["level"] == "Khá" and data["passed"] is True and data["verified"] is False
    assert [c["points"] for c in data["criteria"]] == [30, 30, 24]


def test_cli_score_errors(tmp_path, capsys):
    scores = tmp_path / "s.json"
    scores.write_text("{not json", encoding="utf-8")
    assert main(["forms", "score", "dvht-tt22-2020", str(scores)]) == 2
    assert "không phải JSON hợp lệ" in capsys.readouterr().err
    scores.write_text(json.dumps({"1.1": 10}), encoding="utf-8")
    assert main(["forms", "score", "gdht-qd448-2015", str(scores)]) == 2
    err = capsys.readouterr().err
    assert "chưa đủ để chấm điểm" in err and err.count("\n") == 1
    assert main(["forms", "score", "khong-co", str(scores)]) == 2
    capsys.readouterr()
    assert main(["forms"]) == 2
