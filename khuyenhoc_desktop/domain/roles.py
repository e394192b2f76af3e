"""Who may change what: the roles of the association's officers and the parts of the data file
each may write, as data in one place. `storage.database` enforces it on every write."""

from __future__ import annotations

from dataclasses import dataclass

# Parts of the data file, by what a change there means.
REGISTRY, TITLES, REPORTS, FUND, USERS = "registry", "titles", "reports", "fund", "users"
AREA_LABELS = {
    REGISTRY: "danh sách (thôn, hộ, nhân khẩu, hội viên…)",
    TITLES: "danh hiệu học tập",
    REPORTS: "báo cáo",
    FUND: "quỹ khuyến học",
    USERS: "người dùng và mật khẩu",
}

TABLE_AREAS: dict[str, str] = {
    **dict.fromkeys(("payout_decision", "voucher", "payout_line", "fund_lock"), FUND),
    **dict.fromkeys(("app_user", "app_recovery"), USERS),
    **dict.fromkeys(("form_version", "registration", "evaluation", "decision", "decision_entry",
                     "review_meeting", "review_vote", "citizen_result", "custom_form", "setting"), TITLES),
    "report": REPORTS,
}
# Any other table (commune profile, hamlets, households, persons, members, dues…) is the registry.

CHAIRMAN, ACCOUNTANT, TREASURER, SECRETARY, VIEWER = "chairman", "accountant", "treasurer", "secretary", "viewer"
# A protected file opened without signing in (the command line without --user).
GUEST = "guest"


@dataclass(frozen=True)
class Role:
    code: str
    label: str
    writes: frozenset[str]
    # Sees CCCD and phone numbers in full on screen and may export them in full.
    sees_personal_data: bool = True
    # May erase a person's personal data (Decree 13/2023).
    erases_personal_data: bool = False


ROLES: dict[str, Role] = {
    r.code: r
    for r in (
        Role(CHAIRMAN, "Chủ tịch Hội", frozenset((REGISTRY, TITLES, REPORTS, FUND, USERS)), erases_personal_data=True),
        Role(ACCOUNTANT, "Kế toán", frozenset((FUND, REPORTS))),
        Role(TREASURER, "Thủ quỹ", frozenset((FUND,))),
        Role(SECRETARY, "Thư ký / cán bộ", frozenset((REGISTRY, TITLES, REPORTS)), erases_personal_data=True),
        Role(VIEWER, "Chỉ xem", frozenset(), sees_personal_data=False),
    )
}
_GUEST = Role(GUEST, "Chưa đăng nhập", frozenset(), sees_personal_data=False)


def role(code: str | None) -> Role | None:
    """The role; None when the file has no password protection (everything allowed)."""
    if code is None:
        return None
    return ROLES.get(code, _GUEST)


def label(code: str | None) -> str:
    found = role(code)
    return found.label if found else ""


def table_area(table: str) -> str:
    return TABLE_AREAS.get(table, REGISTRY)


def may_write_table(code: str | None, table: str) -> bool:
    # The audit trail is written on behalf of whoever makes a change (its triggers and the
    # actor it records); its own triggers keep it append-only.
    if code is None or table.startswith("audit_"):
        return True
    return table_area(table) in role(code).writes


def may_write(code: str | None, area: str) -> bool:
    return code is None or area in role(code).writes


def masks_personal_data(code: str | None) -> bool:
    return code is not None and not role(code).sees_personal_data


def may_erase_personal_data(code: str | None) -> bool:
    return code is None or role(code).erases_personal_data
