"""A realistic year of the demo commune's fund (last year, books closed) and this year so far:
donations of varied sizes for the usual campaigns (Tết, the start of the school year, Ngày
Khuyến học 2/10, a clan's fund), gifts in kind, scholarship and award payouts with their lists of
pupils from the registry, support gifts, and one cancelled voucher. Recorded through the fund
service, so every rule (numbering, balance, lock) holds for the demo as for real data."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from khuyenhoc_desktop.domain.dates import today
from khuyenhoc_desktop.services import fund
from khuyenhoc_desktop.services.demo_titles import reseed_uids
from khuyenhoc_desktop.storage.models import (
    Clan,
    CommuneProfile,
    FundLock,
    Household,
    Organisation,
    PayoutDecision,
    PayoutLine,
    Person,
    Voucher,
)

_LEVEL_BY_AGE = ((6, 10, "primary", "Tiểu học"), (11, 14, "lower_secondary", "THCS"),
                 (15, 17, "upper_secondary", "THPT"), (18, 22, "university", "Đại học"))


class _Fund:
    def __init__(self, session: Session, seed: int, stamp: Callable[[], dict]):
        self.s = session
        self.rng = random.Random(seed * 104729 + 5)
        self.stamp = stamp
        self.persons = list(self.s.execute(
            select(Person.id, Person.birth_year, Household.hamlet_id)
            .join(Household, Household.id == Person.household_id).order_by(Person.id)))
        self.heads = list(self.s.scalars(select(Household.head_person_id).where(Household.head_person_id.is_not(None))
                                         .order_by(Household.id)))
        self.organisations = list(self.s.scalars(select(Organisation.id).order_by(Organisation.id)))
        self.clans = list(self.s.scalars(select(Clan.name).order_by(Clan.id)))
        self.schools = [name for (name,) in self.s.execute(
            select(Organisation.name).where(Organisation.kind == "school").order_by(Organisation.id))]
        self.decisions = 0
        officers = self.s.scalar(select(CommuneProfile)).officers
        self.treasurer = next((o.name for o in officers if o.title == "Thủ quỹ"), "")

    def day(self, year: int, first: tuple[int, int], last: tuple[int, int], until: dt.date) -> dt.date | None:
        start, end = dt.date(year, *first), min(dt.date(year, *last), until)
        if end < start:
            return None
        return dt.date.fromordinal(self.rng.randint(start.toordinal(), end.toordinal()))

    def donations(self, year: int, until: dt.date, households: int, with_duplicate: bool = False) -> None:
        """The year's gifts, recorded in date order as a treasurer writes them."""
        gifts: list[tuple[dt.date, int, str, dict]] = []
        campaigns = (("Tết", (1, 5), (2, 10)), ("Khai giảng năm học", (8, 15), (9, 10)),
                     ("Ngày Khuyến học 2/10", (9, 20), (10, 15)), ("Quỹ cuối năm", (11, 15), (12, 20)))
        per_campaign = max(6, min(150, households // 12))
        for purpose, first, last in campaigns:
            for _ in range(per_campaign):
                day = self.day(year, first, last, until)
                if day is None:
                    break
                roll = self.rng.random()
                amount = self.rng.choice((50_000, 100_000, 100_000, 200_000, 200_000, 300_000, 500_000, 1_000_000))
                if roll < 0.08 and self.organisations:
                    gifts.append((day, self.rng.choice((2_000_000, 3_000_000, 5_000_000, 10_000_000)), purpose,
                                  {"party_kind": "organisation", "party_id": self.rng.choice(self.organisations),
                                   "method": "bank"}))
                elif roll < 0.14:
                    gifts.append((day, amount, purpose, {"party_kind": "anonymous"}))
                else:
                    gifts.append((day, amount, purpose, {"party_kind": "person", "party_id": self.rng.choice(self.heads),
                                                         "anonymous": self.rng.random() < 0.05}))
        day = self.day(year, (8, 1), (8, 31), until)
        if day is not None:
            gifts.append((day, 4_500_000, "Khai giảng năm học",
                          {"party_kind": "free", "party_name": "Nhà sách Tiến Thọ", "method": "in_kind",
                           "in_kind": "500 quyển vở, 100 bộ sách giáo khoa"}))
        for name in self.clans[:3]:
            day = self.day(year, (1, 20), (3, 30), until)
            if day is not None:
                gifts.append((day, self.rng.choice((3_000_000, 5_000_000, 8_000_000)), f"Quỹ khuyến học họ {name}",
                              {"party_kind": "free", "party_name": f"Ban liên lạc họ {name}"}))
        for day, amount, purpose, party in sorted(gifts, key=lambda g: g[0]):
            receipt = fund.record_voucher(self.s, fund.VoucherForm(kind="receipt", voucher_date=day, amount=amount,
                                                                   purpose=purpose, handled_by=self.treasurer, **party))
            if with_duplicate and receipt.method == "cash":
                self.duplicate_of(receipt)
                with_duplicate = False

    def pupils(self, year: int, count: int) -> list[fund.PayoutLineForm]:
        lines = []
        school_age = [p for p in self.persons if p[1] and 6 <= year - p[1] <= 22]
        for pid, born, hamlet in self.rng.sample(school_age, min(count, len(school_age))):
            age = year - born
            level, short = next((lv, sh) for lo, hi, lv, sh in _LEVEL_BY_AGE if lo <= age <= hi)
            grade = age - 5 if age <= 17 else None
            school = self.rng.choice(self.schools) if self.schools and grade else ""
            lines.append(fund.PayoutLineForm(
                person_id=pid, amount=self.rng.choice((300_000, 500_000, 500_000, 1_000_000)),
                class_name=f"{grade}{self.rng.choice('ABC')}" if grade else "Sinh viên", school=school,
                hamlet_id=hamlet, level=level, recipient="pupil", minor=age < 18))
        return lines

    def payout(self, year: int, day: dt.date | None, kind: str, purpose: str, count: int, teachers: int = 0) -> None:
        if day is None:
            return
        lines = self.pupils(year, count)
        lines += [fund.PayoutLineForm(name=f"Cô giáo {self.rng.choice(('Hoa', 'Lan', 'Mai', 'Thu'))} "
                                           f"({self.rng.choice(self.schools) if self.schools else 'trường xã'})",
                                      amount=1_000_000, level="primary", recipient="teacher") for _ in range(teachers)]
        total = sum(line.amount for line in lines)
        if not lines or fund.balance_on(self.s, day) < total + 2_000_000:
            return
        self.decisions += 1
        decision = fund.save_payout_decision(self.s, fund.PayoutDecisionForm(
            # numbered after the year's recognition decisions
            number=f"{10 + self.decisions:02d}/QĐ-HKH", decided_on=day, signer_name="", signer_title="Chủ tịch",
            payout_kind=kind, purpose=purpose, lines=lines))
        fund.pay_decision(self.s, decision, day + dt.timedelta(days=2) if day + dt.timedelta(days=2) <= today() else day)

    def payouts(self, year: int, until: dt.date, households: int) -> None:
        size = max(5, min(120, households // 25))
        self.payout(year, self.day(year, (2, 1), (2, 10), until), "award", "Khen thưởng học sinh giỏi học kỳ I", size // 2)
        self.payout(year, self.day(year, (6, 1), (6, 15), until), "award", "Khen thưởng học sinh giỏi cuối năm học",
                    size, teachers=2)
        given = dt.date(year, 9, 5)
        if given <= until and fund.balance_on(self.s, given, in_kind=True) >= 4_500_000:
            fund.record_voucher(self.s, fund.VoucherForm(
                kind="payment", voucher_date=given, amount=4_500_000, method="in_kind",
                in_kind="500 quyển vở, 100 bộ sách giáo khoa", party_kind="free",
                party_name="Học sinh các trường trong xã (theo danh sách của nhà trường)",
                purpose="Tặng vở, sách giáo khoa đầu năm học", payout_kind="support"))
        self.payout(year, self.day(year, (9, 6), (9, 10), until), "scholarship", "Học bổng khai giảng năm học", size)
        day = self.day(year, (10, 2), (10, 2), until)
        if day is not None and fund.balance_on(self.s, day) > 3_000_000:
            fund.record_voucher(self.s, fund.VoucherForm(
                kind="payment", voucher_date=day, amount=1_500_000, party_kind="free",
                party_name="Ban tổ chức Ngày Khuyến học", purpose="Tổ chức Ngày Khuyến học 2/10", payout_kind="other"))

    def duplicate_of(self, first: Voucher) -> None:
        """The same receipt written twice by mistake, and the copy cancelled the same day."""
        duplicate = fund.record_voucher(self.s, fund.VoucherForm(
            kind="receipt", voucher_date=first.voucher_date, amount=first.amount, party_kind=first.party_kind,
            party_id=first.party_id, party_name=first.party_name, purpose=first.purpose, handled_by=self.treasurer))
        fund.cancel_voucher(self.s, duplicate.number, "Ghi trùng phiếu " + first.number, first.voucher_date,
                            by="Kế toán")


def add_fund(session: Session, seed: int, households: int, stamp: Callable[[], dict]) -> dict:
    """Last year's fund (books closed at 31/12) and this year's until today; returns counts."""
    stamped: set[str] = set()
    builder = _Fund(session, seed, stamp)
    now = today()
    last = now.year - 1
    builder.donations(last, dt.date(last, 12, 31), households, with_duplicate=True)
    builder.payouts(last, dt.date(last, 12, 31), households)
    fund.lock_until(session, dt.date(last, 12, 31), by="Chủ tịch", note=f"Đã chốt báo cáo quỹ năm {last}")
    builder.donations(now.year, now, households)
    builder.payouts(now.year, now, households)
    reseed_uids(session, (Voucher, PayoutDecision, PayoutLine, FundLock), stamped, stamp)
    return {"vouchers": session.scalar(select(func.count(Voucher.id))) or 0}
