"""List pages' queries: search without diacritics, Vietnamese name order, filters, sorting and
the displayed values, on a small commune built through the registry services."""

import unicodedata

import pytest

from khuyenhoc_desktop.domain.cccd import make_cccd
from khuyenhoc_desktop.errors import UserError
from khuyenhoc_desktop.services import lists, registry
from khuyenhoc_desktop.services.lists import ListQuery
from khuyenhoc_desktop.services.registry import (
    BranchForm,
    ClanForm,
    HamletForm,
    HouseholdForm,
    MemberForm,
    PersonForm,
)
from khuyenhoc_desktop.storage.database import Database

# (family, middle, given, sex, birth year, household, relation)
PEOPLE = [
    ("Nguyễn", "Văn", "An", "M", 1970, "A", "head"),
    ("Ngô", "Thị", "An", "F", 1985, "B", "child"),
    ("Lê", "Văn", "An", "M", 1990, "C", "child"),
    ("Trần", "Thị", "Ánh", "F", 1975, "A", "spouse"),
    ("Bùi", "Văn", "Ân", "M", 2001, "C", "grandchild"),
    ("Lê", "Văn", "Bình", "M", 1965, "C", "head"),
    ("Đào", "Thị", "Cúc", "F", 1968, "B", "sibling"),
    ("Phạm", "Văn", "Dũng", "M", 1972, "D", "other"),
    ("Đinh", "Văn", "Dương", "M", 1999, "D", "child"),
    ("Hoàng", "Thị", "Đào", "F", 1960, "B", "head"),
    ("Đặng", "Văn", "Đức", "M", 1980, "D", "head"),
    ("Nguyễn", "Thị", "Hà", "F", 2005, "A", "child"),
    ("Lê", "Thị", "Ô", "F", 1995, "C", "child"),
    ("Lưu", "Văn", "Ơn", "M", 1955, "D", "parent"),
    ("Đỗ", "Hoàng", "Yến", "F", 2010, "A", "grandchild"),
]

# Written by hand: given name, then middle, then family name, in Vietnamese alphabet order.
NAME_ORDER = [
    "Ngô Thị An", "Lê Văn An", "Nguyễn Văn An", "Trần Thị Ánh", "Bùi Văn Ân", "Lê Văn Bình",
    "Đào Thị Cúc", "Phạm Văn Dũng", "Đinh Văn Dương", "Hoàng Thị Đào", "Đặng Văn Đức",
    "Nguyễn Thị Hà", "Lê Thị Ô", "Lưu Văn Ơn", "Đỗ Hoàng Yến",
]

HOUSEHOLD_HAMLET = {"A": "Thôn Đông", "B": "Thôn Tây", "C": "Thôn Đông", "D": "Xóm Đình"}


