"""A run's model fits on a Dask cluster: each ``[[model]]`` entry is one Dask task, sent
once the models it needs are fitted (:meth:`~tabkit.pipeline.kinds.ModelKind.needs`: an
ensemble's members, the net whose embeddings a forest borrows), one fit per worker at a
time with all of that worker's threads; a ``search`` fits its candidates as tasks of their
own (joblib's Dask backend). The run's inputs go to every worker once; an outcome comes
back to the run as soon as its fit ends, and goes to the worker of a fit that needs it.

The run takes the outcomes back in the spec's order and writes every file itself, as a
run in one process does. A fit that raises, or whose worker dies (killed, or over its
memory limit), fails its model alone, and the models that need it; the others go on.
"""

from __future__ import annotations

import os
import uuid
from concurrent.futures import CancelledError
from contextlib import suppress
from typing import Any

from tabkit.pipeline.steps.fitting import FitData, FitOutcome, fit_entry

__all__ = ["FIT_KEY", "ClusterFits", "ModelFailed", "ModelsFailed", "died_or_raised", "fit_on_worker"]

FIT_KEY = "tabkit-fit"
"""The start of every fit task's key: ``tabkit-fit-<model>-<run token>``."""
POLL_SECONDS = 0.5  # how often a wait looks for workers that left


class ModelFailed(RuntimeError):
    """One model was not fitted on the cluster: its fit raised (the worker's error is the
    ``__cause__``), its worker died, or a model it needs failed."""


class ModelsFailed(RuntimeError):
    """Some models of a run on a cluster failed; the others were recorded.

    Attributes
    ----------
    failed : dict of str to str
        Model name -> why it failed.
    """

    def __init__(self, failed: dict[str, str]):
        self.failed = dict(failed)
        listed = "; ".join(f"{name}: {why}" for name, why in failed.items())
        super().__init__(
            f"{len(failed)} model(s) failed on the cluster ({listed}); the other models are recorded in the run folder"
        )


