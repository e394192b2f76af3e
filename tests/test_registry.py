"""Registry services: every form saves and loads back unchanged, every rule refuses a bad value
with its exact Vietnamese message, and deleting leaves no orphan rows."""

import datetime as dt
import shutil
import unicodedata

import pytest
from sqlalchemy import func, select, text

from khuyenhoc_desktop.domain.cccd import make_cccd
from khuyenhoc_desktop.domain.dates import format_date, today
from khuyenhoc_desktop.errors import DependencyError, NotFoundError, ValidationError
from khuyenhoc_desktop.services import lists, registry
from khuyenhoc_desktop.services.registry import (
    BranchForm,
    ClanForm,
    DuesForm,
    HamletForm,
    HouseholdForm,
    MemberForm,
    OrganisationForm,
    PersonForm,
)
from khuyenhoc_desktop.storage.database import Database
from khuyenhoc_desktop.storage.models import (
    Branch,
    Clan,
    DuesPayment,
    Hamlet,
    Household,
    Member,
    Organisation,
    Person,
    clan_hamlet,
)

NEXT_YEAR = today().year + 1
TOMORROW = format_date(today() + dt.timedelta(days=1))


@pytest.fixture(scope="module")
def empty_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "empty.sqlite"
    Database(path).close()
    return path


@pytest.fixture
def db(tmp_path, empty_template):
    """A fresh data file at the head revision: a copy of one migrated once per module (fast)."""
    path = tmp_path / "test.sqlite"
    shutil.copy(empty_template, path)
    database = Database(path)
    yield database
    database.close()


def nfd(value: str) -> str:
    return unicodedata.normalize("NFD", value)


def save(db, fn, form):
    with db.write() as s:
        return fn(s, form)


def errors_of(db, fn, form) -> dict[str, str]:
    with pytest.raises(ValidationError) as info:
        with db.write() as s:
            fn(s, form)
    return info.value.errors


def assert_no_orphans(db):
    with db.read() as s:
        assert s.execute(text("PRAGMA foreign_key_check")).all() == []
        for table in ("hamlet", "clan", "household", "person", "organisation", "branch", "member"):
            # The search index agrees with its table (no entry for a deleted row).
            s.execute(text(f"INSERT INTO {table}_fts({table}_fts) VALUES ('integrity-check')"))


def person(household_id=None, family="Nguyễn", middle="Văn", given="An", sex="M",
           birth_date="", birth_year="1980", **extra) -> PersonForm:
    return PersonForm(household_id=household_id, family_name=family, middle_name=middle,
                      given_name=given, sex=sex, birth_date=birth_date, birth_year=birth_year, **extra)


@pytest.fixture
def town(db):
    """Two hamlets, a household in the first with its head (Nguyễn Văn An) and a child."""
    with db.write() as s:
        h1 = registry.save_hamlet(s, HamletForm(name="Thôn Đông"))
        h2 = registry.save_hamlet(s, HamletForm(name="Thôn Tây"))
        hh = registry.save_household(s, HouseholdForm(hamlet_id=h1, code="H001"))
        head = registry.save_person(s, person(hh, relation="head", birth_date="05/09/1980"))
        child = registry.save_person(s, person(hh, given="Bình", birth_year="2008", relation="child"))
    return {"db": db, "h1": h1, "h2": h2, "hh": hh, "head": head, "child": child}


# ================================================================= round trips
def test_hamlet_round_trip(db):
    form = HamletForm(name="Thôn Đông Hòa", kind="to_dan_pho", former_commune="Xã Tân Lập",
                      former_hamlet="Xóm 3", note="Sáp nhập năm 2025")
    hid = save(db, registry.save_hamlet, form)
    with db.read() as s:
        assert registry.load_hamlet(s, hid) == HamletForm(
            id=hid, name="Thôn Đông Hòa", kind="to_dan_pho", former_commune="Xã Tân Lập",
            former_hamlet="Xóm 3", note="Sáp nhập năm 2025")
        record = s.get(Hamlet, hid)
        assert record.search_text == "thon dong hoa xom 3 xa tan lap"
    # Editing keeps the id and changes the row in place.
    with db.write() as s:
        form = registry.load_hamlet(s, hid)
        form.name = "Thôn Đông"
        assert registry.save_hamlet(s, form) == hid
    with db.read() as s:
        assert registry.load_hamlet(s, hid).name == "Thôn Đông"
        assert s.scalar(select(func.count(Hamlet.id))) == 1


def test_clan_round_trip(town):
    db = town["db"]
    form = ClanForm(name="Họ Nguyễn Đình", head_person_id=town["head"],
                    hamlet_ids=[town["h2"], town["h1"], town["h2"]], note="Nhà thờ họ ở Thôn Tây")
    cid = save(db, registry.save_clan, form)
    with db.read() as s:
        loaded = registry.load_clan(s, cid)
        assert sorted(loaded.hamlet_ids) == sorted([town["h1"], town["h2"]])
        loaded.hamlet_ids = sorted(loaded.hamlet_ids)
        assert loaded == ClanForm(id=cid, name="Họ Nguyễn Đình", head_person_id=town["head"],
                                  hamlet_ids=sorted([town["h1"], town["h2"]]), note="Nhà thờ họ ở Thôn Tây")
    # Removing one hamlet from the clan.
    with db.write() as s:
        form = registry.load_clan(s, cid)
        form.hamlet_ids = [town["h1"]]
        registry.save_clan(s, form)
    with db.read() as s:
        assert registry.load_clan(s, cid).hamlet_ids == [town["h1"]]
        assert s.execute(select(clan_hamlet)).all() == [(cid, town["h1"])]


