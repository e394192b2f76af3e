"""The demo commune: a realistic synthetic commune to try the program on and to measure it.

The same seed and size give the same content (uids included; only timestamps differ). Everything
is generated in memory first, then written with bulk inserts in one transaction, so a failure or
a cancel leaves the file as it was. A file that already holds data is refused: demo data must
never mix with real data.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
import uuid
from collections.abc import Callable
from itertools import accumulate

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from khuyenhoc_desktop.domain import admin_units
from khuyenhoc_desktop.domain import demo_names as names
from khuyenhoc_desktop.domain.cccd import PROVINCE_CODES, make_cccd
from khuyenhoc_desktop.domain.dates import today, utcnow
from khuyenhoc_desktop.domain.text import fold
from khuyenhoc_desktop.errors import UserError
from khuyenhoc_desktop.services.demo_fund import add_fund
from khuyenhoc_desktop.services.demo_titles import add_titles
from khuyenhoc_desktop.services.profile import OfficerLine, ProfileForm, save_profile, suggested_names
from khuyenhoc_desktop.services.registry import (
    household_search_text,
    member_search_text,
    named_keys,
    person_keys,
)
from khuyenhoc_desktop.storage.database import Database
from khuyenhoc_desktop.storage.models import (
    Branch,
    Clan,
    CommuneProfile,
    DuesPayment,
    Hamlet,
    Household,
    Member,
    Officer,
    Organisation,
    Person,
    clan_hamlet,
)
from khuyenhoc_desktop.storage.search import index_paused

NOT_EMPTY = "Tệp dữ liệu đã có dữ liệu; hãy tạo xã mẫu trong một tệp mới."
CANCELLED = "Đã dừng; chưa có gì được lưu."

Progress = Callable[[int, int, str], None]

_CHUNK = 5000
_EDUCATION_LEVELS = (
    "none", "primary", "lower_secondary", "upper_secondary", "vocational", "college",
    "university", "postgraduate",
)
# Highest level of adults by birth year (upper bound, weights over _EDUCATION_LEVELS).
_ADULT_EDUCATION = (
    (1945, (20, 40, 28, 8, 2, 1, 1, 0)),
    (1960, (8, 30, 38, 15, 4, 2, 3, 0)),
    (1975, (3, 15, 40, 25, 8, 3, 6, 0)),
    (1990, (1, 6, 28, 32, 13, 7, 12, 1)),
    (9999, (0.5, 3, 17, 36, 16, 9, 17, 1.5)),
)
_HIGHER = frozenset(("college", "university", "postgraduate"))
# Head of household age: (from, to, weight).
_HEAD_AGES = ((20, 29, 8), (30, 39, 20), (40, 49, 22), (50, 59, 21), (60, 69, 16), (70, 79, 9), (80, 95, 4))
# Children born, by the mother's birth year (upper bound, weights for 0..5 children).
_CHILDREN_BORN = (
    (1960, (3, 7, 25, 30, 22, 13)),
    (1980, (5, 15, 45, 25, 8, 2)),
    (9999, (8, 22, 52, 15, 3, 0)),
)
# Share of heads living with a spouse, by the head's age (upper bound).
_SPOUSE_SHARE = ((30, 0.8), (60, 0.88), (70, 0.78), (80, 0.6), (999, 0.35))
_NORTH_MOUNTAINS = frozenset((4, 8, 11, 12, 14, 15, 20))
_DUES_LEVELS = (20_000, 24_000, 30_000, 36_000, 40_000)


class _Weighted:
    """Weighted choice by bisection: much faster than `random.choices` in the inner loops."""

    __slots__ = ("items", "cum", "total")

    def __init__(self, pairs):
        pairs = [(item, w) for item, w in pairs if w > 0]
        self.items = [item for item, _ in pairs]
        self.cum = list(accumulate(w for _, w in pairs))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random):
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


class _P:
    __slots__ = (
        "id", "household", "family", "middle", "given", "sex", "age", "birth_date", "birth_year",
        "cccd", "relation", "education", "occupation", "phone", "sort_key", "search_text",
    )

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.family, self.middle, self.given) if p)


class _H:
    __slots__ = ("id", "code", "hamlet", "clan", "head", "address", "poverty", "persons")


class _M:
    __slots__ = ("person", "branch", "join_date", "status", "leave_date")


def _cohort(birth_year: int) -> int:
    return 0 if birth_year < 1970 else (1 if birth_year < 1995 else 2)


class _Builder:
    def __init__(self, households: int, seed: int, progress: Progress | None, cancel: Callable[[], bool] | None,
                 commune_code: int | None = None):
        self.commune_code = commune_code
        self.n = households
        self.rng = random.Random(seed)
        # A separate stream for uids, so the content does not depend on how many uids were drawn.
        self.uid_rng = random.Random(f"khuyenhoc-demo-uid-{seed}")
        self.today = today()
        self.year = self.today.year
        self.now = utcnow()
        self._progress = progress
        self._cancel = cancel
        self.persons: list[_P] = []
        self.households: list[_H] = []
        self.cccds: set[str] = set()

    # ------------------------------------------------------------ plumbing
    def tick(self, percent: float, message: str) -> None:
        if self._cancel is not None and self._cancel():
            raise UserError(CANCELLED)
        if self._progress is not None:
            self._progress(min(100, int(percent)), 100, message)

    def uid(self) -> str:
        return str(uuid.UUID(int=self.uid_rng.getrandbits(128), version=4))

    def stamp(self) -> dict:
        return {"uid": self.uid(), "created_at": self.now, "updated_at": self.now}

    def date_between(self, first: dt.date, last: dt.date) -> dt.date:
        return dt.date.fromordinal(self.rng.randint(first.toordinal(), last.toordinal()))

    # ------------------------------------------------------------ place
    def choose_place(self) -> None:
        rng = self.rng
        province = rng.choice(admin_units.provinces())
        communes = [c for c in admin_units.communes(province.code) if c.kind in ("xã", "phường")]
        wanted = "phường" if rng.random() < 0.2 else "xã"
        commune = rng.choice([c for c in communes if c.kind == wanted] or communes)
        if self.commune_code is not None:
            province, commune = admin_units.find_commune(self.commune_code)
        self.province, self.commune = province, commune
        self.urban = commune.kind == "phường"
        self.short = admin_units.short_name(commune.name)
        self.commune_text = admin_units.in_sentence(commune.name, "xã")
        self.province_text = admin_units.in_sentence(province.name)
        south = province.code >= 48
        self.family_names = _Weighted((f, s if south else n) for f, n, s in names.FAMILY_NAMES)
        self.male_middle = [_Weighted((m, w[c]) for m, w in names.MALE_MIDDLE) for c in range(3)]
        self.female_middle = [_Weighted((m, w[c]) for m, w in names.FEMALE_MIDDLE) for c in range(3)]
        self.male_given = [_Weighted((g, w[c]) for g, w in names.MALE_GIVEN) for c in range(3)]
        self.female_given = [_Weighted((g, w[c]) for g, w in names.FEMALE_GIVEN) for c in range(3)]
        self.occupations = _Weighted((o, u if self.urban else r) for o, r, u in names.OCCUPATIONS)
        self.adult_education = []
        for bound, weights in _ADULT_EDUCATION:
            boost = 1.8 if self.urban else 1.0
            self.adult_education.append((bound, _Weighted(
                (lvl, w * (boost if lvl in _HIGHER else 1.0)) for lvl, w in zip(_EDUCATION_LEVELS, weights)
            )))
        self.head_ages = _Weighted(((lo, hi), w) for lo, hi, w in _HEAD_AGES)
        self.children_born = [(bound, _Weighted(enumerate(w))) for bound, w in _CHILDREN_BORN]
        # Most people were registered at birth in the province the commune lies in.
        old = names.OLD_PROVINCE_CODES.get(province.code) or [f"{province.code:03d}"]
        old = [c for c in old if c in PROVINCE_CODES] or sorted(PROVINCE_CODES)
        self.home_code = rng.choice(old)
        others = [c for c in old if c != self.home_code] or sorted(PROVINCE_CODES - {self.home_code})
        self.other_code = rng.choice(others)

    # ------------------------------------------------------------ hamlets
    def make_hamlets(self) -> None:
        rng = self.rng
        count = max(3, min(40, round(self.n / 250)))
        code = self.province.code
        if self.urban:
            word, kind = ("Khu phố", "khu_pho") if code >= 75 else ("Tổ dân phố", "to_dan_pho")
            numbered = True
        else:
            word, kind = ("Ấp", "ap") if code >= 75 else ("Thôn", "thon")
            numbered = rng.random() < 0.5
        if not self.urban and code in _NORTH_MOUNTAINS and rng.random() < 0.4:
            word, kind = "Bản", "ban"
        if numbered:
            labels = [str(i) for i in range(1, count + 1)]
        else:
            # "Đoài" (west) is a northern word; the south says "Tây".
            words = [w for w in names.DIRECTION_WORDS if code < 44 or w != "Đoài"]
            directions = words[: rng.randint(0, 4)]
            places = [p for p in names.PLACE_NAMES if p != self.short]
            rng.shuffle(places)
            labels = (directions + places)[:count]
            labels += [str(i) for i in range(1, count - len(labels) + 1)]
        # Since 2025 most communes are mergers of two or three old ones.
        merged = rng.random() < 0.75 and count >= 2
        old_count = min(count, rng.choice((2, 2, 3))) if merged else 0
        old_names: list[str] = []
        if merged:
            pool = [p for p in names.PLACE_NAMES if p != self.short]
            rng.shuffle(pool)
            old_names = ([self.short] if rng.random() < 0.5 else []) + pool
            old_names = old_names[:old_count]
            old_prefix = "Phường" if self.urban else "Xã"
        cuts = sorted(rng.sample(range(1, count), old_count - 1)) if old_count > 1 else []
        bounds = [0, *cuts, count]
        self.hamlets: list[dict] = []
        self.hamlet_block: list[int] = []
        for block in range(max(1, old_count)):
            for index, h in enumerate(range(bounds[block], bounds[block + 1]), start=1):
                name = f"{word} {labels[h]}"
                former_commune = f"{old_prefix} {old_names[block]}" if merged else ""
                former_hamlet = ""
                if merged and numbered and str(index) != labels[h]:
                    former_hamlet = f"{word} {index}"
                elif merged and not numbered and rng.random() < 0.2:
                    former_hamlet = f"{word} {rng.choice(names.PLACE_NAMES)}"
                sort_key, search_text = named_keys(name, former_hamlet, former_commune)
                self.hamlets.append({
                    "id": h + 1, **self.stamp(), "name": name, "kind": kind,
                    "former_commune": former_commune, "former_hamlet": former_hamlet, "note": "",
                    "sort_key": sort_key, "search_text": search_text,
                })
                self.hamlet_block.append(block)
        self.old_names = old_names

    # ------------------------------------------------------------ clans
    def make_clans(self) -> None:
        rng = self.rng
        count = max(2, round(self.n / 40))
        h_count = len(self.hamlets)
        self.clans: list[dict] = []
        self.clan_family: list[str] = []
        self.clan_middle: list[str] = []
        self.clan_hamlets: list[list[int]] = []
        self.hamlet_clans: list[dict[str, list[int]]] = [{} for _ in range(h_count)]
        taken: set[str] = set()
        for c in range(count):
            span = min(h_count, rng.choice((1, 1, 2, 2, 3)))
            start = rng.randrange(h_count - span + 1)
            spans = list(range(start, start + span))
            for _attempt in range(200):
                family = self.family_names.pick(rng)
                middle = rng.choice(names.CLAN_MIDDLES)
                name = f"Họ {family} {middle}"
                if name in taken:
                    # Large communes have namesake clans: they are told apart by the hamlet.
                    name = f"{name} ({self.hamlets[start]['name']})"
                if name not in taken:
                    break
            taken.add(name)
            sort_key, search_text = named_keys(name)
            self.clans.append({
                "id": c + 1, **self.stamp(), "name": name, "head_person_id": None, "note": "",
                "sort_key": sort_key, "search_text": search_text,
            })
            self.clan_family.append(family)
            self.clan_middle.append(middle)
            self.clan_hamlets.append(spans)
            for h in spans:
                self.hamlet_clans[h].setdefault(family, []).append(c)

    # ------------------------------------------------------------ persons
    def given_name(self, sex: str, cohort: int, avoid: set[str]) -> str:
        pool = self.male_given[cohort] if sex == "M" else self.female_given[cohort]
        given = pool.pick(self.rng)
        for _ in range(4):
            if given not in avoid:
                break
            given = pool.pick(self.rng)
        return given

    def middle_name(self, sex: str, cohort: int) -> str:
        rng = self.rng
        if rng.random() < (0.1 if cohort == 2 else 0.03):
            return rng.choice(names.MALE_DOUBLE_MIDDLE if sex == "M" else names.FEMALE_DOUBLE_MIDDLE)
        return (self.male_middle if sex == "M" else self.female_middle)[cohort].pick(rng)

    def person(self, hh: _H, relation: str, sex: str, age: int, family: str, middle: str | None = None) -> _P:
        rng = self.rng
        p = _P()
        p.id = len(self.persons) + 1
        p.household = hh
        p.relation = relation
        p.sex = sex
        p.age = age
        year = self.year - age
        p.birth_year = year
        cohort = _cohort(year)
        p.family = family
        p.middle = middle if middle is not None else self.middle_name(sex, cohort)
        p.given = self.given_name(sex, cohort, {q.given for q in hh.persons})
        only_year = rng.random() < (0.35 if age >= 70 else 0.15 if age >= 40 else 0.04)
        if only_year:
            p.birth_date = None
        else:
            first = dt.date(year, 1, 1)
            last = min(dt.date(year, 12, 31), self.today)
            p.birth_date = self.date_between(first, last)
        self.fill_education(p)
        p.phone = ""
        if (18 <= age < 60 and rng.random() < 0.65) or (60 <= age < 75 and rng.random() < 0.35) or (
            15 <= age < 18 and rng.random() < 0.2
        ):
            p.phone = rng.choice(names.MOBILE_PREFIXES) + f"{rng.randrange(10_000_000):07d}"
        p.cccd = None
        if rng.random() < (0.85 if age >= 14 else 0.04):
            code = self.home_code if rng.random() < 0.88 else self.other_code
            while True:
                cccd = make_cccd(code, year, sex, rng.randrange(1_000_000))
                if cccd not in self.cccds:
                    break
            self.cccds.add(cccd)
            p.cccd = cccd
        hh.persons.append(p)
        self.persons.append(p)
        return p

    def fill_education(self, p: _P) -> None:
        rng = self.rng
        age = p.age
        if age < 18:
            if age < 3:
                p.education, p.occupation = "none", ""
            elif age <= 5:
                p.education, p.occupation = "preschool", ""
            elif age <= 10:
                p.education, p.occupation = "primary", "Học sinh"
            elif age <= 14:
                p.education, p.occupation = "lower_secondary", "Học sinh"
            elif rng.random() < 0.87:
                p.education, p.occupation = "upper_secondary", "Học sinh"
            else:
                p.education = "lower_secondary"
                p.occupation = "Công nhân" if rng.random() < 0.5 else "Lao động tự do"
            return
        pool = next(w for bound, w in self.adult_education if p.birth_year < bound)
        level = pool.pick(rng)
        if level == "postgraduate" and age < 25:
            level = "university"
        p.education = level
        p.occupation = self.occupation(p, level)

    def occupation(self, p: _P, level: str) -> str:
        rng = self.rng
        age, female = p.age, p.sex == "F"
        retired_age = 57 if female else 61
        higher = level in _HIGHER
        if age <= 22 and level in ("vocational", "college", "university") and rng.random() < 0.8:
            return "Sinh viên"
        if age >= retired_age:
            r = rng.random()
            if higher and r < 0.8:
                return "Hưu trí"
            if age < 75 and not self.urban and r < 0.5:
                return "Làm ruộng"
            if female and r < 0.7:
                return "Nội trợ"
            return "Hưu trí" if r < 0.8 else ""
        if higher and age >= 23:
            r = rng.random()
            if r < 0.2:
                return "Giáo viên"
            if r < 0.45:
                return "Cán bộ"
            if r < 0.55:
                return "Nhân viên y tế"
            if r < 0.7:
                return "Nhân viên văn phòng"
        if female and rng.random() < 0.1:
            return "Nội trợ"
        return self.occupations.pick(rng)

    # ------------------------------------------------------------ households
    def make_households(self) -> None:
        rng = self.rng
        weights = [rng.uniform(0.6, 1.4) for _ in self.hamlets]
        per_hamlet = [0] * len(self.hamlets)
        chooser = _Weighted(enumerate(weights))
        for _ in range(self.n):
            per_hamlet[chooser.pick(rng)] += 1
        hid = 0
        for h, count in enumerate(per_hamlet):
            house_no = 0
            for _ in range(count):
                hid += 1
                house_no += rng.randint(1, 3)
                self.household(hid, h, house_no)
                if hid % 1000 == 0:
                    self.tick(5 + 35 * hid / self.n, "Đang tạo hộ và nhân khẩu…")

    def household(self, hid: int, h: int, house_no: int) -> None:
        rng = self.rng
        hh = _H()
        hh.id, hh.code, hh.hamlet, hh.persons, hh.clan = hid, f"H{hid:06d}", h, [], None
        hamlet_name = self.hamlets[h]["name"]
        if self.urban:
            hh.address = (
                f"Số {house_no}, đường {rng.choice(names.STREETS)}, {hamlet_name}"
                if rng.random() < 0.6
                else f"Ngõ {rng.randint(1, 40)}, {hamlet_name}"
            )
        elif rng.random() < 0.55:
            group = "Tổ" if self.hamlets[h]["kind"] == "ap" else "Xóm"
            hh.address = f"{group} {1 + house_no // 60}, {hamlet_name}"
        else:
            hh.address = f"Số nhà {house_no}, {hamlet_name}"
        r = rng.random()
        hh.poverty = "poor" if r < 0.04 else "near_poor" if r < 0.09 else "none"

        lo, hi = self.head_ages.pick(rng)
        head_age = rng.randint(lo, hi)
        has_spouse = rng.random() < next(share for bound, share in _SPOUSE_SHARE if head_age < bound)
        head_sex = "M" if rng.random() < (0.76 if has_spouse else 0.38) else "F"
        clans_here = self.hamlet_clans[h]
        if clans_here and rng.random() < 0.4:
            line_family = self.clan_family[rng.choice([c for cs in clans_here.values() for c in cs])]
        else:
            line_family = self.family_names.pick(rng)
        # The children's family name and the clan are the man's; a woman heading the household
        # alone keeps her own family name and clan.
        if head_sex == "M":
            head_family = clan_family = line_family
        elif has_spouse:
            head_family, clan_family = self.family_names.pick(rng), line_family
        else:
            head_family = line_family if rng.random() < 0.3 else self.family_names.pick(rng)
            clan_family = head_family
        if clans_here.get(clan_family) and rng.random() < 0.6:
            hh.clan = rng.choice(clans_here[clan_family])
        line_middle = None
        if hh.clan is not None and clan_family == line_family and rng.random() < 0.6:
            line_middle = self.clan_middle[hh.clan]
        head = self.person(hh, "head", head_sex, head_age, head_family, line_middle if head_sex == "M" else None)
        hh.head = head
        mother_age = head_age if head_sex == "F" else head_age - 3
        if has_spouse:
            gap = round(rng.triangular(-2, 10, 3))
            if head_sex == "M":
                age = max(18, min(100, head_age - gap))
                self.person(hh, "spouse", "F", age, self.family_names.pick(rng))
                mother_age = age
            else:
                age = max(18, min(100, head_age + gap))
                self.person(hh, "spouse", "M", age, line_family, line_middle)
        self.children(hh, head, mother_age, line_family, line_middle)
        if 25 <= head_age <= 62 and rng.random() < 0.10:
            age = head_age + rng.randint(20, 36)
            if age <= 98:
                sex = "F" if rng.random() < 0.65 else "M"
                family = head.family if sex == "M" else self.family_names.pick(rng)
                self.person(hh, "parent", sex, age, family)
        if rng.random() < 0.03:
            age = max(15, head_age + rng.randint(-12, 12))
            self.person(hh, "sibling", "M" if rng.random() < 0.5 else "F", age, head.family)
        self.households.append(hh)

    def children(self, hh: _H, head: _P, mother_age: int, family: str, middle: str | None) -> None:
        rng = self.rng
        born_pool = next(w for bound, w in self.children_born if self.year - mother_age < bound)
        born = born_pool.pick(rng)
        at_birth = rng.randint(19, 27)
        kids: list[tuple[int, str]] = []
        for _ in range(born):
            age = mother_age - at_birth
            if age < 0 or at_birth > 43:
                break
            kids.append((age, "M" if rng.random() < 0.51 else "F"))
            at_birth += rng.randint(2, 5)
        married = None
        if head.age >= 52 and rng.random() < 0.35:
            grown = [k for k in kids if k[0] >= 22]
            grown.sort(key=lambda k: k[1] != "M")  # a son usually stays with the parents
            married = grown[0] if grown else None
        at_home = 0
        for age, sex in kids:
            if (age, sex) == married:
                continue
            stays = 0.97 if age < 18 else 0.75 if age < 23 else 0.45 if age < 30 else 0.12
            if at_home < 4 and rng.random() < stays:
                child_middle = middle if sex == "M" and middle and rng.random() < 0.5 else None
                self.person(hh, "child", sex, age, family, child_middle)
                at_home += 1
        if married is not None:
            age, sex = married
            self.person(hh, "child", sex, age, family)
            gap = round(rng.triangular(-2, 8, 3))
            if sex == "M":
                in_law_age = max(18, age - gap)
                self.person(hh, "other", "F", in_law_age, self.family_names.pick(rng))
                young_mother, young_family = in_law_age, family
            else:
                young_family = self.family_names.pick(rng)
                self.person(hh, "other", "M", max(18, age + gap), young_family)
                young_mother = age
            at_birth = rng.randint(20, 28)
            for _ in range(rng.choice((0, 1, 1, 2, 2, 2, 3))):
                g_age = young_mother - at_birth
                if g_age < 0:
                    break
                self.person(hh, "grandchild", "M" if rng.random() < 0.51 else "F", g_age, young_family)
                at_birth += rng.randint(2, 5)
        elif 48 <= head.age <= 75 and rng.random() < 0.08:
            # Grandchildren left with the grandparents while the parents work far away.
            for _ in range(rng.choice((1, 1, 2))):
                self.person(hh, "grandchild", "M" if rng.random() < 0.51 else "F", rng.randint(1, 14), family)

    # ------------------------------------------------------------ clan heads
    def choose_clan_heads(self) -> None:
        rng = self.rng
        elders: list[list[_P]] = [[] for _ in self.clans]
        for hh in self.households:
            if hh.clan is None:
                continue
            family = self.clan_family[hh.clan]
            for p in hh.persons:
                if p.sex == "M" and p.age >= 50 and p.family == family:
                    elders[hh.clan].append(p)
        nearby: dict[tuple[str, int], list[_P]] | None = None
        self.clan_head: list[_P | None] = []
        for c, clan in enumerate(self.clans):
            family, middle = self.clan_family[c], self.clan_middle[c]
            pool = elders[c]
            if not pool:
                # A small clan: any older man of the name in its hamlets.
                if nearby is None:
                    nearby = {}
                    for p in self.persons:
                        if p.sex == "M" and p.age >= 45:
                            nearby.setdefault((p.family, p.household.hamlet), []).append(p)
                pool = [p for h in self.clan_hamlets[c] for p in nearby.get((family, h), [])]
            # The eldest men of the senior line, preferably bearing the clan's middle name.
            candidates = sorted(pool, key=lambda p: (p.middle != middle, -p.age, p.id))[:3]
            head = rng.choice(candidates) if candidates else None
            self.clan_head.append(head)
            clan["head_person_id"] = head.id if head else None

    # ------------------------------------------------------------ organisations
    def pick_person(self, used: set[int], test, fallback) -> _P:
        """A person matching `test` (else `fallback`) not yet given another post."""
        rng = self.rng
        persons = self.persons
        for check in (test, fallback, lambda p: p.age >= 18):
            for _ in range(400):
                p = persons[rng.randrange(len(persons))]
                if p.id not in used and check(p):
                    used.add(p.id)
                    return p
        p = next(p for p in persons if p.age >= 18)
        return p

    def make_organisations(self) -> None:
        rng = self.rng
        used: set[int] = set()
        self.used_posts = used
        places = self.old_names or [self.short]
        blocks = {name: i for i, name in enumerate(self.old_names)}
        orgs: list[tuple[str, str, int, _P, str]] = []  # name, kind, hamlet index, head, title

        def hamlet_of(place: str | None) -> int:
            if place in blocks:
                return rng.choice([h for h, b in enumerate(self.hamlet_block) if b == blocks[place]])
            return rng.randrange(len(self.hamlets))

        def add(name: str, kind: str, hamlet: int, title: str, test, fallback=None) -> None:
            fallback = fallback or (lambda p: 30 <= p.age <= 58)
            orgs.append((name, kind, hamlet, self.pick_person(used, test, fallback), title))

        def teacher(p: _P) -> bool:
            return p.occupation == "Giáo viên" and 35 <= p.age <= 58

        def educated(p: _P) -> bool:
            return p.education in _HIGHER and 30 <= p.age <= 58

        def schools(prefix: str, count: int) -> None:
            # After a merger the schools usually keep the old communes' names.
            if count == 1:
                chosen = [self.short]
            elif len(places) >= count:
                chosen = places[:count]
            else:
                chosen = [f"{self.short} A", f"{self.short} B"]
            for place in chosen:
                add(f"{prefix} {place}", "school", hamlet_of(place), "Hiệu trưởng", teacher, educated)

        big = self.n >= 1500
        schools("Trường Mầm non", 2 if big or rng.random() < 0.4 else 1)
        schools("Trường Tiểu học", 2 if big or rng.random() < 0.4 else 1)
        add(f"Trường THCS {self.short}", "school", hamlet_of(None), "Hiệu trưởng", teacher, educated)
        if big or rng.random() < 0.3:
            patron = rng.choice(names.SCHOOL_PATRONS)
            add(f"Trường THPT {patron}", "school", hamlet_of(None), "Hiệu trưởng", teacher, educated)
        word, centre = self.commune_text, 0
        add(f"Ủy ban nhân dân {word}", "office", centre, "Chủ tịch",
            lambda p: p.occupation == "Cán bộ" and 35 <= p.age <= 58, educated)
        add(f"Trạm Y tế {word}", "office", centre, "Trạm trưởng",
            lambda p: p.occupation == "Nhân viên y tế" and 30 <= p.age <= 58, educated)
        add(f"Công an {word}", "office", centre, "Trưởng Công an",
            lambda p: p.sex == "M" and 28 <= p.age <= 50)
        add(f"Bưu điện văn hóa {word}", "office", centre, "Phụ trách", lambda p: 25 <= p.age <= 55)
        patterns = [pt for pt in names.FIRM_PATTERNS if not (self.urban and pt[0].startswith("Hợp tác xã"))]
        trade = list(names.TRADE_NAMES)
        rng.shuffle(trade)
        for i, (pattern, title) in enumerate(rng.sample(patterns, rng.randint(2, 4))):
            place = rng.choice(places)
            add(pattern.format(x=trade[i], place=place), "firm", hamlet_of(place), title,
                lambda p: p.occupation in ("Kinh doanh", "Buôn bán") and 30 <= p.age <= 60)
        area = f"0{rng.randint(203, 299)}"  # one landline area code for the whole commune
        self.organisations: list[dict] = []
        for i, (name, kind, h, head, title) in enumerate(orgs, start=1):
            address = self.hamlets[h]["name"]
            phone = f"{area}{rng.randint(3_000_000, 3_999_999)}" if kind != "firm" or rng.random() < 0.7 else ""
            sort_key, search_text = named_keys(name, head.full_name, address)
            self.organisations.append({
                "id": i, **self.stamp(), "name": name, "kind": kind, "hamlet_id": h + 1,
                "head_name": head.full_name, "head_title": title, "address": address, "phone": phone,
                "note": "", "sort_key": sort_key, "search_text": search_text,
            })

    # ------------------------------------------------------------ branches and members
    def make_branches(self) -> None:
        rng = self.rng
        rows: list[dict] = []

        def add(name: str, kind: str, ref: str, ref_id: int, founded: tuple[int, int]) -> int:
            day = dt.date(rng.randint(*founded), rng.randint(1, 12), rng.randint(1, 28))
            rows.append({"name": f"Chi hội khuyến học {name}", "kind": kind, ref: ref_id, "founded_on": day})
            return len(rows)

        self.hamlet_branch = [
            add(hamlet["name"], "hamlet", "hamlet_id", h + 1, (2005, 2018))
            for h, hamlet in enumerate(self.hamlets)
        ]
        self.school_branches: list[int] = []
        self.office_branches: list[int] = []
        for org in self.organisations:
            if org["kind"] == "school":
                self.school_branches.append(add(org["name"], "school", "organisation_id", org["id"], (2008, 2020)))
            elif org["kind"] == "office" and (org["name"].startswith("Ủy ban") or rng.random() < 0.4):
                self.office_branches.append(add(org["name"], "office", "organisation_id", org["id"], (2008, 2020)))
        self.clan_branch: dict[int, int] = {}
        for c in [c for c in range(len(self.clans)) if rng.random() < 0.3] or [0]:
            family_and_middle = self.clans[c]["name"].removeprefix("Họ ")
            self.clan_branch[c] = add(f"dòng họ {family_and_middle}", "clan", "clan_id", c + 1, (2010, 2022))
        self.branches = rows

    def make_members(self) -> None:
        rng = self.rng
        ten_years = self.today - dt.timedelta(days=3652)
        members: list[_M] = []
        forced = {p.id for p in self.officers}
        for p in self.persons:
            if p.age < 18:
                continue
            age = p.age
            chance = 0.04 if age < 25 else 0.10 if age < 35 else 0.22 if age < 60 else 0.24 if age < 80 else 0.08
            if p.occupation == "Giáo viên":
                chance = 0.85
            elif p.occupation == "Cán bộ":
                chance = 0.6
            if p.id not in forced and rng.random() >= chance:
                continue
            hh = p.household
            branch = self.hamlet_branch[hh.hamlet]
            if p.occupation == "Giáo viên" and rng.random() < 0.7:
                branch = rng.choice(self.school_branches)
            elif p.occupation == "Cán bộ" and self.office_branches and rng.random() < 0.5:
                branch = rng.choice(self.office_branches)
            elif hh.clan in self.clan_branch and rng.random() < 0.2:
                branch = self.clan_branch[hh.clan]
            born = p.birth_date
            # The day after the 18th birthday (without a birth date: the year after).
            adult_from = (
                dt.date(born.year + 18, born.month, 1) + dt.timedelta(days=born.day)
                if born else dt.date(p.birth_year + 19, 1, 1)
            )
            first = max(ten_years, adult_from)
            if first > self.today:
                continue
            m = _M()
            m.person, m.branch, m.status, m.leave_date = p, branch, "active", None
            if p.id in forced:
                # Officers have usually been members for some years.
                m.join_date = self.date_between(first, max(first, self.today - dt.timedelta(days=4 * 365)))
            else:
                m.join_date = self.date_between(first, self.today)
                r = rng.random()
                dead = 0.05 if age >= 80 else 0.02 if age >= 70 else 0.001
                can_leave = m.join_date + dt.timedelta(days=30) <= self.today
                if can_leave and r < dead:
                    m.status = "deceased"
                elif can_leave and r < dead + 0.05:
                    m.status = "left"
                if m.status != "active":
                    m.leave_date = self.date_between(m.join_date + dt.timedelta(days=30), self.today)
            members.append(m)
        members.sort(key=lambda m: (m.join_date, m.person.id))
        self.members = members

    def branch_heads(self) -> None:
        rng = self.rng
        by_branch: dict[int, list[_P]] = {}
        for m in self.members:
            if m.status == "active" and 35 <= m.person.age <= 75:
                by_branch.setdefault(m.branch, []).append(m.person)
        org_heads = {o["id"]: o["head_name"] for o in self.organisations}
        for b, row in enumerate(self.branches, start=1):
            if row["kind"] in ("school", "office"):
                head = org_heads[row["organisation_id"]] if rng.random() < 0.3 or b not in by_branch else None
                row["head_name"] = head or rng.choice(by_branch[b]).full_name
            elif b in by_branch:
                row["head_name"] = rng.choice(by_branch[b]).full_name
            elif row["kind"] == "clan" and self.clan_head[row["clan_id"] - 1] is not None:
                row["head_name"] = self.clan_head[row["clan_id"] - 1].full_name
            else:
                row["head_name"] = ""

    def choose_officers(self) -> None:
        """The association's officers are people of the commune (and made members below)."""
        used, pick = self.used_posts, self.pick_person
        trained = _HIGHER | {"vocational"}
        self.officers = [
            pick(used, lambda p: 58 <= p.age <= 72 and (p.education in _HIGHER or p.occupation == "Hưu trí"),
                 lambda p: 50 <= p.age <= 75),
            pick(used, lambda p: 45 <= p.age <= 66 and p.education in _HIGHER, lambda p: 40 <= p.age <= 68),
            pick(used, lambda p: p.sex == "F" and 28 <= p.age <= 55 and p.education in trained,
                 lambda p: 28 <= p.age <= 55),
            pick(used, lambda p: p.sex == "F" and 30 <= p.age <= 60, lambda p: 30 <= p.age <= 60),
        ]
        self.officer_titles = ["Chủ tịch", "Phó Chủ tịch", "Kế toán", "Thủ quỹ"]

    def make_dues(self) -> None:
        rng = self.rng
        years = [self.year - 2, self.year - 1, self.year] if rng.random() < 0.5 else [self.year - 1, self.year]
        base = rng.choice(_DUES_LEVELS)
        amounts = {y: base for y in years}
        if rng.random() < 0.3:
            amounts[self.year] = base + 10_000
        self.dues: list[dict] = []
        for member_id, m in enumerate(self.members, start=1):
            for y in years:
                first = max(dt.date(y, 1, 1), m.join_date)
                last = min(dt.date(y, 12, 31), self.today, m.leave_date or self.today)
                if first > last or rng.random() >= (0.72 if y == self.year else 0.88):
                    continue
                self.dues.append({
                    "id": len(self.dues) + 1, **self.stamp(), "member_id": member_id, "period": str(y),
                    "amount": amounts[y], "paid_on": self.date_between(first, last), "note": "",
                })

    # ------------------------------------------------------------ writing
    def write(self, session: Session) -> None:
        rng = self.rng
        chair = self.officers[0]
        centre = self.hamlets[0]["name"]
        suggested = suggested_names(self.commune.name, self.province.name)
        save_profile(session, ProfileForm(
            province_code=self.province.code,
            commune_code=self.commune.code,
            association_name=suggested["association_name"],
            parent_body=suggested["parent_body"],
            report_to=suggested["report_to"],
            address=f"{centre}, {self.commune_text}, {self.province_text}",
            phone=chair.phone or rng.choice(names.MOBILE_PREFIXES) + f"{rng.randrange(10_000_000):07d}",
            email=f"hkh.{fold(self.short).replace(' ', '')}@gmail.com",
            officers=[OfficerLine(p.full_name, t) for p, t in zip(self.officers, self.officer_titles)],
        ))
        # The profile's uids come from the model default; make them follow the seed as well.
        session.execute(update(CommuneProfile).values(uid=self.uid(), created_at=self.now, updated_at=self.now))
        for officer_id in session.scalars(select(Officer.id).order_by(Officer.position)).all():
            session.execute(
                update(Officer).where(Officer.id == officer_id)
                .values(uid=self.uid(), created_at=self.now, updated_at=self.now)
            )

        session.execute(insert(Hamlet.__table__), self.hamlets)
        session.execute(insert(Clan.__table__), [{**c, "head_person_id": None} for c in self.clans])
        session.execute(insert(clan_hamlet), [
            {"clan_id": c + 1, "hamlet_id": h + 1} for c, spans in enumerate(self.clan_hamlets) for h in spans
        ])
        with index_paused(session, ("household", "person", "member")):
            self.write_bulk(session)

    def write_bulk(self, session: Session) -> None:
        self.tick(45, "Đang lưu hộ gia đình…")
        rows = []
        for hh in self.households:
            head = hh.head
            rows.append({
                "id": hh.id, **self.stamp(), "code": hh.code, "hamlet_id": hh.hamlet + 1,
                "clan_id": None if hh.clan is None else hh.clan + 1, "head_person_id": None,
                "address": hh.address, "poverty": hh.poverty, "note": "", "sort_key": head.sort_key,
                "search_text": household_search_text(head.full_name, hh.code, hh.address),
            })
        for start in range(0, len(rows), _CHUNK):
            session.execute(insert(Household.__table__), rows[start : start + _CHUNK])
        del rows
        total = len(self.persons)
        for start in range(0, total, _CHUNK):
            self.tick(50 + 35 * start / total, "Đang lưu nhân khẩu…")
            session.execute(insert(Person.__table__), [
                {
                    "id": p.id, **self.stamp(), "household_id": p.household.id, "family_name": p.family,
                    "middle_name": p.middle, "given_name": p.given, "full_name": p.full_name, "sex": p.sex,
                    "birth_date": p.birth_date, "birth_year": p.birth_year, "cccd": p.cccd,
                    "relation": p.relation, "education": p.education, "occupation": p.occupation,
                    "phone": p.phone, "note": "", "sort_key": p.sort_key, "search_text": p.search_text,
                }
                for p in self.persons[start : start + _CHUNK]
            ])
        self.tick(86, "Đang lưu chủ hộ, hội viên…")
        households = Household.__table__
        session.execute(
            update(households).where(households.c.id == bindparam("hid")).values(head_person_id=bindparam("pid")),
            [{"hid": hh.id, "pid": hh.head.id} for hh in self.households],
        )
        clans = Clan.__table__
        heads = [{"cid": c["id"], "pid": c["head_person_id"]} for c in self.clans if c["head_person_id"]]
        if heads:
            session.execute(
                update(clans).where(clans.c.id == bindparam("cid")).values(head_person_id=bindparam("pid")), heads
            )
        session.execute(insert(Organisation.__table__), self.organisations)
        branch_rows = []
        for b, row in enumerate(self.branches, start=1):
            sort_key, search_text = named_keys(row["name"], row["head_name"])
            branch_rows.append({
                "id": b, **self.stamp(), "name": row["name"], "kind": row["kind"],
                "hamlet_id": row.get("hamlet_id"), "organisation_id": row.get("organisation_id"),
                "clan_id": row.get("clan_id"), "head_name": row["head_name"], "founded_on": row["founded_on"],
                "note": "", "sort_key": sort_key, "search_text": search_text,
            })
        session.execute(insert(Branch.__table__), branch_rows)
        member_rows = []
        for i, m in enumerate(self.members, start=1):
            card = f"KH-{i:06d}"
            member_rows.append({
                "id": i, **self.stamp(), "person_id": m.person.id, "branch_id": m.branch, "card_number": card,
                "join_date": m.join_date, "status": m.status, "leave_date": m.leave_date, "note": "",
                "sort_key": m.person.sort_key, "search_text": member_search_text(m.person.full_name, card),
            })
        for start in range(0, len(member_rows), _CHUNK):
            session.execute(insert(Member.__table__), member_rows[start : start + _CHUNK])
        self.tick(93, "Đang lưu hội phí…")
        for start in range(0, len(self.dues), _CHUNK):
            session.execute(insert(DuesPayment.__table__), self.dues[start : start + _CHUNK])

    def compute_keys(self) -> None:
        total = len(self.persons)
        for i, p in enumerate(self.persons):
            p.sort_key, p.search_text = person_keys(p.family, p.middle, p.given, p.cccd or "", p.phone)
            if i % 20_000 == 0:
                self.tick(40 + 5 * i / total, "Đang sắp xếp tên…")

    def build(self) -> None:
        self.tick(0, "Đang chọn xã…")
        self.choose_place()
        self.make_hamlets()
        self.make_clans()
        self.tick(5, "Đang tạo hộ và nhân khẩu…")
        self.make_households()
        self.choose_clan_heads()
        self.make_organisations()
        self.choose_officers()
        self.make_branches()
        self.make_members()
        self.branch_heads()
        self.make_dues()
        self.compute_keys()


