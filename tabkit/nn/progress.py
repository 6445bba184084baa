"""Whether the nets show their training progress: every net has its own ``verbose``, and a
caller that wants silence for a while (``tabkit run --quiet``) turns it off for a block
with :func:`silenced` instead of reaching into each net.

The switch is a context variable: it holds in the thread (or task) that set it and in the
nets trained there, not in worker processes.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["is_silenced", "silenced"]

_SILENCED: contextvars.ContextVar[bool] = contextvars.ContextVar("tabkit_nn_silenced", default=False)


@contextmanager
def silenced(on: bool = True) -> Iterator[None]:
    """While inside, nets print no progress bar and no epoch line, whatever their
    ``verbose`` (with ``on=False`` nothing changes).

    Parameters
    ----------
    on : bool, default True
        Whether to silence the nets.
    """
    token = _SILENCED.set(on or _SILENCED.get())
    try:
        yield
    finally:
        _SILENCED.reset(token)


def is_silenced() -> bool:
    """Whether the nets' progress output is turned off here."""
    return _SILENCED.get()