def build_commune(db) -> dict:
    ids: dict = {"hamlet": {}, "household": {}, "person": {}}
    with db.write() as s:
        for name in ("Thôn Tây", "Xóm Đình", "Thôn Đông"):
            ids["hamlet"][name] = registry.save_hamlet(s, HamletForm(name=name))
        for code, hamlet in HOUSEHOLD_HAMLET.items():
            ids["household"][code] = registry.save_household(
                s, HouseholdForm(code=f"H0{code}", hamlet_id=ids["hamlet"][hamlet], address=f"Số {code}",
                                 poverty="poor" if code == "B" else "none"))
        # Saved in an order unrelated to the expected one.
        for family, middle, given, sex, year, hh, relation in reversed(PEOPLE):
            extra = {}
            if (family, given) == ("Nguyễn", "An"):
                extra = dict(birth_date="05/01/1970", cccd=make_cccd("001", 1970, "M", 1),
                             education="university", occupation="Nông dân", phone="0912345678")
            ids["person"][f"{family} {middle} {given}"] = registry.save_person(
                s, PersonForm(household_id=ids["household"][hh], family_name=family, middle_name=middle,
                              given_name=given, sex=sex, birth_year=str(year), relation=relation, **extra))
        clan = registry.save_clan(s, ClanForm(name="Họ Lê", hamlet_ids=[ids["hamlet"]["Thôn Tây"],
                                                                         ids["hamlet"]["Thôn Đông"]]))
        ids["clan"] = clan
        branch = registry.save_branch(s, BranchForm(name="Chi hội Thôn Đông", kind="hamlet",
                                                    hamlet_id=ids["hamlet"]["Thôn Đông"], founded_on="15/08/2010"))
        ids["branch"] = branch
        ids["member"] = {
            "Nguyễn Văn An": registry.save_member(s, MemberForm(
                person_id=ids["person"]["Nguyễn Văn An"], branch_id=branch, card_number="HV-001",
                join_date="01/02/2015")),
            "Hoàng Thị Đào": registry.save_member(s, MemberForm(
                person_id=ids["person"]["Hoàng Thị Đào"], branch_id=branch, card_number="HV-002",
                join_date="01/02/2015", status="left", leave_date="31/12/2024")),
            "Lê Văn Bình": registry.save_member(s, MemberForm(
                person_id=ids["person"]["Lê Văn Bình"], branch_id=branch, card_number="HV-010",
                join_date="10/10/2020")),
        }
    return ids


@pytest.fixture(scope="module")
def commune(tmp_path_factory):
    """Read-only for the tests that use it: built once per module."""
    path = tmp_path_factory.mktemp("lists") / "xa.sqlite"
    db = Database(path)
    ids = build_commune(db)
    yield db, ids
    db.close()


def names(db, **query) -> list[str]:
    with db.read() as s:
        _, rows = lists.as_table(s, ListQuery(query.pop("kind", "persons"), **query))
    key = "full_name" if rows and "full_name" in rows[0] else "name"
    return [r[key] for r in rows]


# ---------------------------------------------------------------- order
def test_default_order_is_vietnamese_given_name_order(commune):
    db, _ = commune
    assert names(db) == NAME_ORDER


def test_default_order_descending(commune):
    db, _ = commune
    assert names(db, descending=True) == NAME_ORDER[::-1]


def test_hamlets_in_vietnamese_order(commune):
    db, _ = commune
    assert names(db, kind="hamlets") == ["Thôn Đông", "Thôn Tây", "Xóm Đình"]


def test_households_ordered_by_head_name(commune):
    db, _ = commune
    with db.read() as s:
        _, rows = lists.as_table(s, ListQuery("households"))
    assert [r["head"] for r in rows] == ["Nguyễn Văn An", "Lê Văn Bình", "Hoàng Thị Đào", "Đặng Văn Đức"]


# ---------------------------------------------------------------- search
@pytest.mark.parametrize(
    "search, expected",
    [
        ("nguyen van an", ["Nguyễn Văn An"]),
        ("Nguyễn Văn An", ["Nguyễn Văn An"]),
        (unicodedata.normalize("NFD", "nguyễn văn an"), ["Nguyễn Văn An"]),
        ("NGUYỄN", ["Nguyễn Văn An", "Nguyễn Thị Hà"]),
        ("NGUYEN", ["Nguyễn Văn An", "Nguyễn Thị Hà"]),
        ("đao", ["Đào Thị Cúc", "Hoàng Thị Đào"]),
        ("dao", ["Đào Thị Cúc", "Hoàng Thị Đào"]),
        ("ĐÀO", ["Đào Thị Cúc", "Hoàng Thị Đào"]),
        ("đ", ["Đào Thị Cúc", "Phạm Văn Dũng", "Đinh Văn Dương", "Hoàng Thị Đào", "Đặng Văn Đức", "Đỗ Hoàng Yến"]),
        ("ng", ["Ngô Thị An", "Nguyễn Văn An", "Nguyễn Thị Hà"]),
        ("guyen", []),
        ("uyễn", []),
        ("thi an", ["Ngô Thị An", "Trần Thị Ánh"]),
        ("an thi", ["Ngô Thị An", "Trần Thị Ánh"]),
        ("van a", ["Lê Văn An", "Nguyễn Văn An", "Bùi Văn Ân"]),
        ("le van", ["Lê Văn An", "Lê Văn Bình"]),
        ("le, van!", ["Lê Văn An", "Lê Văn Bình"]),
        ("on", ["Lưu Văn Ơn"]),
        ("o", ["Lê Thị Ô", "Lưu Văn Ơn"]),
        ("nguyen binh", []),
        ("001070", ["Nguyễn Văn An"]),
        ("0912", ["Nguyễn Văn An"]),
        ("   ", NAME_ORDER),
        ("", NAME_ORDER),
    ],
)
def test_person_search(commune, search, expected):
    db, _ = commune
    assert names(db, search=search) == expected


