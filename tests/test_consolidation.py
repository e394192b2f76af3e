"""Consolidation on the receiving side: communes' signed report workbooks added up (sums of the
parts, shares recomputed from summed counts), and every file that must not be summed reported:
altered, unsigned, untrusted, duplicated, another period, another province, not a report; the
CLI's exit codes and the consolidated workbook read back with openpyxl."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

pytest.importorskip("pyhanko")

from khuyenhoc_desktop import cli_consolidate  # noqa: E402
from khuyenhoc_desktop.documents import report_papers as rp  # noqa: E402
from khuyenhoc_desktop.documents.report_xlsx import share_value, write_report_xlsx  # noqa: E402
from khuyenhoc_desktop.domain import admin_units  # noqa: E402
from khuyenhoc_desktop.domain.report_forms import default_layout  # noqa: E402
from khuyenhoc_desktop.errors import UserError  # noqa: E402
from khuyenhoc_desktop.services import consolidation as co  # noqa: E402
from khuyenhoc_desktop.signing import cms, identity  # noqa: E402
from tests.test_signing import make_pki  # noqa: E402

PROVINCE = 12  # Lai Châu: the fewest communes (38), so "none missing" can be tested too
LAYOUT = default_layout()
# gdht_recognised / households per commune: 2/3, 1/1, 3/4 → 6/8 = 75%, not the mean 80,56%.
SHARES = [(2, 3), (1, 1), (3, 4)]


def _values(i: int) -> dict[str, int]:
    values = {name: 1000 * (i + 1) + n for n, name in enumerate(LAYOUT.indicators())}
    recognised, households = SHARES[i % 3]
    values.update(gdht_recognised=recognised, households=households)
    return values


def _doc(unit: admin_units.Unit, i: int, **kw) -> rp.ReportDoc:
    total = _values(i)
    fields = dict(
        number=f"{i + 1:02d}/BC-HKH", date=dt.date(2026, 7, 5), kind="half_year", year=2026,
        period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 6, 30), addressed_to="Hội Khuyến học tỉnh Lai Châu",
        narrative=[("I. KẾT QUẢ", "Tốt.")], layout=LAYOUT,
        rows=[rp.AnnexRow("Thôn Một", dict(total)), rp.AnnexRow("Toàn xã", total, total=True)],
        commune_code=unit.code, province_code=PROVINCE, commune_name=unit.name,
        association=f"Hội Khuyến học {unit.name}", software_version="0.1.0")
    return rp.ReportDoc(**{**fields, **kw})


def _write(folder: Path, name: str, doc: rp.ReportDoc, signer=None) -> Path:
    path = folder / name
    write_report_xlsx(doc, path)
    if signer is not None:
        cms.sign_detached(path, signer)
    return path


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A test CA and signer, and a signed report for every commune of the province."""
    folder = tmp_path_factory.mktemp("consolidation")
    make_pki(folder, signer_cn="Lò Văn Páo")
    signer = identity.load_pkcs12(folder / "signer.p12", "matkhau")
    units = admin_units.communes(PROVINCE)
    reports = [_write(folder, f"bc-{u.code}.xlsx", _doc(u, i), signer) for i, u in enumerate(units)]
    return {"ca": folder / "ca.pem", "signer": signer, "units": units, "reports": reports}


def _copy(path: Path, folder: Path, name: str | None = None, *, p7s: bool = True) -> Path:
    target = folder / (name or path.name)
    shutil.copy(path, target)
    if p7s:
        shutil.copy(cms.p7s_path(path), cms.p7s_path(target))
    return target


def _consolidate(world, paths, **kw) -> co.Consolidation:
    return co.consolidate(paths, trust_roots=kw.pop("trust_roots", [world["ca"]]), **kw)


def _status(result: co.Consolidation) -> dict[str, tuple[str, bool]]:
    return {f.path.name: (f.status, f.summed) for f in result.files}


# ---------------------------------------------------------------- service

def test_three_communes_sum_to_their_parts(world):
    result = _consolidate(world, world["reports"][:3])
    assert [f.status for f in result.files] == [co.RECEIVED] * 3 and all(f.summed for f in result.files)
    assert (result.province.code, result.kind, result.year) == (PROVINCE, "half_year", 2026)
    assert result.period_label == "sơ kết 6 tháng đầu năm 2026" and result.scope_label == "Toàn tỉnh"
    for name in LAYOUT.indicators():
        assert result.totals[name] == sum(_values(i)[name] for i in range(3)), name
    share = next(c for c in LAYOUT.columns if c.id == "gdht_share")
    assert share_value(share, result.totals) == 0.75  # 6/8, never the mean of 66,67%, 100% and 75%
    assert {f.verdict.signer for f in result.accepted} == {"Lò Văn Páo"}
    three = {u.code for u in world["units"][:3]}
    assert {u.code for u in result.missing} == {u.code for u in world["units"]} - three
    assert len(result.missing) == len(world["units"]) - 3 and result.flagged and result.problems == []


