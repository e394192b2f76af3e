"""The study-promotion fund (Quỹ khuyến học, khuyến tài): receipts and payments, exact to the đồng,
numbered without gaps, never edited or deleted, and public.

- A voucher is recorded once. A mistake is undone by cancelling it: a reversing entry dated in
  the open period (`cancelled_on`), with the reason, who and when; both stay in the ledger.
- Numbers run per kind and fiscal (calendar) year: PT-2026-0001, PC-2026-0001; a cancelled
  voucher keeps its number, so there are never gaps.
- The fund holds money (cash and bank) and goods given in kind (at their estimated value). A
  payment in money may never make the money balance negative on any day from its date on; a
  payment in kind likewise for the goods; cancelling a receipt the same.
- `lock_until(date)` closes the books up to a date (a finalised report): nothing may be
  recorded or cancelled on or before it; a later correction lands in the open period.

Every function takes a `Session` inside one transaction; wrong input raises `ValidationError` /
`UserError` / `NotFoundError` with Vietnamese messages and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from khuyenhoc_desktop.domain.dates import format_date, parse_date, today, utcnow
from khuyenhoc_desktop.domain.money import format_money
from khuyenhoc_desktop.domain.text import fold, nfc
from khuyenhoc_desktop.errors import NotFoundError, UserError, ValidationError
from khuyenhoc_desktop.storage.models import (
    FundLock,
    Hamlet,
    Household,
    Organisation,
    PayoutDecision,
    PayoutLine,
    Person,
    Voucher,
)

KINDS = {"receipt": "Phiếu thu", "payment": "Phiếu chi"}
PREFIX = {"receipt": "PT", "payment": "PC"}
METHODS = {"cash": "Tiền mặt", "bank": "Chuyển khoản", "in_kind": "Hiện vật"}
PAYOUT_KINDS = {"scholarship": "Học bổng", "award": "Khen thưởng", "support": "Hỗ trợ, tặng quà", "other": "Chi khác"}
PARTY_KINDS = {"person": "Người trong sổ", "household": "Hộ gia đình", "organisation": "Cơ quan, đơn vị",
               "free": "Tên ghi tay", "anonymous": "Ẩn danh"}
LEVELS = {"primary": "Tiểu học", "lower_secondary": "Trung học cơ sở", "upper_secondary": "Trung học phổ thông",
          "university": "Cao đẳng, đại học", "other": "Khác"}
RECIPIENTS = {"pupil": "Học sinh, sinh viên", "teacher": "Giáo viên", "other": "Khác"}
ANONYMOUS = "Nhà hảo tâm (ẩn danh)"
# Far above any commune fund; above it a typing slip (extra zeros) is the likely cause.
MAX_AMOUNT = 10_000_000_000
_AMOUNT = re.compile(r"^(\d{1,3}(?:[.\s]\d{3})+|\d+)$")


def check_amount(value, what: str = "Số tiền") -> int:
    """Whole đồng, more than 0 and at most 10 tỷ: 1250000, '1.250.000', '1 250 000 đ'."""
    if isinstance(value, bool):
        raise ValidationError({"amount": f"{what} phải là số đồng."})
    if isinstance(value, float):
        if not value.is_integer():
            raise ValidationError({"amount": f"{what} phải là số đồng chẵn, không có phần lẻ."})
        value = int(value)
    if isinstance(value, int):
        amount = value
    else:
        text = re.sub(r"(?i)\s*(vn[dđ]|đồng|đ)\s*$", "", str(value or "").strip())
        if not text:
            raise ValidationError({"amount": f"Cần {what.lower()}."})
        if re.match(r"^-", text):
            raise ValidationError({"amount": f"{what} phải lớn hơn 0."})
        if re.search(r"\d[,.]\d{1,2}$", text) and not _AMOUNT.match(text):
            raise ValidationError({"amount": f"{what} phải là số đồng chẵn, không có phần lẻ (ví dụ 1.250.000)."})
        if not _AMOUNT.match(text):
            raise ValidationError({"amount": f"{what} '{value}' không đọc được; ghi bằng chữ số, ví dụ 1.250.000."})
        amount = int(re.sub(r"[.\s]", "", text))
    if amount <= 0:
        raise ValidationError({"amount": f"{what} phải lớn hơn 0."})
    if amount > MAX_AMOUNT:
        raise ValidationError({"amount": f"{what} {format_money(amount)} quá lớn (tối đa {format_money(MAX_AMOUNT)}); "
                                         "hãy kiểm tra lại số chữ số 0."})
    return amount


def _date(value, name: str, what: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    if value is None or not str(value).strip():
        raise ValidationError({name: f"Cần {what.lower()}."})
    try:
        return parse_date(str(value))
    except ValueError as exc:
        raise ValidationError({name: f"{what}: {exc}"}) from None


# ---------------------------------------------------------------- period lock
def locked_until(session: Session) -> dt.date | None:
    return session.scalar(select(func.max(FundLock.locked_until)))


def _check_open(session: Session, day: dt.date, name: str, what: str) -> None:
    lock = locked_until(session)
    if lock is not None and day <= lock:
        raise ValidationError({name: f"{what} {format_date(day)} thuộc kỳ đã khóa sổ (đến hết {format_date(lock)}); "
                                     f"hãy ghi vào kỳ đang mở, từ {format_date(lock + dt.timedelta(days=1))}."})


def lock_until(session: Session, day, by: str = "", note: str = "") -> dt.date:
    """Close the books up to `day` (included). A lock never moves back."""
    day = _date(day, "locked_until", "Ngày khóa sổ")
    current = locked_until(session)
    if current is not None and day <= current:
        raise UserError(f"Sổ quỹ đã khóa đến hết {format_date(current)}; chỉ khóa thêm được đến một ngày sau đó.")
    if day > today():
        raise UserError("Không khóa sổ cho ngày chưa tới.")
    session.add(FundLock(locked_until=day, locked_by=nfc(by).strip(), note=nfc(note).strip()))
    session.flush()
    return day


# ---------------------------------------------------------------- balances
def _events(session: Session, method_filter) -> list[tuple[dt.date, int]]:
    """(date, signed amount) of every movement of money or goods, reversals included."""
    sign = {"receipt": 1, "payment": -1}
    events = []
    for kind, day, amount, cancelled_on in session.execute(
            select(Voucher.kind, Voucher.voucher_date, Voucher.amount, Voucher.cancelled_on).where(method_filter)):
        events.append((day, sign[kind] * amount))
        if cancelled_on is not None:
            events.append((cancelled_on, -sign[kind] * amount))
    return events


def _money():
    return Voucher.method != "in_kind"


def _goods():
    return Voucher.method == "in_kind"


def balance_on(session: Session, day: dt.date, in_kind: bool = False) -> int:
    """Money (or goods) in the fund at the end of `day`."""
    return sum(a for d, a in _events(session, _goods() if in_kind else _money()) if d <= day)


def _lowest_from(session: Session, day: dt.date, in_kind: bool) -> int:
    """The lowest end-of-day balance on `day` and every later day with a movement."""
    by_day: dict[dt.date, int] = defaultdict(int)
    for d, a in _events(session, _goods() if in_kind else _money()):
        by_day[d] += a
    lowest = running = sum(a for d, a in by_day.items() if d <= day)
    for d in sorted(d for d in by_day if d > day):
        running += by_day[d]
        lowest = min(lowest, running)
    return lowest


def _check_not_negative(session: Session, day: dt.date, amount: int, in_kind: bool, what: str) -> None:
    room = _lowest_from(session, day, in_kind)
    if amount > room:
        thing = "hiện vật (theo giá trị ước tính)" if in_kind else "tiền (tiền mặt và tài khoản)"
        raise UserError(f"{what} {format_money(amount)} làm quỹ âm: từ ngày {format_date(day)} số dư {thing} "
                        f"chỉ còn tối đa {format_money(max(room, 0))}.")


# ---------------------------------------------------------------- vouchers
@dataclass
class VoucherForm:
    kind: str = "receipt"
    voucher_date: object = None
    amount: object = None
    method: str = "cash"
    in_kind: str = ""
    party_kind: str = "free"  # person | household | organisation | free | anonymous
    party_id: int | None = None
    party_name: str = ""
    party_address: str = ""
    hamlet_id: int | None = None
    anonymous: bool = False  # named in the books, shown as ANONYMOUS in the public notice
    purpose: str = ""
    payout_kind: str | None = None
    decision_id: int | None = None
    handled_by: str = ""
    note: str = ""


def _address(address: str | None, hamlet: str | None) -> str:
    """'Xóm 3, Thôn Đông'; the hamlet once only ('Số nhà 5, Thôn 2' stays as it is)."""
    address, hamlet = address or "", hamlet or ""
    return address if hamlet and hamlet in address else ", ".join(x for x in (address, hamlet) if x)


def party_from_registry(session: Session, kind: str, party_id: int) -> tuple[str, str, int | None]:
    """(name, address, hamlet id) of a donor or payee kept in the registry."""
    if kind == "person":
        row = session.execute(select(Person.full_name, Household.address, Household.hamlet_id, Hamlet.name)
                              .outerjoin(Household, Household.id == Person.household_id)
                              .outerjoin(Hamlet, Hamlet.id == Household.hamlet_id).where(Person.id == party_id)).first()
        if row is None:
            raise NotFoundError(f"Không tìm thấy người mã {party_id} trong sổ; có thể đã bị xóa.")
        return row[0], _address(row[1], row[3]), row[2]
    if kind == "household":
        row = session.execute(select(Person.full_name, Household.address, Household.hamlet_id, Hamlet.name)
                              .join(Hamlet, Hamlet.id == Household.hamlet_id)
                              .outerjoin(Person, Person.id == Household.head_person_id)
                              .where(Household.id == party_id)).first()
        if row is None:
            raise NotFoundError(f"Không tìm thấy hộ mã {party_id} trong sổ; có thể đã bị xóa.")
        return f"Hộ {row[0]}" if row[0] else f"Hộ mã {party_id}", _address(row[1], row[3]), row[2]
    if kind == "organisation":
        org = session.get(Organisation, party_id)
        if org is None:
            raise NotFoundError(f"Không tìm thấy cơ quan, đơn vị mã {party_id}; có thể đã bị xóa.")
        return org.name, org.address, org.hamlet_id
    raise ValidationError({"party_kind": f"Loại người nộp/nhận '{kind}' không có."})


def _validate(session: Session, form: VoucherForm) -> dict:
    errors: dict[str, str] = {}
    values: dict = {}
    if form.kind not in KINDS:
        raise ValidationError({"kind": "Chỉ có phiếu thu (receipt) hoặc phiếu chi (payment)."})
    for name, check in (("amount", lambda: check_amount(form.amount)),
                        ("voucher_date", lambda: _date(form.voucher_date, "voucher_date", "Ngày lập phiếu"))):
        try:
            values[name] = check()
        except ValidationError as exc:
            errors.update(exc.errors)
    day = values.get("voucher_date")
    if day is not None:
        if day > today():
            errors["voucher_date"] = "Ngày lập phiếu không thể sau hôm nay."
        else:
            try:
                _check_open(session, day, "voucher_date", "Ngày lập phiếu")
            except ValidationError as exc:
                errors.update(exc.errors)
    if form.method not in METHODS:
        errors["method"] = f"Hình thức '{form.method}' không có; chọn: tiền mặt (cash), chuyển khoản (bank), hiện vật (in-kind)."
    elif form.method == "in_kind" and not nfc(form.in_kind).strip():
        errors["in_kind"] = "Ghi hiện vật gồm những gì (ví dụ 200 quyển vở); số tiền là giá trị ước tính."
    name, address, hamlet = nfc(form.party_name).strip(), nfc(form.party_address).strip(), form.hamlet_id
    if form.party_kind in ("person", "household", "organisation"):
        if form.party_id is None:
            errors["party_id"] = "Chọn người, hộ hoặc đơn vị trong sổ."
        else:
            try:
                name, found_address, found_hamlet = party_from_registry(session, form.party_kind, form.party_id)
                address = address or found_address
                hamlet = hamlet if hamlet is not None else found_hamlet
            except UserError as exc:
                errors["party_id"] = str(exc)
    elif form.party_kind == "anonymous":
        if form.kind == "payment":
            errors["party_kind"] = "Phiếu chi phải ghi rõ người nhận."
        name = name or ANONYMOUS
    elif form.party_kind == "free":
        if not name:
            errors["party_name"] = "Cần họ tên người nộp tiền." if form.kind == "receipt" else "Cần họ tên người nhận."
    else:
        errors["party_kind"] = f"Loại người nộp/nhận '{form.party_kind}' không có."
    if hamlet is not None and session.get(Hamlet, hamlet) is None:
        errors["hamlet_id"] = "Không tìm thấy thôn, tổ dân phố này."
    if form.kind == "payment":
        if form.payout_kind not in PAYOUT_KINDS:
            errors["payout_kind"] = "Chọn loại chi: học bổng, khen thưởng, hỗ trợ hoặc chi khác."
        if form.decision_id is not None and session.get(PayoutDecision, form.decision_id) is None:
            errors["decision_id"] = "Không tìm thấy quyết định chi này."
    elif form.payout_kind is not None or form.decision_id is not None:
        errors["payout_kind"] = "Loại chi và quyết định chi chỉ dành cho phiếu chi."
    if errors:
        raise ValidationError(errors)
    values.update(party_name=name, party_address=address, hamlet_id=hamlet)
    return values


def next_number(session: Session, kind: str, year: int) -> tuple[int, str]:
    seq = (session.scalar(select(func.max(Voucher.seq)).where(Voucher.kind == kind, Voucher.fiscal_year == year)) or 0) + 1
    return seq, f"{PREFIX[kind]}-{year}-{seq:04d}"


def record_voucher(session: Session, form: VoucherForm) -> Voucher:
    """Check, number and record a voucher; a payment may not make the fund negative."""
    values = _validate(session, form)
    day, amount = values["voucher_date"], values["amount"]
    if form.kind == "payment":
        _check_not_negative(session, day, amount, form.method == "in_kind", "Khoản chi")
    seq, number = next_number(session, form.kind, day.year)
    voucher = Voucher(
        kind=form.kind, fiscal_year=day.year, seq=seq, number=number, voucher_date=day, amount=amount,
        method=form.method, in_kind=nfc(form.in_kind).strip(), party_kind=form.party_kind,
        party_id=form.party_id if form.party_kind in ("person", "household", "organisation") else None,
        party_name=values["party_name"], party_address=values["party_address"], hamlet_id=values["hamlet_id"],
        anonymous=bool(form.anonymous) or form.party_kind == "anonymous", purpose=nfc(form.purpose).strip(),
        payout_kind=form.payout_kind, decision_id=form.decision_id, handled_by=nfc(form.handled_by).strip(),
        note=nfc(form.note).strip())
    session.add(voucher)
    session.flush()
    return voucher


def find_voucher(session: Session, number: str) -> Voucher:
    wanted = re.sub(r"\s+", "", str(number)).upper()
    voucher = session.scalar(select(Voucher).where(Voucher.number == wanted))
    if voucher is None:
        raise NotFoundError(f"Không có phiếu số {number}; số phiếu có dạng PT-2026-0001 hoặc PC-2026-0001.")
    return voucher


def cancel_voucher(session: Session, number: str, reason: str, cancelled_on=None, by: str = "") -> Voucher:
    """Cancel a voucher with a reversing entry on `cancelled_on` (default today, in the open period)."""
    voucher = find_voucher(session, number)
    if voucher.cancelled_on is not None:
        raise UserError(f"Phiếu {voucher.number} đã hủy ngày {format_date(voucher.cancelled_on)}.")
    reason = nfc(reason).strip()
    if not reason:
        raise ValidationError({"reason": "Cần ghi lý do hủy phiếu."})
    day = _date(cancelled_on, "cancelled_on", "Ngày hủy") if cancelled_on is not None else today()
    if day < voucher.voucher_date:
        raise ValidationError({"cancelled_on": f"Ngày hủy không thể trước ngày lập phiếu ({format_date(voucher.voucher_date)})."})
    if day > today():
        raise ValidationError({"cancelled_on": "Ngày hủy không thể sau hôm nay."})
    _check_open(session, day, "cancelled_on", "Ngày hủy")
    if voucher.kind == "receipt":
        _check_not_negative(session, day, voucher.amount, voucher.method == "in_kind", f"Hủy phiếu thu {voucher.number}")
    voucher.cancelled_on, voucher.cancel_reason = day, reason
    voucher.cancelled_by, voucher.cancelled_at = nfc(by).strip(), utcnow()
    session.flush()
    return voucher


def mark_printed(session: Session, voucher_id: int) -> bool:
    """Count a print; True when this print is a copy ("BẢN SAO")."""
    voucher = session.get(Voucher, voucher_id)
    voucher.prints += 1
    session.flush()
    return voucher.prints > 1


# ---------------------------------------------------------------- ledger
@dataclass
class LedgerLine:
    day: dt.date
    number: str
    kind: str
    text: str
    received: int  # signed: a cancelled receipt's reversal is negative
    paid: int
    balance: int
    voucher_id: int
    reversal: bool = False
    cancelled: bool = False  # the voucher's own line, when it has been cancelled since


@dataclass
class Ledger:
    start: dt.date
    end: dt.date
    opening: int
    received: int
    paid: int
    closing: int
    lines: list[LedgerLine] = field(default_factory=list)
    received_by_method: dict[str, int] = field(default_factory=dict)
    closing_money: int = 0
    closing_in_kind: int = 0

    def as_dict(self) -> dict:
        return {"from": format_date(self.start), "to": format_date(self.end), "opening": self.opening,
                "received": self.received, "paid": self.paid, "closing": self.closing,
                "received_cash": self.received_by_method.get("cash", 0),
                "received_bank": self.received_by_method.get("bank", 0),
                "received_in_kind": self.received_by_method.get("in_kind", 0),
                "closing_money": self.closing_money, "closing_in_kind": self.closing_in_kind,
                "lines": len(self.lines)}


def describe(voucher: Voucher) -> str:
    """The ledger's "Diễn giải": who and what for."""
    who = ANONYMOUS if voucher.party_kind == "anonymous" else voucher.party_name
    what = voucher.purpose or (PAYOUT_KINDS.get(voucher.payout_kind or "", "") if voucher.kind == "payment" else "")
    text = f"{'Nhận của' if voucher.kind == 'receipt' else 'Chi cho'} {who}" + (f": {what}" if what else "")
    if voucher.method == "in_kind":
        text += f" (hiện vật: {voucher.in_kind})"
    return text


