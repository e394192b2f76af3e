"""Trang chủ: the commune at a glance, with the next things to do."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from khuyenhoc_desktop.domain.money import format_count, format_money
from khuyenhoc_desktop.domain.dates import today
from khuyenhoc_desktop.services import progress
from khuyenhoc_desktop.services.registry import members_without_dues
from khuyenhoc_desktop.services.stats import commune_stats
from khuyenhoc_desktop.ui.progress_chart import ProgressChart, percent

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
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addSpacing(12)
        layout.addLayout(grid)
        layout.addWidget(self.members_line)
        layout.addWidget(self.hint)
        layout.addSpacing(12)
        layout.addLayout(self._build_progress())
        layout.addStretch()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.NoFrame)
        scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        ctx.notifier.changed.connect(lambda _k: self.refresh())
        ctx.notifier.profile_changed.connect(self.refresh)

    def _build_progress(self) -> QVBoxLayout:
        box = QVBoxLayout()
        heading = QLabel(f"Tiến độ xây dựng xã hội học tập so với mục tiêu ({progress.TARGET_SOURCE})")
        heading.setObjectName("sectionTitle")
        self.year_box = QComboBox()
        self.year_box.setAccessibleName("Năm đánh giá")
        self.year_box.currentIndexChanged.connect(self._refresh_progress)
        self.title_box = QComboBox()
        self.title_box.setAccessibleName("Danh hiệu theo thôn")
        self.title_box.currentIndexChanged.connect(self._refresh_progress)
        top = QHBoxLayout()
        top.addWidget(heading, 1)
        top.addWidget(QLabel("Năm:"))
        top.addWidget(self.year_box)
        self.commune_chart = ProgressChart()
        self.commune_chart.setObjectName("communeProgress")
        self.hamlet_caption = QLabel()
        self.hamlet_chart = ProgressChart()
        self.hamlet_chart.setObjectName("hamletProgress")
        legend = QLabel("Thanh xanh lá: đã đạt mục tiêu; vạch đỏ: mục tiêu. Số liệu: được công nhận/tổng số.")
        legend.setWordWrap(True)
        by_hamlet = QHBoxLayout()
        by_hamlet.addWidget(self.hamlet_caption, 1)
        by_hamlet.addWidget(QLabel("Theo thôn:"))
        by_hamlet.addWidget(self.title_box)
        box.addLayout(top)
        box.addWidget(self.commune_chart)
        box.addSpacing(8)
        box.addLayout(by_hamlet)
        box.addWidget(self.hamlet_chart)
        box.addWidget(legend)
        return box

    def _refresh_progress(self) -> None:
        year = self.year_box.currentData()
        if year is None:
            return
        with self.ctx.db.read() as session:
            commune, by_hamlet = progress.progress(session, year)
        self.commune_chart.set_lines(
            [(f"{line.title_name} (mục tiêu {percent(line.target)})", line) for line in commune])
        if self.title_box.count() == 0:
            self.title_box.blockSignals(True)
            for line in commune:
                if line.title_code in by_hamlet:
                    self.title_box.addItem(line.title_name, line.title_code)
            self.title_box.blockSignals(False)
        code = self.title_box.currentData()
        lines = [line for line in by_hamlet.get(code, []) if line.total]
        target = next((line.target for line in commune if line.title_code == code), 0)
        noun = progress.NOUNS.get(code, "")
        self.hamlet_caption.setText(
            f"{self.title_box.currentText()} theo thôn, tổ dân phố năm {year} ({noun}; mục tiêu {percent(target)})"
            if lines else f"Chưa có số liệu theo thôn cho năm {year}.")
        self.hamlet_chart.set_lines([(line.scope, line) for line in lines])

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
        with self.ctx.db.read() as session:
            offered, shown = progress.years(session, today().year)
        wanted = self.year_box.currentData() if self.year_box.count() else shown
        self.year_box.blockSignals(True)
        self.year_box.clear()
        for y in offered:
            self.year_box.addItem(str(y), y)
        self.year_box.setCurrentIndex(max(0, self.year_box.findData(wanted if wanted in offered else shown)))
        self.year_box.blockSignals(False)
        self._refresh_progress()
