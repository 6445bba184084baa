"""The run's validation split: training and validation rows (by date or at random), the inputs each model
sees, and the ``[features] target_means`` fitted on the training rows only."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from tabkit.pipeline.features import FeatureSet
from tabkit.pipeline.sections import Split
from tabkit.prep.split import time_split
from tabkit.prep.target import TargetTransform
from tabkit.prep.target_means import TargetMeans


@dataclass
class SplitData:
    """The rows and inputs of a run after its split.

    Attributes
    ----------
    train, valid : DataFrame
        Training and validation rows (features, date, target; target means added).
    test : DataFrame or None
        The rows to predict for the submission (target means added).
    cat_names, cont_names : list of str
        The model inputs (target mean columns among the continuous ones).
    y_train, y_valid : ndarray
        Targets in their original units.
    target_means : TargetMeans or None
        Fitted on the training rows, when the spec asks for it.
    dropped : int
        Training rows left out because a log target cannot take them.
    notes : list of str
        What the run's log should say about the split, one line each (a validation
        share other than the one asked).
    """

    train: pd.DataFrame
    valid: pd.DataFrame
    test: pd.DataFrame | None
    cat_names: list[str]
    cont_names: list[str]
    y_train: np.ndarray
    y_valid: np.ndarray
    target_means: TargetMeans | None = None
    dropped: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def feature_names(self) -> list[str]:
        """The model inputs, categorical first."""
        return [*self.cat_names, *self.cont_names]

    @cached_property
    def X_train(self) -> pd.DataFrame:
        """The training inputs (taken once; read after the target means are added)."""
        return self.train[self.feature_names]

    @cached_property
    def X_valid(self) -> pd.DataFrame:
        """The validation inputs."""
        return self.valid[self.feature_names]

    @cached_property
    def X_test(self) -> pd.DataFrame | None:
        """The submission's inputs."""
        return None if self.test is None else self.test[self.feature_names]


def split_rows(
    features: FeatureSet, split: Split, transform: TargetTransform, target_means: list, seed: int
) -> SplitData:
    """Hold out the latest rows (or random rows) as validation, as the spec's ``[split]``
    says; ``seed`` draws the random rows.

    Rows a log target cannot take (target <= 0) are left out of training first. A
    ``fraction`` split keeps whole dates together, so its validation share can exceed the
    one asked: the split's ``notes`` then give the actual share.
    """
    train = features.train
    dropped = 0
    if transform.name == "log":
        keep = train[features.target].to_numpy(dtype=float) > 0
        dropped = int((~keep).sum())
        if dropped:
            train = train.loc[keep].reset_index(drop=True)
    n_test = len(features.test) if features.test is not None else 0
    by = split.by
    if by == "test":
        train_pos, valid_pos = time_split(train, date=features.date, valid_size=min(n_test, len(train) - 1))
    elif by == "fraction":
        train_pos, valid_pos = time_split(train, date=features.date, valid_size=split.fraction)
    elif by == "random":
        chosen = np.random.default_rng(seed).random(len(train)) < split.fraction
        if chosen.all() or not chosen.any():
            raise ValueError(
                f"split: a random {split.fraction} of {len(train)} rows leaves no training or no validation rows"
            )
        train_pos, valid_pos = np.flatnonzero(~chosen), np.flatnonzero(chosen)
    else:
        first = train[features.date].max() - pd.Timedelta(days=split.days - 1)
        is_valid = (train[features.date] >= first).to_numpy()
        if is_valid.all():
            raise ValueError(f"split: the last {split.days} days hold every training row")
        train_pos, valid_pos = np.flatnonzero(~is_valid), np.flatnonzero(is_valid)
    fit_rows = train.iloc[train_pos].reset_index(drop=True)
    valid = train.iloc[valid_pos].reset_index(drop=True)
    for frame in (fit_rows, valid):
        frame.attrs = dict(train.attrs)
    y_train = fit_rows[features.target].to_numpy()
    data = SplitData(
        train=fit_rows,
        valid=valid,
        test=features.test,
        cat_names=list(features.cat_names),
        cont_names=list(features.cont_names),
        y_train=y_train,
        y_valid=valid[features.target].to_numpy(),
        dropped=dropped,
    )
    if by == "fraction":
        data.notes += _fraction_note(len(valid_pos), len(train), split.fraction)
    if target_means:
        means = TargetMeans(target_means).fit(fit_rows, transform.forward(y_train))
        data.train, data.valid = means.transform(data.train), means.transform(data.valid)
        data.test = None if data.test is None else means.transform(data.test)
        data.cont_names += means.names_
        data.target_means = means
    return data


def _fraction_note(n_valid: int, n_rows: int, asked: float) -> list[str]:
    """A line saying the validation share, when it differs (at one decimal of a percent)
    from the one asked."""
    share = n_valid / n_rows
    if round(100 * share, 1) == round(100 * asked, 1):
        return []
    return [
        f"the validation rows are {100 * share:.3g}% of the rows ({n_valid} of {n_rows}), not the "
        f"{100 * asked:.3g}% asked: whole dates stay together"
    ]


def check_class_target(y_train, y_valid, target: str, metric: str) -> None:
    """A classification's target holds classes: refuse a numeric target with as many
    distinct values as a measurement has (a regression given a classification metric),
    and validation classes that no training row has."""
    values = pd.Series(y_train)
    distinct = values.nunique()
    if pd.api.types.is_numeric_dtype(values) and distinct > max(20, 0.05 * len(values)):
        raise ValueError(
            f"metric {metric!r} makes this a classification, but the target {target!r} is numeric with "
            f"{distinct} distinct values in {len(values)} training rows: for a regression choose a regression "
            "metric (rmse, mae, rmsle, rmspe)"
        )
    unseen = sorted(set(pd.unique(pd.Series(y_valid))) - set(pd.unique(values)), key=str)
    if unseen:
        raise ValueError(
            f"the validation rows hold class(es) of {target!r} that no training row has: {unseen[:10]}"
            + (f" and {len(unseen) - 10} more" if len(unseen) > 10 else "")
            + "; merge rare classes or split differently"
        )
