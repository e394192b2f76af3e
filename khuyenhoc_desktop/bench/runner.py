"""Runs every step of the bench in its own process and gathers the table (see `__init__`)."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from khuyenhoc_desktop.bench.measure import RESULT_PREFIX

FULL_HOUSEHOLDS = 30_000
QUICK_HOUSEHOLDS = 600
RSS_TARGET_MB = 400.0
BUSY_LOAD_PER_CORE = 0.5  # a load average above this share of the cores before the run: numbers are shaky
STEP_TIMEOUT_S = 1800

Say = Callable[[str], None]


@dataclass(frozen=True)
class Target:
    """`kind` "ratio": at most `limit` times the baseline; "seconds": at most `limit` seconds."""
    kind: str
    limit: float

    def text(self) -> str:
        limit = f"{self.limit:g}".replace(".", ",")
        return f"≤ {limit}× nền" if self.kind == "ratio" else f"≤ {_ms(self.limit)}"

    def met(self, seconds: float, ratio: float | None) -> bool | None:
        if self.kind == "ratio":
            return None if ratio is None else ratio <= self.limit
        return seconds <= self.limit


# step key, what it is (Vietnamese), what the baseline is, target
WINDOW = ("window", "Khởi động đến cửa sổ chính sẵn sàng", "cửa sổ PySide6 trần", Target("ratio", 2))
LIST_ROWS = {
    "open": ("Mở danh sách {title}", "truy vấn SQL thô của mô hình", Target("seconds", 0.3)),
    "search_p50": ("Gõ tìm {title} (p50)", "truy vấn SQL thô của mô hình", None),
    "search_p95": ("Gõ tìm {title} (p95)", "truy vấn SQL thô của mô hình", Target("seconds", 0.05)),
    "sort": ("Sắp xếp {title} theo tên", "truy vấn SQL thô của mô hình", None),
}
LIST_KINDS = (("persons", "nhân khẩu"), ("households", "hộ"))
CORE_STEPS = (
    ("import", "Nhập {households} hộ từ Excel", "openpyxl read-only + một executemany", Target("ratio", 1.5)),
    ("export", "Xuất {persons} nhân khẩu ra Excel", "openpyxl write-only, không định dạng", Target("ratio", 1.3)),
    ("report", "Báo cáo tổng kết năm: phụ lục, PDF + xlsx", "vẽ/ghi chuỗi trần (reportlab, openpyxl)",
     Target("seconds", 3)),
    ("certificates", "In {certificates} giấy công nhận ra một PDF", "vòng lặp reportlab trần, cùng chuỗi",
     Target("ratio", 2)),
    ("sign", "Ký số và kiểm tra báo cáo (PDF + .p7s)", "RSA-SHA256 trần (cryptography)", None),
)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms".replace(",", ".") if seconds < 1 else f"{seconds:.2f} s".replace(".", ",")


def _count(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _env(work: Path) -> dict:
    """Step processes write their logs and settings under the work folder, never the user's."""
    env = dict(os.environ)
    for name in ("XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        env[name] = str(work / "home" / name.lower())
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def _result(stdout: str, what: str) -> dict:
    for line in stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX):])
    raise RuntimeError(f"bước {what} không trả kết quả:\n{stdout[-2000:]}")


def _run(args: list[str], work: Path, what: str) -> dict:
    proc = subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, encoding="utf-8",
                          env=_env(work), timeout=STEP_TIMEOUT_S)
    if proc.returncode != 0:
        raise RuntimeError(f"bước {what} lỗi (mã {proc.returncode}):\n{proc.stderr[-3000:]}")
    return _result(proc.stdout, what)


