"""Only `khuyenhoc_desktop/ui/` may use Qt: the services, storage and CLI run headless."""

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import khuyenhoc_desktop

PACKAGE = Path(khuyenhoc_desktop.__file__).resolve().parent
QT_ROOTS = {"PySide6", "shiboken6", "PyQt5", "PyQt6", "PySide2"}


def _core_files() -> list[Path]:
    files = sorted(PACKAGE.rglob("*.py"))
    return [f for f in files if "ui" not in f.relative_to(PACKAGE).parts[:1]]


def _qt_imports(path: Path, root: Path = PACKAGE) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):  # also imports nested in functions
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [f"{path.relative_to(root)}:{node.lineno} {n}" for n in names if n.split(".")[0] in QT_ROOTS]
    return sorted(found)


def test_static_no_qt_import_outside_ui():
    files = _core_files()
    names = {str(f.relative_to(PACKAGE)) for f in files}
    # The scan covers the real code, not an empty list.
    assert {"cli.py", "storage/database.py", "services/registry.py", "services/lists.py",
            "domain/text.py"} <= names
    offenders = [hit for f in files for hit in _qt_imports(f)]
    assert offenders == []


def test_static_check_detects_qt(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import os\ndef f():\n    from PySide6.QtWidgets import QWidget\nimport shiboken6\n")
    assert _qt_imports(sample, tmp_path) == ["sample.py:3 PySide6.QtWidgets", "sample.py:4 shiboken6"]


IMPORT_ALL = textwrap.dedent(
    """
    import importlib, json, pkgutil, sys
    import khuyenhoc_desktop
    imported, failed = [], []
    for info in pkgutil.walk_packages(khuyenhoc_desktop.__path__, "khuyenhoc_desktop."):
        name = info.name
        if name == "khuyenhoc_desktop.ui" or name.startswith("khuyenhoc_desktop.ui."):
            continue
        if name in ("khuyenhoc_desktop.__main__", "khuyenhoc_desktop.storage.migrations.env"):
            continue  # the first runs the program, the second needs alembic's migration context
        try:
            importlib.import_module(name)
            imported.append(name)
        except Exception as exc:
            failed.append(f"{name}: {type(exc).__name__}: {exc}")
    qt = sorted(m for m in sys.modules if m.split(".")[0] in {"PySide6", "shiboken6", "PyQt5", "PyQt6"})
    print(json.dumps({"imported": imported, "failed": failed, "qt": qt}))
    """
)


def test_dynamic_no_qt_loaded_by_core_modules():
    import json

    proc = subprocess.run([sys.executable, "-c", IMPORT_ALL], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["failed"] == []
    assert {"khuyenhoc_desktop.cli", "khuyenhoc_desktop.storage.database", "khuyenhoc_desktop.services.registry",
            "khuyenhoc_desktop.services.lists", "khuyenhoc_desktop.services.stats"} <= set(result["imported"])
    assert result["qt"] == []


def test_cli_command_runs_without_qt(tmp_path):
    """`khuyenhoc stats` in a real process never loads Qt either."""
    script = textwrap.dedent(
        f"""
        import sys
        from khuyenhoc_desktop.cli import main
        assert main(["demo", "--db", {str(tmp_path / "x.sqlite")!r}, "--households", "3"]) == 0
        code = main(["stats", "--db", {str(tmp_path / "x.sqlite")!r}])
        assert code == 0, code
        assert "PySide6" not in sys.modules and "shiboken6" not in sys.modules, "Qt loaded"
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env={**__import__("os").environ, "XDG_STATE_HOME": str(tmp_path / "state")})
    assert proc.returncode == 0, proc.stderr