def test_every_commune_received_is_not_flagged(world):
    result = _consolidate(world, world["reports"])
    assert len(result.accepted) == len(world["units"]) and result.missing == [] and not result.flagged


def test_altered_files_are_reported_not_summed(world, tmp_path):
    a, b, c = world["reports"][:3]
    flipped = _copy(c, tmp_path)
    data = bytearray(flipped.read_bytes())
    data[len(data) // 2] ^= 0x01
    flipped.write_bytes(bytes(data))
    edited = _copy(b, tmp_path, "edited.xlsx")
    book = load_workbook(edited)
    sheet = book["may_doc"]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "indicator.members")
    row[1].value += 1000
    book.save(edited)

    result = _consolidate(world, [a, flipped, edited])
    assert _status(result) == {a.name: (co.RECEIVED, True), flipped.name: (co.ALTERED, False),
                               "edited.xlsx": (co.ALTERED, False)}
    assert "đã bị thay đổi" in result.files[1].message
    assert result.totals["members"] == _values(0)["members"]
    assert any(line.startswith(f"{flipped.name}") and co.ALTERED in line for line in result.problems)


def test_percent_from_two_communes(world):
    result = _consolidate(world, world["reports"][:2])
    share = next(c for c in LAYOUT.columns if c.id == "gdht_share")
    # 2/3 and 1/1 → 3/4 = 75%, not (66,67% + 100%) / 2 = 83,33%
    assert (result.totals["gdht_recognised"], result.totals["households"]) == (3, 4)
    assert share_value(share, result.totals) == 0.75


def test_unsigned_and_untrusted(world, tmp_path):
    a, b = world["reports"][:2]
    bare = _copy(b, tmp_path, p7s=False)
    result = _consolidate(world, [a, bare])
    assert _status(result)[bare.name] == (co.UNSIGNED, False)
    assert result.totals["members"] == _values(0)["members"]
    included = _consolidate(world, [a, bare], include_unsigned=True)
    assert _status(included)[bare.name] == (co.UNSIGNED, True) and "vẫn cộng" in included.files[1].message
    assert included.totals["members"] == _values(0)["members"] + _values(1)["members"]
    assert included.flagged and included.files[1].flagged  # summed on request, still not verified

    untrusted = _consolidate(world, [a, b], trust_roots=[])
    assert set(_status(untrusted).values()) == {(co.UNTRUSTED, False)} and untrusted.accepted == []
    assert all(v is None for v in untrusted.totals.values())
    assert "Lò Văn Páo" in untrusted.files[0].message
    taken = _consolidate(world, [a, b], trust_roots=[], include_untrusted=True)
    assert len(taken.accepted) == 2


def test_broken_signature_file(world, tmp_path):
    a = _copy(world["reports"][0], tmp_path)
    cms.p7s_path(a).write_bytes(b"not a signature")
    result = _consolidate(world, [a])
    assert _status(result)[a.name] == (co.BAD_SIGNATURE, False) and ".p7s" in result.files[0].message


def test_duplicates(world, tmp_path):
    a, b = world["reports"][:2]
    copy = _copy(a, tmp_path, "copy.xlsx")
    result = _consolidate(world, [a, copy, b])
    assert _status(result) == {a.name: (co.RECEIVED, True), "copy.xlsx": (co.DUPLICATE, False),
                               b.name: (co.RECEIVED, True)}
    assert result.totals["members"] == _values(0)["members"] + _values(1)["members"]

    # A different report of the same commune: neither is summed, the commune counts as missing.
    unit = world["units"][0]
    other = _write(tmp_path, "other.xlsx", _doc(unit, 0, number="09/BC-HKH"), world["signer"])
    result = _consolidate(world, [a, other, b])
    assert _status(result) == {a.name: (co.DUPLICATE, False), "other.xlsx": (co.DUPLICATE, False),
                               b.name: (co.RECEIVED, True)}
    assert unit.code in {u.code for u in result.missing} and "2 báo cáo khác nhau" in result.files[0].message


