"""The `khuyenhoc` command: the same rows as the list pages, and for every mistake exit code 2
with one Vietnamese line on stderr and never a traceback."""

import csv
import io
import json
import re
import subprocess
import sys
from importlib import metadata

import pytest

from khuyenhoc_desktop import APP_NAME, __version__, cli
from khuyenhoc_desktop.domain import admin_units
from khuyenhoc_desktop.services import lists, profile, registry
from khuyenhoc_desktop.services.lists import ListQuery
from khuyenhoc_desktop.services.registry import (
    BranchForm,
    DuesForm,
    HamletForm,
    HouseholdForm,
    MemberForm,
    PersonForm,
)
from khuyenhoc_desktop.storage.database import Database

PEOPLE = [
    # family, middle, given, sex, year, household
    ("Nguyễn", "Văn", "An", "M", 1970, "A"),
    ("Trần", "Thị", "Ánh", "F", 1972, "A"),
    ("Nguyễn", "Thị", "Hà", "F", 2001, "A"),
    ("Hoàng", "Thị", "Đào", "F", 1960, "B"),
    ("Đào", "Văn", "Cường", "M", 1958, "B"),
    ("Lê", "Văn", "Bình", "M", 1985, "C"),
]
VIETNAMESE = re.compile(r"[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]", re.I)
ENGLISH = re.compile(r"\b(argument|arguments|invalid|expected|choose|usage|error|unrecognized|ambiguous|"
                     r"ignored|explicit|required|could match|not a database)\b", re.I)


@pytest.fixture(autouse=True)
def _private_dirs(tmp_path_factory, monkeypatch):
    """Keep the log file and the default data file out of the real home directory."""
    home = tmp_path_factory.getbasetemp() / "home"
    for var in ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"):
        monkeypatch.setenv(var, str(home / var.lower()))


def pick_commune():
    province = admin_units.province(1)  # Thành phố Hà Nội
    commune = next(c for c in admin_units.communes(province.code) if c.name.startswith("Xã "))
    return province, commune


@pytest.fixture(scope="module")
def data_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "xa.sqlite"
    province, commune = pick_commune()
    with Database(path) as db, db.write() as s:
        profile.save_profile(s, profile.ProfileForm(
            province_code=province.code, commune_code=commune.code,
            association_name=f"Hội Khuyến học {commune.name}",
            officers=[profile.OfficerLine("nguyễn văn chủ", "Chủ tịch")]))
        hamlets = {name: registry.save_hamlet(s, HamletForm(name=name)) for name in ("Thôn Đông", "Thôn Tây")}
        households = {
            "A": registry.save_household(s, HouseholdForm(hamlet_id=hamlets["Thôn Đông"], poverty="poor")),
            "B": registry.save_household(s, HouseholdForm(hamlet_id=hamlets["Thôn Tây"], poverty="near_poor")),
            "C": registry.save_household(s, HouseholdForm(hamlet_id=hamlets["Thôn Tây"])),
        }
        ids = {}
        for family, middle, given, sex, year, hh in PEOPLE:
            ids[given] = registry.save_person(s, PersonForm(
                household_id=households[hh], family_name=family, middle_name=middle, given_name=given,
                sex=sex, birth_year=str(year), birth_date="05/01/1970" if given == "An" else ""))
        branch = registry.save_branch(s, BranchForm(name="Chi hội Thôn Đông", kind="hamlet",
                                                    hamlet_id=hamlets["Thôn Đông"]))
        m1 = registry.save_member(s, MemberForm(person_id=ids["An"], branch_id=branch, card_number="HV-1"))
        registry.save_member(s, MemberForm(person_id=ids["Đào"], branch_id=branch, status="left",
                                           leave_date="01/01/2024"))
        registry.save_dues(s, DuesForm(member_id=m1, period="2025", amount=50_000, paid_on="02/02/2025"))
        registry.save_dues(s, DuesForm(member_id=m1, period="2024", amount=40_000, paid_on="02/02/2024"))
    return path


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def table(path, query):
    with Database(path) as db, db.read() as s:
        return lists.as_table(s, query)


def assert_one_vietnamese_line(err):
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("Lỗi: "), err
    assert "Traceback" not in err
    assert VIETNAMESE.search(err), err
    assert not ENGLISH.search(err), err


# ---------------------------------------------------------------- list
@pytest.mark.parametrize(
    "argv, query",
    [
        (["--search", "nguyen"], ListQuery("persons", search="nguyen")),
        (["--search", "thi"], ListQuery("persons", search="thi")),
        ([], ListQuery("persons")),
        (["--sort", "birth_year", "--desc"], ListQuery("persons", sort_key="birth_year", descending=True)),
        (["--status", "F"], ListQuery("persons", status="F")),
    ],
)
def test_list_json_same_as_list_page(data_file, capsys, argv, query):
    code, out, err = run(capsys, "list", "persons", *argv, "--format", "json", "--db", str(data_file))
    assert (code, err) == (0, "")
    _, rows = table(data_file, query)
    assert rows  # the comparison means something
    assert json.loads(out) == rows


