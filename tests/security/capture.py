"""Every log record emitted during a test, kept as the text an operator would read.

Audited: every record of Strongroom's own loggers (``strongroom.*``, down to DEBUG) and every record of
any other logger (SQLAlchemy, httpx, uvicorn, ...) at INFO and above. Third-party DEBUG output is left
out: no configuration Strongroom offers turns it on (``configure_logging`` sets the level of the
``strongroom`` logger only), and aiosqlite's DEBUG lines quote every SQL parameter by design.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator
from contextlib import contextmanager

from strongroom.kit.logging import JsonFormatter

__all__ = ["LogCapture", "capturing_logs"]


class LogCapture(logging.Handler):
    """Keeps each record twice: as the service's JSON line (extras included) and as plain text with the
    full traceback (what a default handler would print)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[tuple[str, str]] = []
        self._json = JsonFormatter()

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno < logging.INFO and not record.name.startswith("strongroom"):
            return
        self.lines.append((record.name, self._json.format(record)))
        plain = f"{record.levelname} {record.name} {record.getMessage()}"
        if record.exc_info and record.exc_info[1] is not None:
            plain += "\n" + "".join(traceback.format_exception(record.exc_info[1]))
        if record.stack_info:
            plain += "\n" + record.stack_info
        self.lines.append((record.name, plain))

    def by_logger(self) -> dict[str, bytes]:
        """Everything each logger wrote, as one text per logger name."""
        out: dict[str, list[str]] = {}
        for name, line in self.lines:
            out.setdefault(name, []).append(line)
        return {name: "\n".join(lines).encode("utf-8", errors="replace") for name, lines in out.items()}


@contextmanager
def capturing_logs() -> Iterator[LogCapture]:
    """Capture records from the root logger (INFO and above, so that libraries log at INFO) and from
    ``strongroom`` at DEBUG (which may not propagate when the service's own logging is configured)."""
    capture = LogCapture()
    root = logging.getLogger()
    ours = logging.getLogger("strongroom")
    saved = (root.level, ours.level)
    root.setLevel(logging.INFO)
    ours.setLevel(logging.DEBUG)
    root.addHandler(capture)
    if not ours.propagate:
        ours.addHandler(capture)
    try:
        yield capture
    finally:
        root.removeHandler(capture)
        ours.removeHandler(capture)
        root.setLevel(saved[0])
        ours.setLevel(saved[1])
