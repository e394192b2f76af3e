"""Papers of the fund from the database: vouchers (a reprint is marked "BẢN SAO"), the signing
list of a payout decision, the detailed book with its summaries and the public notice, as PDF
or — for the book and the notice — Excel (chosen by the file's suffix). The writers
(documents.fund_papers, documents.fund_xlsx) know nothing of the database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from khuyenhoc_desktop.documents import fund_papers as papers
from khuyenhoc_desktop.documents.fund_xlsx import write_disclosure_xlsx, write_ledger_xlsx, write_statement_xlsx
from khuyenhoc_desktop.documents.xlsx import check_target
from khuyenhoc_desktop.errors import NotFoundError, UserError
from khuyenhoc_desktop.services import fund
from khuyenhoc_desktop.services.title_documents import commune_issuer
from khuyenhoc_desktop.storage.models import Hamlet, PayoutDecision, PayoutLine, Person, Voucher

PAYOUT_NAMES = {"scholarship": "học bổng", "award": "phần thưởng", "support": "quà hỗ trợ", "other": "tiền"}


def _suffix(out_path: Path | str, allowed: tuple[str, ...]) -> str:
    suffix = Path(out_path).suffix.lower()
    if suffix not in allowed:
        kinds = " hoặc ".join(allowed)
        raise UserError(f"Tên tệp phải có đuôi {kinds}, ví dụ {Path(out_path).stem or 'so-quy'}{allowed[0]}.")
    return suffix


def print_voucher(session: Session, number: str, out_path: Path | str) -> tuple[int, bool]:
    """The voucher as a PDF; (pages, copy). The first print is the original, later ones are
    marked "BẢN SAO" (needs a write session: prints are counted)."""
    voucher = fund.find_voucher(session, number)
    copy = fund.mark_printed(session, voucher.id)
    reason = voucher.purpose or (fund.PAYOUT_KINDS.get(voucher.payout_kind or "", "") if voucher.kind == "payment" else "")
    if voucher.decision_id is not None:
        decision = session.get(PayoutDecision, voucher.decision_id)
        reason = f"{reason} (theo Quyết định số {decision.number})" if reason else f"Theo Quyết định số {decision.number}"
    doc = papers.VoucherDoc(
        kind=voucher.kind, number=voucher.number, date=voucher.voucher_date,
        party_name="" if voucher.party_kind == "anonymous" else voucher.party_name, amount=voucher.amount,
        party_address=voucher.party_address, reason=reason, method=fund.METHODS[voucher.method],
        in_kind=voucher.in_kind, anonymous=voucher.party_kind == "anonymous", treasurer_name=voucher.handled_by,
        copy=copy, cancelled_on=voucher.cancelled_on, cancel_reason=voucher.cancel_reason)
    pages = papers.render_voucher(doc, commune_issuer(session, voucher.voucher_date), out_path)
    return pages, copy


def print_payout_list(session: Session, decision_id: int, out_path: Path | str) -> int:
    """The list of a payout decision that the beneficiaries sign on receipt."""
    decision = session.get(PayoutDecision, decision_id)
    if decision is None:
        raise NotFoundError("Không tìm thấy quyết định chi này.")
    hamlets = dict(session.execute(select(Hamlet.id, Hamlet.name)).all())
    lines = [papers.PayoutLine(line.name, line.amount, line.class_name, line.school, hamlets.get(line.hamlet_id, ""))
             for line in session.scalars(select(PayoutLine).where(PayoutLine.decision_id == decision_id)
                                         .order_by(PayoutLine.position))]
    doc = papers.PayoutListDoc(decision.number, decision.decided_on, lines,
                               payout_name=PAYOUT_NAMES[decision.payout_kind], purpose=decision.purpose,
                               chair_name=decision.signer_name)
    return papers.render_payout_list(doc, commune_issuer(session, decision.decided_on), out_path)


def _months(start: dt.date, end: dt.date):
    day = start
    while day <= end:
        following = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
        yield day, min(end, following - dt.timedelta(days=1))
        day = following


def ledger_document(session: Session, start, end) -> papers.LedgerDoc:
    book = fund.ledger(session, start, end)
    periods = []
    for first, last in _months(book.start, book.end):
        month = fund.ledger(session, first, last)
        periods.append(papers.PeriodBalance(f"Tháng {first.month:02d}/{first.year}", month.opening, month.received,
                                            month.paid, month.closing))
    if len(periods) > 1:
        periods.append(papers.PeriodBalance("Cả kỳ", book.opening, book.received, book.paid, book.closing))

    def totals(key):
        return [papers.TotalRow(*row) for row in fund.totals_by(session, book.start, book.end, key)]

    return papers.LedgerDoc(
        start=book.start, end=book.end, opening=book.opening,
        lines=[papers.LedgerLine(ln.day, ln.number, ln.kind, ln.text, ln.received, ln.paid, ln.balance, ln.reversal)
               for ln in book.lines],
        periods=periods, by_purpose=totals("purpose"), by_payout_kind=totals("payout_kind"), by_hamlet=totals("hamlet"),
        awards=[papers.AwardRow(a.level, a.recipient, a.count, a.amount)
                for a in fund.award_statistics(session, book.start, book.end)])


def print_ledger(session: Session, start, end, out_path: Path | str, *, overwrite: bool = False) -> int:
    """The detailed book: PDF (pages) or Excel (rows of the book sheet), by the file's suffix."""
    suffix = _suffix(out_path, (".pdf", ".xlsx"))
    doc = ledger_document(session, start, end)
    issuer = commune_issuer(session)
    if suffix == ".xlsx":
        return write_ledger_xlsx(doc, issuer.issuing_body, issuer.place, out_path, overwrite=overwrite)
    check_target(Path(out_path), overwrite=overwrite, suffix=".pdf")
    return papers.render_ledger(doc, issuer, out_path)