def test_household_round_trip(town):
    db = town["db"]
    with db.write() as s:
        cid = registry.save_clan(s, ClanForm(name="Họ Nguyễn"))
    form = HouseholdForm(code="H002", hamlet_id=town["h2"], clan_id=cid, address="Xóm 2, Thôn Tây",
                         poverty="near_poor", note="Hộ mới tách")
    hid = save(db, registry.save_household, form)
    with db.write() as s:
        wife = registry.save_person(s, person(hid, family="Trần", middle="Thị", given="Mai", sex="F",
                                              birth_year="1985", relation="head"))
    with db.read() as s:
        assert registry.load_household(s, hid) == HouseholdForm(
            id=hid, code="H002", hamlet_id=town["h2"], clan_id=cid, head_person_id=wife,
            address="Xóm 2, Thôn Tây", poverty="near_poor", note="Hộ mới tách")
        assert registry.household_members(s, hid) == [(wife, "Trần Thị Mai", "1985", "Chủ hộ")]
        assert registry.household_members(s, town["hh"]) == [
            (town["head"], "Nguyễn Văn An", "05/09/1980", "Chủ hộ"),
            (town["child"], "Nguyễn Văn Bình", "2008", "Con"),
        ]


def test_person_round_trip(town):
    db = town["db"]
    number = make_cccd("036", 1992, "F", 4567)
    form = PersonForm(household_id=town["hh"], family_name="Nguyễn", middle_name="Thị Minh",
                      given_name="Khai", sex="F", birth_date="17/03/1992", birth_year="1992", cccd=number,
                      relation="spouse", education="university", occupation="Giáo viên",
                      phone="0912345678", note="Chuyển đến năm 2015")
    pid = save(db, registry.save_person, form)
    with db.read() as s:
        assert registry.load_person(s, pid) == PersonForm(
            id=pid, household_id=town["hh"], family_name="Nguyễn", middle_name="Thị Minh",
            given_name="Khai", sex="F", birth_date="17/03/1992", birth_year="1992", cccd=number,
            relation="spouse", education="university", occupation="Giáo viên",
            phone="0912345678", note="Chuyển đến năm 2015")
        record = s.get(Person, pid)
        assert record.full_name == "Nguyễn Thị Minh Khai"
        assert record.birth_date == dt.date(1992, 3, 17) and record.birth_year == 1992
        assert record.cccd == number


def test_person_birth_year_from_date_and_spaced_cccd(town):
    db = town["db"]
    number = make_cccd("001", 1990, "M", 12)
    spaced = f"{number[:3]} {number[3:6]} {number[6:]}"
    pid = save(db, registry.save_person,
               person(town["hh"], given="Cường", birth_date="01/01/1990", birth_year="",
                      cccd=spaced, phone="0912 345 678"))
    with db.read() as s:
        form = registry.load_person(s, pid)
    assert (form.birth_date, form.birth_year, form.cccd, form.phone) == (
        "01/01/1990", "1990", number, "0912345678")


def test_person_without_cccd_is_stored_as_null(town):
    db = town["db"]
    a = save(db, registry.save_person, person(town["hh"], given="Dũng", birth_year="1999"))
    b = save(db, registry.save_person, person(town["hh"], given="Em", birth_year="2001"))
    with db.read() as s:
        assert s.get(Person, a).cccd is None and s.get(Person, b).cccd is None
        assert registry.load_person(s, a).cccd == ""


def test_organisation_round_trip(town):
    db = town["db"]
    form = OrganisationForm(name="Trường Tiểu học Tân Lập", kind="school", hamlet_id=town["h1"],
                            head_name="lê thị hoa", head_title="Hiệu trưởng", address="Thôn Đông",
                            phone="0221 3123 456", note="")
    oid = save(db, registry.save_organisation, form)
    with db.read() as s:
        assert registry.load_organisation(s, oid) == OrganisationForm(
            id=oid, name="Trường Tiểu học Tân Lập", kind="school", hamlet_id=town["h1"],
            head_name="Lê Thị Hoa", head_title="Hiệu trưởng", address="Thôn Đông",
            phone="02213123456", note="")


@pytest.fixture
def bases(town):
    db = town["db"]
    with db.write() as s:
        school = registry.save_organisation(s, OrganisationForm(name="Trường THCS Tân Lập", kind="school"))
        office = registry.save_organisation(s, OrganisationForm(name="Trạm Y tế xã", kind="office"))
        clan = registry.save_clan(s, ClanForm(name="Họ Nguyễn"))
    return {**town, "school": school, "office": office, "clan": clan}


@pytest.mark.parametrize(
    "kind, attr",
    [("hamlet", "hamlet_id"), ("school", "organisation_id"), ("office", "organisation_id"),
     ("clan", "clan_id"), ("other", None)],
)
def test_branch_round_trip_each_kind(bases, kind, attr):
    db = bases["db"]
    ref = {"hamlet": bases["h1"], "school": bases["school"], "office": bases["office"],
           "clan": bases["clan"], "other": None}[kind]
    # Stray references for the other bases are dropped: a branch has one base.
    form = BranchForm(name=f"Chi hội {kind}", kind=kind, hamlet_id=bases["h2"],
                      organisation_id=bases["school"], clan_id=bases["clan"],
                      head_name="phạm văn đồng", founded_on="15/08/2010", note="ghi chú")
    if attr:
        setattr(form, attr, ref)
    bid = save(db, registry.save_branch, form)
    expected = BranchForm(id=bid, name=f"Chi hội {kind}", kind=kind, head_name="Phạm Văn Đồng",
                          founded_on="15/08/2010", note="ghi chú")
    if attr:
        setattr(expected, attr, ref)
    with db.read() as s:
        assert registry.load_branch(s, bid) == expected
        assert s.get(Branch, bid).founded_on == dt.date(2010, 8, 15)