def test_period_province_and_layout_mismatches(world, tmp_path):
    a, b = world["reports"][:2]
    units = world["units"]
    last_year = _write(tmp_path, "2025.xlsx", _doc(units[2], 2, year=2025), world["signer"])
    nghe_an = admin_units.communes(40)[0]
    elsewhere = _write(tmp_path, "nghe-an.xlsx", _doc(nghe_an, 0, province_code=40), world["signer"])
    wrong_code = _write(tmp_path, "wrong-code.xlsx", _doc(nghe_an, 1), world["signer"])
    result = _consolidate(world, [a, b, last_year, elsewhere, wrong_code])
    status = _status(result)
    assert status[a.name] == (co.RECEIVED, True) and status[b.name] == (co.RECEIVED, True)
    assert status["2025.xlsx"] == (co.WRONG_PERIOD, False)
    assert status["nghe-an.xlsx"] == status["wrong-code.xlsx"] == (co.OTHER_PROVINCE, False)
    assert "tỉnh Nghệ An" in result.files[3].message and str(nghe_an.code) in result.files[4].message

    # The requested period wins over the majority.
    asked = _consolidate(world, [a, b, last_year], year=2025)
    assert _status(asked)["2025.xlsx"] == (co.RECEIVED, True) and _status(asked)[a.name] == (co.WRONG_PERIOD, False)
    annual = _consolidate(world, [a], kind="annual", year=2026)
    assert annual.accepted == [] and "tổng kết năm 2026" in annual.files[0].message

    # A layout the program does not have: reported, not summed.
    edited = _copy(a, tmp_path, "layout.xlsx", p7s=False)
    book = load_workbook(edited)
    next(r for r in book["may_doc"].iter_rows(min_row=2) if r[0].value == "layout")[1].value = "tinh-lai-chau/3"
    book.save(edited)
    odd = _consolidate(world, [edited], include_unsigned=True)
    assert _status(odd)["layout.xlsx"] == (co.OTHER_LAYOUT, False)


def test_a_provinces_own_layout_is_summed_by_that_layout(world, tmp_path, monkeypatch):
    import json

    from khuyenhoc_desktop.domain import report_forms

    raw = json.loads((report_forms.layouts_dir() / f"{report_forms.DEFAULT_ID}.json").read_text(encoding="utf-8"))
    raw.update(id="tinh-lai-chau-2026", version="2", title="Phụ lục theo mẫu của tỉnh Lai Châu")
    raw["groups"] = raw["groups"][:1]
    folder = tmp_path / "mau"
    folder.mkdir()
    for name in (f"{report_forms.DEFAULT_ID}.json",):
        (folder / name).write_bytes((report_forms.layouts_dir() / name).read_bytes())
    (folder / "tinh-lai-chau-2026.json").write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(report_forms, "layouts_dir", lambda: folder)
    province_layout = report_forms.find_layout("tinh-lai-chau-2026")

    units = world["units"]
    own = [_write(tmp_path, f"rieng-{i}.xlsx", _doc(units[i], i, layout=province_layout), world["signer"])
           for i in range(2)]
    result = _consolidate(world, own + [world["reports"][2]])
    status = _status(result)
    assert result.layout.id == "tinh-lai-chau-2026"
    assert [status[p.name] for p in own] == [(co.RECEIVED, True)] * 2
    assert status[world["reports"][2].name] == (co.OTHER_LAYOUT, False)
    assert "tinh-lai-chau-2026/2" in result.files[2].message
    assert set(result.totals) == set(province_layout.indicators())
    assert result.totals["households"] == _values(0)["households"] + _values(1)["households"]


