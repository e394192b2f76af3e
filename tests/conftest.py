import os
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The program's data and log folders (automatic backups, signing choice, trusted roots, logs) go to
# a throwaway folder for the whole run, subprocesses included, never the tester's own.
_HOME = tempfile.mkdtemp(prefix="khuyenhoc-test-home-")
os.environ["XDG_DATA_HOME"] = os.path.join(_HOME, "data")
os.environ["XDG_STATE_HOME"] = os.path.join(_HOME, "state")

import shutil  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from khuyenhoc_desktop.storage.database import Database  # noqa: E402


@pytest.fixture
def db(tmp_path):
    database = Database(tmp_path / "test.sqlite")
    yield database
    database.close()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """One small demo commune built once; tests copy it instead of rebuilding it."""
    from khuyenhoc_desktop.services.demo import build_demo

    path = tmp_path_factory.mktemp("template") / "demo.sqlite"
    with Database(path) as database:
        build_demo(database, households=60, seed=7)
    return path


@pytest.fixture
def demo_db(tmp_path, demo_template):
    path = tmp_path / "demo.sqlite"
    shutil.copy(demo_template, path)
    database = Database(path)
    yield database
    database.close()