@pytest.mark.parametrize(
    "kind, message_field, message",
    [
        ("hamlet", "hamlet_id", "Chưa chọn thôn, tổ dân phố của chi hội."),
        ("school", "organisation_id", "Chưa chọn trường của chi hội."),
        ("office", "organisation_id", "Chưa chọn cơ quan của chi hội."),
        ("clan", "clan_id", "Chưa chọn dòng họ của chi hội."),
    ],
)
def test_branch_needs_its_base(db, kind, message_field, message):
    assert errors_of(db, registry.save_branch, BranchForm(name="Chi hội", kind=kind)) == {
        message_field: message}


def test_member_and_dues_round_trip(bases):
    db = bases["db"]
    with db.write() as s:
        branch = registry.save_branch(s, BranchForm(name="Chi hội Thôn Đông", kind="hamlet",
                                                    hamlet_id=bases["h1"]))
    form = MemberForm(person_id=bases["head"], branch_id=branch, card_number="HV-001",
                      join_date="01/02/2015", status="active", leave_date="", note="Ủy viên")
    mid = save(db, registry.save_member, form)
    with db.read() as s:
        assert registry.load_member(s, mid) == MemberForm(
            id=mid, person_id=bases["head"], branch_id=branch, card_number="HV-001",
            join_date="01/02/2015", status="active", leave_date="", note="Ủy viên")
    # A member who left keeps the leave date.
    left = save(db, registry.save_member,
                MemberForm(person_id=bases["child"], branch_id=branch, card_number="",
                           join_date="01/09/2020", status="left", leave_date="31/12/2024"))
    with db.read() as s:
        loaded = registry.load_member(s, left)
        assert (loaded.status, loaded.join_date, loaded.leave_date, loaded.card_number) == (
            "left", "01/09/2020", "31/12/2024", "")
        assert s.get(Member, left).card_number is None

    with db.write() as s:
        d1 = registry.save_dues(s, DuesForm(member_id=mid, period="2024", amount=50_000,
                                            paid_on="10/03/2024", note=""))
        d2 = registry.save_dues(s, DuesForm(member_id=mid, period="2025", amount=60_000,
                                            paid_on="05/01/2025", note="Nộp tại chi hội"))
    with db.read() as s:
        assert registry.dues_of(s, mid) == [
            (d2, "2025", 60_000, "05/01/2025", "Nộp tại chi hội"),
            (d1, "2024", 50_000, "10/03/2024", ""),
        ]
        assert registry.members_without_dues(s, "2025") == 0  # the one who left is not counted
        assert registry.members_without_dues(s, "2026") == 1
    with db.write() as s:
        registry.delete_dues(s, d1)
    with db.read() as s:
        assert [row[1] for row in registry.dues_of(s, mid)] == ["2025"]


def test_status_back_to_active_clears_leave_date(bases):
    db = bases["db"]
    with db.write() as s:
        branch = registry.save_branch(s, BranchForm(name="Chi hội", kind="other"))
        mid = registry.save_member(s, MemberForm(person_id=bases["head"], branch_id=branch,
                                                 status="left", leave_date="01/01/2024"))
    with db.write() as s:
        form = registry.load_member(s, mid)
        form.status = "active"
        registry.save_member(s, form)
    with db.read() as s:
        assert s.get(Member, mid).leave_date is None


def test_load_missing_record(db):
    with db.read() as s:
        with pytest.raises(NotFoundError) as info:
            registry.load_person(s, 12345)
    assert str(info.value) == "Không tìm thấy nhân khẩu này; có thể đã bị xóa."


# ================================================================= text normalisation
def test_person_text_normalised_to_nfc_and_title_case(town):
    db = town["db"]
    form = PersonForm(household_id=town["hh"], family_name=nfd("  NGUYỄN "), middle_name=nfd("thị   ngọc"),
                      given_name=nfd("ánh"), sex="F", birth_year="1995",
                      occupation=nfd("Kỹ   sư xây dựng"), note=nfd("Đã chuyển khẩu"))
    pid = save(db, registry.save_person, form)
    with db.read() as s:
        record = s.get(Person, pid)
        assert record.family_name == "Nguyễn"
        assert record.middle_name == "Thị Ngọc"
        assert record.given_name == "Ánh"
        assert record.full_name == "Nguyễn Thị Ngọc Ánh"
        for value in (record.family_name, record.middle_name, record.given_name, record.full_name,
                      record.occupation, record.note):
            assert unicodedata.is_normalized("NFC", value), value
        assert record.occupation == "Kỹ sư xây dựng"
        assert record.note == "Đã chuyển khẩu"
        assert record.search_text == "nguyen thi ngoc anh"


def test_hamlet_and_org_text_nfc(db):
    hid = save(db, registry.save_hamlet, HamletForm(name=nfd(" Thôn   Đồng  Tâm "), former_commune=nfd("Xã Hòa Bình")))
    oid = save(db, registry.save_organisation, OrganisationForm(name=nfd("Trường Mầm non Hoa Sen"),
                                                               head_name=nfd("VŨ THỊ LỆ")))
    with db.read() as s:
        h = s.get(Hamlet, hid)
        assert h.name == "Thôn Đồng Tâm" and unicodedata.is_normalized("NFC", h.name)
        assert h.former_commune == "Xã Hòa Bình" and unicodedata.is_normalized("NFC", h.former_commune)
        o = s.get(Organisation, oid)
        assert o.name == "Trường Mầm non Hoa Sen"  # an organisation keeps its own capitalisation
        assert o.head_name == "Vũ Thị Lệ"


