"""Name and place distributions for the demo commune: data only, no logic beyond normalising.

Family-name shares follow published Vietnamese surname statistics (in %); the Hoàng/Huỳnh and
Vũ/Võ pairs are one name spelt differently north and south, so their share is split by region.
Given and middle names carry a cohort weight (born before 1970, 1970–1994, from 1995) so a
grandmother is more likely "Thị Thơm" and a grandchild "Ngọc Bảo Anh".
"""

from __future__ import annotations

import unicodedata


def _nfc(value):
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, tuple):
        return tuple(_nfc(v) for v in value)
    if isinstance(value, list):
        return [_nfc(v) for v in value]
    if isinstance(value, dict):
        return {_nfc(k): _nfc(v) for k, v in value.items()}
    return value


# (family name, share % in the north, share % in the centre and south)
FAMILY_NAMES: list[tuple[str, float, float]] = _nfc([
    ("Nguyễn", 38.0, 38.0),
    ("Trần", 11.0, 11.0),
    ("Lê", 9.5, 9.5),
    ("Phạm", 7.0, 7.0),
    ("Hoàng", 4.5, 1.0),
    ("Huỳnh", 0.5, 4.0),
    ("Phan", 4.5, 4.5),
    ("Vũ", 3.4, 0.5),
    ("Võ", 0.5, 3.4),
    ("Đặng", 2.1, 2.1),
    ("Bùi", 2.0, 2.0),
    ("Đỗ", 1.4, 1.4),
    ("Hồ", 1.3, 1.3),
    ("Ngô", 1.3, 1.3),
    ("Dương", 1.0, 1.0),
    ("Lý", 0.5, 0.5),
    # the tail: about 11,5 % spread over less common names
    ("Đào", 0.6, 0.4),
    ("Đoàn", 0.5, 0.5),
    ("Vương", 0.3, 0.3),
    ("Trịnh", 0.6, 0.3),
    ("Trương", 0.4, 0.7),
    ("Lâm", 0.2, 0.5),
    ("Phùng", 0.3, 0.1),
    ("Mai", 0.4, 0.4),
    ("Tô", 0.2, 0.2),
    ("Hà", 0.5, 0.2),
    ("Tạ", 0.3, 0.2),
    ("Cao", 0.4, 0.4),
    ("Chu", 0.3, 0.1),
    ("Lương", 0.4, 0.3),
    ("Đinh", 0.6, 0.4),
    ("La", 0.1, 0.2),
    ("Lưu", 0.3, 0.3),
    ("Quách", 0.1, 0.2),
    ("Thái", 0.1, 0.3),
    ("Kiều", 0.2, 0.1),
    ("Triệu", 0.3, 0.1),
    ("Nông", 0.3, 0.0),
    ("Hứa", 0.1, 0.2),
    ("Tăng", 0.1, 0.2),
    ("Lại", 0.2, 0.1),
    ("Khúc", 0.1, 0.0),
    ("Giáp", 0.1, 0.0),
    ("Doãn", 0.1, 0.0),
    ("Đàm", 0.2, 0.1),
    ("Tống", 0.1, 0.1),
    ("Thân", 0.1, 0.0),
    ("Mạc", 0.1, 0.1),
    ("Khổng", 0.1, 0.0),
    ("Lục", 0.1, 0.0),
    ("Chử", 0.1, 0.0),
    ("Nghiêm", 0.1, 0.0),
    ("Từ", 0.1, 0.1),
    ("Diệp", 0.0, 0.1),
    ("Phí", 0.1, 0.0),
    ("Bế", 0.1, 0.0),
    ("Văn", 0.1, 0.1),
    ("Kim", 0.1, 0.1),
    ("Châu", 0.1, 0.3),
    ("Tiêu", 0.0, 0.1),
    ("Ông", 0.0, 0.1),
    ("Âu", 0.1, 0.1),
])

# Cohort weights of a name: (born before 1970, born 1970–1994, born from 1995).
OLD, COMMON, YOUNG = (3.0, 1.0, 0.2), (2.0, 2.0, 1.5), (0.2, 1.0, 3.0)

