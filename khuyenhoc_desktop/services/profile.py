"""The commune profile: who we are, shown in the title bar and used by every document."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from khuyenhoc_desktop.domain import admin_units
from khuyenhoc_desktop.domain.text import nfc, person_name_case
from khuyenhoc_desktop.domain.validation import check_phone, check_required, clean_phone
from khuyenhoc_desktop.errors import ValidationError
from khuyenhoc_desktop.storage.models import CommuneProfile, Officer


@dataclass
class OfficerLine:
    name: str
    title: str


@dataclass
class ProfileForm:
    province_code: int | None = None
    commune_code: int | None = None
    association_name: str = ""
    parent_body: str = ""
    report_to: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""
    officers: list[OfficerLine] = field(default_factory=list)
    province_name: str = ""
    commune_name: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def suggested_names(commune_name: str, province_name: str) -> dict[str, str]:
    """What a commune usually writes, from the catalogue names: editable defaults for the dialog.
    'Xã Tân Lập', 'Nghệ An' → 'Hội Khuyến học xã Tân Lập', 'Hội Khuyến học tỉnh Nghệ An'."""
    province = f"Hội Khuyến học {admin_units.in_sentence(province_name)}" if province_name else ""
    return {
        "association_name": f"Hội Khuyến học {admin_units.in_sentence(commune_name, 'xã')}",
        "parent_body": province,
        "report_to": province,
    }


def get_profile(session: Session) -> ProfileForm | None:
    record = session.scalar(select(CommuneProfile))
    if record is None:
        return None
    return ProfileForm(
        province_code=record.province_code,
        commune_code=record.commune_code,
        association_name=record.association_name,
        parent_body=record.parent_body,
        report_to=record.report_to,
        address=record.address,
        phone=record.phone,
        email=record.email,
        officers=[OfficerLine(o.name, o.title) for o in record.officers],
        province_name=record.province_name,
        commune_name=record.commune_name,
    )


def validate_profile(form: ProfileForm) -> dict[str, str]:
    errors: dict[str, str] = {}
    province = admin_units.province(form.province_code) if form.province_code else None
    if province is None:
        errors["province_code"] = "Chưa chọn tỉnh, thành phố."
    elif form.commune_code is None or admin_units.commune(province.code, form.commune_code) is None:
        errors["commune_code"] = "Chưa chọn xã, phường trong tỉnh đã chọn."
    if msg := check_required(form.association_name, "tên hội"):
        errors["association_name"] = msg
    if msg := check_phone(form.phone):
        errors["phone"] = msg
    if form.email and ("@" not in form.email or " " in form.email.strip()):
        errors["email"] = "Địa chỉ thư điện tử chưa đúng, ví dụ hoikhuyenhoc@gmail.com."
    for i, officer in enumerate(form.officers, start=1):
        if not nfc(officer.name):
            errors["officers"] = f"Dòng cán bộ thứ {i} chưa có họ tên."
    return errors


def save_profile(session: Session, form: ProfileForm) -> None:
    if errors := validate_profile(form):
        raise ValidationError(errors)
    province = admin_units.province(form.province_code)
    commune = admin_units.commune(province.code, form.commune_code)
    record = session.scalar(select(CommuneProfile)) or CommuneProfile()
    record.province_code, record.province_name = province.code, province.name
    record.commune_code, record.commune_name = commune.code, commune.name
    record.association_name = nfc(form.association_name)
    record.parent_body = nfc(form.parent_body)
    record.report_to = nfc(form.report_to)
    record.address = nfc(form.address)
    record.phone = clean_phone(form.phone)
    record.email = form.email.strip()
    record.officers = [
        Officer(position=i, name=person_name_case(o.name), title=nfc(o.title))
        for i, o in enumerate(form.officers)
    ]
    session.add(record)
    session.flush()


def window_title(profile: ProfileForm | None) -> str:
    if profile is None:
        return "Chưa thiết lập xã"
    return f"{profile.association_name} — {profile.commune_name}, {profile.province_name}"