def ledger(session: Session, start, end) -> Ledger:
    """The detailed book between two dates (included): lines by date with running balance."""
    start, end = _date(start, "start", "Từ ngày"), _date(end, "end", "Đến ngày")
    if end < start:
        raise ValidationError({"end": "Đến ngày phải sau hoặc bằng từ ngày."})
    opening = sum(a for d, a in _events(session, Voucher.id.is_not(None)) if d < start)
    entries = []
    stmt = select(Voucher).where(((Voucher.voucher_date >= start) & (Voucher.voucher_date <= end))
                                 | ((Voucher.cancelled_on >= start) & (Voucher.cancelled_on <= end)))
    for v in session.scalars(stmt):
        if start <= v.voucher_date <= end:
            entries.append((v.voucher_date, 0, v.kind, v.seq, v, False))
        if v.cancelled_on is not None and start <= v.cancelled_on <= end:
            entries.append((v.cancelled_on, 1, v.kind, v.seq, v, True))
    entries.sort(key=lambda e: (e[0], e[1], e[2] != "receipt", e[3]))
    running, received, paid = opening, 0, 0
    by_method: dict[str, int] = defaultdict(int)
    lines = []
    for day, _order, kind, _seq, v, reversal in entries:
        amount = -v.amount if reversal else v.amount
        got, gave = (amount, 0) if kind == "receipt" else (0, amount)
        running += got - gave
        received += got
        paid += gave
        if kind == "receipt":
            by_method[v.method] += got
        text = (f"Hủy phiếu {v.number} ngày {format_date(v.voucher_date)}: {v.cancel_reason}" if reversal
                else describe(v) + (" (phiếu đã hủy)" if v.cancelled_on is not None else ""))
        lines.append(LedgerLine(day, v.number, kind, text, got, gave, running, v.id, reversal,
                                not reversal and v.cancelled_on is not None))
    return Ledger(start, end, opening, received, paid, running, lines, dict(by_method),
                  balance_on(session, end), balance_on(session, end, in_kind=True))