def _cold_start(args: list[str], work: Path) -> dict:
    """Seconds from starting the process to its "ready" line, with the CPU seconds and the peak
    memory the process reported then."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as err:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", *args], stdout=subprocess.PIPE, stderr=err,
                                text=True, encoding="utf-8", env=_env(work))
        found = None
        for line in proc.stdout:
            if line.startswith(RESULT_PREFIX):
                found = {**json.loads(line[len(RESULT_PREFIX):]), "seconds": time.perf_counter() - start}
                break
        proc.communicate(timeout=120)
        if found is None:
            err.seek(0)
            raise RuntimeError(f"cửa sổ không sẵn sàng (mã {proc.returncode}):\n{err.read()[-3000:]}")
    return found


def _median(results: list[dict], key: str) -> float | None:
    values = [r[key] for r in results if r.get(key) is not None]
    return statistics.median(values) if values else None


def _row(step: str, label: str, real: list[dict], baseline_label: str, base: list[dict],
         target: Target | None, **extra) -> dict:
    """One line of the table from the runs of a step and of its baseline (medians kept; each run
    a dict with "seconds", "cpu_seconds", "peak_rss_mb")."""
    seconds, baseline = _median(real, "seconds"), _median(base, "seconds")
    cpu, baseline_cpu = _median(real, "cpu_seconds"), _median(base, "cpu_seconds")
    ratio = seconds / baseline if baseline else None
    peak = _max_peak(real)
    return {
        "step": step, "label": label, "seconds": round(seconds, 4),
        "baseline": baseline_label, "baseline_seconds": None if baseline is None else round(baseline, 4),
        "ratio": None if ratio is None else round(ratio, 2),
        "cpu_seconds": None if cpu is None else round(cpu, 4),
        "baseline_cpu_seconds": None if baseline_cpu is None else round(baseline_cpu, 4),
        "cpu_ratio": round(cpu / baseline_cpu, 2) if cpu is not None and baseline_cpu else None,
        "samples": [round(r["seconds"], 4) for r in real],
        "baseline_samples": [round(b["seconds"], 4) for b in base],
        "peak_rss_mb": peak, "baseline_peak_rss_mb": _max_peak(base),
        "target": target.text() if target else None,
        "met": target.met(seconds, ratio) if target else None,
        "rss_target_mb": RSS_TARGET_MB,
        "rss_met": None if peak is None else peak <= RSS_TARGET_MB,
        **extra,
    }


def machine_info() -> dict:
    import importlib.metadata as md
    import sqlite3

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), cpu)
    except OSError:
        pass
    try:
        ram = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        ram = None

    def version(name: str) -> str | None:
        try:
            return md.version(name)
        except md.PackageNotFoundError:
            return None

    from khuyenhoc_desktop import __version__

    return {
        "cpu": cpu, "cores": os.cpu_count(), "ram_gb": ram, "os": platform.platform(),
        "python": platform.python_version(), "khuyenhoc": __version__, "sqlite": sqlite3.sqlite_version,
        "packages": {n: version(n) for n in ("PySide6-Essentials", "SQLAlchemy", "openpyxl", "reportlab",
                                             "pyHanko", "cryptography")},
    }


def _load() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (OSError, AttributeError):
        return None


def run_bench(households: int, *, quick: bool, repeat: int = 1, say: Say = lambda _t: None,
              keep: Path | None = None) -> dict:
    """Build the commune, run every step (each `repeat` times, medians kept) and return the report."""
    started = dt.datetime.now().astimezone()
    with tempfile.TemporaryDirectory(prefix="khuyenhoc-bench-", ignore_cleanup_errors=True) as folder:
        work = keep or Path(folder)
        work.mkdir(parents=True, exist_ok=True)
        certificates = 100 if quick else 1000
        load_before = _load()
        meta = _prepared(work, households, certificates)
        if meta is None:
            say(f"Đang tạo xã mẫu {_count(households)} hộ…")
            meta = _run(["khuyenhoc_desktop.bench.steps", "prepare", str(work), str(households), str(certificates)],
                        work, "prepare")
            say(f"Xã mẫu: {_count(meta['households'])} hộ, {_count(meta['persons'])} nhân khẩu "
                f"(tạo trong {meta['demo_seconds']:.0f} s).")
        else:
            say(f"Dùng lại xã mẫu đã tạo trong {work}.")
        certificates = meta["certificates_made"]
        names = {"households": _count(meta["households"]), "persons": _count(meta["persons"]),
                 "certificates": _count(certificates)}
        rows = [_window_row(work, 1 if quick else 3 * repeat, say)]
        for kind_key, title in LIST_KINDS:
            say(f"Đang đo danh sách {title}…")
            runs = [_run(["khuyenhoc_desktop.ui.bench_steps", "lists", kind_key, str(work / "commune.sqlite"),
                          str(3 if quick else 5)], work, f"lists {kind_key}") for _ in range(repeat)]
            for i, item in enumerate(runs[0]["rows"]):
                label, baseline_label, target = LIST_ROWS[item["key"]]
                real = [{**r["rows"][i], "peak_rss_mb": r["peak_rss_mb"]} for r in runs]
                base = [{"seconds": r["rows"][i]["baseline_seconds"], "cpu_seconds": r["rows"][i]["baseline_cpu_seconds"],
                         "peak_rss_mb": None} for r in runs]
                rows.append(_row(f"{kind_key}_{item['key']}", label.format(title=title), real, baseline_label, base,
                                 target, count=item["rows"]))
        for step, label, baseline_label, target in CORE_STEPS:
            say(f"Đang đo: {label.format(**names)}…")
            real, base = [], []
            for _ in range(repeat):
                real.append(_run(["khuyenhoc_desktop.bench.steps", step, str(work)], work, step))
                base.append(_run(["khuyenhoc_desktop.bench.steps", f"{step}-baseline", str(work)], work,
                                 f"{step}-baseline"))
            rows.append(_row(step, label.format(**names), real, baseline_label, base, target, count=real[0]["rows"]))
    return {
        "command": "khuyenhoc bench", "quick": quick, "repeat": repeat,
        "started": started.isoformat(timespec="seconds"),
        "households": meta["households"], "persons": meta["persons"], "members": meta["members"],
        "certificates": certificates, "commune": f"{meta['commune']} ({meta['province']})",
        "demo_seconds": meta["demo_seconds"],
        "machine": machine_info(), "load_before": load_before, "load_after": _load(),
        "steps": rows,
        "all_met": all(r["met"] is not False and r["rss_met"] is not False for r in rows),
    }


def _prepared(work: Path, households: int, certificates: int) -> dict | None:
    """The commune a kept folder already holds for this size (built unchanged by the same seed),
    else None after clearing what an earlier or broken run left there."""
    from khuyenhoc_desktop.bench import steps

    try:
        meta = json.loads((work / steps.META_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        meta = None
    if (meta and meta.get("requested") == households and meta.get("certificates") == certificates
            and "certificates_made" in meta):
        return meta
    for name in (steps.META_JSON, steps.COMMUNE, steps.EMPTY, steps.HOUSEHOLDS_XLSX, steps.CERTIFICATES_JSON):
        for path in work.glob(name + "*"):
            path.unlink()
    return None


def _max_peak(results: list[dict]) -> float | None:
    peaks = [r["peak_rss_mb"] for r in results if r.get("peak_rss_mb") is not None]
    return max(peaks) if peaks else None


def _window_row(work: Path, rounds: int, say: Say) -> dict:
    """Cold starts taken in turns (program, bare window) after one unmeasured start of each, so
    both find the files in the disk cache alike."""
    say("Đang đo khởi động cửa sổ…")
    real_args = ["khuyenhoc_desktop.ui.bench_steps", "window", str(work / "commune.sqlite")]
    bare_args = ["khuyenhoc_desktop.ui.bench_steps", "bare-window"]
    _cold_start(real_args, work)
    _cold_start(bare_args, work)
    real, bare = [], []
    for _ in range(rounds):
        real.append(_cold_start(real_args, work))
        bare.append(_cold_start(bare_args, work))
    key, label, baseline_label, target = WINDOW
    return _row(key, label, real, baseline_label, bare, target, count=len(real))


# ------------------------------------------------------------------------------------------ output
def format_table(report: dict) -> str:
    headers = ("Bước", "Thời gian", "Nền", "Tỉ lệ", "Tỉ lệ CPU", "RAM đỉnh", "Mục tiêu", "Đạt")
    lines = []
    for r in report["steps"]:
        ratio = "–" if r["ratio"] is None else f"{r['ratio']:.2f}×".replace(".", ",")
        cpu_ratio = "–" if r.get("cpu_ratio") is None else f"{r['cpu_ratio']:.2f}×".replace(".", ",")
        peak = "–" if r["peak_rss_mb"] is None else f"{r['peak_rss_mb']:.0f} MB"
        verdicts = [v for v in (r["met"], r["rss_met"]) if v is not None]
        met = "đạt" if verdicts and all(verdicts) else ("KHÔNG" if verdicts else "–")
        if r["rss_met"] is False:
            met += " (RAM)"
        lines.append((r["label"], _ms(r["seconds"]),
                      "–" if r["baseline_seconds"] is None else _ms(r["baseline_seconds"]),
                      ratio, cpu_ratio, peak, r["target"] or f"RAM ≤ {r['rss_target_mb']:.0f} MB", met))
    widths = [max(len(str(x[i])) for x in [headers, *lines]) for i in range(len(headers))]

    def fmt(cells) -> str:
        return "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    m = report["machine"]
    out = [f"Xã mẫu {report['commune']}: {_count(report['households'])} hộ, {_count(report['persons'])} nhân khẩu"
           + (" (chạy nhanh --quick)" if report["quick"] else ""),
           f"Máy: {m['cpu']}, {m['cores']} nhân, {m['ram_gb'] or '?'} GB RAM, {m['os']}, Python {m['python']}; "
           f"tải máy trước/sau: {report['load_before']} / {report['load_after']}",
           ""]
    load = report["load_before"]
    if load and load[0] > BUSY_LOAD_PER_CORE * (m["cores"] or 1):
        busy = f"{load[0]:.1f}".replace(".", ",")
        out[-1:] = [f"Máy đang bận (tải {busy} trước khi đo): các số có thể lệch nhiều; hãy đo lại khi máy rảnh, "
                    "với --repeat 3.", ""]
    out += [fmt(headers), fmt(["-" * w for w in widths])]
    out += [fmt(line) for line in lines]
    missed = [r["label"] for r in report["steps"] if r["met"] is False or r["rss_met"] is False]
    out.append("")
    if report["quick"]:
        out.append("Các mục tiêu đặt cho cỡ đầy đủ (30.000 hộ); ở cỡ nhỏ (--quick) chỉ để tham khảo.")
    out.append("Mọi mục tiêu đều đạt." if not missed else f"Chưa đạt mục tiêu: {'; '.join(missed)}.")
    return "\n".join(out)
