"""Danh hiệu học tập: the registrations of one title in one year, their scores and decisions;
register, withdraw, score one by one or in a grid."""

from __future__ import annotations

from collections import OrderedDict

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from khuyenhoc_desktop.domain.dates import format_date, today
from khuyenhoc_desktop.domain.forms import number_text
from khuyenhoc_desktop.domain.money import format_count
from khuyenhoc_desktop.domain.text import fold
from khuyenhoc_desktop.errors import UserError
from khuyenhoc_desktop.services import scoring, titles
from khuyenhoc_desktop.services.lists import hamlet_choices
from khuyenhoc_desktop.ui.list_page import SEARCH_PLACEHOLDER
from khuyenhoc_desktop.ui.widgets import setup_row_table, table_or_empty

BLOCK = 100
MAX_BLOCKS = 50
GRID_LIMIT = 500
# header, width, right-aligned
COLUMNS = (
    ("STT", 50, True), ("Tên", 200, False), ("Địa chỉ", 170, False), ("Thôn", 120, False),
    ("Ngày đăng ký", 95, False), ("Điểm", 60, True), ("Xếp loại", 110, False), ("Kết quả", 80, False),
    ("Quyết định", 110, False), ("Năm liền", 70, True),
)
RESULT_TEXT = {None: "Chưa chấm", True: "Đạt", False: "Chưa đạt"}


def _texts(number: int, row: titles.RegistrationRow) -> tuple[str, ...]:
    return (
        format_count(number), row.name, row.address if row.address != row.hamlet else "", row.hamlet,
        format_date(row.registered_on), "" if row.total is None else number_text(row.total), row.level or "",
        RESULT_TEXT[row.passed], row.decision or "", str(row.years_in_a_row) if row.years_in_a_row else "",
    )


class RegistrationModel(QAbstractTableModel):
    """Pages the registrations of the page's query from the database, `BLOCK` rows at a time."""

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.query: titles.RegistrationQuery | None = None
        self.matches = 0
        self._blocks: OrderedDict[int, list[tuple[int, tuple[str, ...]]]] = OrderedDict()

    def set_query(self, query: titles.RegistrationQuery) -> None:
        self.beginResetModel()
        self.query = query
        with self.ctx.db.read() as session:
            self.matches = titles.count_registrations(session, query)
        self._blocks.clear()
        self.endResetModel()

    def reload(self) -> None:
        if self.query is not None:
            self.set_query(self.query)

    def _block(self, block_no: int) -> list[tuple[int, tuple[str, ...]]]:
        block = self._blocks.get(block_no)
        if block is not None:
            self._blocks.move_to_end(block_no)
            return block
        start = block_no * BLOCK
        with self.ctx.db.read() as session:
            rows = titles.page_registrations(session, self.query, start, BLOCK)
        block = [(row.id, _texts(start + i + 1, row)) for i, row in enumerate(rows)]
        self._blocks[block_no] = block
        if len(self._blocks) > MAX_BLOCKS:
            self._blocks.popitem(last=False)
        return block

    def _row(self, row: int):
        block = self._block(row // BLOCK)
        offset = row % BLOCK
        return block[offset] if offset < len(block) else (None, ("",) * len(COLUMNS))

    def id_at(self, row: int) -> int | None:
        return self._row(row)[0] if 0 <= row < self.matches else None

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else self.matches

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: QModelIndex, role=Qt.DisplayRole):
        if role == Qt.DisplayRole:
            return self._row(index.row())[1][index.column()]
        if role == Qt.TextAlignmentRole and COLUMNS[index.column()][2]:
            return int(Qt.AlignRight | Qt.AlignVCenter)
        return None

    def headerData(self, section: int, orientation, role=Qt.DisplayRole):  # noqa: N802
        if role == Qt.DisplayRole and orientation == Qt.Horizontal:
            return COLUMNS[section][0]
        return None