def year_ledger(session: Session, year: int) -> Ledger:
    return ledger(session, dt.date(year, 1, 1), dt.date(year, 12, 31))


# ---------------------------------------------------------------- summaries
def effective_in(start: dt.date, end: dt.date):
    """Vouchers dated in the period and not cancelled by its end."""
    return ((Voucher.voucher_date >= start) & (Voucher.voucher_date <= end)
            & ((Voucher.cancelled_on.is_(None)) | (Voucher.cancelled_on > end)))


def totals_by(session: Session, start, end, key: str) -> list[tuple[str, int, int]]:
    """(label, received, paid) grouped by 'purpose', 'payout_kind', 'hamlet' or 'method'."""
    start, end = _date(start, "start", "Từ ngày"), _date(end, "end", "Đến ngày")
    groups: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    hamlets = dict(session.execute(select(Hamlet.id, Hamlet.name)).all())
    for v in session.scalars(select(Voucher).where(effective_in(start, end))):
        if key == "purpose":
            label = v.purpose or "(không ghi)"
        elif key == "payout_kind":
            if v.kind != "payment":
                continue
            label = PAYOUT_KINDS.get(v.payout_kind or "other", "Chi khác")
        elif key == "hamlet":
            label = hamlets.get(v.hamlet_id, "(ngoài các thôn)")
        elif key == "method":
            label = METHODS[v.method]
        else:
            raise ValueError(key)
        groups[label][0 if v.kind == "receipt" else 1] += v.amount
    return sorted(((k, a, b) for k, (a, b) in groups.items()), key=lambda r: (-(r[1] + r[2]), fold(r[0])))