# (middle name, weight per cohort); "Văn" and "Thị" dominate older generations.
MALE_MIDDLE: list[tuple[str, tuple[float, float, float]]] = _nfc([
    ("Văn", (60.0, 35.0, 12.0)),
    ("Đức", (5.0, 7.0, 8.0)),
    ("Minh", (3.0, 6.0, 10.0)),
    ("Quang", (3.0, 5.0, 6.0)),
    ("Hữu", (4.0, 4.0, 3.0)),
    ("Công", (3.0, 4.0, 3.0)),
    ("Thanh", (3.0, 4.0, 3.0)),
    ("Xuân", (3.0, 3.0, 2.0)),
    ("Đình", (4.0, 3.0, 2.0)),
    ("Ngọc", (2.0, 3.0, 2.0)),
    ("Trọng", (2.0, 3.0, 3.0)),
    ("Mạnh", (1.0, 2.0, 2.0)),
    ("Tuấn", (0.5, 2.0, 3.0)),
    ("Quốc", (1.0, 3.0, 4.0)),
    ("Huy", (0.5, 1.0, 2.0)),
    ("Hoàng", (0.5, 2.0, 5.0)),
    ("Tiến", (1.0, 2.0, 2.0)),
    ("Duy", (0.5, 2.0, 4.0)),
    ("Bá", (2.0, 1.0, 0.5)),
    ("Viết", (1.5, 1.0, 0.5)),
    ("Khắc", (1.5, 1.0, 0.5)),
    ("Anh", (0.5, 2.0, 3.0)),
    ("Gia", (0.2, 1.0, 6.0)),
    ("Trung", (1.0, 2.0, 2.0)),
    ("Hải", (0.5, 1.0, 2.0)),
    ("Thế", (1.5, 1.5, 1.0)),
    ("Chí", (1.0, 1.5, 1.5)),
    ("Hồng", (1.0, 1.0, 0.5)),
    ("Phúc", (0.2, 0.5, 2.0)),
    ("Nhật", (0.1, 0.5, 3.0)),
    ("Thành", (1.0, 1.5, 1.5)),
    ("Đăng", (0.5, 1.0, 4.0)),
    ("Bảo", (0.1, 0.5, 4.0)),
    ("Tất", (0.5, 0.3, 0.2)),
])

FEMALE_MIDDLE: list[tuple[str, tuple[float, float, float]]] = _nfc([
    ("Thị", (80.0, 50.0, 18.0)),
    ("Ngọc", (3.0, 6.0, 10.0)),
    ("Thu", (2.0, 5.0, 4.0)),
    ("Thanh", (2.0, 5.0, 4.0)),
    ("Minh", (0.5, 2.0, 6.0)),
    ("Hồng", (2.0, 4.0, 2.0)),
    ("Kim", (2.0, 3.0, 2.0)),
    ("Thúy", (1.0, 3.0, 1.0)),
    ("Phương", (0.5, 3.0, 5.0)),
    ("Bảo", (0.1, 0.5, 6.0)),
    ("Khánh", (0.1, 1.0, 5.0)),
    ("Hoài", (0.5, 2.0, 2.0)),
    ("Mai", (0.5, 1.5, 2.0)),
    ("Quỳnh", (0.2, 1.0, 3.0)),
    ("Hải", (0.2, 1.0, 3.0)),
    ("Diệu", (0.2, 1.0, 2.0)),
    ("Bích", (1.5, 2.0, 0.5)),
    ("Thùy", (0.5, 2.0, 3.0)),
    ("Mỹ", (0.5, 1.5, 2.0)),
    ("Như", (0.2, 1.0, 3.0)),
    ("Tuyết", (1.0, 1.0, 0.5)),
    ("Lan", (0.5, 1.0, 2.0)),
    ("Hà", (0.2, 1.0, 3.0)),
    ("Ánh", (0.5, 1.0, 1.0)),
    ("Gia", (0.1, 0.3, 3.0)),
    ("Vân", (0.5, 1.0, 1.0)),
    ("Trà", (0.1, 0.5, 2.0)),
])