def test_search_hamlets_and_households(commune):
    db, ids = commune
    assert names(db, kind="hamlets", search="dinh") == ["Xóm Đình"]
    assert names(db, kind="hamlets", search="thon") == ["Thôn Đông", "Thôn Tây"]
    with db.read() as s:
        assert lists.row_ids(s, ListQuery("households", search="hoang dao")) == [ids["household"]["B"]]
        assert lists.row_ids(s, ListQuery("households", search="h0d")) == [ids["household"]["D"]]


def test_members_search_by_card_number(commune):
    db, ids = commune
    assert names(db, kind="members", search="HV-002") == ["Hoàng Thị Đào"]
    assert names(db, kind="members", search="002") == ["Hoàng Thị Đào"]
    assert names(db, kind="members", search="hv 010") == ["Lê Văn Bình"]
    assert names(db, kind="members", search="hv") == ["Nguyễn Văn An", "Lê Văn Bình", "Hoàng Thị Đào"]
    assert names(db, kind="members", search="dao") == ["Hoàng Thị Đào"]
    assert names(db, kind="members", search="HV-003") == []


# ---------------------------------------------------------------- filters
def test_hamlet_filter(commune):
    db, ids = commune
    dong, tay, dinh = (ids["hamlet"][n] for n in ("Thôn Đông", "Thôn Tây", "Xóm Đình"))
    assert names(db, hamlet_id=tay) == ["Ngô Thị An", "Đào Thị Cúc", "Hoàng Thị Đào"]
    assert names(db, hamlet_id=dinh) == ["Phạm Văn Dũng", "Đinh Văn Dương", "Đặng Văn Đức", "Lưu Văn Ơn"]
    assert names(db, hamlet_id=dong) == [
        "Lê Văn An", "Nguyễn Văn An", "Trần Thị Ánh", "Bùi Văn Ân", "Lê Văn Bình", "Nguyễn Thị Hà",
        "Lê Thị Ô", "Đỗ Hoàng Yến"]
    assert names(db, hamlet_id=dong, search="an") == ["Lê Văn An", "Nguyễn Văn An", "Trần Thị Ánh", "Bùi Văn Ân"]
    with db.read() as s:
        assert lists.row_ids(s, ListQuery("households", hamlet_id=dong)) == [
            ids["household"]["A"], ids["household"]["C"]]
        assert lists.find_hamlet(s, "thon dong") == dong
        assert lists.find_hamlet(s, "XÓM ĐÌNH") == dinh
        with pytest.raises(UserError) as info:
            lists.find_hamlet(s, "Thôn Nam")
        assert str(info.value) == "Không có thôn, tổ dân phố nào tên 'Thôn Nam'."
    assert names(db, kind="members", hamlet_id=tay) == ["Hoàng Thị Đào"]