# ================================================================= validation rules, exact messages
@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"cccd": "12345"}, "cccd", "Số CCCD phải có đủ 12 chữ số."),
        ({"cccd": "0010800001234"}, "cccd", "Số CCCD phải có đủ 12 chữ số."),
        ({"cccd": "00108000012A"}, "cccd", "Số CCCD phải có đủ 12 chữ số."),
        ({"cccd": "999080000123"}, "cccd", "Số CCCD bắt đầu bằng mã tỉnh 999 không có thật."),
        ({"cccd": make_cccd("001", 1981, "M", 5)}, "cccd",
         "Số CCCD không khớp năm sinh 1980 (chữ số 5–6 phải là 80)."),
        ({"cccd": make_cccd("001", 2080, "M", 5)}, "cccd",
         "Số CCCD không khớp năm sinh 1980 (chữ số thứ 4 sai thế kỷ)."),
        ({"cccd": make_cccd("001", 1980, "F", 5)}, "cccd",
         "Số CCCD không khớp giới tính (chữ số thứ 4 chẵn là nam, lẻ là nữ)."),
        ({"birth_date": "31/02/2020", "birth_year": ""}, "birth_date",
         "Ngày sinh: Ngày 31/02/2020 không có thật trên lịch."),
        ({"birth_date": "2020-01-05", "birth_year": ""}, "birth_date",
         "Ngày sinh: Ngày phải viết dạng ngày/tháng/năm, ví dụ 05/09/1980."),
        ({"birth_date": TOMORROW, "birth_year": ""}, "birth_date", "Ngày sinh không thể sau ngày hôm nay."),
        ({"birth_year": str(NEXT_YEAR)}, "birth_year", "Năm sinh không thể sau năm hiện tại."),
        ({"birth_year": "1850"}, "birth_year", "Năm sinh phải từ 1900 trở về sau."),
        ({"birth_year": "19a0"}, "birth_year", "Năm sinh phải là số có 4 chữ số, ví dụ 1980."),
        ({"birth_year": ""}, "birth_year", "Chưa nhập năm sinh hoặc ngày sinh."),
        ({"birth_date": "05/09/1981", "birth_year": "1980"}, "birth_year",
         "Năm sinh 1980 không khớp ngày sinh 05/09/1981."),
        ({"given_name": "  "}, "given_name", "Chưa nhập tên (chữ cuối của họ và tên)."),
        ({"family_name": ""}, "family_name", "Chưa nhập họ."),
        ({"sex": ""}, "sex", "Chưa chọn giới tính."),
        ({"phone": "12345"}, "phone", "Số điện thoại phải có 10 chữ số, bắt đầu bằng 0 (ví dụ 0912345678)."),
        ({"phone": "0912-34-56"}, "phone", "Số điện thoại phải có 10 chữ số, bắt đầu bằng 0 (ví dụ 0912345678)."),
        ({"relation": "boss"}, "relation", "Quan hệ với chủ hộ 'boss' không hợp lệ."),
        ({"education": "phd"}, "education", "Trình độ học vấn 'phd' không hợp lệ."),
        ({"household_id": 999}, "household_id", "Hộ đã chọn không còn trong danh sách."),
    ],
)
def test_person_rules(town, changes, field, message):
    db = town["db"]
    form = person(town["hh"], given="Cường", birth_year="1980")
    for key, value in changes.items():
        setattr(form, key, value)
    errors = errors_of(db, registry.save_person, form)
    assert errors == {field: message}
    with db.read() as s:
        assert s.scalar(select(func.count(Person.id))) == 2


def test_person_duplicate_cccd(town):
    db = town["db"]
    number = make_cccd("001", 1980, "M", 77)
    with db.write() as s:
        form = registry.load_person(s, town["head"])
        form.cccd = number
        registry.save_person(s, form)
    errors = errors_of(db, registry.save_person, person(town["hh"], family="Lê", given="Cường", cccd=number))
    assert errors == {"cccd": "Số CCCD này đã có ở nhân khẩu Nguyễn Văn An."}
    # Saving the owner again with the same number is fine.
    with db.write() as s:
        registry.save_person(s, registry.load_person(s, town["head"]))


def test_several_person_errors_at_once(town):
    errors = errors_of(town["db"], registry.save_person,
                       PersonForm(household_id=town["hh"], sex="X", birth_year="", phone="1"))
    assert set(errors) == {"given_name", "family_name", "sex", "birth_year", "phone"}


def test_hamlet_rules(db):
    assert errors_of(db, registry.save_hamlet, HamletForm(name=" ")) == {
        "name": "Chưa nhập tên thôn, tổ dân phố."}
    assert errors_of(db, registry.save_hamlet, HamletForm(name="Thôn A", kind="city")) == {
        "kind": "Loại 'city' không hợp lệ."}
    hid = save(db, registry.save_hamlet, HamletForm(name="Thôn Đông"))
    for same in ("thon dong", "THÔN ĐÔNG", nfd("Thôn Đông"), "  Thôn  Đồng "):
        assert errors_of(db, registry.save_hamlet, HamletForm(name=same)) == {
            "name": "Đã có Thôn Đông trong danh sách."}, same
    # The hamlet itself may be saved under its own name.
    with db.write() as s:
        form = registry.load_hamlet(s, hid)
        form.name = "thôn đông"
        registry.save_hamlet(s, form)
    with db.read() as s:
        assert s.scalar(select(func.count(Hamlet.id))) == 1


