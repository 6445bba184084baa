"""The explain step's inspection artefacts: what the report draws without loading a model.

For one fitted model of a run: the partial dependence (with ICE curves and deciles) of its
most important features, a 2-d map of its top pair of features with where the training
rows lie, the 2-d maps of its learnt embeddings, and the contributions of a sample of
validation rows for the global contribution chart. Every prediction is in the target's
units (a classifier's: the probability of one class, named in ``inspection.json``).
Files are listed in ``<name>/inspection.json`` (see :mod:`tabkit.runs`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from tabkit import runs
from tabkit.inspection import embedding_map, partial_dependence, partial_dependence_2d, top_features, training_density
from tabkit.inspection.embeddings import UNKNOWN
from tabkit.pipeline.sections import Output
from tabkit.pipeline.steps.fitted import FittedModel
from tabkit.pipeline.steps.shared_work import SharedWork

N_FEATURES = 4
"""Features whose partial dependence is written (the most important ones)."""
DEPENDENCE_ROWS = 300
"""Validation rows averaged over for a 1-d curve."""
ICE_ROWS = 30
"""Rows whose own curve is kept."""
RESOLUTION = 20
"""Grid points of a continuous feature (1-d)."""
MAP_ROWS = 200
"""Validation rows averaged over in each cell of a 2-d map."""
MAP_RESOLUTION = 12
"""Grid points per continuous feature of a 2-d map."""
SAMPLE_ROWS = 300
"""Rows of ``valid_sample.parquet`` whose contributions are written (evenly spread over it,
so over the validation dates)."""


def write_inspection(
    writer: runs.RunWriter,
    model: FittedModel,
    split,
    output: Output | None = None,
    *,
    seed: int = 0,
    log: Callable[[str], None] | None = None,
    shared: SharedWork | None = None,
) -> dict:
    """Compute a model's inspection artefacts and write them into its run folder.

    Parameters
    ----------
    writer : RunWriter
        The run being written; ``<name>/importance.csv`` ranks the features when present,
        and ``valid_sample.parquet`` gives the rows whose contributions are written.
    model : FittedModel
        The fitted model (its ``fit_transform`` turns predictions into the target's units).
    split : SplitData
        The run's rows: curves average over validation rows; the 2-d map's density counts
        the training rows; ``cat_names`` gives every model the same treatment of a column.
    output : mapping, optional
        The spec's ``[output]``; an optional ``dependence_pairs`` (list of two-feature
        lists) names the 2-d maps instead of the top pair by importance.
    seed : int, default 0
        Seeds the row samples (the same rows for every model of the run).
    log : callable, optional
        Writes a line to the run's log.
    shared : SharedWork, optional
        The run's explain work: predictions and explanations the models explained before
        made (a blend's members' serve the blend).

    Returns
    -------
    dict
        What ``inspection.json`` holds: the files written, the class shown (None for a
        regression), the transform of the scale the contributions add up on
        (``contributions_transform``: ``"log"``, or None for the target's units), seconds
        per part, and an error message per part that failed (a
        failing part is logged and skipped; the run goes on).
    """
    log = log or (lambda line: None)
    shared = shared or SharedWork()
    started = time.perf_counter()
    name = model.name
    estimator = shared.estimator(model)
    X_valid = split.X_valid
    classification = model.task == "classification"
    target_class = _last_class(model.estimator) if classification else None
    settings = {
        "target_class": target_class,
        "target_transform": None if classification else model.fit_transform,
        "random_state": seed,
    }
    index: dict[str, Any] = {
        "target_class": target_class,
        "dependence": [],
        "dependence_2d": [],
        "embedding_maps": [],
        "contribution_sample": None,
        "contributions_transform": None if model.explained_on.is_identity else model.explained_on.name,
        "seconds": {},
        "errors": {},
    }

    def part(key: str, work: Callable[[], None]) -> None:
        begun = time.perf_counter()
        try:
            work()
        except Exception as error:  # one part must not cost the run its other artefacts
            index["errors"][key] = f"{type(error).__name__}: {error}"
            log(f"model {name}: {key} not written: {index['errors'][key]}")
        index["seconds"][key] = time.perf_counter() - begun

    importance = _read_csv(writer, runs.model_artifact(name, runs.IMPORTANCE))
    features = top_features(importance, X_valid, k=N_FEATURES) if importance is not None else []
    categorical = set(split.cat_names)

    def dependence() -> None:
        for k, feature in enumerate(features, start=1):
            frame = partial_dependence(
                estimator,
                X_valid,
                feature,
                categorical=feature in categorical,
                max_rows=DEPENDENCE_ROWS,
                n_ice=ICE_ROWS,
                resolution=RESOLUTION,
                **settings,
            )
            file = runs.model_artifact(name, f"{runs.DEPENDENCE}/{k}.parquet")
            writer.write_parquet(file, _storable(frame))
            index["dependence"].append({"feature": feature, "file": file})

    def maps() -> None:
        for k, (feature_x, feature_y) in enumerate(_pairs(output, importance, X_valid), start=1):
            frame = partial_dependence_2d(
                estimator,
                X_valid,
                feature_x,
                feature_y,
                resolution=MAP_RESOLUTION,
                max_rows=MAP_ROWS,
                categorical=categorical,
                **settings,
            )
            density = training_density(split.X_train, frame)
            file = runs.model_artifact(name, f"{runs.DEPENDENCE_2D}/{k}.parquet")
            density_file = runs.model_artifact(name, f"{runs.DEPENDENCE_2D}/{k}_density.parquet")
            writer.write_parquet(file, _storable(frame))
            writer.write_parquet(density_file, _storable(density))
            index["dependence_2d"].append({"features": [feature_x, feature_y], "file": file, "density": density_file})

    def embeddings() -> None:
        tables = {
            c: t for c, t in model.estimator.embeddings_.items() if (t.index.astype(str) != UNKNOWN).sum() >= 2
        }  # a map needs two categories
        for k, (column, table) in enumerate(tables.items(), start=1):
            coords, variance = embedding_map(table)
            file = runs.model_artifact(name, f"{runs.EMBEDDING_MAPS}/{k}.parquet")
            writer.write_parquet(file, coords.astype({"label": str}))
            index["embedding_maps"].append(
                {
                    "column": column,
                    "file": file,
                    "categories": len(coords),
                    "dimensions": int(table.shape[1]),
                    "variance_explained": [float(v) for v in variance[:2]],
                }
            )

    def contributions() -> None:
        sample = pd.read_parquet(writer.file(runs.VALID_SAMPLE))
        positions = np.unique(np.linspace(0, len(sample) - 1, min(SAMPLE_ROWS, len(sample))).round().astype(int))
        rows = sample.iloc[positions].drop(columns=["actual"], errors="ignore")
        explanation = shared.explanation(model, rows)
        if explanation.classes is not None:
            explanation = explanation.for_class(target_class)
        file = runs.model_artifact(name, runs.CONTRIBUTION_SAMPLE)
        values = explanation.values.reset_index(drop=True)
        writer.write_parquet(file, values.set_axis([str(c) for c in values.columns], axis=1))
        index["contribution_sample"] = {"file": file, "rows": len(values), "positions": positions.tolist()}

    if features:
        part("dependence", dependence)
    if importance is not None or getattr(output, "dependence_pairs", None):
        part("dependence_2d", maps)
    if "embeddings" in model.kind.provides:
        part("embedding_maps", embeddings)
    if model.kind.explains(model.estimator) and writer.file(runs.VALID_SAMPLE).is_file():
        part("contribution_sample", contributions)
    index["seconds"]["total"] = time.perf_counter() - started
    writer.write_json(runs.model_artifact(name, runs.INSPECTION), index)
    log(
        f"model {name}: inspection in {index['seconds']['total']:.1f}s ("
        f"partial dependence of {len(index['dependence'])} feature(s), {len(index['dependence_2d'])} 2-d map(s), "
        f"{len(index['embedding_maps'])} embedding map(s)"
        + (f", contributions of {index['contribution_sample']['rows']} rows" if index["contribution_sample"] else "")
        + ")"
    )
    return index


def _pairs(output: Mapping[str, Any] | None, importance: pd.DataFrame | None, X: pd.DataFrame) -> list[tuple[str, str]]:
    """The spec's ``dependence_pairs``, else the two most important features."""
    named = getattr(output, "dependence_pairs", None)
    if named:
        return [(str(a), str(b)) for a, b in named]
    pair = top_features(importance, X, k=2) if importance is not None else []
    return [(pair[0], pair[1])] if len(pair) == 2 else []


def _last_class(estimator) -> Any:
    """The class whose probability is shown: the last one (a binary problem's positive
    class)."""
    label = estimator.classes_[-1]
    return label.item() if isinstance(label, np.generic) else label


def _read_csv(writer: runs.RunWriter, relative: str) -> pd.DataFrame | None:
    file = writer.file(relative)
    return pd.read_csv(file) if file.is_file() else None


def _storable(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with mixed-type text columns as strings (parquet stores one type per
    column); attrs kept."""
    attrs = frame.attrs
    mixed = [c for c in frame.columns if frame[c].dtype == object and frame[c].dropna().map(type).nunique() > 1]
    out = frame.astype({c: str for c in mixed}) if mixed else frame
    out.attrs = attrs
    return out
