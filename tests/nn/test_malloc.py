import ctypes
import ctypes.util
import platform
import resource

import pytest
import torch

from tabkit.nn.malloc import keep_freed_memory

pytestmark = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="tunes glibc's malloc only"
)


def page_faults_per_round(rounds: int = 10) -> float:
    """Page faults of allocating, touching and freeing six 4 MiB blocks at once (the
    way a training step's activations come and go)."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]
    size = 4 << 20

    def one_round():
        blocks = [libc.malloc(size) for _ in range(6)]
        for block in blocks:
            ctypes.memset(block, 1, size)
        for block in blocks:
            libc.free(block)

    one_round()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(rounds):
        one_round()
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / rounds


def test_freed_blocks_are_reused_without_page_faults():
    assert keep_freed_memory(torch.device("cpu")) is True
    assert keep_freed_memory(torch.device("cpu")) is True
    pages = 6 * (4 << 20) // 4096
    assert page_faults_per_round() < pages / 20  # glibc's defaults fault on about every page