def test_household_rules(town):
    db = town["db"]
    assert errors_of(db, registry.save_household, HouseholdForm()) == {
        "hamlet_id": "Chưa chọn thôn, tổ dân phố của hộ."}
    assert errors_of(db, registry.save_household, HouseholdForm(hamlet_id=town["h1"], code="H001")) == {
        "code": "Mã hộ H001 đã dùng cho hộ khác."}
    assert errors_of(db, registry.save_household, HouseholdForm(hamlet_id=town["h1"], poverty="rich")) == {
        "poverty": "Hoàn cảnh 'rich' không hợp lệ."}
    assert errors_of(db, registry.save_household, HouseholdForm(hamlet_id=town["h1"], clan_id=404)) == {
        "clan_id": "Dòng họ đã chọn không còn trong danh sách."}
    other = save(db, registry.save_household, HouseholdForm(hamlet_id=town["h2"]))
    # The head of a household must be one of its persons.
    with db.write() as s:
        form = registry.load_household(s, other)
    form.head_person_id = town["head"]
    assert errors_of(db, registry.save_household, form) == {
        "head_person_id": "Chủ hộ phải là một nhân khẩu của hộ này."}
    # A new household has no persons yet, so nobody can be its head.
    assert errors_of(db, registry.save_household, HouseholdForm(hamlet_id=town["h2"], head_person_id=town["head"])) == {
        "head_person_id": "Chủ hộ phải là một nhân khẩu của hộ này."}
    with db.read() as s:
        assert s.get(Household, town["hh"]).head_person_id == town["head"]


def test_clan_and_org_rules(town):
    db = town["db"]
    assert errors_of(db, registry.save_clan, ClanForm(name="")) == {"name": "Chưa nhập tên dòng họ."}
    assert errors_of(db, registry.save_clan, ClanForm(name="Họ Lê", head_person_id=999)) == {
        "head_person_id": "Trưởng họ không còn trong danh sách nhân khẩu."}
    assert errors_of(db, registry.save_organisation, OrganisationForm(name="")) == {
        "name": "Chưa nhập tên đơn vị."}
    assert errors_of(db, registry.save_organisation, OrganisationForm(name="UBND", phone="abc")) == {
        "phone": "Số điện thoại phải có 10 chữ số, bắt đầu bằng 0 (ví dụ 0912345678)."}
    assert errors_of(db, registry.save_branch, BranchForm(name="", kind="other")) == {
        "name": "Chưa nhập tên chi hội."}
    assert errors_of(db, registry.save_branch, BranchForm(name="Chi hội", kind="other",
                                                          founded_on="30/02/2010")) == {
        "founded_on": "Ngày thành lập: Ngày 30/02/2010 không có thật trên lịch."}


@pytest.fixture
def branch(town):
    with town["db"].write() as s:
        bid = registry.save_branch(s, BranchForm(name="Chi hội Thôn Đông", kind="hamlet", hamlet_id=town["h1"]))
    return {**town, "branch": bid}


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"join_date": "01/01/2020", "status": "left", "leave_date": "31/12/2019"}, "leave_date",
         "Ngày thôi không thể trước ngày vào hội."),
        ({"status": "left", "leave_date": ""}, "leave_date", "Hội viên đã thôi hoặc đã mất cần có ngày thôi."),
        ({"status": "deceased", "leave_date": ""}, "leave_date", "Hội viên đã thôi hoặc đã mất cần có ngày thôi."),
        ({"join_date": TOMORROW}, "join_date", "Ngày vào hội không thể sau ngày hôm nay."),
        ({"join_date": "2020-01-05"}, "join_date",
         "Ngày vào hội: Ngày phải viết dạng ngày/tháng/năm, ví dụ 05/09/1980."),
        ({"status": "gone", "leave_date": "01/01/2020"}, "status", "Trạng thái 'gone' không hợp lệ."),
        ({"branch_id": None}, "branch_id", "Chưa chọn chi hội."),
        ({"person_id": None}, "person_id", "Chưa chọn người (hội viên phải là một nhân khẩu trong danh sách)."),
    ],
)
def test_member_rules(branch, changes, field, message):
    form = MemberForm(person_id=branch["head"], branch_id=branch["branch"], join_date="01/01/2020")
    for key, value in changes.items():
        setattr(form, key, value)
    assert errors_of(branch["db"], registry.save_member, form) == {field: message}


def test_member_duplicates(branch):
    db = branch["db"]
    save(db, registry.save_member, MemberForm(person_id=branch["head"], branch_id=branch["branch"],
                                              card_number="HV-001"))
    assert errors_of(db, registry.save_member, MemberForm(person_id=branch["child"], branch_id=branch["branch"],
                                                          card_number="HV-001")) == {
        "card_number": "Số thẻ HV-001 đã cấp cho hội viên khác."}
    assert errors_of(db, registry.save_member, MemberForm(person_id=branch["head"], branch_id=branch["branch"],
                                                          card_number="HV-002")) == {
        "person_id": "Người này đã là hội viên."}