def donor_statement(session: Session, start, end, *, party_kind: str | None = None, party_id: int | None = None,
                    name: str | None = None) -> list[Voucher]:
    """Receipts of one donor in a period (registry entity, or a free name ignoring case and marks)."""
    start, end = _date(start, "start", "Từ ngày"), _date(end, "end", "Đến ngày")
    stmt = select(Voucher).where(Voucher.kind == "receipt", effective_in(start, end)).order_by(Voucher.voucher_date, Voucher.seq)
    found = list(session.scalars(stmt))
    if party_id is not None:
        return [v for v in found if v.party_kind == party_kind and v.party_id == party_id]
    wanted = fold(name or "")
    return [v for v in found if fold(v.party_name) == wanted]


@dataclass
class AwardStat:
    level: str
    recipient: str
    count: int
    amount: int


def award_statistics(session: Session, start, end) -> list[AwardStat]:
    """Scholarships and awards paid in the period by school level and pupils/teachers (from the
    payout lists; a payment without a list counts as one beneficiary, level "Khác")."""
    start, end = _date(start, "start", "Từ ngày"), _date(end, "end", "Đến ngày")
    stats: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for v in session.scalars(select(Voucher).where(Voucher.kind == "payment", effective_in(start, end),
                                                   Voucher.payout_kind.in_(("scholarship", "award")))):
        lines = list(session.scalars(select(PayoutLine).where(PayoutLine.decision_id == v.decision_id))) \
            if v.decision_id else []
        if not lines:
            stats[("other", "other")][0] += 1
            stats[("other", "other")][1] += v.amount
        for line in lines:
            stats[(line.level, line.recipient)][0] += 1
            stats[(line.level, line.recipient)][1] += line.amount
    order = list(LEVELS)
    return [AwardStat(LEVELS[lv], RECIPIENTS[rc], n, a)
            for (lv, rc), (n, a) in sorted(stats.items(), key=lambda kv: (order.index(kv[0][0]), kv[0][1]))]


