"""Crash safety: large writes through the real command, killed with SIGKILL at random moments
(seeded), leave a file that opens, passes `PRAGMA integrity_check`, and holds each operation
either whole or not at all.

The command runs in its own Python (`cli.main` with the command's arguments), watched through
SQLAlchemy's session events, which write a marker before the program goes on: the kill is aimed
at a random moment of the big transaction (its length measured on an uninterrupted run) and the
last marker says where it landed. Run with `-s` to see each kill and its phase.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from khuyenhoc_desktop.services import backups
from khuyenhoc_desktop.storage.database import Database
from tests.import_fixtures import save

KILLS = 8
SEED = 20261203
IMPORT_ROWS = 2000
DEMO_HOUSEHOLDS = 300
GIVEN = ("An", "Bình", "Cường", "Dung", "Hà", "Lan", "Minh", "Nam", "Oanh", "Phúc")

# About 45 s alone, 75 s on a busy two-core machine.
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="SIGKILL is POSIX")]


# The real command (`cli.main` with the same arguments, in a fresh Python), watched through
# SQLAlchemy's session events: each transaction's start and commit is written to stderr before
# the program goes on, so the last marker in the pipe says where the kill landed.
WATCHED = """
import sys
from sqlalchemy import event
from sqlalchemy.orm import Session
from khuyenhoc_desktop import cli

def mark(text):
    sys.stderr.write(text + "\\n")
    sys.stderr.flush()

event.listen(Session, "after_begin", lambda *_a: mark("BEGIN"))
event.listen(Session, "after_commit", lambda *_a: mark("COMMIT"))
event.listen(Session, "after_rollback", lambda *_a: mark("ROLLBACK"))
if sys.argv[1] == "--receipts":  # a loop of `khuyenhoc fund receipt`, one transaction each
    db, start = sys.argv[2], int(sys.argv[3])
    for i in range(start, start + 100000):
        code = cli.main(["fund", "receipt", "--db", db, "--donor", f"Người ủng hộ {i}", "--free-name",
                         "--amount", str(i * 1000), "--date", "02/01/2026", "--purpose", f"Đợt {i}"])
        if code:
            sys.exit(code)
else:
    sys.exit(cli.main(sys.argv[1:]))
"""
PHASES = {None: "trước giao dịch", "BEGIN": "trong giao dịch", "COMMIT": "sau khi lưu", "ROLLBACK": "sau khi hủy"}


class Run:
    """One watched run of the command; `marks` are (seconds since start, marker) as they arrive."""

    def __init__(self, tmp_path: Path, *args):
        script = tmp_path / "watched.py"
        if not script.exists():
            script.write_text(WATCHED, encoding="utf-8")
        env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "data"), XDG_STATE_HOME=str(tmp_path / "state"),
                   XDG_CONFIG_HOME=str(tmp_path / "config"))
        self.started = time.monotonic()
        self.proc = subprocess.Popen([sys.executable, str(script), *map(str, args)], env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, encoding="utf-8")
        self.marks: list[tuple[float, str]] = []
        self.other: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.proc.stderr:
            line = line.strip()
            if line in PHASES:
                self.marks.append((time.monotonic() - self.started, line))
            elif line:
                self.other.append(line)

    def wait_for(self, marker: str, count: int = 1, timeout: float = 60) -> bool:
        """True once `count` markers arrived; False if the process ended first."""
        deadline = time.monotonic() + timeout
        while sum(1 for _t, m in self.marks if m == marker) < count:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                return False
            time.sleep(0.001)
        return True

    def finish(self) -> None:
        self.proc.wait()
        self.reader.join()
        assert self.proc.returncode == 0, "\n".join(self.other)

    def kill(self, db: Path, fresh_file: bool = True) -> str:
        """SIGKILL; the phase it landed in, from the last marker written before it (on a file
        that had no WAL before, a WAL with pages means the transaction had begun writing them)."""
        wal = _wal(db)
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self.reader.join()
        return PHASES[self.last] + (" (trang đã vào WAL)" if self.last == "BEGIN" and wal and fresh_file else "")

    @property
    def last(self) -> str | None:
        return self.marks[-1][1] if self.marks else None

    def commits(self) -> int:
        return sum(1 for _t, m in self.marks if m == "COMMIT")


def _wal(path: Path) -> int:
    try:
        return Path(str(path) + "-wal").stat().st_size
    except FileNotFoundError:
        return 0


def _calibrate(db: Path, tmp_path: Path, *args) -> float:
    """One run to the end: seconds from the first transaction's start to the last commit."""
    run = Run(tmp_path, *args)
    run.finish()
    begins = [t for t, m in run.marks if m == "BEGIN"]
    commits = [t for t, m in run.marks if m == "COMMIT"]
    assert begins and commits, run.marks
    return commits[-1] - begins[0]