def test_dues_rules(branch):
    db = branch["db"]
    mid = save(db, registry.save_member, MemberForm(person_id=branch["head"], branch_id=branch["branch"]))
    save(db, registry.save_dues, DuesForm(member_id=mid, period="2025", amount=50_000, paid_on="01/03/2025"))
    assert errors_of(db, registry.save_dues, DuesForm(member_id=mid, period="2025", amount=50_000,
                                                      paid_on="02/03/2025")) == {
        "period": "Hội viên đã đóng hội phí kỳ 2025."}
    assert errors_of(db, registry.save_dues, DuesForm(member_id=mid, period="", amount=0, paid_on="")) == {
        "period": "Chưa nhập kỳ đóng hội phí (ví dụ 2026).",
        "amount": "Số tiền phải lớn hơn 0.",
        "paid_on": "Chưa nhập ngày đóng.",
    }
    assert errors_of(db, registry.save_dues, DuesForm(member_id=None, period="2026", amount=None,
                                                      paid_on=TOMORROW)) == {
        "member_id": "Chưa chọn hội viên.",
        "amount": "Chưa nhập số tiền.",
        "paid_on": "Ngày đóng không thể sau ngày hôm nay.",
    }
    with db.read() as s:
        assert s.scalar(select(func.count(DuesPayment.id))) == 1


def test_validation_error_message_joins_field_messages():
    err = ValidationError({"a": "Chưa nhập họ.", "b": "Chưa chọn giới tính."})
    assert str(err) == "Chưa nhập họ. Chưa chọn giới tính."
    assert err.errors == {"a": "Chưa nhập họ.", "b": "Chưa chọn giới tính."}


# ================================================================= likely duplicates
def test_person_duplicates_same_name_year_hamlet(town):
    db = town["db"]
    with db.write() as s:
        same_hamlet = registry.save_household(s, HouseholdForm(hamlet_id=town["h1"]))
        other_hamlet = registry.save_household(s, HouseholdForm(hamlet_id=town["h2"]))
    warning = "Đã có Nguyễn Văn An (sinh năm 1980) cùng thôn: có thể trùng người."
    with db.read() as s:
        assert registry.person_duplicates(s, person(same_hamlet)) == [warning]
        # As typed in the dialog: case, spacing and diacritics do not hide the match.
        assert registry.person_duplicates(s, person(same_hamlet, family="nguyễn", middle="văn", given="an")) == [warning]
        assert registry.person_duplicates(s, person(same_hamlet, family="Nguyen", middle="Van", given="An")) == [warning]
        assert registry.person_duplicates(s, person(same_hamlet, birth_date="01/01/1980", birth_year="")) == [warning]
        assert registry.person_duplicates(s, person(other_hamlet)) == []
        # A head typed for a new household, before the household exists: its hamlet is given.
        assert registry.person_duplicates(s, person(None), hamlet_id=town["h1"]) == [warning]
        assert registry.person_duplicates(s, person(None), hamlet_id=town["h2"]) == []
        assert registry.person_duplicates(s, person(same_hamlet, birth_year="1981")) == []
        assert registry.person_duplicates(s, person(same_hamlet, middle="Thị")) == []
        assert registry.person_duplicates(s, person(same_hamlet, birth_year="")) == []
        # Editing the person himself is not a duplicate of himself.
        assert registry.person_duplicates(s, registry.load_person(s, town["head"])) == []


# ================================================================= deleting
def test_delete_hamlet_with_households_is_blocked(town):
    db = town["db"]
    with db.read() as s:
        plan = registry.delete_plan(s, "hamlets", town["h1"])
    assert plan.title == "Thôn Đông"
    assert not plan.allowed
    assert plan.blockers == ["Còn 1 hộ thuộc thôn này; hãy chuyển các hộ sang thôn khác trước."]
    with pytest.raises(DependencyError) as info:
        with db.write() as s:
            registry.delete_record(s, "hamlets", town["h1"])
    assert str(info.value) == (
        "Chưa xóa được Thôn Đông: Còn 1 hộ thuộc thôn này; hãy chuyển các hộ sang thôn khác trước."
    )
    with db.read() as s:
        assert s.get(Hamlet, town["h1"]) is not None
    assert_no_orphans(db)


def test_delete_empty_hamlet_unlinks_orgs_and_clans(town):
    db = town["db"]
    with db.write() as s:
        oid = registry.save_organisation(s, OrganisationForm(name="Trường Mầm non", hamlet_id=town["h2"]))
        cid = registry.save_clan(s, ClanForm(name="Họ Trần", hamlet_ids=[town["h1"], town["h2"]]))
    with db.read() as s:
        plan = registry.delete_plan(s, "hamlets", town["h2"])
    assert plan.allowed
    assert plan.consequences == ["1 đơn vị sẽ không còn ghi thôn.",
                                 "1 dòng họ sẽ bỏ thôn này khỏi danh sách thôn của họ."]
    with db.write() as s:
        registry.delete_record(s, "hamlets", town["h2"])
    with db.read() as s:
        assert s.get(Hamlet, town["h2"]) is None
        assert s.get(Organisation, oid).hamlet_id is None
        assert registry.load_clan(s, cid).hamlet_ids == [town["h1"]]
    assert_no_orphans(db)


def test_delete_hamlet_with_branch_is_blocked(db):
    with db.write() as s:
        hid = registry.save_hamlet(s, HamletForm(name="Thôn Bắc"))
        registry.save_branch(s, BranchForm(name="Chi hội Thôn Bắc", kind="hamlet", hamlet_id=hid))
    with pytest.raises(DependencyError) as info:
        with db.write() as s:
            registry.delete_record(s, "hamlets", hid)
    assert str(info.value) == (
        "Chưa xóa được Thôn Bắc: Còn 1 chi hội theo thôn này; hãy xóa hoặc sửa chi hội trước."
    )