# ---------------------------------------------------------------- payout decisions
@dataclass
class PayoutLineForm:
    name: str = ""
    amount: object = None
    person_id: int | None = None
    class_name: str = ""
    school: str = ""
    hamlet_id: int | None = None
    level: str = "other"
    recipient: str = "pupil"
    minor: bool = False


@dataclass
class PayoutDecisionForm:
    number: str = ""
    decided_on: object = None
    signer_name: str = ""
    signer_title: str = ""
    payout_kind: str = "scholarship"
    purpose: str = ""
    lines: list[PayoutLineForm] = field(default_factory=list)


def save_payout_decision(session: Session, form: PayoutDecisionForm) -> int:
    """A payout decision and its list (not yet paid: `pay_decision` records the payment)."""
    errors: dict[str, str] = {}
    number = nfc(form.number).strip()
    if not number:
        errors["number"] = "Cần số quyết định chi (ví dụ 05/QĐ-HKH)."
    try:
        day = _date(form.decided_on, "decided_on", "Ngày quyết định")
    except ValidationError as exc:
        errors.update(exc.errors)
        day = None
    if form.payout_kind not in PAYOUT_KINDS:
        errors["payout_kind"] = "Chọn loại chi: học bổng, khen thưởng, hỗ trợ hoặc chi khác."
    if not form.lines:
        errors["lines"] = "Danh sách người nhận đang trống."
    problems = []
    amounts = []
    for n, line in enumerate(form.lines, 1):
        name = nfc(line.name).strip()
        if line.person_id is not None:
            person = session.get(Person, line.person_id)
            if person is None:
                problems.append(f"dòng {n}: không tìm thấy người trong sổ")
                continue
            name = name or person.full_name
        if not name:
            problems.append(f"dòng {n}: cần họ tên")
        if line.level not in LEVELS or line.recipient not in RECIPIENTS:
            problems.append(f"dòng {n}: cấp học hoặc đối tượng không có")
        try:
            amounts.append(check_amount(line.amount))
        except ValidationError as exc:
            problems.append(f"dòng {n}: {exc.errors['amount'][0].lower()}{exc.errors['amount'][1:]}")
    if problems:
        errors["lines"] = "Danh sách chưa đúng: " + "; ".join(problems) + "."
    if day is not None and number and session.scalar(select(PayoutDecision.id).where(
            PayoutDecision.year == day.year, PayoutDecision.number == number)) is not None:
        errors["number"] = f"Số quyết định {number} năm {day.year} đã có."
    if errors:
        raise ValidationError(errors)
    decision = PayoutDecision(number=number, year=day.year, decided_on=day, signer_name=nfc(form.signer_name).strip(),
                              signer_title=nfc(form.signer_title).strip(), payout_kind=form.payout_kind,
                              purpose=nfc(form.purpose).strip())
    session.add(decision)
    session.flush()
    for position, (line, amount) in enumerate(zip(form.lines, amounts)):
        name = nfc(line.name).strip() or session.get(Person, line.person_id).full_name
        session.add(PayoutLine(decision_id=decision.id, position=position, person_id=line.person_id, name=name,
                               class_name=nfc(line.class_name).strip(), school=nfc(line.school).strip(),
                               hamlet_id=line.hamlet_id, amount=amount, level=line.level, recipient=line.recipient,
                               minor=bool(line.minor)))
    session.flush()
    return decision.id