# Two-word middles, mostly for the young ("Nguyễn Ngọc Bảo Anh").
MALE_DOUBLE_MIDDLE: list[str] = _nfc([
    "Văn Minh", "Đức Minh", "Văn Quốc", "Hoàng Gia", "Minh Đức", "Quang Minh", "Hữu Minh",
    "Đình Gia", "Văn Đức", "Ngọc Bảo", "Minh Nhật", "Hoàng Minh", "Đức Gia", "Công Minh",
])
FEMALE_DOUBLE_MIDDLE: list[str] = _nfc([
    "Thị Thu", "Thị Ngọc", "Thị Thanh", "Thị Hồng", "Thị Kim", "Ngọc Bảo", "Hoàng Bảo",
    "Ngọc Khánh", "Phương Thảo", "Thị Minh", "Ngọc Minh", "Bảo Ngọc", "Thị Mai", "Thị Bích",
])

_MALE_GIVEN_OLD = [
    "Chiến", "Thắng", "Hùng", "Dũng", "Lợi", "Thuận", "Bình", "Hòa", "Sơn", "Quý", "Tâm",
    "Tiến", "Hải", "Toàn", "Cường", "Thành", "Hưng", "Lực", "Đông", "Tân", "Thịnh", "Tuyến",
    "Hiển", "Lộc", "Phúc", "Tư", "Sáu", "Mừng", "Cảnh", "Chính", "Trường", "Quyết", "Kiên",
    "Đạo", "Thọ", "Bảy", "Xuân", "Thủy", "Hậu", "Tùng",
]
_MALE_GIVEN_COMMON = [
    "An", "Anh", "Bình", "Cường", "Dũng", "Đạt", "Đức", "Giang", "Hải", "Hiếu", "Hoàng",
    "Hùng", "Huy", "Hưng", "Khánh", "Kiên", "Lâm", "Long", "Mạnh", "Minh", "Nam", "Nghĩa",
    "Phong", "Quân", "Quang", "Sơn", "Tài", "Thái", "Thành", "Trung", "Tuấn", "Tùng", "Việt",
    "Vinh", "Duy", "Thanh", "Trọng", "Linh", "Hiệp", "Thịnh", "Tú", "Nhân", "Trí", "Hào",
]
_MALE_GIVEN_YOUNG = [
    "Bảo", "Khang", "Khôi", "Khoa", "Phát", "Phúc", "Đăng", "Huy", "Khải", "Nhật", "Kiệt",
    "Lâm", "An", "Nam", "Minh", "Quân", "Phong", "Hưng", "Long", "Vũ", "Thiện", "Khánh",
    "Tín", "Duy", "Hiếu", "Tuệ", "Sang", "Vỹ", "Thắng", "Đức",
]
_FEMALE_GIVEN_OLD = [
    "Thơm", "Tươi", "Hoa", "Đào", "Cúc", "Huệ", "Sen", "Nhàn", "Lý", "Lụa", "Gấm", "Nguyệt",
    "Lan", "Hương", "Mai", "Liên", "Loan", "Xuân", "Thu", "Hạnh", "Hằng", "Dung", "Nga",
    "Oanh", "Tuyết", "Thủy", "Vân", "Hồng", "Lựu", "Hiền", "Bích", "Minh", "Chín", "Năm",
]
_FEMALE_GIVEN_COMMON = [
    "Anh", "Ánh", "Châu", "Chi", "Dung", "Duyên", "Giang", "Hà", "Hạnh", "Hằng", "Hiền",
    "Hoa", "Hồng", "Hương", "Huyền", "Lan", "Liên", "Linh", "Loan", "Ly", "Mai", "My", "Nga",
    "Ngân", "Ngọc", "Nhung", "Oanh", "Phương", "Quyên", "Quỳnh", "Tâm", "Thảo", "Thủy",
    "Thư", "Trang", "Trâm", "Tuyết", "Uyên", "Vân", "Yến", "Hoài", "Nhi", "Thu", "Lệ",
]
_FEMALE_GIVEN_YOUNG = [
    "Anh", "Vy", "Nhi", "Ngân", "Hân", "Như", "Thư", "Trâm", "Uyên", "My", "Linh", "Châu",
    "Khánh", "Ngọc", "Diệp", "Tâm", "An", "Thảo", "Chi", "Hà", "Trang", "Quỳnh", "Phương",
    "Giang", "Yến", "Nhiên", "Lam", "Mai",
]