def test_read_report_checks_the_machine_block(world, tmp_path):
    report = co.read_report(world["reports"][0])
    unit = world["units"][0]
    assert (report.commune_code, report.province_code, report.commune_name) == (unit.code, PROVINCE, unit.name)
    assert (report.kind, report.year, report.number, report.generated_on) == ("half_year", 2026, "01/BC-HKH",
                                                                            dt.date(2026, 7, 5))
    assert report.layout == f"{LAYOUT.id}/{LAYOUT.version}" and report.indicators == _values(0)

    plain = tmp_path / "plain.xlsx"
    Workbook().save(plain)
    with pytest.raises(UserError, match="plain.xlsx.*may_doc"):
        co.read_report(plain)
    garbage = tmp_path / "garbage.xlsx"
    garbage.write_bytes(b"PK not really")
    with pytest.raises(UserError, match="garbage.xlsx"):
        co.read_report(garbage)
    for key, value, message in [("format", "khac/2", "định dạng"), ("indicator.members", "12a", "số nguyên"),
                                ("commune_code", None, "thiếu commune_code"),
                                ("period_end", "30/06/2026", "YYYY-MM-DD")]:
        edited = _copy(world["reports"][0], tmp_path, "edited.xlsx", p7s=False)
        book = load_workbook(edited)
        next(r for r in book["may_doc"].iter_rows(min_row=2) if r[0].value == key)[1].value = value
        book.save(edited)
        with pytest.raises(UserError, match=f"edited.xlsx.*{message}"):
            co.read_report(edited)
    assert _status(_consolidate(world, [plain]))["plain.xlsx"] == (co.UNSIGNED, False)
    assert _status(_consolidate(world, [plain], include_unsigned=True))["plain.xlsx"] == (co.UNREADABLE, False)


def test_unusable_input(world, tmp_path):
    with pytest.raises(UserError, match="Không có tệp"):
        _consolidate(world, [tmp_path / "none.xlsx"])
    with pytest.raises(UserError, match="mã 99"):
        _consolidate(world, world["reports"][:1], province_code=99)
    bad_root = tmp_path / "root.pem"
    bad_root.write_text("no")
    with pytest.raises(UserError, match="root.pem"):
        _consolidate(world, world["reports"][:1], trust_roots=[bad_root])


# ---------------------------------------------------------------- CLI and workbook

def _cli(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    cli_consolidate.add_parser(parser.add_subparsers(dest="command"))
    return cli_consolidate.run(parser.parse_args(["consolidate", *argv]))


def _rows(sheet) -> list[tuple]:
    return [r for r in sheet.iter_rows(values_only=True)]


def test_cli_writes_the_consolidated_workbook(world, tmp_path, capsys):
    a, b, c = world["reports"][:3]
    tampered = _copy(c, tmp_path)
    data = bytearray(tampered.read_bytes())
    data[len(data) // 2] ^= 0x01
    tampered.write_bytes(bytes(data))
    bare = _copy(world["reports"][3], tmp_path, p7s=False)
    out = tmp_path / "tong-hop.xlsx"
    assert _cli(str(a), str(b), str(tampered), str(bare), "--out", str(out), "--trust", str(world["ca"])) == 1
    text = capsys.readouterr().out
    assert "Đã nhận 4 tệp; cộng 2 xã, phường." in text and f"{tampered.name}" in text and co.ALTERED in text
    assert f"Chưa nộp: {len(world['units']) - 2} trong {len(world['units'])}" in text

    book = load_workbook(out)
    assert book.sheetnames == ["Tổng hợp", "Kiểm tra", "Chưa nộp"]
    sheet = book["Tổng hợp"]
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1
    rows = _rows(sheet)
    header_names = list(next(r for r in rows if "Mã xã" in r))
    units = world["units"][:2]
    by_name = {r[0]: r for r in rows}
    households = header_names.index("Tổng số hộ")
    share = header_names.index("Tỉ lệ GĐHT")
    members = header_names.index("Hội viên")
    for i, unit in enumerate(units):
        line = by_name[unit.name]
        assert (line[1], line[2], line[3]) == (str(unit.code), f"{i + 1:02d}/BC-HKH", "Lò Văn Páo")
        assert line[members] == _values(i)["members"]
    assert round(by_name[units[0].name][share], 4) == 0.6667 and by_name[units[1].name][share] == 1
    total = by_name["Toàn tỉnh"]
    assert (total[households], total[share]) == (4, 0.75)
    assert total[members] == _values(0)["members"] + _values(1)["members"]
    total_row = rows.index(total) + 1
    assert sheet.cell(total_row, share + 1).number_format == "0.00%"
    assert sheet.cell(total_row, members + 1).number_format == "#,##0"

    check = {r[1]: r for r in _rows(book["Kiểm tra"]) if r[1] and r[1].endswith(".xlsx")}
    assert check[tampered.name][7:9] == (co.ALTERED, "Không") and check[bare.name][7] == co.UNSIGNED
    assert check[a.name][7:9] == (co.RECEIVED, "Có")
    missing = {r[2]: r for r in _rows(book["Chưa nộp"]) if r[2] and r[2].isdigit()}
    assert len(missing) == len(world["units"]) - 2
    assert missing[str(world["units"][3].code)][3].startswith("Có tệp gửi đến")  # the unsigned one

    # The same output again needs --force; --format json tells the same.
    with pytest.raises(UserError, match="đã có"):
        _cli(str(a), "--out", str(out))
    # A .p7s named beside its file (as `*` gives it) goes with that file.
    assert _cli(str(a), str(cms.p7s_path(a)), str(b), "--out", str(out), "--force", "--trust", str(world["ca"]),
                "--format", "json") == 1
    answer = json.loads(capsys.readouterr().out)
    assert (answer["received"], answer["summed"], answer["exit_code"]) == (2, 2, 1)
    assert answer["totals"]["households"] == 4 and len(answer["missing"]) == len(world["units"]) - 2


def test_cli_exit_codes(world, tmp_path, capsys):
    folder = world["reports"][0].parent
    out = tmp_path / "all.xlsx"
    # A folder stands for its .xlsx files: every commune, all signed and trusted → 0.
    assert _cli(str(folder), "--out", str(out), "--trust", str(world["ca"]), "--kind", "half-year",
                "--year", "2026", "--province", str(PROVINCE)) == 0
    assert "Chưa nộp: 0" in capsys.readouterr().out
    assert _rows(load_workbook(out)["Tổng hợp"])[-1][0] == "Toàn tỉnh"
    # The same without the test CA: signed by an untrusted root → flagged.
    assert _cli(str(folder), "--out", str(tmp_path / "b.xlsx")) == 1
    plain = tmp_path / "plain.xlsx"
    Workbook().save(plain)
    with pytest.raises(UserError, match="Không tệp nào là báo cáo"):
        _cli(str(plain), "--out", str(tmp_path / "c.xlsx"))
    with pytest.raises(UserError, match="Không có tệp"):
        _cli(str(tmp_path / "none.xlsx"), "--out", str(tmp_path / "d.xlsx"))
    with pytest.raises(UserError, match="đuôi .xlsx"):
        _cli(str(plain), "--out", str(tmp_path / "e.pdf"))
    assert not (tmp_path / "c.xlsx").exists() and not (tmp_path / "d.xlsx").exists()


def test_registered_command_exit_codes(world, tmp_path, capsys):
    from khuyenhoc_desktop.cli import build_parser, main

    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)).choices
    if "consolidate" not in commands:
        pytest.skip("`khuyenhoc consolidate` is not registered in cli.py yet")
    out = tmp_path / "out.xlsx"
    assert main(["consolidate", str(world["reports"][0]), "--out", str(out), "--trust", str(world["ca"])]) == 1
    assert main(["consolidate", str(tmp_path / "none.xlsx"), "--out", str(tmp_path / "x.xlsx")]) == 2
    assert "Lỗi: Không có tệp" in capsys.readouterr().err