def find_payout_decision(session: Session, number: str, year: int | None = None) -> PayoutDecision:
    """A payout decision by its number (the newest year with that number unless `year`)."""
    stmt = select(PayoutDecision).where(PayoutDecision.number == nfc(number).strip())
    if year is not None:
        stmt = stmt.where(PayoutDecision.year == year)
    found = session.scalars(stmt.order_by(PayoutDecision.year.desc())).first()
    if found is None:
        raise NotFoundError(f"Không có quyết định chi số {number}" + (f" năm {year}." if year else "."))
    return found


def decision_total(session: Session, decision_id: int) -> int:
    return session.scalar(select(func.sum(PayoutLine.amount)).where(PayoutLine.decision_id == decision_id)) or 0


def pay_decision(session: Session, decision_id: int, voucher_date=None, method: str = "cash",
                 handled_by: str = "") -> Voucher:
    """One payment voucher for the whole list of a decision (paid once; cancel it to pay again)."""
    decision = session.get(PayoutDecision, decision_id)
    if decision is None:
        raise NotFoundError("Không tìm thấy quyết định chi này.")
    paid = session.scalar(select(Voucher.number).where(Voucher.decision_id == decision_id, Voucher.cancelled_on.is_(None)))
    if paid:
        raise UserError(f"Quyết định {decision.number} đã chi theo phiếu {paid}.")
    count = session.scalar(select(func.count(PayoutLine.id)).where(PayoutLine.decision_id == decision_id)) or 0
    return record_voucher(session, VoucherForm(
        kind="payment", voucher_date=voucher_date or decision.decided_on, amount=decision_total(session, decision_id),
        method=method, party_kind="free", party_name=f"{count} người theo danh sách kèm theo",
        purpose=decision.purpose or f"{PAYOUT_KINDS[decision.payout_kind]} theo Quyết định số {decision.number}",
        payout_kind=decision.payout_kind, decision_id=decision.id, handled_by=handled_by))