def test_status_filter(commune):
    db, ids = commune
    assert names(db, status="F") == [
        "Ngô Thị An", "Trần Thị Ánh", "Đào Thị Cúc", "Hoàng Thị Đào", "Nguyễn Thị Hà", "Lê Thị Ô", "Đỗ Hoàng Yến"]
    assert names(db, status="M", search="van an") == ["Lê Văn An", "Nguyễn Văn An", "Bùi Văn Ân"]
    assert names(db, kind="members", status="active") == ["Nguyễn Văn An", "Lê Văn Bình"]
    assert names(db, kind="members", status="left") == ["Hoàng Thị Đào"]
    assert names(db, kind="members", status="deceased") == []
    with db.read() as s:
        assert lists.row_ids(s, ListQuery("households", status="poor")) == [ids["household"]["B"]]


# ---------------------------------------------------------------- sorting by a column
def test_sort_by_birth_year(commune):
    db, _ = commune
    by_year = [f"{f} {m} {g}" for f, m, g, *_ in sorted(PEOPLE, key=lambda p: p[4])]
    assert by_year[:3] == ["Lưu Văn Ơn", "Hoàng Thị Đào", "Lê Văn Bình"]
    assert names(db, sort_key="birth_year") == by_year
    assert names(db, sort_key="birth_year", descending=True) == by_year[::-1]
    with db.read() as s:
        _, rows = lists.as_table(s, ListQuery("persons", sort_key="birth_year", descending=True))
    years = [r["birth_year"] for r in rows]
    assert years == sorted(years, reverse=True) and years[0] == 2010


def test_sort_by_hamlet_then_name(commune):
    db, _ = commune
    got = names(db, sort_key="hamlet")
    expected = sorted(NAME_ORDER, key=lambda n: ["Thôn Đông", "Thôn Tây", "Xóm Đình"].index(
        HOUSEHOLD_HAMLET[next(p[5] for p in PEOPLE if f"{p[0]} {p[1]} {p[2]}" == n)]))
    assert got == expected
    assert got[:2] == ["Lê Văn An", "Nguyễn Văn An"] and got[-1] == "Lưu Văn Ơn"


def test_sort_by_name_column_is_name_order(commune):
    db, _ = commune
    assert names(db, sort_key="full_name") == NAME_ORDER
    assert names(db, sort_key="full_name", descending=True) == NAME_ORDER[::-1]


def test_sort_by_household_size(commune):
    db, ids = commune
    with db.read() as s:
        _, rows = lists.as_table(s, ListQuery("households", sort_key="size", descending=True))
    assert [(r["code"], r["size"]) for r in rows] == [("H0A", 4), ("H0C", 4), ("H0D", 4), ("H0B", 3)]


def test_unknown_kind_and_column(commune):
    db, _ = commune
    with db.read() as s:
        with pytest.raises(UserError) as info:
            lists.row_ids(s, ListQuery("planets"))
        assert str(info.value) == (
            "Không có danh sách 'planets'. Chọn một trong: hamlets, households, persons, clans, "
            "organisations, branches, members, citizen_results."
        )
        with pytest.raises(UserError) as info:
            lists.row_ids(s, ListQuery("persons", sort_key="salary"))
        assert str(info.value) == "Danh sách Nhân khẩu không có cột salary."


# ---------------------------------------------------------------- displayed values
def test_fetch_rows_person_display(commune):
    db, ids = commune
    pid = ids["person"]["Nguyễn Văn An"]
    with db.read() as s:
        rows = lists.fetch_rows(s, "persons", [pid, ids["person"]["Đỗ Hoàng Yến"]])
    assert rows[pid] == {
        "id": pid,
        "full_name": "Nguyễn Văn An",
        "sex": "Nam",
        "birth_date": "05/01/1970",
        "birth_year": 1970,
        "cccd": make_cccd("001", 1970, "M", 1),
        "relation": "Chủ hộ",
        "education": "Đại học",
        "occupation": "Nông dân",
        "phone": "0912345678",
        "hamlet": "Thôn Đông",
    }
    other = rows[ids["person"]["Đỗ Hoàng Yến"]]
    assert (other["sex"], other["birth_date"], other["cccd"], other["relation"], other["education"]) == (
        "Nữ", "", "", "Cháu", "")
    with db.read() as s:
        assert lists.fetch_rows(s, "persons", []) == {}


