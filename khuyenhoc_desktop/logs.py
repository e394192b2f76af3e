"""The program's log file: where tracebacks go instead of in front of the user."""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler

from khuyenhoc_desktop.paths import log_path

log = logging.getLogger("khuyenhoc")


def setup_logging() -> None:
    if log.handlers:
        return
    log.setLevel(logging.INFO)
    try:
        path = log_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    # pyHanko logs a failed certificate path (normal for an untrusted signer) with a traceback:
    # into the log file, never onto the user's terminal or window.
    for name in ("pyhanko", "pyhanko_certvalidator"):
        quiet = logging.getLogger(name)
        quiet.handlers = [handler]
        quiet.propagate = False