def find_party(session: Session, name: str) -> tuple[str, int]:
    """The registry entity named `name` (a person, an organisation, or a household by its head),
    ignoring case and marks; refused when nobody or several match."""
    wanted = fold(name)
    if not wanted:
        raise ValidationError({"party_name": "Cần tên người nộp hoặc người nhận."})
    found: list[tuple[str, int, str]] = []
    # The search index narrows the candidates; the folded full name decides.
    from khuyenhoc_desktop.services.lists import ListQuery, row_ids

    for pid in row_ids(session, ListQuery("persons", search=name))[:50]:
        row = session.execute(select(Person.full_name, Person.birth_year, Hamlet.name)
                              .outerjoin(Household, Household.id == Person.household_id)
                              .outerjoin(Hamlet, Hamlet.id == Household.hamlet_id).where(Person.id == pid)).first()
        if fold(row[0]) == wanted:
            found.append(("person", pid, f"{row[0]} ({', '.join(str(x) for x in row[1:] if x)})"))
    for oid, org_name in session.execute(select(Organisation.id, Organisation.name)):
        if fold(org_name) == wanted:
            found.append(("organisation", oid, org_name))
    if not found:
        raise NotFoundError(f"Không tìm thấy '{name}' trong sổ (nhân khẩu, cơ quan, đơn vị).")
    exact = [f for f in found if f[2].casefold().startswith(nfc(name).strip().casefold())]
    found = exact or found  # "Nguyễn Văn Anh" is not "Nguyễn Vân Ánh" when both are there
    if len(found) > 1:
        raise UserError(f"Có {len(found)} người/đơn vị tên '{name}': "
                        + "; ".join(f"{label} [{'đơn vị' if kind == 'organisation' else 'người'} mã {i}]"
                                    for kind, i, label in found[:5])
                        + ". Hãy chỉ rõ bằng mã.")
    return found[0][0], found[0][1]