def test_fetch_rows_other_kinds(commune):
    db, ids = commune
    with db.read() as s:
        hh = lists.fetch_rows(s, "households", [ids["household"]["B"]])[ids["household"]["B"]]
        members = lists.fetch_rows(s, "members", list(ids["member"].values()))
        branch = lists.fetch_rows(s, "branches", [ids["branch"]])[ids["branch"]]
        clan = lists.fetch_rows(s, "clans", [ids["clan"]])[ids["clan"]]
        hamlets = lists.fetch_rows(s, "hamlets", list(ids["hamlet"].values()))
    assert hh == {"id": ids["household"]["B"], "code": "H0B", "head": "Hoàng Thị Đào", "hamlet": "Thôn Tây", "clan": "",
                  "address": "Số B", "size": 3, "poverty": "Hộ nghèo", "note": ""}
    assert members[ids["member"]["Nguyễn Văn An"]] == {
        "id": ids["member"]["Nguyễn Văn An"], "full_name": "Nguyễn Văn An", "birth_year": 1970, "card_number": "HV-001",
        "branch": "Chi hội Thôn Đông", "join_date": "01/02/2015", "status": "Đang sinh hoạt",
        "leave_date": "", "hamlet": "Thôn Đông"}
    left = members[ids["member"]["Hoàng Thị Đào"]]
    assert (left["status"], left["leave_date"], left["hamlet"]) == ("Đã thôi", "31/12/2024", "Thôn Tây")
    assert branch == {"id": ids["branch"], "name": "Chi hội Thôn Đông", "kind": "Thôn, tổ dân phố", "base": "Thôn Đông",
                      "head_name": "", "members": 2, "founded_on": "15/08/2010"}
    assert clan["hamlets"] == "Thôn Đông, Thôn Tây"
    assert clan["households"] == 0
    assert {row["name"]: row["households"] for row in hamlets.values()} == {
        "Thôn Đông": 2, "Thôn Tây": 1, "Xóm Đình": 1}
    assert {row["kind"] for row in hamlets.values()} == {"Thôn"}


def test_as_table_columns_and_counts(commune):
    db, _ = commune
    with db.read() as s:
        columns, rows = lists.as_table(s, ListQuery("persons", search="le"))
        assert lists.total_count(s, "persons") == len(PEOPLE)
    assert [c.header for c in columns] == [
        "Họ và tên", "Giới tính", "Ngày sinh", "Năm sinh", "Số CCCD", "Quan hệ với chủ hộ",
        "Trình độ học vấn", "Nghề nghiệp", "Điện thoại", "Thôn, tổ dân phố"]
    assert [r["full_name"] for r in rows] == ["Lê Văn An", "Lê Văn Bình", "Lê Thị Ô"]
    assert all(set(r) == {"id"} | {c.key for c in columns} for r in rows)


# ---------------------------------------------------------------- lists follow edits
@pytest.fixture
def fresh(tmp_path):
    db = Database(tmp_path / "fresh.sqlite")
    yield db
    db.close()


def test_household_search_follows_head_rename(fresh):
    db = fresh
    with db.write() as s:
        h = registry.save_hamlet(s, HamletForm(name="Thôn Đông"))
        hh = registry.save_household(s, HouseholdForm(hamlet_id=h, code="H9"))
        head = registry.save_person(s, PersonForm(household_id=hh, family_name="Nguyễn", middle_name="Văn",
                                                  given_name="An", sex="M", birth_year="1970", relation="head"))
        mid = registry.save_member(s, MemberForm(person_id=head, branch_id=registry.save_branch(
            s, BranchForm(name="Chi hội", kind="other")), card_number="07"))
    with db.read() as s:
        assert lists.row_ids(s, ListQuery("households", search="nguyen van an")) == [hh]
    with db.write() as s:
        form = registry.load_person(s, head)
        form.family_name, form.middle_name, form.given_name = "trần", "đức", "bảo"
        registry.save_person(s, form)
    with db.read() as s:
        assert lists.row_ids(s, ListQuery("households", search="nguyen van an")) == []
        assert lists.row_ids(s, ListQuery("households", search="tran duc bao")) == [hh]
        assert lists.fetch_rows(s, "households", [hh])[hh]["head"] == "Trần Đức Bảo"
        assert lists.row_ids(s, ListQuery("members", search="nguyen")) == []
        assert lists.row_ids(s, ListQuery("members", search="bao 07")) == [mid]
        assert lists.row_ids(s, ListQuery("persons", search="nguyen")) == []
        assert lists.row_ids(s, ListQuery("persons", search="bao")) == [head]


