"""SIGTERM (what ``kill``, ``timeout`` and job schedulers send) handled like Ctrl-C."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Terminated(KeyboardInterrupt):
    """The process received SIGTERM; raised where the main thread is, like Ctrl-C's
    KeyboardInterrupt, so a run is marked interrupted and keeps its finished artefacts."""


def interruption(exc: BaseException) -> KeyboardInterrupt | None:
    """The Ctrl-C or SIGTERM behind ``exc``: itself, or one it was raised from (an
    interrupt that lands while a class body runs, e.g. during an import, reaches the
    caller as a RuntimeError caused by it); None for a genuine error."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """While inside, SIGTERM raises :class:`Terminated` in the main thread (elsewhere, and
    on platforms without SIGTERM, nothing changes). The previous handler is restored."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGTERM"):
        yield
        return

    def handler(signum, frame):
        raise Terminated(f"terminated by signal {signal.Signals(signum).name}")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def end_as_signalled(signum: int) -> None:
    """End the process as the signal would have (its default action), so the parent sees
    death by SIGINT or SIGTERM (a shell reports 130 or 143) rather than an exit status that
    the interpreter may or may not have kept while it handled the interrupt."""
    sys.stdout.flush()
    sys.stderr.flush()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)