def test_delete_household_cascades_to_persons(town):
    db = town["db"]
    with db.write() as s:
        other = registry.save_household(s, HouseholdForm(hamlet_id=town["h1"]))
        keep = registry.save_person(s, person(other, family="Lê", given="Lan", sex="F", birth_year="1970"))
        # The household's head is also head of a clan: the clan loses its head, nothing else.
        cid = registry.save_clan(s, ClanForm(name="Họ Nguyễn", head_person_id=town["head"]))
    with db.read() as s:
        plan = registry.delete_plan(s, "households", town["hh"])
    assert plan.title == "hộ ông Nguyễn Văn An (Thôn Đông)"
    assert plan.allowed
    assert plan.consequences == ["Hộ có 2 nhân khẩu; họ sẽ bị xóa cùng."]
    with db.write() as s:
        registry.delete_record(s, "households", town["hh"])
    with db.read() as s:
        assert s.get(Household, town["hh"]) is None
        assert s.get(Person, town["head"]) is None and s.get(Person, town["child"]) is None
        assert list(s.scalars(select(Person.id))) == [keep]
        assert s.get(Clan, cid).head_person_id is None
        assert lists.row_ids(s, lists.ListQuery("persons", search="nguyen")) == []
        assert lists.row_ids(s, lists.ListQuery("households", search="an")) == []
    assert_no_orphans(db)


def test_delete_household_blocked_when_a_person_is_member(branch):
    db = branch["db"]
    save(db, registry.save_member, MemberForm(person_id=branch["child"], branch_id=branch["branch"]))
    with pytest.raises(DependencyError) as info:
        with db.write() as s:
            registry.delete_record(s, "households", branch["hh"])
    assert str(info.value) == (
        "Chưa xóa được hộ ông Nguyễn Văn An (Thôn Đông): 1 người trong hộ là hội viên; "
        "hãy xóa họ khỏi danh sách hội viên trước."
    )
    with db.read() as s:
        assert s.scalar(select(func.count(Person.id))) == 2
        assert s.get(Household, branch["hh"]).head_person_id == branch["head"]
    assert_no_orphans(db)


def test_delete_head_person_clears_household_head(town):
    db = town["db"]
    with db.write() as s:
        cid = registry.save_clan(s, ClanForm(name="Họ Nguyễn", head_person_id=town["head"]))
    with db.read() as s:
        plan = registry.delete_plan(s, "persons", town["head"])
    assert plan.title == "Nguyễn Văn An"
    assert plan.consequences == [
        "Người này là chủ hộ; hộ sẽ chưa có chủ hộ cho đến khi chọn người khác.",
        "Người này là trưởng họ; dòng họ sẽ chưa có trưởng họ.",
    ]
    with db.write() as s:
        registry.delete_record(s, "persons", town["head"])
    with db.read() as s:
        assert s.get(Person, town["head"]) is None
        household = s.get(Household, town["hh"])
        assert household.head_person_id is None
        assert household.search_text == "h001"
        assert s.get(Clan, cid).head_person_id is None
        assert registry.household_members(s, town["hh"]) == [(town["child"], "Nguyễn Văn Bình", "2008", "Con")]
        assert lists.row_ids(s, lists.ListQuery("households", search="an")) == []
        assert registry.describe(s, "households", town["hh"]) == "hộ H001 (Thôn Đông)"
    assert_no_orphans(db)


def test_delete_person_who_is_member_blocked(branch):
    db = branch["db"]
    save(db, registry.save_member, MemberForm(person_id=branch["child"], branch_id=branch["branch"]))
    with pytest.raises(DependencyError) as info:
        with db.write() as s:
            registry.delete_record(s, "persons", branch["child"])
    assert str(info.value) == (
        "Chưa xóa được Nguyễn Văn Bình: Người này là hội viên; hãy xóa khỏi danh sách hội viên trước."
    )


def test_delete_clan_clears_households(town):
    db = town["db"]
    with db.write() as s:
        cid = registry.save_clan(s, ClanForm(name="Họ Nguyễn", hamlet_ids=[town["h1"], town["h2"]]))
        form = registry.load_household(s, town["hh"])
        form.clan_id = cid
        registry.save_household(s, form)
    with db.read() as s:
        plan = registry.delete_plan(s, "clans", cid)
    assert plan.title == "dòng họ Họ Nguyễn"
    assert plan.consequences == ["1 hộ sẽ không còn ghi thuộc dòng họ này."]
    with db.write() as s:
        registry.delete_record(s, "clans", cid)
    with db.read() as s:
        assert s.get(Clan, cid) is None
        assert s.get(Household, town["hh"]).clan_id is None
        assert s.execute(select(clan_hamlet)).all() == []
        assert s.scalar(select(func.count(Hamlet.id))) == 2
    assert_no_orphans(db)


def test_delete_clan_or_org_with_branch_blocked(bases):
    db = bases["db"]
    with db.write() as s:
        registry.save_branch(s, BranchForm(name="Chi hội họ", kind="clan", clan_id=bases["clan"]))
        registry.save_branch(s, BranchForm(name="Chi hội trường", kind="school", organisation_id=bases["school"]))
    with pytest.raises(DependencyError) as info:
        with db.write() as s:
            registry.delete_record(s, "clans", bases["clan"])
    assert str(info.value) == (
        "Chưa xóa được dòng họ Họ Nguyễn: Còn 1 chi hội theo dòng họ này; hãy xóa hoặc sửa chi hội trước."
    )
    with pytest.raises(DependencyError) as info:
        with db.write() as s:
            registry.delete_record(s, "organisations", bases["school"])
    assert str(info.value) == (
        "Chưa xóa được Trường THCS Tân Lập: Còn 1 chi hội của đơn vị này; hãy xóa hoặc sửa chi hội trước."
    )
    with db.write() as s:
        registry.delete_record(s, "organisations", bases["office"])
    assert_no_orphans(db)