def test_list_json_exact_rows(data_file, capsys):
    code, out, _ = run(capsys, "list", "persons", "--search", "NGUYỄN", "--format", "json", "--db", str(data_file))
    assert code == 0
    got = json.loads(out)
    assert [r["full_name"] for r in got] == ["Nguyễn Văn An", "Nguyễn Thị Hà"]
    assert got[0]["birth_date"] == "05/01/1970" and got[0]["sex"] == "Nam" and got[0]["hamlet"] == "Thôn Đông"
    assert "Nguyễn Văn An" in out  # real UTF-8, not \u escapes


def test_list_csv_has_vietnamese_headers(data_file, capsys):
    code, out, err = run(capsys, "list", "persons", "--format", "csv", "--db", str(data_file))
    assert (code, err) == (0, "")
    columns, rows = table(data_file, ListQuery("persons"))
    parsed = list(csv.reader(io.StringIO(out)))
    assert parsed[0] == [c.header for c in columns]
    assert parsed[0][:4] == ["Họ và tên", "Giới tính", "Ngày sinh", "Năm sinh"]
    assert parsed[1:] == [[str(r[c.key]) for c in columns] for r in rows]
    assert [line[0] for line in parsed[1:]] == [
        "Nguyễn Văn An", "Trần Thị Ánh", "Lê Văn Bình", "Đào Văn Cường", "Hoàng Thị Đào", "Nguyễn Thị Hà"]


def test_list_csv_members(data_file, capsys):
    code, out, _ = run(capsys, "list", "members", "--format", "csv", "--db", str(data_file))
    assert code == 0
    parsed = list(csv.reader(io.StringIO(out)))
    assert parsed[0] == ["Họ và tên", "Năm sinh", "Số thẻ", "Chi hội", "Ngày vào hội", "Trạng thái",
                         "Ngày thôi", "Thôn, tổ dân phố"]
    assert parsed[1] == ["Nguyễn Văn An", "1970", "HV-1", "Chi hội Thôn Đông", "", "Đang sinh hoạt", "", "Thôn Đông"]
    assert parsed[2] == ["Hoàng Thị Đào", "1960", "", "Chi hội Thôn Đông", "", "Đã thôi", "01/01/2024", "Thôn Tây"]


def test_list_text(data_file, capsys):
    code, out, err = run(capsys, "list", "persons", "--search", "dao", "--db", str(data_file))
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith("Họ và tên")
    assert "Thôn, tổ dân phố" in lines[0]
    assert lines[1].startswith("Đào Văn Cường") and lines[2].startswith("Hoàng Thị Đào")
    assert lines[-1] == "(2 người)"
    assert len(lines) == 4


@pytest.mark.parametrize("hamlet", ["thon tay", "Thôn Tây", "THÔN TÂY", "  thôn  tây "])
def test_list_hamlet_filter_ignores_diacritics(data_file, capsys, hamlet):
    code, out, err = run(capsys, "list", "persons", "--hamlet", hamlet, "--format", "json", "--db", str(data_file))
    assert (code, err) == (0, "")
    assert [r["full_name"] for r in json.loads(out)] == ["Lê Văn Bình", "Đào Văn Cường", "Hoàng Thị Đào"]


def test_list_unknown_hamlet(data_file, capsys):
    code, out, err = run(capsys, "list", "persons", "--hamlet", "Thôn Nam", "--db", str(data_file))
    assert (code, out) == (2, "")
    assert err == "Lỗi: Không có thôn, tổ dân phố nào tên 'Thôn Nam'.\n"
    assert_one_vietnamese_line(err)


# ---------------------------------------------------------------- mistakes
@pytest.mark.parametrize(
    "argv, must_contain",
    [
        (["list", "planets"], "planets"),
        (["list", "persons", "--bogus"], "--bogus"),
        (["list", "persons", "--search"], "--search"),
        (["list", "persons", "--format", "xml"], "xml"),
        (["list", "persons", "--status", "Z"], "Z"),
        (["list", "persons", "--sort", "salary"], "salary"),
        (["list", "clans", "--hamlet", "Thôn Đông"], "--hamlet"),  # not silently ignored
        (["list", "clans", "--status", "x"], "x"),
        (["list"], "KIND"),
        (["stats", "--format", "csv"], "csv"),
        (["frobnicate"], "frobnicate"),
        (["--bogus"], "--bogus"),
        (["list", "persons", "--s", "an"], "--s"),
        (["list", "persons", "--desc=1"], "--desc"),
        (["demo", "--households", "many"], "many"),
    ],
)
def test_bad_arguments_exit_2_one_vietnamese_line(data_file, capsys, argv, must_contain):
    before = data_file.read_bytes()
    code, out, err = run(capsys, *argv, "--db", str(data_file))
    assert code == 2, err
    assert out == ""
    assert_one_vietnamese_line(err)
    assert must_contain in err
    assert data_file.read_bytes() == before