class ClusterFits:
    """The fits of a run's model entries on a cluster, sent as workers come free.

    Parameters
    ----------
    client : distributed.Client
    entries : list of dict
        The spec's model tables, in order (a model needs only models before it).
    data : FitData
        What every fit reads, sent once to every worker.
    timeout : float
        Seconds to wait for a worker when none is left.
    quiet : bool
        Silence the nets' progress on the workers (``tabkit run --quiet``).
    """

    def __init__(self, client: Any, entries: list[dict], data: FitData, timeout: float, quiet: bool = False):
        from tabkit.pipeline.kinds import get_kind

        self.client = client
        self.timeout = timeout
        self.quiet = quiet
        self.entries = {entry["name"]: entry for entry in entries}
        self.needs = {name: get_kind(entry["kind"]).needs(entry) for name, entry in self.entries.items()}
        self.waiting = list(self.entries)
        self.running: dict[str, tuple[Any, str]] = {}  # name -> (future, worker address)
        self.results: dict[str, FitOutcome] = {}  # kept while the run or a later fit wants them
        self.failed: dict[str, str] = {}
        self.errors: dict[str, BaseException] = {}
        self.taken: set[str] = set()
        self.token = uuid.uuid4().hex[:8]
        self.data = data
        self.shared = client.scatter(data, broadcast=True, hash=False)
        self._send()

    def outcome(self, name: str) -> FitOutcome:
        """Wait for a model's fit and take its outcome.

        Raises
        ------
        ModelFailed
            Saying why the model was not fitted.
        """
        while name in self.waiting or name in self.running:
            self._wait()
        if name in self.failed:
            raise ModelFailed(self.failed[name]) from self.errors.get(name)
        outcome = self.results[name]
        self.taken.add(name)
        self._release()
        return outcome

    def _workers(self) -> dict[str, str]:
        """The scheduler's workers: address -> status ("running" takes tasks; "paused",
        over its memory target, goes on with the ones it has)."""
        workers = self.client.scheduler_info(n_workers=-1)["workers"]
        return {address: info.get("status", "running") for address, info in workers.items()}

    def _send(self) -> None:
        """Send every waiting fit whose needs are fitted to a free worker, in the spec's
        order; fail those whose needs failed."""
        busy = {worker for _, worker in self.running.values()}
        free = [worker for worker, status in self._workers().items() if status == "running" and worker not in busy]
        if self.shared.status != "finished":  # every worker that held the inputs died
            self.shared = self.client.scatter(self.data, broadcast=True, hash=False)
        for name in list(self.waiting):
            lost = [need for need in self.needs[name] if need in self.failed]
            if lost:
                self.waiting.remove(name)
                self.failed[name] = f"not fitted: it needs {', '.join(lost)}, which failed"
            elif free and all(need in self.results for need in self.needs[name]):
                worker = free.pop(0)
                earlier = {need: self.results[need] for need in self.needs[name]}
                future = self.client.submit(
                    fit_on_worker,
                    self.entries[name],
                    self.shared,
                    self.client.scatter(earlier, workers=[worker], hash=False) if earlier else {},
                    self.quiet,
                    key=f"{FIT_KEY}-{name}-{self.token}",
                    workers=[worker],
                    allow_other_workers=False,
                    pure=False,
                )
                self.waiting.remove(name)
                self.running[name] = (future, worker)

    def _wait(self) -> None:
        """Wait a little for a running fit; settle those that ended or lost their worker."""
        from distributed import wait

        futures = [future for future, _ in self.running.values()]
        if not futures:  # every worker left: wait for one, or fail what is left
            try:
                self.client.wait_for_workers(1, timeout=self.timeout)
            except TimeoutError:
                for name in self.waiting:
                    self.failed[name] = f"not fitted: no Dask worker left (waited {self.timeout:g}s)"
                self.waiting.clear()
            self._send()
            return
        with self.client.as_current(), suppress(TimeoutError, CancelledError):  # a cancelled fit is settled below
            wait(futures, timeout=POLL_SECONDS, return_when="FIRST_COMPLETED")
        alive = set(self._workers())
        for name, (future, worker) in list(self.running.items()):
            if future.status == "finished":
                try:
                    self.results[name] = future.result(timeout=self.timeout)
                except (TimeoutError, CancelledError):  # its worker died before the outcome came back
                    self.failed[name] = _died(worker)
            elif worker not in alive:  # its task waits for that worker, or was cancelled with the inputs it held
                self.failed[name] = _died(worker)
            elif future.status == "error":
                self.errors[name] = future.exception()
                self.failed[name] = died_or_raised(self.errors[name])
            elif future.status == "cancelled":
                self.failed[name] = "its task was cancelled on the cluster (by the scheduler or another client)"
            else:
                continue
            future.cancel()  # the outcome is here now, or never
            del self.running[name]
        self._send()
        self._release()

    def _release(self) -> None:
        """Drop the outcomes the run took that no fit still to come needs."""
        pending = [*self.waiting, *self.running]
        wanted = {need for name in pending for need in self.needs[name]}
        for name in [n for n in self.results if n in self.taken and n not in wanted]:
            del self.results[name]


def _died(worker: str) -> str:
    return f"the Dask worker {worker} fitting it died (killed, or over its memory limit)"


def died_or_raised(exc: BaseException) -> str:
    """Why a fit failed, in one line."""
    from distributed import KilledWorker

    if isinstance(exc, KilledWorker):
        return _died(getattr(exc.last_worker, "address", str(exc.last_worker)))
    return f"{type(exc).__name__}: {exc}"


def fit_on_worker(entry: dict, data: FitData, earlier: dict[str, FitOutcome], quiet: bool = False) -> FitOutcome:
    """The task of one model entry on a Dask worker: :func:`fit_entry` with the outcomes
    of the models it needs, within the worker's threads (the nets silent with ``quiet``);
    its log lines come back with it, the first saying where it was fitted."""
    from distributed import get_worker

    from tabkit.nn.progress import silenced

    worker = get_worker()
    use_threads(worker.state.nthreads)
    said = [f"model {entry['name']}: fitting on the Dask worker {worker.address}"]
    with silenced(quiet):
        outcome = fit_entry(
            entry,
            data,
            {name: done.model for name, done in earlier.items()},
            {name: done.valid for name, done in earlier.items()},
            said.append,
            search_backend="dask",
        )
    outcome.said, outcome.worker = said, worker.address
    return outcome


def use_threads(n: int) -> None:
    """Hold this worker process's fits to its ``n`` threads: joblib's ``n_jobs = -1``
    (forests, LightGBM), and the OpenMP and BLAS pools (torch, LightGBM, numpy), those
    loaded already and those loaded later."""
    from threadpoolctl import threadpool_limits

    for variable in ("LOKY_MAX_CPU_COUNT", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[variable] = str(n)
    threadpool_limits(limits=n)