class HamletChoice(QDialog):
    """Đăng ký cả thôn…: which hamlet's households to register."""

    def __init__(self, hamlets: list[tuple[int, str]], current: int | None, year: int, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Đăng ký cả thôn")
        self.combo = QComboBox()
        for hamlet_id, name in hamlets:
            self.combo.addItem(name, hamlet_id)
        self.combo.setCurrentIndex(max(self.combo.findData(current), 0))
        buttons = QDialogButtonBox()
        buttons.addButton("Đăng ký cả thôn", QDialogButtonBox.AcceptRole)
        buttons.addButton("Hủy", QDialogButtonBox.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        text = QLabel(f"Đăng ký Gia đình học tập năm {year} cho mọi hộ của thôn, tổ dân phố:")
        text.setWordWrap(True)
        layout.addWidget(text)
        layout.addWidget(self.combo)
        layout.addWidget(buttons)

    def hamlet_id(self) -> int | None:
        return self.combo.currentData()


class RegistrationTable(QTableView):
    """Del withdraws the selected registration (after asking)."""

    def __init__(self, on_delete, parent=None):
        super().__init__(parent)
        self._on_delete = on_delete

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.key() == Qt.Key_Delete and not event.modifiers():
            self._on_delete()
            return
        super().keyPressEvent(event)


class TitlesPage(QWidget):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("page_titles")
        self._loaded = False

        heading = QLabel("Danh hiệu học tập")
        heading.setObjectName("pageTitle")
        self.year = QSpinBox()
        self.year.setRange(1990, 2100)
        self.year.setValue(today().year)
        self.year.setAccessibleName("Năm")
        self.year.setGroupSeparatorShown(False)
        self.title_combo = QComboBox()
        self.title_combo.setAccessibleName("Danh hiệu")
        self.hamlet_filter = QComboBox()
        self.hamlet_filter.setAccessibleName("Thôn")
        self.status_filter = QComboBox()
        self.status_filter.setAccessibleName("Kết quả")
        for code, label in titles.STATUSES.items():
            self.status_filter.addItem(label, code)
        self.search = QLineEdit()
        self.search.setPlaceholderText(SEARCH_PLACEHOLDER)
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Tìm kiếm")
        self._search_timer = QTimer(self, singleShot=True, interval=50)
        self._search_timer.timeout.connect(self.apply_filters)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.year.valueChanged.connect(self.apply_filters)
        self.title_combo.currentIndexChanged.connect(self._title_changed)
        self.hamlet_filter.currentIndexChanged.connect(self.apply_filters)
        self.status_filter.currentIndexChanged.connect(self.apply_filters)

        self.counts = QLabel()
        self.counts.setObjectName("titleCounts")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #1e6b2f;")
        self.message.hide()

        self.register_button = QPushButton("Đăng ký…")
        self.register_button.setToolTip("Chọn các hộ (dòng họ, thôn, đơn vị…) để đăng ký danh hiệu này")
        self.register_button.clicked.connect(self.register)
        self.register_hamlet_button = QPushButton("Đăng ký cả thôn…")
        self.register_hamlet_button.clicked.connect(self.register_hamlet)
        self.unregister_button = QPushButton("Hủy đăng ký")
        self.unregister_button.setToolTip("Hủy đăng ký dòng đang chọn (Del)")
        self.unregister_button.clicked.connect(self.unregister)
        self.score_button = QPushButton("Chấm điểm")
        self.score_button.setToolTip("Chấm lần lượt từ dòng đang chọn (Enter)")
        self.score_button.clicked.connect(self.score)
        self.grid_button = QPushButton("Chấm theo bảng")
        self.grid_button.setToolTip("Nhập điểm nhiều hộ trong một bảng (nên lọc theo thôn trước)")
        self.grid_button.clicked.connect(self.score_grid)
        self.papers_button = QPushButton("In giấy tờ")
        self.papers_button.setToolTip("Danh sách đăng ký và phiếu đánh giá theo danh sách đang hiển thị (PDF, in)")
        papers = QMenu(self.papers_button)
        papers.addAction("Danh sách đăng ký…", self.print_registration_list)
        papers.addAction("Phiếu đánh giá đã chấm…", lambda: self.print_score_sheets(blank=False))
        papers.addAction("Phiếu đánh giá trống (chấm tay)…", lambda: self.print_score_sheets(blank=True))
        self.papers_button.setMenu(papers)

        self.model = RegistrationModel(ctx, self)
        self.table = RegistrationTable(self.unregister)
        self.table.setModel(self.model)
        setup_row_table(self.table)
        for i, (_h, width, _r) in enumerate(COLUMNS):
            self.table.setColumnWidth(i, width)
        self.table.doubleClicked.connect(lambda _i: self.score())
        self.table.activated.connect(lambda _i: self.score())
        self.stack, self.empty = table_or_empty(self.table)
        self.row_count = QLabel()
        self.row_count.setObjectName("rowCount")

        top = QHBoxLayout()
        top.addWidget(heading)
        top.addStretch()
        top.addWidget(QLabel("Năm"))
        top.addWidget(self.year)
        top.addWidget(QLabel("Danh hiệu"))
        top.addWidget(self.title_combo)
        filters = QHBoxLayout()
        filters.addWidget(self.search, 3)
        filters.addWidget(self.hamlet_filter, 1)
        filters.addWidget(self.status_filter, 1)
        actions = QHBoxLayout()
        for button in (self.register_button, self.register_hamlet_button, self.unregister_button):
            actions.addWidget(button)
        actions.addSpacing(12)
        actions.addWidget(self.score_button)
        actions.addWidget(self.grid_button)
        actions.addSpacing(12)
        actions.addWidget(self.papers_button)
        actions.addStretch()
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.counts)
        layout.addLayout(filters)
        layout.addLayout(actions)
        layout.addWidget(self.message)
        layout.addLayout(self.stack, 1)
        layout.addWidget(self.row_count)
        ctx.notifier.changed.connect(self._on_changed)

    # ---- data
    def ensure_loaded(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        self._fill_titles()
        self._fill_hamlets()
        self._title_changed()

    def _fill_titles(self) -> None:
        current = self.title_combo.currentData()
        self.title_combo.blockSignals(True)
        self.title_combo.clear()
        with self.ctx.db.read() as session:
            for code, name in titles.title_names(session).items():
                self.title_combo.addItem(name, code)
        self.title_combo.setCurrentIndex(max(self.title_combo.findData(current), 0))
        self.title_combo.blockSignals(False)

    def _fill_hamlets(self) -> None:
        current = self.hamlet_filter.currentData()
        self.hamlet_filter.blockSignals(True)
        self.hamlet_filter.clear()
        self.hamlet_filter.addItem("Tất cả thôn", None)
        with self.ctx.db.read() as session:
            self.hamlets = hamlet_choices(session)
        for hamlet_id, name in self.hamlets:
            self.hamlet_filter.addItem(name, hamlet_id)
        self.hamlet_filter.setCurrentIndex(max(self.hamlet_filter.findData(current), 0))
        self.hamlet_filter.blockSignals(False)

    @property
    def title_code(self) -> str:
        return self.title_combo.currentData()

    @property
    def kind(self) -> str:
        return titles.TITLE_ENTITY[self.title_code]

    @property
    def noun(self) -> str:
        return titles.ENTITY_KINDS[self.kind][1]

    def _title_changed(self, *_args) -> None:
        self.register_hamlet_button.setVisible(self.title_code == "GĐHT")
        self.hamlet_filter.setVisible(self.kind not in ("commune",))
        self.apply_filters()

    def current_query(self) -> titles.RegistrationQuery:
        return titles.RegistrationQuery(self.year.value(), self.title_code, self.hamlet_filter.currentData(),
                                        self.search.text(), self.status_filter.currentData() or "")

    def apply_filters(self, *_args) -> None:
        if not self._loaded:
            return
        selected = self.selected_id()
        self.model.set_query(self.current_query())
        self._update_counts()
        if selected is not None:
            self.select_id(selected)

    def _update_counts(self) -> None:
        query = self.current_query()
        with self.ctx.db.read() as session:
            c = scoring.cycle_counts(session, query.year, query.title_code, query.hamlet_id)
            name = titles.title_names(session)[query.title_code]
        where = f" ({self.hamlet_filter.currentText()})" if query.hamlet_id is not None else ""
        self.counts.setText(
            f"{name} năm {query.year}{where}: đã đăng ký {format_count(c.registered)}/{format_count(c.total)} "
            f"{self.noun} · đã chấm {format_count(c.scored)} · đạt {format_count(c.passed)} · "
            f"đã công nhận {format_count(c.recognised)}")
        self.row_count.setText(f"Hiển thị {format_count(self.model.matches)} / {format_count(c.registered)} "
                               "đăng ký")
        if c.registered == 0:
            hint = "Đăng ký… hoặc Đăng ký cả thôn…" if self.title_code == "GĐHT" else "Đăng ký…"
            self.empty.setText(f"Chưa có đăng ký {name} năm {query.year}. Bấm {hint} để bắt đầu.")
        else:
            self.empty.setText("Không có đăng ký nào khớp tìm kiếm và bộ lọc.")
        self.stack.setCurrentWidget(self.empty if self.model.matches == 0 else self.table)

    def _on_changed(self, kinds: set) -> None:
        if not self._loaded:
            return
        if "hamlets" in kinds:
            self._fill_hamlets()
        if "settings" in kinds or "titles" in kinds:
            self._fill_titles()
        self.apply_filters()

    # ---- selection
    def selected_row(self) -> int:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    def selected_id(self) -> int | None:
        return self.model.id_at(self.selected_row())

    def select_id(self, registration_id: int) -> None:
        with self.ctx.db.read() as session:
            ids = titles.registration_ids(session, self.model.query)
        if registration_id in ids:
            row = ids.index(registration_id)
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    # ---- actions
    def register(self) -> None:
        year, code = self.year.value(), self.title_code
        if self.kind == "commune":
            self._register_commune(year, code)
            return
        from khuyenhoc_desktop.ui.entity_picker import EntityPicker

        picker = EntityPicker(self.ctx, year, code, self)
        if picker.exec() and picker.result_counts:
            self._say_registered(picker.result_counts)

    def _register_commune(self, year: int, code: str) -> None:
        try:
            with self.ctx.db.write() as session:
                ids = scoring.commune_ids(session)
                if not ids:
                    raise UserError("Chưa có thông tin xã; hãy nhập ở Cài đặt › Thông tin xã trước.")
                counts = titles.register(session, year, code, "commune", ids)
        except UserError as exc:
            QMessageBox.warning(self, "Đăng ký", str(exc))
            return
        self.ctx.changed("titles")
        self._say_registered(counts)

    def _say_registered(self, counts: dict, where: str = "") -> None:
        text = f"Đã đăng ký thêm {format_count(counts['added'])} {self.noun}{where}."
        if counts["already"]:
            text += f" {format_count(counts['already'])} {self.noun} đã đăng ký từ trước."
        self._say(text)

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def register_hamlet(self) -> None:
        if not self.hamlets:
            QMessageBox.information(self, "Đăng ký cả thôn", "Chưa có thôn, tổ dân phố nào.")
            return
        dialog = HamletChoice(self.hamlets, self.hamlet_filter.currentData(), self.year.value(), self)
        if not dialog.exec():
            return
        hamlet_id = dialog.hamlet_id()
        try:
            with self.ctx.db.write() as session:
                counts = titles.register_hamlet_households(session, self.year.value(), hamlet_id)
        except UserError as exc:
            QMessageBox.warning(self, "Đăng ký cả thôn", str(exc))
            return
        self.ctx.changed("titles")
        self._say_registered(counts, f" của {dialog.combo.currentText()}")

    def unregister(self) -> None:
        registration_id = self.selected_id()
        if registration_id is None:
            return
        with self.ctx.db.read() as session:
            row = titles.registration_rows(session, [registration_id])[0]
            name = titles.title_names(session)[self.title_code]
        where = f" ({row.hamlet})" if row.hamlet and row.hamlet != row.name else ""
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Warning)
        box.setWindowTitle("Hủy đăng ký")
        text = f"Hủy đăng ký {name} năm {self.year.value()} của {row.name}{where}?"
        if row.passed is not None:
            text += f"\n\nKết quả chấm điểm ({number_text(row.total)} điểm) sẽ bị xóa cùng."
        box.setText(text)
        withdraw = box.addButton("Hủy đăng ký", QMessageBox.DestructiveRole)
        box.addButton("Không", QMessageBox.RejectRole)
        box.setDefaultButton(box.buttons()[-1])
        box.exec()
        if box.clickedButton() is not withdraw:
            return
        try:
            with self.ctx.db.write() as session:
                titles.unregister(session, registration_id)
        except UserError as exc:
            QMessageBox.warning(self, "Chưa hủy được", str(exc))
            return
        self._say(f"Đã hủy đăng ký của {row.name}.")
        self.ctx.changed("titles")

    def score(self) -> None:
        from khuyenhoc_desktop.ui.scoring_dialog import ScoringDialog

        row = self.selected_row()
        if self.model.matches == 0:
            return
        with self.ctx.db.read() as session:
            ids = titles.registration_ids(session, self.model.query)
        try:
            dialog = ScoringDialog(self.ctx, ids, max(row, 0), self)
        except UserError as exc:
            QMessageBox.warning(self, "Chấm điểm", str(exc))
            return
        dialog.exec()
        self.select_id(dialog.registration_id)

    def score_grid(self) -> None:
        from khuyenhoc_desktop.ui.scoring_grid import ScoringGrid

        if self.model.matches == 0:
            return
        if self.model.matches > GRID_LIMIT:
            QMessageBox.information(
                self, "Chấm theo bảng",
                f"Danh sách đang có {format_count(self.model.matches)} đăng ký, quá nhiều cho một bảng "
                f"(tối đa {GRID_LIMIT}). Hãy chọn một thôn ở ô lọc rồi bấm Chấm theo bảng lần nữa.")
            return
        ScoringGrid(self.ctx, self.current_query(), self).exec()

    # ---- papers
    def print_registration_list(self, on_open=None) -> None:
        from khuyenhoc_desktop.services import title_documents
        from khuyenhoc_desktop.ui.paper_dialog import open_paper

        query = self.model.query
        name = f"danh-sach-dang-ky-{fold(query.title_code).replace(' ', '-')}-{query.year}.pdf"
        open_paper(self, self.ctx, "Danh sách đăng ký", name,
                   lambda session, path: title_documents.print_registration_list(
                       session, query.year, query.title_code, path, query.hamlet_id), on_open)

    def print_score_sheets(self, blank: bool, on_open=None) -> None:
        """Sheets for the registrations the list shows (search and filters included)."""
        from khuyenhoc_desktop.services import title_documents
        from khuyenhoc_desktop.ui.paper_dialog import open_paper

        query = self.model.query
        if self.model.matches == 0:
            self._say("Danh sách đang trống: chưa có phiếu nào để in.")
            return
        which = "trong" if blank else "da-cham"
        name = f"phieu-danh-gia-{which}-{fold(query.title_code).replace(' ', '-')}-{query.year}.pdf"

        def render(session, path):
            ids = titles.registration_ids(session, query)
            return title_documents.print_score_sheets(session, ids, path, blank=blank)

        open_paper(self, self.ctx, "Phiếu đánh giá trống" if blank else "Phiếu đánh giá", name, render, on_open)
