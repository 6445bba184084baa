"""The Dask cluster of a run (``[compute] cluster``): :func:`connect` starts a
``LocalCluster`` of worker processes on 127.0.0.1 (``"local:N"``) or connects to a running
scheduler (``"tcp://host:8786"``), before any work, refusing a scheduler that does not
answer or has no worker; :class:`Cluster` closes what it opened. What runs there is in
:mod:`tabkit.pipeline.steps.cluster_fits`.
"""

from __future__ import annotations

import os
from typing import Any

from tabkit.pipeline.keys import SpecError
from tabkit.pipeline.sections import Compute
from tabkit.pipeline.spec.checks import local_workers

__all__ = ["Cluster", "ClusterError", "connect"]


class ClusterError(SpecError):
    """The spec's cluster cannot be used: the distributed extra is missing, no scheduler
    answers at the address, or it has no workers; raised before any work."""


class Cluster:
    """The Dask client of a run (None for a run in one process) and the ``LocalCluster``
    tabkit started, closed together when the ``with`` block ends."""

    def __init__(self, client: Any = None, local: Any = None):
        self.client = client
        self.local = local

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """Close the client, then the cluster tabkit started (its workers stop)."""
        if self.client is not None:
            self.client.close()
        if self.local is not None:
            self.local.close()
        self.client = self.local = None

    def describe(self) -> str:
        """One line for the run's log: the scheduler, its workers, their threads and memory."""
        info = self.client.scheduler_info(n_workers=-1)
        workers = info["workers"].values()
        threads = sum(w["nthreads"] for w in workers)
        memory = sorted({w.get("memory_limit") or 0 for w in workers})
        each = f", {memory[0] / 1e9:.1f} GB each" if len(memory) == 1 and memory[0] else ""
        what = "a LocalCluster" if self.local is not None else "the scheduler"
        return f"{what} at {info['address']}: {len(workers)} worker(s), {threads} thread(s){each}"


def connect(compute: Compute) -> Cluster:
    """The cluster of ``[compute]``: none without ``cluster``; a new ``LocalCluster`` of
    worker processes on 127.0.0.1 for ``"local:N"``; else the scheduler at the address.

    Raises
    ------
    ClusterError
        If the distributed extra is missing, the cluster cannot start, or no scheduler
        with a worker answers within ``compute.timeout`` seconds.
    """
    if compute.cluster is None:
        return Cluster()
    try:
        import distributed
    except ImportError:
        raise ClusterError(
            "compute.cluster: a run on a cluster needs Dask's distributed package: pip install 'tabkit[distributed]'"
        ) from None
    workers = local_workers(compute.cluster)
    if workers is None:
        try:
            client = distributed.Client(compute.cluster, timeout=f"{compute.timeout}s", set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise ClusterError(
                f"compute.cluster: no Dask scheduler answered at {compute.cluster} within {compute.timeout}s ({exc})"
            ) from None
        cluster = Cluster(client)
    else:
        threads = compute.threads or max(1, (os.cpu_count() or 1) // workers)
        try:
            local = distributed.LocalCluster(
                n_workers=workers,
                threads_per_worker=threads,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},  # its status pages: any free port
                memory_limit=compute.memory_limit or "auto",
            )
        except Exception as exc:  # the cluster's own reason (ports, memory, processes)
            raise ClusterError(f"compute.cluster: {compute.cluster!r} could not start: {exc}") from exc
        cluster = Cluster(distributed.Client(local, set_as_default=False), local)
    try:
        cluster.client.wait_for_workers(workers or 1, timeout=compute.timeout)
    except TimeoutError:
        cluster.close()
        raise ClusterError(
            f"compute.cluster: {compute.cluster!r}: fewer than {workers or 1} worker(s) joined the scheduler "
            f"within {compute.timeout}s"
        ) from None
    return cluster
