"""Build self-contained HTML reports of pipeline runs, one or many at once.

A report is one HTML file with its CSS and images inline (no network requests), written
to ``<out>/<spec>/<run>/index.html``; ``<out>/index.html`` lists every report with its
scores.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from pathlib import Path

from joblib import Parallel, delayed

import tabkit
from tabkit.files import write_text
from tabkit.report import (
    explained_sections,
    inspection_sections,
    member_sections,
    model_sections,
    overview_sections,
    rows_grid,
    run_sections,
)
from tabkit.report.blocks import Note, Section
from tabkit.report.index import run_summary, write_index, write_summary
from tabkit.report.reading import spec
from tabkit.report.rendering import render
from tabkit.report.run_sections import best_model, leaderboard_frame
from tabkit.runs import RunReader

DEFAULT_OUT = Path("reports")


class ReportWarning(UserWarning):
    """A report section could not be drawn; the report says so in its place."""


class ReportError(RuntimeError):
    """Some reports of a batch failed; the others were written and indexed."""


Builder = Callable[..., "Section | None"]

RUN_SECTIONS: tuple[tuple[str, str, Builder], ...] = (
    ("Summary", "summary", run_sections.summary_section),
    ("Feature importance", "importance", overview_sections.importance_section),
    ("Explained rows", "rows", rows_grid.rows_section),
)
"""(title, anchor, builder) of the sections before the models."""
MODEL_SECTIONS: tuple[tuple[str, str, Builder], ...] = (
    ("Members", "members", member_sections.members_section),
    ("Permutation importance", "importance", model_sections.importance_section),
    ("Contributions over many rows", "contributions", explained_sections.summary_section),
    ("Explained rows", "waterfalls", explained_sections.rows_table_section),
    ("Spread of the trees", "spread", explained_sections.spread_section),
    ("Partial dependence", "dependence", inspection_sections.dependence_section),
    ("Two-feature maps", "maps", inspection_sections.maps_section),
    ("Hyperparameter search", "search", model_sections.search_section),
    ("Training curves", "history", model_sections.history_section),
    ("Embedding maps", "embeddings", inspection_sections.embeddings_section),
    ("Biases", "biases", model_sections.biases_section),
)
"""(title, anchor suffix, builder) of each part of a model's report, in page order."""
CLOSING_SECTIONS: tuple[tuple[str, str, Builder], ...] = (
    ("Redundant features", "redundancy", overview_sections.redundancy_section),
    ("Predictions over time", "predictions", overview_sections.predictions_section),
    ("Run details", "details", run_sections.details_section),
)
"""(title, anchor, builder) of the sections after the models."""


def _section(title: str, anchor: str, builder: Builder, run: RunReader, *args) -> Section | None:
    """Build one section (None when it does not apply to this run); a failure becomes a
    note in its place and a :class:`ReportWarning`."""
    section = Section(title, anchor)
    try:
        return builder(run, *args, section)
    except Exception as error:  # one broken section must not cost the whole report
        warnings.warn(f"report of {run.path}: section {title!r} failed: {error!r}", ReportWarning, stacklevel=2)
        return Section(title, anchor).omitted(f"This section could not be drawn: {type(error).__name__}: {error}")


def _model_section(run: RunReader, name: str, number: int, best: str | None) -> Section:
    """A model's facts, then each part of its report that applies; collapsed unless it is
    the best model."""
    anchor = f"model-{number}"
    shown = Section(f"Model: {name}", anchor, menu=name, folded=name != best)
    model = model_sections.model_facts(run, name, shown)
    if _explain_missed(run, name):
        model.blocks.append(Note("Not explained: the run stopped before this model's explain step."))
    parts = [_section(title, f"{anchor}-{suffix}", builder, run, name) for title, suffix, builder in MODEL_SECTIONS]
    model.subsections = [part for part in parts if part is not None]
    return model


def _explain_missed(run: RunReader, name: str) -> bool:
    """Whether the spec asked to explain the model but the run stopped before it did."""
    if run.status.get("status") == "complete" or f"explain:{name}" in run.status.get("steps_done", []):
        return False
    entries = [m for m in spec(run).get("model", []) if m.get("name") == name]
    return not entries or entries[0].get("explain", True)