def test_delete_branch_with_members_blocked_then_member_with_dues(branch):
    db = branch["db"]
    mid = save(db, registry.save_member, MemberForm(person_id=branch["head"], branch_id=branch["branch"]))
    save(db, registry.save_dues, DuesForm(member_id=mid, period="2025", amount=50_000, paid_on="01/03/2025"))
    with pytest.raises(DependencyError) as info:
        with db.write() as s:
            registry.delete_record(s, "branches", branch["branch"])
    assert str(info.value) == (
        "Chưa xóa được chi hội Chi hội Thôn Đông: Chi hội còn 1 hội viên; "
        "hãy chuyển họ sang chi hội khác trước."
    )
    with db.read() as s:
        plan = registry.delete_plan(s, "members", mid)
    assert plan.title == "hội viên Nguyễn Văn An"
    assert plan.consequences == ["1 lần đóng hội phí của hội viên sẽ bị xóa cùng."]
    with db.write() as s:
        registry.delete_record(s, "members", mid)
    with db.read() as s:
        assert s.scalar(select(func.count(DuesPayment.id))) == 0
        assert s.get(Person, branch["head"]) is not None
    with db.write() as s:
        registry.delete_record(s, "branches", branch["branch"])
    with db.read() as s:
        assert s.scalar(select(func.count(Branch.id))) == 0
    assert_no_orphans(db)


def test_delete_unknown_kind_or_record(db):
    with db.read() as s:
        with pytest.raises(NotFoundError) as info:
            registry.delete_plan(s, "hamlets", 42)
        assert str(info.value) == "Không tìm thấy thôn này; có thể đã bị xóa."
        with pytest.raises(NotFoundError):
            registry.delete_plan(s, "planets", 1)


# ================================================================= pickers
def test_person_choices_and_options(town):
    db = town["db"]
    with db.write() as s:
        registry.save_clan(s, ClanForm(name="Họ Vũ"))
        registry.save_clan(s, ClanForm(name="Họ Đặng"))
        registry.save_clan(s, ClanForm(name="Họ Bùi"))
    with db.read() as s:
        assert registry.person_choices(s, "nguyen") == [
            (town["head"], "Nguyễn Văn An (1980, Thôn Đông)"),
            (town["child"], "Nguyễn Văn Bình (2008, Thôn Đông)"),
        ]
        assert registry.person_choices(s, "binh") == [(town["child"], "Nguyễn Văn Bình (2008, Thôn Đông)")]
        assert [name for _, name in registry.named_choices(s, "clans", "")] == ["Họ Bùi", "Họ Đặng", "Họ Vũ"]
        assert [name for _, name in registry.named_choices(s, "clans", "dang")] == ["Họ Đặng"]
        assert registry.name_of(s, "clans", None) == ""
        assert registry.person_label(s, town["head"]) == "Nguyễn Văn An"
        assert registry.person_label(s, None) == ""


# ================================================================= moving and creating households
def test_head_moved_to_another_household_is_no_longer_head_there(town):
    db = town["db"]
    with db.write() as s:
        other = registry.save_household(s, HouseholdForm(hamlet_id=town["h2"], code="H002"))
        form = registry.load_person(s, town["head"])
        form.household_id = other
        registry.save_person(s, form)
    with db.read() as s:
        old = s.get(Household, town["hh"])
        assert old.head_person_id is None
        assert lists.row_ids(s, lists.ListQuery("households", search="nguyen van an")) == [other]
        assert s.get(Household, other).head_person_id == town["head"]
        assert registry.household_members(s, town["hh"]) == [(town["child"], "Nguyễn Văn Bình", "2008", "Con")]
    # The old household can be saved again as it is.
    with db.write() as s:
        registry.save_household(s, registry.load_household(s, town["hh"]))
    assert_no_orphans(db)


def test_create_household_with_head(db):
    with db.write() as s:
        h = registry.save_hamlet(s, HamletForm(name="Thôn Đông"))
    with db.write() as s:
        hid = registry.create_household(s, HouseholdForm(hamlet_id=h, code="H7", poverty="poor"),
                                        person(family="trần", middle="thị", given="lan", sex="F", birth_year="1975"))
    with db.read() as s:
        form = registry.load_household(s, hid)
        assert (form.code, form.hamlet_id, form.poverty) == ("H7", h, "poor")
        head = registry.load_person(s, form.head_person_id)
        assert (head.family_name, head.middle_name, head.given_name, head.relation, head.household_id) == (
            "Trần", "Thị", "Lan", "head", hid)
        assert lists.row_ids(s, lists.ListQuery("households", search="tran lan")) == [hid]
    errors = errors_of(db, lambda s, f: registry.create_household(s, *f),
                       (HouseholdForm(hamlet_id=None), person(given="", birth_year=str(NEXT_YEAR))))
    assert errors == {
        "hamlet_id": "Chưa chọn thôn, tổ dân phố của hộ.",
        "head.given_name": "Chưa nhập tên (chữ cuối của họ và tên).",
        "head.birth_year": "Năm sinh không thể sau năm hiện tại.",
    }
    with db.read() as s:
        assert s.scalar(select(func.count(Household.id))) == 1
        assert s.scalar(select(func.count(Person.id))) == 1
