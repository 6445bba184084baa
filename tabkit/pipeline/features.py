"""Load a spec's data and build its feature frames ("rossmann" or "auto" builder).

The result is a :class:`FeatureSet`: the training frame (features, date, target), the test
frame (features, id), and the column roles the models use.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from tabkit.prep.dates import add_datepart
from tabkit.prep.lineage import lineage_of
from tabkit.prep.processor import TabularProcessor


@dataclass
class FeatureSet:
    """Feature frames and column roles of one data set.

    Attributes
    ----------
    train : DataFrame
        Training rows: features, the date column and the target.
    test : DataFrame or None
        Test rows: features, the date column and the id column.
    target, date : str
        The target and date columns.
    id : str or None
        The test id column (the submission's first column).
    group : str or None
        The column predictions are grouped by in reports (Rossmann: Store).
    cat_names, cont_names : list of str
        The model inputs.
    closed : str or None
        Test column whose 0 values mean "closed": those rows are predicted 0.
    baseline_by : list of str
        Default group columns of the mean baseline.
    """

    train: pd.DataFrame
    test: pd.DataFrame | None
    target: str
    date: str
    id: str | None
    group: str | None
    cat_names: list[str]
    cont_names: list[str]
    closed: str | None = None
    baseline_by: list[str] = field(default_factory=list)

    @property
    def feature_names(self) -> list[str]:
        """The model input columns, categorical first."""
        return [*self.cat_names, *self.cont_names]

    def roles(self) -> dict:
        """Everything but the frames, as plain data (for the cache)."""
        return {"target": self.target, "date": self.date, "id": self.id, "group": self.group,
                "cat_names": self.cat_names, "cont_names": self.cont_names,
                "closed": self.closed, "baseline_by": self.baseline_by,
                "lineage": lineage_of(self.train)}


def build_features(data: dict, features: dict) -> FeatureSet:
    """Load the data a spec's ``[data]`` names and build its ``[features]``.

    Parameters
    ----------
    data, features : dict
        The validated ``[data]`` and ``[features]`` sections.

    Returns
    -------
    FeatureSet
    """
    if features["builder"] == "rossmann":
        return _rossmann(data, features)
    return _auto(data, features)


def _rossmann(data: dict, features: dict) -> FeatureSet:
    from tabkit.datasets import ROSSMANN_CAT, ROSSMANN_CONT, load_rossmann, make_rossmann, rossmann_features

    if data["source"] == "synthetic":
        tables = make_rossmann(data["n_stores"], seed=data["seed"])
    else:
        tables = load_rossmann(data["path"])
    train, test = rossmann_features(tables)
    cat_names, cont_names = _roles(features, list(ROSSMANN_CAT), list(ROSSMANN_CONT), train)
    return FeatureSet(train=train, test=test, target="Sales", date="Date", id="Id", group="Store",
                      cat_names=cat_names, cont_names=cont_names, closed="Open",
                      baseline_by=["Store", "DayOfWeek"])


def _auto(data: dict, features: dict) -> FeatureSet:
    target, date, id_column = data["target"], data["date"], data["id"]
    train = _read_csv(Path(data["train"]), data, [target, date])
    test = _read_csv(Path(data["test"]), data, [id_column, date]) if data["test"] else None
    drop = set(features["drop"])
    frames = []
    for frame in (train, test):
        if frame is None:
            frames.append(None)
            continue
        frame = frame.drop(columns=[c for c in drop if c in frame.columns])
        frame = add_datepart(frame, date, drop=False, time=features["date_time"])
        frames.append(frame)
    train, test = frames
    reserved = {target, date, id_column}
    inputs = [c for c in train.columns if c not in reserved]
    if test is not None:
        missing = [c for c in inputs if c not in test.columns]
        if missing:
            raise ValueError(f"{data['test']}: lacks the training column(s) {missing}; "
                             f"list them in features.drop")
    if features["cat_names"] is None and features["cont_names"] is None:
        roles = TabularProcessor(max_card=features["max_card"]).fit(train[inputs])
        cat_names, cont_names = roles.cat_names_, roles.cont_names_
    else:
        cat_names, cont_names = _roles(features, None, None, train[inputs])
    return FeatureSet(train=train, test=test, target=target, date=date, id=id_column, group=None,
                      cat_names=list(cat_names), cont_names=list(cont_names))


def _read_csv(path: Path, data: dict, required: list) -> pd.DataFrame:
    header = pd.read_csv(path, nrows=0).columns
    missing = [c for c in required if c is not None and c not in header]
    if missing:
        raise ValueError(f"{path}: missing column(s) {missing}; it has {list(header)}")
    dtypes = {c: d for c, d in data["dtypes"].items() if c in header}
    frame = pd.read_csv(path, dtype=dtypes or None, low_memory=False)
    dates = pd.to_datetime(frame[data["date"]], errors="coerce")
    bad = dates.isna() & frame[data["date"]].notna()
    if bad.any():
        raise ValueError(f"{path}: column {data['date']!r} holds {int(bad.sum())} value(s) that are "
                         f"not dates, e.g. {frame[data['date']][bad].iloc[0]!r}")
    frame[data["date"]] = dates
    return frame


def _roles(features: dict, default_cat, default_cont, frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    drop = set(features["drop"])
    cat = features["cat_names"] if features["cat_names"] is not None else default_cat
    cont = features["cont_names"] if features["cont_names"] is not None else default_cont
    if cat is None:
        cat = [c for c in frame.columns if c not in set(cont) and not _temporal(frame[c])]
    if cont is None:
        cont = [c for c in frame.columns if c not in set(cat) and not _temporal(frame[c])]
    cat = [c for c in cat if c not in drop]
    cont = [c for c in cont if c not in drop]
    missing = [c for c in [*cat, *cont] if c not in frame.columns]
    if missing:
        raise ValueError(f"features: column(s) {missing} are not in the built features; "
                         f"available: {sorted(frame.columns)}")
    return list(cat), list(cont)


def _temporal(values: pd.Series) -> bool:
    return pd.api.types.is_datetime64_any_dtype(values)