def report_sections(run: RunReader) -> list[Section]:
    """Every section of a run's report that applies to it, in page order."""
    sections = [_section(title, anchor, builder, run) for title, anchor, builder in RUN_SECTIONS]
    best = best_model(leaderboard_frame(run))
    best_name = None if best is None else best["model"]
    sections += [_model_section(run, name, n, best_name) for n, name in enumerate(run.model_names, start=1)]
    sections += [_section(title, anchor, builder, run) for title, anchor, builder in CLOSING_SECTIONS]
    return [section for section in sections if section is not None]


def _root(out: str | Path | None) -> Path:
    """The reports' root as an absolute path (worker processes may have another cwd)."""
    return Path(DEFAULT_OUT if out is None else out).resolve()


def _report_folder(run: RunReader, root: Path) -> Path:
    return root / run.spec_name / run.run_id


def _render_run(run_dir: str | Path, root: Path) -> Path:
    """Write one run's report and summary; the index is left to the caller."""
    run = RunReader(run_dir)
    folder = _report_folder(run, root)
    html = render(
        "report.html",
        run=run,
        status=run.status.get("status", "unknown"),
        sections=report_sections(run),
        version=tabkit.__version__,
        index_href="../../index.html",
    )
    path = write_text(folder / "index.html", html)
    write_summary(folder, run_summary(run))
    return path


def build_report(run_dir: str | Path, *, out: str | Path | None = None) -> Path:
    """Build the HTML report of one pipeline run and refresh the reports index.

    Parameters
    ----------
    run_dir : path-like
        A run folder, ``runs/<spec>/<run>/``, as written by :func:`tabkit.run_pipeline`
        (a failed or unfinished run too: what it lacks is left out, with a note where a
        step failed or was not reached).
    out : path-like, optional
        Root folder of the reports (default ``./reports``). The report is written to
        ``<out>/<spec>/<run>/index.html`` and ``<out>/index.html`` lists every report
        found under ``out``.

    Returns
    -------
    Path
        The report's ``index.html``.

    Raises
    ------
    ValueError
        If ``run_dir`` is not a run folder (no ``status.json`` or ``metrics.json``).
    """
    root = _root(out)
    path = _render_run(run_dir, root)
    write_index(root)
    return path


def _render_or_error(run_dir: Path, root: Path) -> Path | str:
    try:
        return _render_run(run_dir, root)
    except Exception as error:  # reported together after the batch
        return f"{run_dir}: {type(error).__name__}: {error}"


def build_reports(
    run_dirs: Iterable[str | Path], *, out: str | Path | None = None, n_jobs: int | None = -1, verbose: bool = False
) -> list[Path]:
    """Build the reports of many runs in parallel, then the index.

    Parameters
    ----------
    run_dirs : iterable of path-like
        Run folders (duplicates are rendered once).
    out : path-like, optional
        Root folder of the reports (default ``./reports``).
    n_jobs : int or None, default -1
        Worker processes through joblib; -1 uses every core. A ``joblib.parallel_config``
        backend set by the caller is honoured.
    verbose : bool, default False
        Show a progress bar over the runs.

    Returns
    -------
    list of Path
        Each run's ``index.html``, in the order given.

    Raises
    ------
    ValueError
        Before any work, if a path is not a run folder or two runs would share a report
        folder.
    ReportError
        If some reports failed; the others are written and listed in the index.
    """
    runs = [RunReader(d) for d in run_dirs]
    runs = list({run.path: run for run in runs}.values())
    if not runs:
        raise ValueError("build_reports: no run folders given")
    root = _root(out)
    targets: dict[Path, Path] = {}
    for run in runs:
        target = _report_folder(run, root)
        if target in targets:
            raise ValueError(
                f"runs {str(targets[target])!r} and {str(run.path)!r} would both be reported in {str(target)!r}"
            )
        targets[target] = run.path
    results = Parallel(n_jobs=n_jobs, return_as="generator")(delayed(_render_or_error)(run.path, root) for run in runs)
    if verbose:
        from tqdm.auto import tqdm

        results = tqdm(results, total=len(runs), desc="reports", unit="run")
    results = list(results)
    write_index(root)
    failures = [r for r in results if isinstance(r, str)]
    if failures:
        raise ReportError(f"{len(failures)} of {len(runs)} reports failed:\n" + "\n".join(failures))
    return results