def test_not_a_database_file(tmp_path, capsys):
    path = tmp_path / "ghi-chu.txt"
    path.write_text("Danh sách hộ nghèo năm 2025\n", encoding="utf-8")
    before = path.read_bytes()
    code, out, err = run(capsys, "list", "persons", "--db", str(path))
    assert (code, out) == (2, "")
    assert err == "Lỗi: Tệp ghi-chu.txt không phải dữ liệu của chương trình; chưa có gì bị thay đổi.\n"
    assert_one_vietnamese_line(err)
    assert path.read_bytes() == before
    code, out, err = run(capsys, "stats", "--db", str(path))
    assert code == 2 and "không phải dữ liệu" in err


def test_directory_as_db(tmp_path, capsys):
    code, out, err = run(capsys, "stats", "--db", str(tmp_path))
    assert (code, out) == (2, "")
    assert_one_vietnamese_line(err)
    assert "là một thư mục" in err


def test_newer_file(tmp_path, capsys):
    import sqlite3

    path = tmp_path / "moi.sqlite"
    Database(path).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.commit()
    conn.close()
    code, _, err = run(capsys, "list", "hamlets", "--db", str(path))
    assert code == 2
    assert_one_vietnamese_line(err)
    assert "phiên bản mới hơn" in err


# ---------------------------------------------------------------- stats
def test_stats_json(data_file, capsys):
    code, out, err = run(capsys, "stats", "--format", "json", "--db", str(data_file))
    assert (code, err) == (0, "")
    stats = json.loads(out)
    province, commune = pick_commune()
    assert stats["profile"]["province_code"] == province.code
    assert stats["profile"]["province_name"] == "Thành phố Hà Nội"
    assert stats["profile"]["commune_code"] == commune.code
    assert stats["profile"]["commune_name"] == commune.name
    assert stats["profile"]["association_name"] == f"Hội Khuyến học {commune.name}"
    assert stats["profile"]["officers"] == [{"name": "Nguyễn Văn Chủ", "title": "Chủ tịch"}]
    assert stats["counts"] == {
        "hamlets": 2, "households": 3, "poor_households": 1, "near_poor_households": 1, "persons": 6,
        "clans": 0, "organisations": 0, "branches": 1, "members": 2, "active_members": 1, "dues_payments": 2,
    }
    assert stats["dues_total"] == 90_000


def test_stats_text(data_file, capsys):
    code, out, _ = run(capsys, "stats", "--db", str(data_file))
    assert code == 0
    lines = out.splitlines()
    _, commune = pick_commune()
    assert lines[0] == f"Hội Khuyến học {commune.name}"
    assert "persons: 6" in lines and "households: 3" in lines


def test_stats_on_new_file_without_profile(tmp_path, capsys):
    path = tmp_path / "new.sqlite"
    Database(path).close()
    code, out, _ = run(capsys, "stats", "--format", "json", "--db", str(path))
    assert code == 0
    stats = json.loads(out)
    assert stats["profile"] is None
    assert set(stats["counts"].values()) == {0}
    code, out, _ = run(capsys, "stats", "--db", str(path))
    assert out.splitlines()[0] == "Chưa thiết lập hồ sơ xã."


# ---------------------------------------------------------------- version
def test_version_in_a_real_process():
    proc = subprocess.run([sys.executable, "-m", "khuyenhoc_desktop", "--version"],
                          capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    assert proc.stdout.decode("utf-8") == f"{APP_NAME} {__version__}\n"
    assert proc.stdout.decode("utf-8").startswith("Khuyến Học Desktop ")
    assert __version__ == metadata.version("khuyenhoc-desktop")
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)
    assert proc.stderr == b""


def test_reading_commands_refuse_a_missing_file(tmp_path, capsys):
    from khuyenhoc_desktop.cli import main

    missing = tmp_path / "khong-co.sqlite"
    for argv in (["list", "persons", "--db", str(missing)], ["stats", "--db", str(missing)]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err == f"Lỗi: Không có tệp dữ liệu {missing}.\n"
    assert not missing.exists()
