"""Fixtures of the whole suite."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True, scope="session")
def one_torch_thread():
    """The suite's nets are tiny: they run fastest on one thread, and two threads on a busy
    two-core machine slow them down many times over."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def interruptible():
    """A ``preexec_fn`` giving a child process the default SIGINT handling: a suite started
    in the background (``make test &``) ignores SIGINT, its children inherit that, and then
    Python installs no KeyboardInterrupt handler for Ctrl-C tests to exercise."""
    import signal

    return lambda: signal.signal(signal.SIGINT, signal.SIG_DFL)
