"""Coded values stored in the database and the Vietnamese words shown for them."""

from __future__ import annotations

HAMLET_KINDS = {
    "thon": "Thôn",
    "to_dan_pho": "Tổ dân phố",
    "ap": "Ấp",
    "ban": "Bản",
    "khu_pho": "Khu phố",
    "xom": "Xóm",
    "other": "Khác",
}
SEXES = {"M": "Nam", "F": "Nữ"}
POVERTY = {"none": "", "poor": "Hộ nghèo", "near_poor": "Hộ cận nghèo"}
RELATIONS = {
    "head": "Chủ hộ",
    "spouse": "Vợ/chồng",
    "child": "Con",
    "parent": "Bố/mẹ",
    "grandchild": "Cháu",
    "sibling": "Anh/chị/em",
    "other": "Khác",
}
EDUCATION = {
    "none": "Chưa đi học",
    "preschool": "Mầm non",
    "primary": "Tiểu học",
    "lower_secondary": "Trung học cơ sở",
    "upper_secondary": "Trung học phổ thông",
    "vocational": "Trung cấp, nghề",
    "college": "Cao đẳng",
    "university": "Đại học",
    "postgraduate": "Sau đại học",
}
ORGANISATION_KINDS = {
    "school": "Trường học",
    "office": "Cơ quan",
    "firm": "Doanh nghiệp",
    "other": "Khác",
}
BRANCH_KINDS = {
    "hamlet": "Thôn, tổ dân phố",
    "school": "Trường học",
    "office": "Cơ quan",
    "clan": "Dòng họ",
    "other": "Khác",
}
# Learning titles: code -> official name (display aliases such as "Gia đình hiếu học" are a
# setting, services.titles.title_names).
TITLES = {
    "GĐHT": "Gia đình học tập",
    "DHHT": "Dòng họ học tập",
    "CĐHT thôn": "Cộng đồng học tập cấp thôn",
    "ĐVHT": "Đơn vị học tập",
    "CĐHT cấp xã": "Cộng đồng học tập cấp xã",
    "CDHT": "Công dân học tập",
}
CITIZEN_SOURCES = {"online": "congdanhoctap.vn", "paper": "Phiếu giấy"}
# The four groups of the Công dân học tập self-assessment form; only the first three names are
# verified (QĐ 244/QĐ-KHVN), so the fourth says so instead of guessing.
CITIZEN_GROUPS = {
    "1": "Nông dân, lao động nông thôn",
    "2": "Công nhân, thợ thủ công",
    "3": "Cán bộ quản lý, công chức, doanh nhân",
    "4": "Nhóm 4 (tên nhóm chưa xác minh)",
}
CITIZEN_RESULTS = {"passed": "Đạt", "failed": "Chưa đạt"}
MEMBER_STATUSES = {"active": "Đang sinh hoạt", "left": "Đã thôi", "deceased": "Đã mất"}


def label(vocab: dict[str, str], code: str | None) -> str:
    return vocab.get(code or "", code or "")
