"""PySide6-Essentials 6.12.0 drops a reference to None on every call that returns nothing
(Python 3.11 then aborts with "none_dealloc" after a few thousand calls); pyproject pins below it.
This test fails if a bump brings such a build back."""

import sys

from PySide6.QtWidgets import QLabel


def test_void_calls_keep_none_alive(qtbot):
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(200):
        label.setText("x")
    assert sys.getrefcount(None) >= before - 20