# ---------------------------------------------------------------- window

def test_consolidation_dialog(world, tmp_path, monkeypatch, qtbot, db):
    from PySide6.QtCore import QSettings

    from khuyenhoc_desktop import paths
    from khuyenhoc_desktop.signing import trust
    from khuyenhoc_desktop.ui.consolidation_dialog import ConsolidationDialog
    from khuyenhoc_desktop.ui.context import AppContext
    from tests.gui_helpers import when_modal

    monkeypatch.setattr(paths, "user_data_dir", lambda: tmp_path / "data")
    trust.import_root(world["ca"])
    folder = tmp_path / "inbox"
    folder.mkdir()
    for path in world["reports"][:2]:
        _copy(path, folder)
    unsigned = _copy(world["reports"][2], folder, p7s=False)
    ctx = AppContext(db, settings=QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat))
    dialog = ConsolidationDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.set_files(sorted(folder.glob("*.xlsx")))
    assert dialog.chosen.text() == "Đã chọn 3 tệp."
    dialog.check()
    qtbot.waitUntil(lambda: dialog.result_value is not None, timeout=20000)
    rows = {r[1]: (r[5], r[6]) for r in dialog.model.rows}
    assert rows[unsigned.name] == ("Không ký", "Không") and list(rows.values()).count(("Đã nhận", "Có")) == 2
    assert "cộng 2 xã, phường" in dialog.summary.text() and dialog.missing.text().startswith("Chưa nộp: ")
    seen = {}
    when_modal(lambda box: (seen.setdefault("done", box.text()), box.reject()), attempts=500)
    dialog.save(tmp_path / "tong-hop.xlsx")
    qtbot.waitUntil(lambda: "done" in seen, timeout=20000)
    assert (tmp_path / "tong-hop.xlsx").is_file() and "tong-hop.xlsx" in seen["done"]
