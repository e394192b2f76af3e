"""Numbers of official papers: a yearly series "NN/SUFFIX" (01/QĐ-HKH, 05/BC-HKH, 03/GCN-HKH),
restarting every year; the next one follows the highest of the series, whatever else is there."""

from __future__ import annotations

import re
from collections.abc import Iterable

PATTERN = re.compile(r"^\s*(\d+)\s*/\s*(.+?)\s*$")


def highest(numbers: Iterable[str | None], suffix: str) -> int:
    top = 0
    for number in numbers:
        m = PATTERN.match(number or "")
        if m and m[2] == suffix:
            top = max(top, int(m[1]))
    return top


def next_in_series(numbers: Iterable[str | None], suffix: str) -> str:
    return f"{highest(numbers, suffix) + 1:02d}/{suffix}"
