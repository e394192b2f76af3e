"""Reports upward (báo cáo sơ kết 6 tháng, tổng kết năm): the statistics annex computed from the
registry, the learning titles and the fund, per hamlet and for the commune, and the report as a
numbered snapshot that finalising freezes.

Every indicator is a whole number (a count, or đồng); percentages are never stored but
recomputed from their numerator and denominator, so the receiving side can add reports up.
Titles are yearly: a half-year report shows the year's registrations and recognitions so far.
The fund counts what happened inside the period. The previous period is the same kind of
report one year earlier (annual 2025 ↔ annual 2024; first half 2026 ↔ first half 2025), so the
two are comparable.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from khuyenhoc_desktop.domain import numbering, report_forms
from khuyenhoc_desktop.domain.dates import format_date, parse_date, today, utcnow
from khuyenhoc_desktop.domain.money import format_count, format_money
from khuyenhoc_desktop.domain.report_forms import AnnexLayout, percent_text
from khuyenhoc_desktop.domain.text import nfc
from khuyenhoc_desktop.errors import NotFoundError, UserError, ValidationError
from khuyenhoc_desktop.services import fund
from khuyenhoc_desktop.services.progress import WORKING_AGE, recognised_ids
from khuyenhoc_desktop.storage.models import (
    Branch,
    CitizenResult,
    Clan,
    FundLock,
    Hamlet,
    Household,
    Member,
    Organisation,
    PayoutLine,
    Person,
    Registration,
    Report,
    Voucher,
    clan_hamlet,
)

KINDS = {"half_year": "Sơ kết 6 tháng đầu năm", "annual": "Tổng kết năm"}
INDICATORS = (
    "households", "gdht_registered", "gdht_recognised", "clans", "dhht_registered", "dhht_recognised",
    "hamlets", "cdht_recognised", "units", "dvht_registered", "dvht_recognised", "adults", "cdht_citizens",
    "population", "members", "branches", "branches_hamlet", "branches_school", "branches_office", "branches_clan",
    "fund_received", "scholarship_count", "scholarship_amount",
    "award_pupils", "award_teachers", "award_amount", "support_amount", "fund_balance",
)
_NUMBER = numbering.PATTERN


def period_of(kind: str, year: int) -> tuple[dt.date, dt.date]:
    if kind not in KINDS:
        raise ValidationError({"kind": "Loại báo cáo chỉ có sơ kết 6 tháng (half-year) hoặc tổng kết năm (annual)."})
    return dt.date(year, 1, 1), dt.date(year, 6, 30) if kind == "half_year" else dt.date(year, 12, 31)


# ---------------------------------------------------------------- the figures
@dataclass
class Figures:
    """Indicator values for the commune and each hamlet (in the hamlets' list order)."""

    commune: dict[str, int]
    hamlets: list[tuple[str, dict[str, int]]]
    previous: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> str:
        return json.dumps({"commune": self.commune, "hamlets": self.hamlets, "previous": self.previous},
                          ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Figures:
        data = json.loads(text)
        return cls(data["commune"], [tuple(h) for h in data["hamlets"]], data.get("previous", {}))


def _by_hamlet(session: Session, stmt) -> dict[int, int]:
    return {k: v for k, v in session.execute(stmt).all() if k is not None}


def compute(session: Session, year: int, start: dt.date, end: dt.date) -> tuple[dict[str, int], dict[int, dict[str, int]]]:
    """(commune totals, {hamlet id: values}) of every indicator."""
    per: dict[str, dict[int, int]] = {}
    commune: dict[str, int] = {}

    def registered(code: str, kind: str):
        return select(Registration.entity_id).where(Registration.year == year, Registration.title_code == code,
                                                    Registration.entity_kind == kind)

    # One pass over a table per group of indicators: each row counted in its hamlet's group, rows
    # without a hamlet in the None group; the commune's figure is the sum over all groups.
    def tally(stmt, names: tuple[str, ...]) -> None:
        for name in names:
            commune[name], per[name] = 0, {}
        for hamlet_id, *values in session.execute(stmt):
            for name, value in zip(names, values, strict=True):
                commune[name] += value
                if hamlet_id is not None:
                    per[name][hamlet_id] = value

    def counted(condition):
        return func.count(case((condition, 1)))

    tally(select(Household.hamlet_id, func.count(),
                 counted(Household.id.in_(registered("GĐHT", "household"))),
                 counted(Household.id.in_(recognised_ids("GĐHT", "household", year))))
          .group_by(Household.hamlet_id), ("households", "gdht_registered", "gdht_recognised"))

    def clans_where(condition):
        return (select(clan_hamlet.c.hamlet_id, func.count()).where(condition).group_by(clan_hamlet.c.hamlet_id))

    per["clans"] = _by_hamlet(session, clans_where(clan_hamlet.c.clan_id.is_not(None)))
    per["dhht_registered"] = _by_hamlet(session, clans_where(clan_hamlet.c.clan_id.in_(registered("DHHT", "clan"))))
    per["dhht_recognised"] = _by_hamlet(session, clans_where(clan_hamlet.c.clan_id.in_(recognised_ids("DHHT", "clan", year))))
    hamlet_ids = list(session.scalars(select(Hamlet.id)))
    per["hamlets"] = dict.fromkeys(hamlet_ids, 1)
    recognised_hamlets = set(session.scalars(recognised_ids("CĐHT thôn", "hamlet", year)))
    per["cdht_recognised"] = {h: 1 for h in hamlet_ids if h in recognised_hamlets}

    def units_where(condition):
        return select(Organisation.hamlet_id, func.count(Organisation.id)).where(condition).group_by(Organisation.hamlet_id)

    per["units"] = _by_hamlet(session, units_where(Organisation.id.is_not(None)))
    per["dvht_registered"] = _by_hamlet(session, units_where(Organisation.id.in_(registered("ĐVHT", "organisation"))))
    per["dvht_recognised"] = _by_hamlet(session, units_where(
        Organisation.id.in_(recognised_ids("ĐVHT", "organisation", year))))

    adults = Person.birth_year.between(year - WORKING_AGE[1], year - WORKING_AGE[0])
    passed = select(CitizenResult.person_id).where(CitizenResult.year == year, CitizenResult.passed)
    # Members on the last day of the period: joined by then and not yet left.
    on_roll = ((Member.join_date.is_(None)) | (Member.join_date <= end)) & (
        (Member.status == "active") | (Member.leave_date > end))
    # A plain scan of the people: cheaper than reaching most of them through the birth-year index.
    tally(select(Household.hamlet_id, func.count(), counted(adults), counted(adults & Person.id.in_(passed)),
                 counted(Person.id.in_(select(Member.person_id).where(on_roll))))
          .select_from(Person).outerjoin(Household, Household.id == Person.household_id)
          .group_by(Household.hamlet_id), ("population", "adults", "cdht_citizens", "members"))
    per["branches"] = _by_hamlet(session, select(Branch.hamlet_id, func.count(Branch.id)).group_by(Branch.hamlet_id))

    # Commune totals: each entity once (a clan spanning hamlets is one clan; people and members
    # without a household, units and branches without a hamlet still count).
    def count(stmt) -> int:
        return session.scalar(select(func.count()).select_from(stmt.subquery())) or 0

    commune["gdht_registered"] = count(registered("GĐHT", "household"))
    commune["clans"] = count(select(Clan.id))
    commune["dhht_registered"] = count(registered("DHHT", "clan"))
    commune["dhht_recognised"] = count(select(Clan.id).where(Clan.id.in_(recognised_ids("DHHT", "clan", year))))
    commune["hamlets"] = len(hamlet_ids)
    commune["cdht_recognised"] = len(recognised_hamlets & set(hamlet_ids))
    commune["units"] = count(select(Organisation.id))
    commune["dvht_registered"] = count(registered("ĐVHT", "organisation"))
    commune["dvht_recognised"] = count(select(Organisation.id).where(
        Organisation.id.in_(recognised_ids("ĐVHT", "organisation", year))))
    commune["members"] = count(select(Member.id).where(on_roll))
    commune["branches"] = count(select(Branch.id))
    for kind in ("hamlet", "school", "office", "clan"):
        commune[f"branches_{kind}"] = count(select(Branch.id).where(Branch.kind == kind))
        per[f"branches_{kind}"] = {}

    _fund(session, start, end, per, commune)
    hamlets = {h: {name: per[name].get(h, 0) for name in INDICATORS} for h in hamlet_ids}
    return {name: commune[name] for name in INDICATORS}, hamlets


def _fund(session: Session, start: dt.date, end: dt.date, per: dict, commune: dict) -> None:
    names = ("fund_received", "scholarship_count", "scholarship_amount", "award_pupils", "award_teachers",
             "award_amount", "support_amount")
    for name in names:
        per[name] = defaultdict(int)
        commune[name] = 0

    def add(name: str, hamlet_id: int | None, value: int) -> None:
        commune[name] += value
        if hamlet_id is not None:
            per[name][hamlet_id] += value

    # Plain rows, and every payout's lines in one query: hundreds of receipts a year.
    vouchers = session.execute(select(Voucher.kind, Voucher.payout_kind, Voucher.hamlet_id, Voucher.amount,
                                      Voucher.decision_id).where(fund.effective_in(start, end))).all()
    lines_of: dict[int, list] = defaultdict(list)
    decisions = {v.decision_id for v in vouchers if v.kind != "receipt" and v.decision_id}
    if decisions:
        for line in session.execute(select(PayoutLine.decision_id, PayoutLine.hamlet_id, PayoutLine.amount,
                                           PayoutLine.recipient).where(PayoutLine.decision_id.in_(decisions))):
            lines_of[line.decision_id].append(line)
    for v in vouchers:
        if v.kind == "receipt":
            add("fund_received", v.hamlet_id, v.amount)
            continue
        if v.payout_kind in ("support", "other"):
            add("support_amount", v.hamlet_id, v.amount)
            continue
        prefix = "scholarship" if v.payout_kind == "scholarship" else "award"
        for line in lines_of.get(v.decision_id) or [None]:
            hamlet_id = line.hamlet_id if line else v.hamlet_id
            amount = line.amount if line else v.amount
            add(f"{prefix}_amount", hamlet_id, amount)
            if prefix == "scholarship":
                add("scholarship_count", hamlet_id, 1)
            else:
                add("award_teachers" if line is not None and line.recipient == "teacher" else "award_pupils",
                    hamlet_id, 1)
    book = fund.ledger(session, start, end)
    commune["fund_balance"] = book.closing
    per["fund_balance"] = {}


def figures_for(session: Session, kind: str, year: int) -> Figures:
    """Live figures of a period, with the same period one year earlier."""
    start, end = period_of(kind, year)
    commune, by_hamlet = compute(session, year, start, end)
    names = dict(session.execute(select(Hamlet.id, Hamlet.name)).all())
    order = list(session.scalars(select(Hamlet.id).order_by(Hamlet.sort_key, Hamlet.id)))
    prev_start, prev_end = period_of(kind, year - 1)
    previous, _ = compute(session, year - 1, prev_start, prev_end)
    return Figures(commune, [(names[h], by_hamlet[h]) for h in order], previous)


# ---------------------------------------------------------------- the narrative
def default_narrative(kind: str, year: int, fig: Figures) -> list[list[str]]:
    """Sensible first text from the figures; the officer edits it."""
    c, p = fig.commune, fig.previous

    def share(num: str, den: str) -> str:
        return f"{format_count(c[num])}/{format_count(c[den])} ({percent_text(c[num], c[den]) or '0%'})"

    def change(name: str) -> str:
        diff = c[name] - p.get(name, 0)
        return "không đổi so với cùng kỳ" if diff == 0 else (
            f"{'tăng' if diff > 0 else 'giảm'} {format_count(abs(diff))} so với cùng kỳ năm trước")

    period = "6 tháng đầu năm" if kind == "half_year" else "năm"
    results = "\n\n".join((
        f"1. Công tác tổ chức Hội: toàn xã có {format_count(c['branches'])} chi hội, "
        f"{format_count(c['members'])} hội viên ({change('members')}), bằng "
        f"{percent_text(c['members'], c['population']) or '0%'} dân số.",
        f"2. Xây dựng các mô hình học tập: Gia đình học tập {share('gdht_recognised', 'households')} hộ "
        f"(đăng ký {format_count(c['gdht_registered'])}); Dòng họ học tập {share('dhht_recognised', 'clans')}; "
        f"Cộng đồng học tập cấp thôn {share('cdht_recognised', 'hamlets')}; Đơn vị học tập "
        f"{share('dvht_recognised', 'units')}; Công dân học tập {share('cdht_citizens', 'adults')} người trong độ tuổi lao động.",
        f"3. Quỹ khuyến học: trong {period} thu {format_money(c['fund_received'])}; chi học bổng "
        f"{format_count(c['scholarship_count'])} suất, {format_money(c['scholarship_amount'])}; khen thưởng "
        f"{format_count(c['award_pupils'])} học sinh, {format_count(c['award_teachers'])} giáo viên, "
        f"{format_money(c['award_amount'])}; hỗ trợ khác {format_money(c['support_amount'])}; "
        f"số dư cuối kỳ {format_money(c['fund_balance'])}.",
    ))
    below = [label for label, num, den, target in (
        ("Gia đình học tập", "gdht_recognised", "households", 0.70), ("Dòng họ học tập", "dhht_recognised", "clans", 0.65),
        ("Cộng đồng học tập", "cdht_recognised", "hamlets", 0.65), ("Đơn vị học tập", "dvht_recognised", "units", 0.80),
        ("Công dân học tập", "cdht_citizens", "adults", 0.40)) if c[den] and c[num] / c[den] < target]
    limits = ("Các chỉ tiêu chưa đạt mục tiêu Quyết định 387/QĐ-TTg: " + ", ".join(below) + "."
              if below else "Các chỉ tiêu chính đã đạt mục tiêu Quyết định 387/QĐ-TTg.")
    tasks = ("1. Tiếp tục vận động các hộ, dòng họ, thôn, đơn vị đăng ký và đạt danh hiệu học tập.\n\n"
             "2. Vận động nguồn lực cho Quỹ khuyến học; chi đúng mục đích, công khai thu chi.\n\n"
             "3. Phát triển hội viên, củng cố các chi hội.")
    return [["I. KẾT QUẢ THỰC HIỆN", results], ["II. HẠN CHẾ, NGUYÊN NHÂN", limits],
            ["III. PHƯƠNG HƯỚNG, NHIỆM VỤ THỜI GIAN TỚI", tasks]]


# ---------------------------------------------------------------- the snapshot
@dataclass
class ReportForm:
    kind: str = "annual"
    year: int = 0
    number: str = ""
    report_date: object = None
    addressed_to: str = ""
    recipients: list[str] = field(default_factory=list)
    narrative: list[list[str]] | None = None
    id: int | None = None
    layout_id: str = ""  # the annex layout (forms/reports); "" keeps the report's, or the default


def next_number(session: Session, year: int, suffix: str = "BC-HKH") -> str:
    return numbering.next_in_series(session.scalars(select(Report.number).where(Report.year == year)), suffix)


def save_report(session: Session, form: ReportForm, figures: Figures | None = None) -> int:
    """Create a draft (number and narrative filled in when left empty) or edit a draft.
    `figures`: the period's live figures when the caller has just computed them in this
    transaction (to write the files next), so the first narrative does not compute them again."""
    start, end = period_of(form.kind, form.year)
    report = session.get(Report, form.id) if form.id is not None else None
    if form.id is not None and report is None:
        raise NotFoundError("Không tìm thấy báo cáo này; có thể đã bị xóa.")
    if report is not None and report.finalised:
        raise UserError(f"Báo cáo {report.number} đã chốt; số liệu và nội dung không sửa được nữa.")
    errors = {}
    number = nfc(form.number).strip() or next_number(session, form.year)
    if not _NUMBER.match(number):
        errors["number"] = f"Số báo cáo '{number}' chưa đúng dạng số/ký hiệu, ví dụ 05/BC-HKH."
    clash = session.scalar(select(Report.id).where(Report.year == form.year, Report.number == number))
    if clash is not None and clash != form.id:
        errors["number"] = f"Số báo cáo {number} năm {form.year} đã có."
    try:
        report_date = form.report_date if isinstance(form.report_date, dt.date) else (
            parse_date(str(form.report_date)) if form.report_date else today())
    except ValueError as exc:
        errors["report_date"] = f"Ngày báo cáo: {exc}"
        report_date = None
    if errors:
        raise ValidationError(errors)
    narrative = form.narrative
    if narrative is None:
        narrative = default_narrative(form.kind, form.year, figures or figures_for(session, form.kind, form.year))
    if report is None:
        report = Report(year=form.year, kind=form.kind)
        session.add(report)
    report.number, report.kind, report.year = number, form.kind, form.year
    report.period_start, report.period_end, report.report_date = start, end, report_date
    report.addressed_to = nfc(form.addressed_to).strip()
    report.recipients = json.dumps([nfc(r).strip() for r in form.recipients if nfc(r).strip()], ensure_ascii=False)
    # Paragraphs are kept: only the Unicode form is normalised here.
    report.narrative = json.dumps([[nfc(h), unicodedata.normalize("NFC", t).strip()] for h, t in narrative],
                                  ensure_ascii=False)
    if form.layout_id or not report.layout:
        layout = report_forms.find_layout(form.layout_id or report_forms.DEFAULT_ID, set(INDICATORS))
        report.layout = json.dumps(layout.raw, ensure_ascii=False, sort_keys=True)
    session.flush()
    return report.id


def load_report(session: Session, report_id: int) -> ReportForm:
    report = _report(session, report_id)
    return ReportForm(report.kind, report.year, report.number, report.report_date, report.addressed_to,
                      json.loads(report.recipients), json.loads(report.narrative), report.id,
                      json.loads(report.layout)["id"] if report.layout else "")


def _report(session: Session, report_id: int) -> Report:
    report = session.get(Report, report_id)
    if report is None:
        raise NotFoundError("Không tìm thấy báo cáo này; có thể đã bị xóa.")
    return report


def report_figures(session: Session, report_id: int, live: Figures | None = None) -> tuple[Figures, AnnexLayout]:
    """Frozen figures of a finalised report, live ones for a draft (`live` when the caller has just
    computed them in this transaction); the report's annex layout."""
    report = _report(session, report_id)
    layout = (report_forms.parse_layout(json.loads(report.layout)) if report.layout
              else report_forms.default_layout(set(INDICATORS)))
    if report.finalised:
        return Figures.from_json(report.figures), layout
    return live or figures_for(session, report.kind, report.year), layout


def finalise(session: Session, report_id: int, figures: Figures | None = None) -> None:
    """Freeze the figures (`figures` when the caller has just computed them in this transaction)
    and the layout; close the fund's books up to the end of the period."""
    report = _report(session, report_id)
    if report.finalised:
        raise UserError(f"Báo cáo {report.number} đã chốt rồi.")
    if report.period_end > today():
        raise UserError(f"Kỳ báo cáo chưa kết thúc (đến {format_date(report.period_end)}); chưa chốt được.")
    report.figures = (figures or figures_for(session, report.kind, report.year)).as_json()
    if not report.layout:
        report.layout = json.dumps(report_forms.default_layout(set(INDICATORS)).raw, ensure_ascii=False, sort_keys=True)
    report.finalised, report.finalised_at = True, utcnow()
    lock = session.scalar(select(func.max(FundLock.locked_until)))
    if lock is None or lock < report.period_end:
        fund.lock_until(session, report.period_end, note=f"Chốt báo cáo {report.number}")
    session.flush()


def delete_draft(session: Session, report_id: int) -> str:
    """Remove a draft; a finalised report is a record of what was sent and stays. Returns its number."""
    report = _report(session, report_id)
    if report.finalised:
        raise UserError(f"Báo cáo {report.number} đã chốt; không xóa được.")
    number = report.number
    session.delete(report)
    session.flush()
    return number


def list_reports(session: Session) -> list[dict]:
    rows = []
    for r in session.scalars(select(Report).order_by(Report.year.desc(), Report.report_date.desc(), Report.id.desc())):
        rows.append({"id": r.id, "number": r.number, "year": r.year, "kind": r.kind, "kind_label": KINDS[r.kind],
                     "date": format_date(r.report_date), "finalised": r.finalised,
                     "period": f"{format_date(r.period_start)}–{format_date(r.period_end)}"})
    return rows


def addressee_suggestions(session: Session) -> list[str]:
    """Whom a report goes to: the profile's 'báo cáo lên' first, its parent body, then the
    addressees of earlier reports."""
    from khuyenhoc_desktop.services.profile import get_profile

    profile = get_profile(session)
    names = [profile.report_to, profile.parent_body] if profile else []
    names += list(session.scalars(select(Report.addressed_to).order_by(Report.id.desc())))
    return list(dict.fromkeys(n for n in names if n))
