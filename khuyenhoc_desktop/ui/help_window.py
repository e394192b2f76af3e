"""Hướng dẫn sử dụng (F1): the user guide resources/guide/huong-dan.md with its pictures, a table
of contents from its sections, and a search that, like the lists, needs no diacritics."""

from __future__ import annotations

import logging
from functools import lru_cache

from PySide6.QtCore import QSize, Qt, QUrl
from PySide6.QtGui import QColor, QImage, QKeySequence, QShortcut, QTextCharFormat, QTextCursor, QTextDocument
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from khuyenhoc_desktop.domain.text import fold
from khuyenhoc_desktop.paths import resources_dir

log = logging.getLogger("khuyenhoc.ui")

TITLE = "Hướng dẫn sử dụng"
# Screenshots are taken at the program's full width; shown narrower so no sideways scrolling.
IMAGE_WIDTH = 780
# The guide's section (the number its heading starts with) for each page of the main window.
PAGE_SECTIONS = {
    "home": "1", "hamlets": "2", "households": "2", "persons": "2", "clans": "2", "organisations": "2",
    "members": "2", "branches": "2", "citizen_results": "4", "titles": "4", "decisions": "4", "forms": "4",
    "fund": "5", "reports": "6", "settings": "1",
}
HIGHLIGHT = QColor("#ffe58a")


def guide_path():
    return resources_dir() / "guide" / "huong-dan.md"


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    return (fold(ch) or ch)[0]


def folded(text: str) -> str:
    """`fold` one character at a time, so positions in the result are positions in `text`."""
    return "".join(_fold_char(ch) for ch in text)


class GuideBrowser(QTextBrowser):
    def loadResource(self, kind: int, url: QUrl):  # noqa: N802
        resource = super().loadResource(kind, url)
        if kind == QTextDocument.ResourceType.ImageResource.value and resource is not None:
            image = resource if isinstance(resource, QImage) else QImage.fromData(resource)
            if image.width() > IMAGE_WIDTH:
                return image.scaledToWidth(IMAGE_WIDTH, Qt.SmoothTransformation)
        return resource


class HelpWindow(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent, Qt.Window)
        self.setObjectName("helpWindow")
        self.setWindowTitle(TITLE)
        self.browser = GuideBrowser()
        self.browser.setOpenExternalLinks(True)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Tìm trong hướng dẫn")
        self.search.setAccessibleName("Tìm trong hướng dẫn")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda _t: self.find(from_start=True))
        self.search.returnPressed.connect(self.find)
        next_button = QPushButton("Tìm tiếp")
        next_button.setToolTip("Chỗ tiếp theo (Enter hoặc F3)")
        next_button.clicked.connect(lambda: self.find())
        self.found = QLabel()
        self.found.setObjectName("helpFound")
        self.contents = QListWidget()
        self.contents.setAccessibleName("Mục lục")
        self.contents.currentItemChanged.connect(self._section_chosen)
        self.contents.itemClicked.connect(self._section_chosen)  # again, after scrolling away
        QShortcut(QKeySequence.FindNext, self, activated=self.find)
        QShortcut(QKeySequence.Find, self, activated=self.search.setFocus)
        QShortcut(QKeySequence.Close, self, activated=self.close)

        search_row = QHBoxLayout()
        search_row.addWidget(self.search, 1)
        search_row.addWidget(next_button)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(search_row)
        left_layout.addWidget(self.found)
        left_layout.addWidget(QLabel("Mục lục"))
        left_layout.addWidget(self.contents, 1)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.browser)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([260, 940])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self.resize(QSize(1200, 760))
        self._folded = ""
        self.load()

    # ---- the guide
    def load(self) -> None:
        path = guide_path()
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            log.warning("user guide not readable: %s (%s)", path, exc)
            self.browser.setPlainText(f"Không mở được tệp hướng dẫn {path}. Hãy cài lại chương trình.")
            return
        self.browser.setSearchPaths([str(path.parent)])
        self.browser.setMarkdown(text)
        self._folded = folded(self.browser.document().toRawText())
        self.contents.clear()
        block = self.browser.document().begin()
        while block.isValid():
            if block.blockFormat().headingLevel() == 2:
                item = QListWidgetItem(block.text(), self.contents)
                item.setData(Qt.UserRole, block.position())
            block = block.next()

    def sections(self) -> list[str]:
        return [self.contents.item(i).text() for i in range(self.contents.count())]

    def show_section(self, number: str) -> bool:
        """Go to the section whose heading starts with `number` ("5" → "5. Quỹ khuyến học")."""
        for i, heading in enumerate(self.sections()):
            if heading.split(".", 1)[0].strip() == number:
                self.contents.setCurrentRow(i)
                self._section_chosen(self.contents.item(i))
                return True
        return False

    def _section_chosen(self, item, _previous=None) -> None:
        if item is not None:
            self._scroll_to(item.data(Qt.UserRole))

    def _scroll_to(self, position: int) -> None:
        cursor = QTextCursor(self.browser.document())
        cursor.setPosition(position)
        self.browser.setTextCursor(cursor)
        block = self.browser.document().findBlock(position)
        top = self.browser.document().documentLayout().blockBoundingRect(block).top()
        self.browser.verticalScrollBar().setValue(int(top))

    # ---- search
    def matches(self, query: str) -> list[int]:
        needle = fold(query)
        if not needle:
            return []
        found, start = [], self._folded.find(needle)
        while start >= 0:
            found.append(start)
            start = self._folded.find(needle, start + len(needle))
        return found

    def find(self, from_start: bool = False) -> bool:
        """Select the next place the search box's words appear (no diacritics needed), mark the
        others, and say how many there are."""
        query = self.search.text()
        hits = self.matches(query)
        length = len(fold(query))
        marks = []
        for start in hits:
            cursor = QTextCursor(self.browser.document())
            cursor.setPosition(start)
            cursor.setPosition(start + length, QTextCursor.KeepAnchor)
            mark = QTextEdit.ExtraSelection()
            mark.cursor = cursor
            mark.format = QTextCharFormat()
            mark.format.setBackground(HIGHLIGHT)
            marks.append(mark)
        self.browser.setExtraSelections(marks)
        if not query.strip():
            self.found.setText("")
            return False
        if not hits:
            self.found.setText("Không tìm thấy.")
            return False
        here = -1 if from_start else self.browser.textCursor().selectionStart()
        start = next((h for h in hits if h > here), hits[0])
        cursor = QTextCursor(self.browser.document())
        cursor.setPosition(start)
        cursor.setPosition(start + length, QTextCursor.KeepAnchor)
        self.browser.setTextCursor(cursor)
        self.browser.ensureCursorVisible()
        self.found.setText(f"Chỗ {hits.index(start) + 1} / {len(hits)}")
        return True


def show_help(window, page_key: str | None = None) -> HelpWindow:
    """Open (or bring forward) the guide, at the section for `page_key` if there is one."""
    help_window = window.findChild(HelpWindow)
    if help_window is None:
        help_window = HelpWindow(window)
    if page_key in PAGE_SECTIONS:
        help_window.show_section(PAGE_SECTIONS[page_key])
    help_window.show()
    help_window.raise_()
    help_window.activateWindow()
    return help_window
