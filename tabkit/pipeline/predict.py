"""Score new data with a finished run: the run's own feature builder settings, target
means, target transform and models, read back through :class:`tabkit.runs.RunReader`.

Loading a run runs no code from its folder: its models are read from formats that hold data
only, and every class and type they name must be on tabkit's trusted list
(:mod:`tabkit.run_folder.trusted`); each file is checked against the SHA-256 in the run's manifest
first. A run written by an older tabkit (joblib pickles) is still read, after a warning:
unpickling runs code stored in the files, so load such runs only from sources you trust.
"""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

import pandas as pd

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

from tabkit import runs
from tabkit.pipeline.kinds import get_kind
from tabkit.pipeline.models import Predictions
from tabkit.pipeline.spec import Spec, validate
from tabkit.pipeline.steps.features import new_rows
from tabkit.pipeline.steps.fitted import FittedModel
from tabkit.pipeline.steps.submission import submission_frame
from tabkit.prep.target import TargetTransform, target_transform


class LoadedRun:
    """A finished pipeline run that predicts new data.

    Parameters
    ----------
    path : path-like
        The run folder, ``runs/<spec>/<run id>/``.

    Attributes
    ----------
    spec : Spec
        The spec as run.
    models : list of str
        The models that can predict, best first (``"baseline"`` last).
    default_model : str
        The model that made the run's submission (else the best one).

    Raises
    ------
    ValueError
        If the folder is not a run or the run did not complete.
    """

    def __init__(self, path: str | Path):
        self.reader = reader = runs.RunReader(path)
        status = reader.status.get("status")
        if status != "complete":
            raise ValueError(f"run {reader.path} is not complete (status: {status}); only a complete run can predict")
        reader.check_layout()
        raw = tomllib.loads(reader.text(runs.SPEC))
        self.spec: Spec = validate(raw, default_name=reader.spec_name, check_data=False)
        self.data = reader.metrics["data"]
        self.transform = target_transform(self.spec.features.log_target)
        self.models = [*reader.model_names, runs.BASELINE]
        self.default_model = reader.metrics.get("submission", {}).get("model") or self.models[0]

    @property
    def feature_names(self) -> list[str]:
        """The model inputs, categorical first."""
        return [*self.data["cat_names"], *self.data["cont_names"]]

    def features(self, data) -> pd.DataFrame:
        """Build the run's features for new rows (a file, a folder or tables, as the
        run's builder reads them) and add the run's history features (from the stored
        training history) and target means."""
        spec = self.spec
        frame = new_rows(spec.data, spec.features, data)
        if self.reader.has_object(runs.HISTORY_FEATURES):
            for history in self.reader.load(runs.HISTORY_FEATURES):
                frame = history.transform(frame)
        if self.reader.has_object(runs.TARGET_MEANS):
            frame = self.reader.load(runs.TARGET_MEANS).transform(frame)
        missing = [c for c in self.feature_names if c not in frame.columns]
        if missing:
            raise ValueError(f"the new data lacks column(s) {missing} that the run's models use")
        return frame

    def model(self, name: str | None = None) -> FittedModel:
        """A model of the run, ready to predict (its file checked against the manifest).

        Raises
        ------
        ValueError
            For a name the run has no model of, listing the choices.
        """
        name = self.default_model if name is None else name
        if name not in self.models:
            hint = difflib.get_close_matches(name, self.models, n=1, cutoff=0.6)
            raise ValueError(
                f"the run has no model {name!r}"
                + (f" (did you mean {hint[0]!r}?)" if hint else "")
                + f"; models: {', '.join(self.models)}"
            )
        estimator = self.reader.load(runs.model_file(name))
        if name == runs.BASELINE:
            return _BaselineModel(estimator, self.spec.task, self.transform)
        info = self.reader.model_info(name)
        fit_transform = target_transform(info.get("target_transform"))
        return FittedModel(name, get_kind(info["kind"]), estimator, self.spec.task, fit_transform, self.transform)

    def predict(self, data, model: str | None = None, *, probabilities: bool | None = None) -> pd.DataFrame:
        """Predict new rows, in their own order, as scikit-learn does.

        Parameters
        ----------
        data : path, DataFrame or dict of DataFrames
            New rows in the layout the run read: a CSV file or a frame for a csv run; a
            folder of Kaggle's files (or its tables) for a Rossmann run; user-item pairs
            (a frame, a CSV file, a MovieLens folder or its ``u.data``) for a ratings run.
        model : str, optional
            A model of the run (default: the one that made the submission).
        probabilities : bool, optional
            One column per class instead of labels (default: as the run's submission).

        Returns
        -------
        DataFrame
            One line per new row, in the rows' order and with a frame's own index (so
            ``frame["predicted"] = run.predict(frame)[target]`` lines up): the id column
            (or, without one, the rows' key columns, e.g. user and item), then the
            prediction (times the model's correction factor where the run applied one to
            its submission) or the class probabilities. :meth:`submission` sorts them by id.
        """
        return self._predictions(data, model, probabilities, by_id=False)

    def submission(self, data, model: str | None = None, *, probabilities: bool | None = None) -> pd.DataFrame:
        """Predict new rows as the run's ``submission.csv``: sorted by the id column (the
        competition's order), with a fresh index; what ``tabkit predict`` writes.

        Parameters are those of :meth:`predict`; on the run's own test file this
        reproduces ``submission.csv``.

        Returns
        -------
        DataFrame
        """
        return self._predictions(data, model, probabilities, by_id=True)

    def export_onnx(self, folder: str | Path, model: str | None = None) -> Path:
        """Write a model as ONNX, ``<folder>/<model>.onnx``, and ``<model>.json`` beside it
        naming its inputs (see :mod:`tabkit.export`; needs ``tabkit[onnx]``).

        The graph takes the run's processed columns, :meth:`features` of new rows, fed by
        :func:`tabkit.export.onnx_inputs`; it outputs what :meth:`predict` gives (before
        the submission's closed rows are set to 0).

        Parameters
        ----------
        folder : path-like
        model : str, optional
            A model of the run (default: the one that made the submission).

        Returns
        -------
        Path
            The ``.onnx`` file.

        Raises
        ------
        tabkit.export.ExportError
            For a model kind that cannot be exported, naming the kind and why.
        """
        from tabkit.export import export_model

        name = self.default_model if model is None else model
        fitted = self.model(name)
        info = self.reader.model_info(name)
        correction = info.get("correction") or {}
        return export_model(
            fitted.baseline if isinstance(fitted, _BaselineModel) else fitted.estimator,
            folder,
            name=name,
            kind=info.get("kind", runs.BASELINE),
            task=self.spec.task,
            transform=getattr(fitted, "fit_transform", self.transform),
            factor=correction["factor"] if correction.get("applied") else None,
            about={
                "run": str(self.reader.path),
                "target": self.reader.metrics["target"],
                "id_column": self.data["id"],
                "closed_column": self.data.get("closed"),
                "submission": "tabkit predict sorts the rows by id_column and predicts 0 where closed_column is 0",
            },
        )

    def _predictions(self, data, model: str | None, probabilities: bool | None, *, by_id: bool) -> pd.DataFrame:
        fitted = self.model(model)
        frame = self.features(data)
        predicted = fitted.predict(frame if isinstance(fitted, _BaselineModel) else frame[self.feature_names])
        if not isinstance(fitted, _BaselineModel):  # the correction factor the submission applied
            predicted = predicted.corrected(self.reader.model_info(fitted.name).get("correction"))
        if probabilities is None:
            probabilities = self.spec.output.probabilities
        if probabilities and predicted.proba is None:
            raise ValueError("probabilities: the run is a regression; there are no classes")
        return submission_frame(
            frame,
            predicted,
            id_column=self.data["id"],
            target=self.reader.metrics["target"],
            closed=self.data.get("closed"),
            probabilities=probabilities,
            keys=self.data["keys"],
            by_id=by_id,
        )


class _BaselineModel:
    """The run's naive baseline in the shape of a :class:`FittedModel`."""

    def __init__(self, baseline, task: str, transform: TargetTransform):
        self.baseline, self.task, self.transform = baseline, task, transform

    def predict(self, X: pd.DataFrame) -> Predictions:
        """The group means (or class frequencies) of the rows of ``X``."""
        if self.task == "classification":
            return Predictions(
                self.baseline.predict(X), proba=self.baseline.predict_proba(X), classes=self.baseline.classes_
            )
        return Predictions(self.baseline.predict(X))


def load_run(path: str | Path) -> LoadedRun:
    """Open a finished pipeline run to predict new data: ``tk.load_run(dir).predict(new)``.

    Loading runs no code from the run folder (see :mod:`tabkit.run_folder.trusted`); a run of an
    older tabkit is unpickled after a warning: load those only from sources you trust.

    Parameters
    ----------
    path : path-like
        The run folder.

    Returns
    -------
    LoadedRun
    """
    return LoadedRun(path)