def test_member_search_follows_card_change(fresh):
    db = fresh
    with db.write() as s:
        h = registry.save_hamlet(s, HamletForm(name="Thôn Đông"))
        hh = registry.save_household(s, HouseholdForm(hamlet_id=h))
        p = registry.save_person(s, PersonForm(household_id=hh, family_name="Lê", given_name="Na", sex="F",
                                               birth_year="1990"))
        b = registry.save_branch(s, BranchForm(name="Chi hội", kind="other"))
        mid = registry.save_member(s, MemberForm(person_id=p, branch_id=b, card_number="A-1"))
    with db.write() as s:
        form = registry.load_member(s, mid)
        form.card_number = "B-2"
        registry.save_member(s, form)
    with db.read() as s:
        assert lists.row_ids(s, ListQuery("members", search="a-1")) == []
        assert lists.row_ids(s, ListQuery("members", search="b-2")) == [mid]


def test_empty_lists(fresh):
    with fresh.read() as s:
        for key in lists.KINDS:
            assert lists.row_ids(s, ListQuery(key)) == []
            assert lists.row_ids(s, ListQuery(key, search="an")) == []
            assert lists.as_table(s, ListQuery(key))[1] == []
            assert lists.total_count(s, key) == 0
            assert lists.kind(key).empty_text.startswith("Chưa có")


# ---------------------------------------------------------------- paged reading agrees with the whole list
PAGED_QUERIES = [
    ListQuery("persons"),
    ListQuery("persons", descending=True),
    ListQuery("persons", search="thi"),
    ListQuery("persons", search="đ", descending=True),
    ListQuery("persons", status="F"),
    ListQuery("persons", search="guyen"),
    ListQuery("households"),
    ListQuery("members", search="hv"),
    ListQuery("hamlets", search="thon"),
    ListQuery("clans"),
]


@pytest.mark.parametrize("query", PAGED_QUERIES, ids=lambda q: f"{q.kind}-{q.search}-{q.status}-{q.descending}")
def test_pages_counts_and_positions_agree_with_as_table(commune, query):
    db, ids = commune
    with db.read() as s:
        _, whole = lists.as_table(s, query)
        assert lists.count_rows(s, query) == len(whole)
        assert lists.name_ordered(query)
        paged = []
        for offset in range(0, len(whole) + 4, 4):
            paged += lists.page_rows(s, query, offset, 4, len(whole))
        assert paged == whole
        for index, row in enumerate(whole):
            assert lists.position(s, query, row["id"]) == index
        outside = set(ids["person"].values()) - {r["id"] for r in whole} if query.kind == "persons" else set()
        for pid in outside:
            assert lists.position(s, query, pid) == -1


def test_count_rows_with_hamlet_filter(commune):
    db, ids = commune
    query = ListQuery("persons", search="van", hamlet_id=ids["hamlet"]["Thôn Đông"])
    with db.read() as s:
        assert lists.count_rows(s, query) == len(lists.row_ids(s, query)) == 4
        assert not lists.name_ordered(ListQuery("persons", sort_key="birth_year"))
        assert lists.name_ordered(ListQuery("persons", sort_key="full_name"))
