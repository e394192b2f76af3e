"""The installable program: `build.spec` builds the one-folder bundle, and the bundle alone (run
from another folder, nothing of the source tree on its path) passes its self-test and runs the
headless commands: a demo commune, a report signed with a USB token (SoftHSM) and with a .p12
file, the signatures verified, a list exported.

Takes minutes (the build is most of it): marked `bundle`, run by CI, skipped locally with
`python -m pytest -m "not bundle"`. The build and self-test timings are printed as they happen.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook

from khuyenhoc_desktop import __version__
from khuyenhoc_desktop.domain.dates import today
from tests.test_app import assert_self_test_passed
from tests.test_signing import pki, token  # noqa: F401  (fixtures: a throwaway CA and a SoftHSM token)

pytestmark = [pytest.mark.bundle, pytest.mark.timeout(1200)]

ROOT = Path(__file__).resolve().parent.parent
# On Windows the windowed KhuyenHoc.exe has no console to print to: its console twin is run instead.
EXE = "khuyenhoc-cli.exe" if sys.platform == "win32" else "KhuyenHoc"
BUILD_LIMIT_S = 600
SELF_TEST_LIMIT_S = 60


def _report(request, line: str) -> None:
    """A line on the terminal even while output is captured: the timings belong in CI's log."""
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line(f"[bundle] {line}")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory, request) -> Path:
    """dist/KhuyenHoc built from build.spec into a temporary folder (the work tree stays clean)."""
    out = tmp_path_factory.mktemp("pyinstaller")
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "PyInstaller", "build.spec", "--noconfirm", "--log-level", "WARN",
                             "--distpath", str(out / "dist"), "--workpath", str(out / "work")],
                            cwd=ROOT, capture_output=True, text=True, timeout=BUILD_LIMIT_S + 300)
    seconds = time.perf_counter() - start
    assert result.returncode == 0, result.stderr[-4000:]
    shutil.rmtree(out / "work")  # PyInstaller's cache: not needed to run the result
    folder = out / "dist" / "KhuyenHoc"
    size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink()) / 2**20
    _report(request, f"build {seconds:.0f} s, bundle {size:.0f} MB")
    assert seconds < BUILD_LIMIT_S
    return folder


@pytest.fixture
def env(tmp_path) -> dict:
    """The bundle runs offscreen, keeps its log and settings in tmp_path, and sees no source tree."""
    base = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    return dict(base, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path), XDG_STATE_HOME=str(tmp_path),
                XDG_DATA_HOME=str(tmp_path), XDG_CACHE_HOME=str(tmp_path), HOME=str(tmp_path),
                APPDATA=str(tmp_path), LOCALAPPDATA=str(tmp_path))


def _run(bundle: Path, env: dict, cwd: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([str(bundle / EXE), *args], cwd=cwd, env=env, capture_output=True, text=True,
                          encoding="utf-8", timeout=timeout)


def test_bundle_holds_every_resource(bundle):
    inside = bundle / "_internal"
    for folder, target in (("resources", "resources"), ("forms", "forms"),
                           ("khuyenhoc_desktop/storage/migrations/versions",
                            "khuyenhoc_desktop/storage/migrations/versions")):
        wanted = {p.relative_to(ROOT / folder) for p in (ROOT / folder).rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts}
        held = {p.relative_to(inside / target) for p in (inside / target).rglob("*") if p.is_file()}
        assert wanted and wanted <= held, sorted(wanted - held)[:10]
    assert (inside / "resources" / "icons" / "khuyenhoc.ico").is_file()
    assert list((inside / "pypdfium2_raw").glob("*pdfium*"))
    assert list((inside / "pkcs11").glob("_pkcs11*"))
    for left_out in ("IPython", "numpy", "pytest", "jedi"):  # tools installed here, never used by the program
        assert not (inside / left_out).exists(), left_out


def test_bundled_self_test(bundle, env, tmp_path, request):
    start = time.perf_counter()
    result = _run(bundle, env, tmp_path, "--self-test")
    seconds = time.perf_counter() - start
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[1/9] Tạo xã mẫu 60 hộ trong thư mục tạm: đạt" in result.stdout
    assert_self_test_passed(result.stdout)
    assert "Traceback" not in result.stderr
    _report(request, f"self-test {seconds:.1f} s")
    assert seconds < SELF_TEST_LIMIT_S


def test_bundled_commands_sign_with_a_token_and_a_p12(bundle, env, tmp_path, pki, token):  # noqa: F811
    version = _run(bundle, env, tmp_path, "--version")
    assert version.returncode == 0 and version.stdout.strip() == f"Khuyến Học Desktop {__version__}"
    db = tmp_path / "xa.sqlite"
    made = _run(bundle, env, tmp_path, "demo", "--db", str(db), "--households", "30")
    assert made.returncode == 0, made.stderr
    assert "Đã tạo xã mẫu" in made.stdout

    out = tmp_path / "bao-cao"
    out.mkdir()
    year = str(today().year - 1)
    with_token = dict(env, KHUYENHOC_PIN="123456", SOFTHSM2_CONF=os.environ["SOFTHSM2_CONF"])
    signed = _run(bundle, with_token, tmp_path, "report", "annual", "--year", year,
                  "--db", str(db), "--out-dir", str(out), "--to", "Hội Khuyến học tỉnh", "--sign",
                  "--pkcs11-lib", token, "--token", "Token Thử", "--key-id", "0a1b", "--format", "json")
    assert signed.returncode == 0, signed.stderr
    files = json.loads(signed.stdout)
    assert files["signed"] and files["finalised"] and files["level"] == "B-B"
    for path in (files["pdf"], files["xlsx"]):
        checked = _run(bundle, env, tmp_path, "verify", path, "--trust", str(pki / "ca.pem"))
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert "CHỮ KÝ HỢP LỆ" in checked.stdout and "Nguyễn Văn Ánh" in checked.stdout

    listed = tmp_path / "nhan-khau.xlsx"
    exported = _run(bundle, env, tmp_path, "export", "persons", "--db", str(db), "--out", str(listed))
    assert exported.returncode == 0, exported.stderr
    persons = json.loads(_run(bundle, env, tmp_path, "stats", "--db", str(db), "--format", "json").stdout)
    rows = persons["counts"]["persons"]
    assert exported.stdout.startswith(f"Đã xuất {rows} dòng")
    book = load_workbook(listed, read_only=True)
    names = [row[0] if row else None for row in book.worksheets[0].iter_rows(values_only=True)]
    book.close()
    assert "Họ và tên" in names and len(names) - names.index("Họ và tên") - 1 == rows
    by_p12 = _run(bundle, dict(env, KHUYENHOC_PIN="matkhau"), tmp_path, "sign", str(listed),
                  "--p12", str(pki / "signer.p12"))
    assert by_p12.returncode == 0, by_p12.stderr
    checked = _run(bundle, env, tmp_path, "verify", str(listed), "--trust", str(pki / "ca.pem"))
    assert checked.returncode == 0 and "CHỮ KÝ HỢP LỆ" in checked.stdout
    listed.write_bytes(listed.read_bytes() + b"\0")
    assert _run(bundle, env, tmp_path, "verify", str(listed), "--trust", str(pki / "ca.pem")).returncode == 1
