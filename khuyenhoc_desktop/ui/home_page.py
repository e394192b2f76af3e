"""Trang chủ: the commune at a glance, with the next things to do."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

from khuyenhoc_desktop.domain.money import format_count, format_money
from khuyenhoc_desktop.domain.dates import today
from khuyenhoc_desktop.services.registry import members_without_dues
from khuyenhoc_desktop.services.stats import commune_stats

TILES = [
    ("hamlets", "Thôn, tổ dân phố"),
    ("households", "Hộ gia đình"),
    ("persons", "Nhân khẩu"),
    ("clans", "Dòng họ"),
    ("organisations", "Cơ quan, đơn vị"),
    ("branches", "Chi hội"),
    ("active_members", "Hội viên đang sinh hoạt"),
    ("poor_households", "Hộ nghèo"),
]


class HomePage(QWidget):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("page_home")
        self.title = QLabel()
        self.title.setObjectName("homeTitle")
        self.title.setWordWrap(True)
        self.subtitle = QLabel()
        self.subtitle.setWordWrap(True)
        grid = QGridLayout()
        self.values: dict[str, QLabel] = {}
        for i, (key, label) in enumerate(TILES):
            tile = QFrame()
            tile.setObjectName("tile")
            tile.setFrameShape(QFrame.StyledPanel)
            lay = QVBoxLayout(tile)
            value = QLabel("0")
            value.setObjectName("tileValue")
            value.setAlignment(Qt.AlignRight)
            caption = QLabel(label)
            caption.setAlignment(Qt.AlignRight)
            lay.addWidget(value)
            lay.addWidget(caption)
            grid.addWidget(tile, i // 4, i % 4)
            self.values[key] = value
        self.members_line = QLabel()
        self.members_line.setWordWrap(True)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setObjectName("homeHint")
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addSpacing(12)
        layout.addLayout(grid)
        layout.addWidget(self.members_line)
        layout.addWidget(self.hint)
        layout.addStretch()
        ctx.notifier.changed.connect(lambda _k: self.refresh())
        ctx.notifier.profile_changed.connect(self.refresh)

    def ensure_loaded(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        with self.ctx.db.read() as session:
            stats = commune_stats(session)
        profile = stats["profile"]
        counts = stats["counts"]
        if profile:
            self.title.setText(profile["association_name"])
            self.subtitle.setText(f"{profile['commune_name']}, {profile['province_name']}"
                                  + (" — dữ liệu mẫu để xem thử" if self.ctx.is_demo else ""))
        else:
            self.title.setText("Chưa thiết lập hồ sơ xã")
            self.subtitle.setText("Vào Cài đặt → Hồ sơ xã để chọn tỉnh, xã và tên hội.")
        for key, label in self.values.items():
            label.setText(format_count(counts[key]))
        year = today().year
        with self.ctx.db.read() as session:
            unpaid = members_without_dues(session, str(year))
        self.members_line.setText(
            f"Hội viên: {format_count(counts['members'])} (đang sinh hoạt {format_count(counts['active_members'])}); "
            f"hội phí đã thu: {format_money(stats['dues_total'])}; "
            f"chưa đóng hội phí năm {year}: {format_count(unpaid)} hội viên."
        )
        if counts["hamlets"] == 0:
            self.hint.setText("Bắt đầu: thêm các thôn, tổ dân phố, rồi các hộ gia đình và nhân khẩu.")
        elif counts["households"] == 0:
            self.hint.setText("Tiếp theo: thêm các hộ gia đình (trang Hộ gia đình → Thêm mới).")
        else:
            self.hint.setText("")
