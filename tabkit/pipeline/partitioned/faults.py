"""What a partitioned run says when a partition's task loses its worker: the step, the
partition, its rows, the workers' memory limit and what the partitions that finished
took, so the user knows whether to give the workers more memory or cut smaller
partitions."""

from __future__ import annotations

import resource
import sys
from collections.abc import Callable
from typing import Any

__all__ = ["PartitionLost", "gather_parts", "process_peak", "worker_memory"]


class PartitionLost(RuntimeError):
    """A partition's task failed with its worker (killed, or over its memory limit)."""


def process_peak() -> int:
    """The largest resident memory this process has held so far, in bytes."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


def worker_memory(client: Any) -> str:
    """The workers' memory limit, for messages ("no limit" when they have none)."""
    limits = {info.get("memory_limit") or 0 for info in client.scheduler_info(n_workers=-1)["workers"].values()}
    return f"{max(limits) / 1e9:.1f} GB" if limits and all(limits) else "no limit"


def gather_parts(client: Any, futures: list, step: str, describe: Callable[[int], str], limit: str) -> list:
    """The results of one task per partition, in order.

    Parameters
    ----------
    client : distributed.Client
    futures : list of Future
        Partition ``i``'s task at position ``i``; each result has a ``peak_bytes``.
    step : str
        The run's step, for the message.
    describe : callable
        Partition index -> what it is (its file and rows).
    limit : str
        The workers' memory limit (:func:`worker_memory`, taken while they were alive).

    Raises
    ------
    PartitionLost
        When a task's worker died: which step and partition, the workers' memory limit
        and the largest memory a worker held on the partitions that finished.
    """
    from distributed import KilledWorker

    try:
        return client.gather(futures)
    except KilledWorker as exc:
        keys = [future.key for future in futures]
        lost = keys.index(exc.task) if exc.task in keys else None
        done = [future.result().peak_bytes for future in futures if future.status == "finished"]
        for future in futures:
            future.cancel()
        took = (
            f"; on the {len(done)} partition(s) that finished, a worker held up to {max(done) / 1e9:.1f} GB"
            if done
            else "; no partition finished"
        )
        which = describe(lost) if lost is not None else "a partition"
        raise PartitionLost(
            f"{step}: {which} was lost with its worker {exc.allowed_failures + 1} time(s) "
            f"(killed, or over the workers' memory limit, {limit}){took}. Give each worker more memory "
            "([compute] memory_limit) or cut the data into more, smaller partitions "
            "(tabkit data partition --partitions)"
        ) from None