def _check_empty(session: Session) -> None:
    for model in (CommuneProfile, Hamlet, Household, Person, Clan, Organisation, Branch, Member, DuesPayment):
        if session.scalar(select(model.id).limit(1)) is not None:
            raise UserError(NOT_EMPTY)


def build_demo(
    db: Database,
    households: int,
    seed: int,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
    commune_code: int | None = None,
) -> dict:
    """Fill an empty data file with a synthetic commune of about `households` households.

    Raises `UserError` if the file already has data, or (after rolling back) if `cancel()` said
    stop. `commune_code` (official 2025 code) picks the commune instead of the seed, so several
    communes of one province can be tried together. Returns the counts written.
    """
    if households < 1:
        raise UserError("Số hộ phải từ 1 trở lên.")
    if commune_code is not None and admin_units.find_commune(commune_code) is None:
        raise UserError(f"Không có xã, phường mã {commune_code} trong danh mục năm 2025.")
    builder = _Builder(households, seed, progress, cancel, commune_code)
    with db.write() as session:
        _check_empty(session)
        builder.build()
        builder.write(session)
        builder.tick(95, "Đang tạo đăng ký, chấm điểm, quyết định công nhận…")
        titles = add_titles(session, seed, today().year, builder.stamp)
        titles.update(add_fund(session, seed, households, builder.stamp))
        builder.tick(99, "Đang ghi tệp…")
    if progress is not None:
        progress(100, 100, "Đã tạo xong xã mẫu.")
    return {
        "province": builder.province.name,
        "commune": builder.commune.name,
        "households": len(builder.households),
        "persons": len(builder.persons),
        "members": len(builder.members),
        "hamlets": len(builder.hamlets),
        "clans": len(builder.clans),
        "organisations": len(builder.organisations),
        "branches": len(builder.branches),
        "dues_payments": len(builder.dues),
        **titles,
    }