def _kill_during(db: Path, tmp_path: Path, delay: float, *args) -> tuple[str, str | None]:
    """(phase, last marker) of a run killed `delay` s after its first transaction began."""
    run = Run(tmp_path, *args)
    assert run.wait_for("BEGIN"), run.other
    time.sleep(delay)
    return run.kill(db), run.last


def _check_outcome(whole: bool, last: str | None) -> None:
    """Killed before the commit marker: nothing, unless the kill fell between the commit and the
    marker; after it: everything."""
    if last == "COMMIT":
        assert whole, "committed, yet the data is missing"
    elif last is None:
        assert not whole, "data present before any transaction began"


def _counts(path: Path, tables: tuple[str, ...]) -> dict[str, int]:
    """Open as the program does, then check the whole file."""
    with Database(path):
        pass
    assert backups.full_check(path) is None, f"{path.name}: integrity_check failed"
    conn = sqlite3.connect(str(path))
    try:
        return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        conn.close()


def _fresh(template: Path, target: Path) -> Path:
    target.write_bytes(template.read_bytes())
    return target


@pytest.fixture(scope="module")
def empty_db(tmp_path_factory) -> Path:
    """An empty data file already at the current schema (the migration is not what we test)."""
    path = tmp_path_factory.mktemp("crash") / "empty.sqlite"
    with Database(path):
        pass
    return path


def _report(kind: str, phases: list[tuple[float, str, str]]) -> str:
    counted: dict[str, int] = {}
    for _delay, phase, _outcome in phases:
        counted[phase] = counted.get(phase, 0) + 1
    lines = [f"{kind}: {len(phases)} lần kill -9 — " + ", ".join(f"{p}: {n}" for p, n in counted.items())]
    for delay, phase, outcome in phases:
        lines.append(f"    {'' if delay is None else f'sau {delay:.2f} s: '}{phase} → {outcome}")
    text = "\n".join(lines)
    sys.stdout.write("\n" + text + "\n")
    return text


def test_import_is_all_or_nothing_under_kill(tmp_path, empty_db):
    rows = [["STT", "Họ và tên chủ hộ", "Năm sinh", "Giới tính", "Thôn", "Địa chỉ"]]
    rows += [[i + 1, f"Nguyễn Văn {GIVEN[i % 10]} {chr(65 + i // 10 % 26)}{chr(65 + i // 260 % 26)}", 1950 + i % 50,
              "Nam" if i % 2 else "Nữ", f"Thôn {i % 7 + 1}", f"Xóm {i % 13}"] for i in range(IMPORT_ROWS)]
    workbook = save(tmp_path / "chu-ho.xlsx", rows, title="Chủ hộ")

    def args(db):
        return ("import", "households", workbook, "--db", db, "--create-missing", "--duplicates", "add")

    reference = _fresh(empty_db, tmp_path / "du.sqlite")
    length = _calibrate(reference, tmp_path, *args(reference))
    tables = ("household", "person", "hamlet")
    full = {"household": IMPORT_ROWS, "person": IMPORT_ROWS, "hamlet": 7}
    assert _counts(reference, tables) == full
    rng = random.Random(SEED)
    phases = []
    for n in range(KILLS):
        db = _fresh(empty_db, tmp_path / f"nhap-{n}.sqlite")
        delay = rng.uniform(0, length * 1.15)
        phase, last = _kill_during(db, tmp_path, delay, *args(db))
        counts = _counts(db, tables)
        assert counts in (dict.fromkeys(tables, 0), full), counts
        _check_outcome(counts == full, last)
        phases.append((delay, phase, "có đủ" if counts["household"] else "không có gì"))
    _report(f"Nhập {IMPORT_ROWS} hộ từ Excel (giao dịch dài {length:.2f} s)", phases)


