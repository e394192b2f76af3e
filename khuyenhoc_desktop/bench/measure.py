"""Small pieces shared by the step processes: timing, peak memory, the JSON line they print."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable

RESULT_PREFIX = "BENCH-RESULT "


def peak_rss_mb() -> float | None:
    """Peak resident memory of this process so far, in MB (None where the OS does not tell)."""
    if sys.platform == "win32":
        return _windows_peak_mb()
    try:
        import resource
    except ImportError:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (2**20 if sys.platform == "darwin" else 2**10), 1)


def _windows_peak_mb() -> float | None:
    """The peak working set (Windows' resident memory) from K32GetProcessMemoryInfo."""
    import ctypes
    from ctypes import wintypes

    class Counters(ctypes.Structure):
        _fields_ = [("cb", wintypes.DWORD), ("PageFaultCount", wintypes.DWORD),
                    ("PeakWorkingSetSize", ctypes.c_size_t), ("WorkingSetSize", ctypes.c_size_t),
                    ("QuotaPeakPagedPoolUsage", ctypes.c_size_t), ("QuotaPagedPoolUsage", ctypes.c_size_t),
                    ("QuotaPeakNonPagedPoolUsage", ctypes.c_size_t), ("QuotaNonPagedPoolUsage", ctypes.c_size_t),
                    ("PagefileUsage", ctypes.c_size_t), ("PeakPagefileUsage", ctypes.c_size_t)]

    kernel32 = ctypes.WinDLL("kernel32")
    kernel32.GetCurrentProcess.restype = wintypes.HANDLE
    kernel32.K32GetProcessMemoryInfo.argtypes = [wintypes.HANDLE, ctypes.POINTER(Counters), wintypes.DWORD]
    kernel32.K32GetProcessMemoryInfo.restype = wintypes.BOOL
    counters = Counters()
    counters.cb = ctypes.sizeof(Counters)
    if not kernel32.K32GetProcessMemoryInfo(kernel32.GetCurrentProcess(), ctypes.byref(counters), counters.cb):
        return None
    return round(counters.PeakWorkingSetSize / 2**20, 1)


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    """Wall-clock and CPU seconds (this process) of one call of `fn`. The wall clock is what the
    officer waits; the CPU time hardly moves when other programs load the machine, so it tells
    whether a slower run is the code or the neighbours."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def measured(fn: Callable[[], object]) -> tuple[object, dict]:
    """`fn()`'s result and {"seconds", "cpu_seconds"} of the call."""
    out = []
    wall, cpu = timed(lambda: out.append(fn()))
    return out[0], {"seconds": wall, "cpu_seconds": cpu}


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a short list of samples."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def emit(result: dict) -> None:
    """The step's answer to the runner: one prefixed JSON line, with this process's peak memory."""
    result = {**result, "peak_rss_mb": peak_rss_mb()}
    sys.stdout.write(RESULT_PREFIX + json.dumps(result, ensure_ascii=False) + "\n")
    sys.stdout.flush()
