"""Driving modal dialogs from tests: schedule what to do once the dialog is up."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from khuyenhoc_desktop.domain import admin_units
from khuyenhoc_desktop.services import registry as reg
from khuyenhoc_desktop.services.profile import OfficerLine, ProfileForm, save_profile


def when_modal(action, attempts: int = 50):
    """Run `action(dialog)` on the next modal dialog (retrying until it is shown)."""

    def poll(left=attempts):
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            if left:
                QTimer.singleShot(20, lambda: poll(left - 1))
            return
        try:
            action(dialog)
        except BaseException:
            dialog.reject()  # never leave a modal dialog blocking the test run
            raise

    QTimer.singleShot(0, poll)


def click_button(box: QMessageBox, text: str) -> None:
    for button in box.buttons():
        if button.text().replace("&", "") == text:
            button.click()
            return
    raise AssertionError(f"no button {text!r} in {[b.text() for b in box.buttons()]}")


def seed(db) -> dict:
    """A tiny commune through the same services the dialogs use."""
    with db.write() as s:
        province = admin_units.provinces()[0]
        commune = admin_units.communes(province.code)[0]
        save_profile(
            s,
            ProfileForm(
                province_code=province.code,
                commune_code=commune.code,
                association_name=f"Hội Khuyến học {commune.name}",
                officers=[OfficerLine("Nguyễn Văn Bình", "Chủ tịch")],
            ),
        )
        east = reg.save_hamlet(s, reg.HamletForm(name="Thôn Đông"))
        west = reg.save_hamlet(s, reg.HamletForm(name="Thôn Đoài"))
        clan = reg.save_clan(s, reg.ClanForm(name="Họ Nguyễn Văn", hamlet_ids=[east]))
        h1 = reg.create_household(
            s,
            reg.HouseholdForm(hamlet_id=east, clan_id=clan, address="Xóm Giữa"),
            reg.PersonForm(family_name="Nguyễn", middle_name="Văn", given_name="An", sex="M", birth_year="1970"),
        )
        h2 = reg.create_household(
            s,
            reg.HouseholdForm(hamlet_id=west, address="Xóm Bãi"),
            reg.PersonForm(family_name="Trần", middle_name="Thị", given_name="Đào", sex="F", birth_year="1982"),
        )
        child = reg.save_person(
            s,
            reg.PersonForm(household_id=h1, family_name="Nguyễn", middle_name="Minh", given_name="Khôi",
                           sex="M", birth_date="05/09/2012", relation="child", education="lower_secondary"),
        )
        school = reg.save_organisation(s, reg.OrganisationForm(name="Trường Tiểu học Đông Sơn", kind="school", hamlet_id=east))
        branch = reg.save_branch(s, reg.BranchForm(name="Chi hội Thôn Đông", kind="hamlet", hamlet_id=east))
        head = reg.load_household(s, h1).head_person_id
        member = reg.save_member(s, reg.MemberForm(person_id=head, branch_id=branch, card_number="KH-001", join_date="01/03/2020"))
    return dict(east=east, west=west, clan=clan, h1=h1, h2=h2, child=child, school=school, branch=branch, member=member, head=head)