def _given(old: list[str], common: list[str], young: list[str]) -> list[tuple[str, tuple[float, float, float]]]:
    """One list with summed cohort weights (a name can be in several groups)."""
    weights: dict[str, list[float]] = {}
    for names, cohort in ((old, OLD), (common, COMMON), (young, YOUNG)):
        for name in names:
            w = weights.setdefault(name, [0.0, 0.0, 0.0])
            for i in range(3):
                w[i] += cohort[i]
    return [(name, tuple(w)) for name, w in weights.items()]


MALE_GIVEN = _nfc(_given(_MALE_GIVEN_OLD, _MALE_GIVEN_COMMON, _MALE_GIVEN_YOUNG))
FEMALE_GIVEN = _nfc(_given(_FEMALE_GIVEN_OLD, _FEMALE_GIVEN_COMMON, _FEMALE_GIVEN_YOUNG))

# Middles a clan is known by: "Họ Nguyễn Đình".
CLAN_MIDDLES: list[str] = _nfc([
    "Văn", "Đình", "Đức", "Hữu", "Công", "Quang", "Bá", "Viết", "Khắc", "Xuân", "Ngọc",
    "Trọng", "Duy", "Thế", "Danh", "Huy", "Minh", "Đăng", "Tiến", "Doãn", "Sỹ", "Như",
])

# Hamlet and old-commune names: auspicious words Vietnamese villages are named with.
PLACE_NAMES: list[str] = _nfc([
    "Tân Lập", "Hòa Bình", "Phú Lộc", "An Phú", "Đồng Tâm", "Quyết Tiến", "Thắng Lợi",
    "Tân Phú", "Phú Mỹ", "Đông Hòa", "An Lạc", "Yên Thịnh", "Hưng Long", "Phúc Lâm",
    "Tiền Phong", "Trung Hòa", "Bình Minh", "Thanh Bình", "Tân Tiến", "Đại Đồng", "Minh Khai",
    "Quang Trung", "Hợp Thành", "Đoàn Kết", "Nam Tiến", "Vĩnh Phúc", "Phú Thịnh", "Hòa Lạc",
    "An Thái", "Long Hưng", "Tân Thành", "Bình An", "Phước Hòa", "Mỹ Lộc", "Thạch Bàn",
    "Xuân Lai", "Cẩm Phú", "Gia Hòa", "Kim Sơn", "Liên Minh", "Nghĩa Hưng", "Quỳnh Lâm",
    "Sơn Hà", "Thọ Xuân", "Vạn Thắng", "Yên Phú", "Đông Thành", "Hòa Hiệp", "Lạc Thiện",
    "Phong Phú", "Thuận An", "Trường Xuân", "Hưng Đạo", "Đức Thắng", "Phú Xuân", "An Hòa",
])

# Hamlets named by position in the village: Đông, Đoài (west in the north), Thượng, Hạ ...
DIRECTION_WORDS: list[str] = _nfc([
    "Đông", "Đoài", "Thượng", "Hạ", "Trung", "Nam", "Bắc", "Tây", "Tiền", "Hậu",
])

STREETS: list[str] = _nfc([
    "Trần Hưng Đạo", "Lê Lợi", "Nguyễn Trãi", "Quang Trung", "Hùng Vương", "Lý Thường Kiệt",
    "Hai Bà Trưng", "Lê Duẩn", "Nguyễn Huệ", "Phan Đình Phùng", "Trần Phú", "Ngô Quyền",
    "Lê Hồng Phong", "Nguyễn Văn Cừ", "Điện Biên Phủ", "Võ Thị Sáu", "Nguyễn Du",
])