def purposes(session: Session) -> list[str]:
    """Purposes and campaigns already written on vouchers, most used first."""
    rows = session.execute(select(Voucher.purpose, func.count(Voucher.id)).where(Voucher.purpose != "")
                           .group_by(Voucher.purpose).order_by(func.count(Voucher.id).desc(), Voucher.purpose))
    return [purpose for purpose, _count in rows]


@dataclass
class Donor:
    party_kind: str
    party_id: int | None
    name: str
    total: int
    count: int


def donors(session: Session, start, end) -> list[Donor]:
    """Everyone who gave in the period (not cancelled), largest total first; anonymous givers
    are one line."""
    start, end = _date(start, "start", "Từ ngày"), _date(end, "end", "Đến ngày")
    groups: dict[tuple, Donor] = {}
    for v in session.scalars(select(Voucher).where(Voucher.kind == "receipt", effective_in(start, end))):
        if v.party_kind == "anonymous":
            key = ("anonymous", None, "")
        elif v.party_id is not None:
            key = (v.party_kind, v.party_id, "")
        else:
            key = ("free", None, fold(v.party_name))
        donor = groups.setdefault(key, Donor(key[0], key[1], ANONYMOUS if key[0] == "anonymous" else v.party_name, 0, 0))
        donor.total += v.amount
        donor.count += 1
    return sorted(groups.values(), key=lambda d: (-d.total, fold(d.name)))


@dataclass
class PayoutSummary:
    id: int
    number: str
    decided_on: dt.date
    payout_kind: str
    purpose: str
    people: int
    total: int
    paid_by: str | None  # the payment voucher's number; None while unpaid


def payout_decisions(session: Session, start=None, end=None) -> list[PayoutSummary]:
    """Payout decisions (decided in the period when given), oldest first, with their payment."""
    stmt = select(PayoutDecision).order_by(PayoutDecision.decided_on, PayoutDecision.id)
    if start is not None:
        stmt = stmt.where(PayoutDecision.decided_on >= _date(start, "start", "Từ ngày"))
    if end is not None:
        stmt = stmt.where(PayoutDecision.decided_on <= _date(end, "end", "Đến ngày"))
    out = []
    for d in session.scalars(stmt):
        people = session.scalar(select(func.count(PayoutLine.id)).where(PayoutLine.decision_id == d.id)) or 0
        paid_by = session.scalar(select(Voucher.number).where(Voucher.decision_id == d.id, Voucher.cancelled_on.is_(None)))
        out.append(PayoutSummary(d.id, d.number, d.decided_on, d.payout_kind, d.purpose, people,
                                 decision_total(session, d.id), paid_by))
    return out


def unpaid_decisions(session: Session) -> list[PayoutSummary]:
    """Payout decisions with no payment voucher (or only cancelled ones), oldest first."""
    return [d for d in payout_decisions(session) if d.paid_by is None]