def _age_in(session: Session, person_id: int | None, year: int) -> int | None:
    if person_id is None:
        return None
    born = session.scalar(select(Person.birth_year).where(Person.id == person_id))
    return year - born if born else None


def disclosure_document(session: Session, start, end, *, initials_only_for_minors: bool = True) -> papers.DisclosureDoc:
    """What the public notice shows: totals by form, each gift (anonymous when asked), each
    payment and its beneficiaries (minors by initials when asked)."""
    book = fund.ledger(session, start, end)
    effective = fund.effective_in(book.start, book.end)
    hamlets = dict(session.execute(select(Hamlet.id, Hamlet.name)).all())
    donors, payouts, beneficiaries = [], [], []
    for v in session.scalars(select(Voucher).where(effective).order_by(Voucher.voucher_date, Voucher.kind, Voucher.seq)):
        if v.kind == "receipt":
            donors.append(papers.DonorLine(v.party_name, v.amount, v.in_kind, v.anonymous))
            continue
        payouts.append(papers.PayoutEntry(v.voucher_date, v.number, fund.describe(v), v.amount))
        kind = fund.PAYOUT_KINDS.get(v.payout_kind or "", "")
        lines = list(session.scalars(select(PayoutLine).where(PayoutLine.decision_id == v.decision_id)
                                     .order_by(PayoutLine.position))) if v.decision_id else []
        for line in lines:
            beneficiaries.append(papers.BeneficiaryLine(line.name, line.amount, kind, hamlets.get(line.hamlet_id, ""),
                                                        line.minor))
        if not lines:
            age = _age_in(session, v.party_id if v.party_kind == "person" else None, v.voucher_date.year)
            beneficiaries.append(papers.BeneficiaryLine(v.party_name, v.amount, kind, hamlets.get(v.hamlet_id, ""),
                                                        age is not None and age < 18))
    by_method = book.received_by_method
    return papers.DisclosureDoc(
        start=book.start, end=book.end, opening=book.opening, received_cash=by_method.get("cash", 0),
        received_bank=by_method.get("bank", 0), received_in_kind=by_method.get("in_kind", 0), paid=book.paid,
        closing=book.closing, donors=donors, payouts=payouts, beneficiaries=beneficiaries,
        initials_only_for_minors=initials_only_for_minors)


def print_disclosure(session: Session, start, end, out_path: Path | str, *, initials_only_for_minors: bool = True,
                     overwrite: bool = False) -> int:
    """The public notice (công khai): PDF (pages) or Excel (donor rows), by the file's suffix."""
    suffix = _suffix(out_path, (".pdf", ".xlsx"))
    doc = disclosure_document(session, start, end, initials_only_for_minors=initials_only_for_minors)
    issuer = commune_issuer(session)
    if suffix == ".xlsx":
        return write_disclosure_xlsx(doc, issuer.issuing_body, issuer.place, out_path, overwrite=overwrite)
    check_target(Path(out_path), overwrite=overwrite, suffix=".pdf")
    return papers.render_disclosure(doc, issuer, out_path)


def print_statement(session: Session, start, end, out_path: Path | str, *, party_kind: str | None = None,
                    party_id: int | None = None, name: str | None = None, overwrite: bool = False) -> int:
    """One donor's receipts in the period: PDF (pages) or Excel (receipts), by the file's suffix."""
    suffix = _suffix(out_path, (".pdf", ".xlsx"))
    receipts = fund.donor_statement(session, start, end, party_kind=party_kind, party_id=party_id, name=name)
    if not receipts:
        raise UserError("Người, đơn vị này không có khoản ủng hộ nào trong kỳ đã chọn.")
    book = fund.ledger(session, start, end)
    first = receipts[0]
    doc = papers.StatementDoc(first.party_name, first.party_address, book.start, book.end,
                              [papers.StatementLine(v.voucher_date, v.number, v.purpose, v.amount, v.in_kind)
                               for v in receipts])
    issuer = commune_issuer(session)
    if suffix == ".xlsx":
        return write_statement_xlsx(doc, issuer.issuing_body, issuer.place, out_path, overwrite=overwrite)
    check_target(Path(out_path), overwrite=overwrite, suffix=".pdf")
    return papers.render_statement(doc, issuer, out_path)