def test_demo_commune_is_all_or_nothing_under_kill(tmp_path, empty_db):
    def args(db):
        return ("demo", "--db", db, "--households", DEMO_HOUSEHOLDS, "--seed", 3)

    from khuyenhoc_desktop.storage.models import Base

    tables = tuple(t for t in Base.metadata.tables if not t.startswith(("audit", "app_")))
    reference = _fresh(empty_db, tmp_path / "du.sqlite")
    length = _calibrate(reference, tmp_path, *args(reference))
    full = _counts(reference, tables)
    assert full["household"] == DEMO_HOUSEHOLDS and full["person"] > DEMO_HOUSEHOLDS and full["voucher"] > 0
    rng = random.Random(SEED + 1)
    phases = []
    for n in range(KILLS):
        db = _fresh(empty_db, tmp_path / f"mau-{n}.sqlite")
        delay = rng.uniform(0, length * 1.15)
        phase, last = _kill_during(db, tmp_path, delay, *args(db))
        counts = _counts(db, tables)
        assert counts in (full, dict.fromkeys(tables, 0)), counts
        _check_outcome(counts == full, last)
        phases.append((delay, phase, "có đủ" if counts["household"] else "không có gì"))
    _report(f"Tạo xã mẫu {DEMO_HOUSEHOLDS} hộ (giao dịch dài {length:.2f} s)", phases)


def _vouchers(db: Path) -> list[tuple]:
    conn = sqlite3.connect(str(db))
    try:
        return conn.execute("SELECT seq, number, amount, party_name, purpose FROM voucher ORDER BY seq").fetchall()
    finally:
        conn.close()


def test_fund_receipts_are_whole_and_numbered_without_gaps_under_kill(tmp_path, empty_db):
    """`khuyenhoc fund receipt` again and again in one Python (no start-up cost for each), killed
    after a random number of receipts; after each kill the loop resumes on the same file."""
    db = _fresh(empty_db, tmp_path / "quy.sqlite")
    rng = random.Random(SEED + 2)
    phases = []
    for _n in range(KILLS):
        done = len(_vouchers(db))
        run = Run(tmp_path, "--receipts", db, done + 1)
        assert run.wait_for("BEGIN", rng.randint(1, 12)), run.other
        time.sleep(rng.uniform(0, 0.02))
        phase = run.kill(db, fresh_file=False)
        _counts(db, ("voucher",))
        rows = _vouchers(db)
        # Each receipt is there exactly when its transaction committed (or the kill fell
        # between the commit and its marker).
        assert len(rows) - done in (run.commits(), run.commits() + 1)
        assert len(rows) - done == run.commits() or run.last == "BEGIN"
        for seq, number, amount, party, purpose in rows:  # every receipt whole, numbers without gaps
            assert (number, amount, party, purpose) == (f"PT-2026-{seq:04d}", seq * 1000, f"Người ủng hộ {seq}",
                                                         f"Đợt {seq}")
        assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
        phases.append((None, phase, f"{len(rows) - done} phiếu mới, tổng {len(rows)}"))
    assert len(_vouchers(db)) >= KILLS  # the loop did write between the kills
    _report("Ghi phiếu thu liên tục (mỗi phiếu một giao dịch)", phases)