# Names upper-secondary schools are often given.
SCHOOL_PATRONS: list[str] = _nfc([
    "Nguyễn Du", "Trần Phú", "Lê Quý Đôn", "Nguyễn Trãi", "Phan Bội Châu", "Lê Hồng Phong",
    "Nguyễn Huệ", "Chu Văn An", "Lý Thường Kiệt", "Quang Trung", "Trần Hưng Đạo",
    "Nguyễn Thị Minh Khai", "Võ Thị Sáu", "Nguyễn Bỉnh Khiêm", "Lương Thế Vinh",
])

# Firm name patterns; {x} is a trade name, {place} a commune or old-commune name.
FIRM_PATTERNS: list[tuple[str, str]] = _nfc([
    ("Hợp tác xã nông nghiệp {place}", "Giám đốc"),
    ("Hợp tác xã dịch vụ tổng hợp {place}", "Giám đốc"),
    ("Công ty TNHH may mặc {x}", "Giám đốc"),
    ("Công ty TNHH xây dựng {x}", "Giám đốc"),
    ("Công ty cổ phần chế biến nông sản {x}", "Giám đốc"),
    ("Doanh nghiệp tư nhân vật liệu xây dựng {x}", "Chủ doanh nghiệp"),
    ("Công ty TNHH thương mại và dịch vụ {x}", "Giám đốc"),
    ("Hợp tác xã chăn nuôi {place}", "Giám đốc"),
])
TRADE_NAMES: list[str] = _nfc([
    "Hưng Thịnh", "Phú Cường", "Minh Long", "Thành Đạt", "Tân Phát", "Hoàng Gia", "An Khang",
    "Việt Hưng", "Phúc An", "Đại Thành", "Trường Sơn", "Kim Ngân",
])

# Mobile prefixes in use (Viettel, Vinaphone, Mobifone, Vietnamobile, Gmobile).
MOBILE_PREFIXES: list[str] = [
    "032", "033", "034", "035", "036", "037", "038", "039", "086", "096", "097", "098",
    "081", "082", "083", "084", "085", "088", "091", "094",
    "070", "076", "077", "078", "079", "089", "090", "093",
    "052", "056", "058", "092", "059", "099",
]

# New province code (2025) -> the old CCCD birth-registration codes of the provinces merged
# into it (Resolution 202/2025/QH15). Provinces not listed kept their own code.
OLD_PROVINCE_CODES: dict[int, list[str]] = {
    8: ["008", "002"],
    15: ["010", "015"],
    19: ["019", "006"],
    24: ["024", "027"],
    25: ["025", "026", "017"],
    31: ["031", "030"],
    33: ["033", "034"],
    37: ["037", "035", "036"],
    44: ["045", "044"],
    48: ["048", "049"],
    51: ["051", "062"],
    52: ["064", "052"],
    56: ["056", "058"],
    66: ["066", "054"],
    68: ["068", "067", "060"],
    75: ["075", "070"],
    79: ["079", "074", "077"],
    80: ["072", "080"],
    82: ["087", "082"],
    86: ["086", "083", "084"],
    91: ["089", "091"],
    92: ["092", "094", "093"],
    96: ["096", "095"],
}

# Occupations (as people write them) with weights for working-age adults, rural and urban.
OCCUPATIONS: list[tuple[str, float, float]] = _nfc([
    ("Làm ruộng", 38.0, 4.0),
    ("Công nhân", 16.0, 18.0),
    ("Buôn bán", 8.0, 18.0),
    ("Lao động tự do", 12.0, 14.0),
    ("Chăn nuôi", 4.0, 0.5),
    ("Thợ xây", 4.0, 3.0),
    ("Thợ may", 2.0, 3.0),
    ("Lái xe", 2.0, 3.0),
    ("Kinh doanh", 2.0, 7.0),
    ("Nhân viên văn phòng", 1.5, 9.0),
    ("Đi làm ăn xa", 5.0, 1.0),
    ("Thợ mộc", 1.0, 0.5),
    ("Bộ đội", 0.5, 0.5),
])
