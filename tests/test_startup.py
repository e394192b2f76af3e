"""Starting the window quickly: pages built on first visit, no document writer or Alembic
imported before the window is shown, the schema head found without Alembic."""

import json
import os
import shutil
import subprocess
import sys

from PySide6.QtCore import QSettings

from khuyenhoc_desktop.storage import database
from khuyenhoc_desktop.ui.context import AppContext
from khuyenhoc_desktop.ui.list_page import ListPage
from khuyenhoc_desktop.ui.main_window import NAVIGATION, MainWindow

HEAVY = ("openpyxl", "reportlab", "numpy", "pyhanko", "pypdfium2", "alembic")

SHOW_WINDOW = """
import json, sys
from PySide6.QtWidgets import QApplication
app = QApplication([])
from khuyenhoc_desktop.ui.app import Controller
controller = Controller(app)
controller.unattended = True
controller.open(sys.argv[1], is_demo=False)
app.processEvents()
assert controller.window.isVisible()
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_no_document_writer_or_alembic_before_the_window_shows(demo_template, tmp_path):
    path = tmp_path / "xa.sqlite"
    shutil.copy(demo_template, path)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", SHOW_WINDOW, str(path)], capture_output=True, text=True,
                         env=env, timeout=120, check=True).stdout
    loaded = set(json.loads(out.strip().splitlines()[-1]))
    assert "khuyenhoc_desktop" in loaded and "sqlalchemy" in loaded
    assert loaded.isdisjoint(HEAVY), loaded & set(HEAVY)


def test_pages_are_built_when_first_shown(qtbot, demo_db, tmp_path):
    ctx = AppContext(demo_db, settings=QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat))
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    assert list(window.pages) == ["home"] and window.stack.count() == 1
    fund = window.show_page("fund")
    assert window.stack.currentWidget() is fund and window.nav.currentItem().text() == "Quỹ khuyến học"
    assert window.show_page("home") is window.pages["home"] and window.show_page("fund") is fund  # built once
    window.nav.setCurrentRow(2)  # the navigation list, as a click does
    assert isinstance(window.current_page(), ListPage) and window.current_page().kind_key == "households"
    assert window.action_new.isEnabled()
    for key, _label in NAVIGATION:
        window.page(key)
    assert set(window.pages) == {k for k, _ in NAVIGATION}
    assert window.stack.count() == len(NAVIGATION)
    window.close()


def test_the_schema_head_is_read_from_the_migration_files_as_alembic_reads_it():
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(database._alembic_config())
    known, head = database._revision_graph()
    assert head == script.get_current_head() == database.head_revision()
    assert known == {rev.revision for rev in script.walk_revisions()}
