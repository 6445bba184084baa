"""Feature builders: turn a spec's ``[data]`` into feature frames, check the spec's data
keys before any work, and build the same features for new rows at prediction time.

``rossmann`` joins Kaggle's Rossmann tables and engineers fastai's features; ``auto`` reads
any CSV, parses its date column and adds fastai's date parts. Each builder is the one place
that knows its data's column roles (target, date, id, group).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from tabkit.prep.checks import first_value
from tabkit.prep.dates import DATE_PARTS, TIME_PARTS, add_datepart, as_dates
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
        Rows to predict for the submission: features, the date column and the id column.
    target : str
        The target column.
    date : str or None
        The date column (None for data without dates, split at random).
    id : str or None
        The test id column (the submission's first column).
    group : str or None
        The column predictions are grouped by in reports (Rossmann: Store).
    cat_names, cont_names : list of str
        The model inputs.
    closed : str or None
        Column whose 0 values mean "closed": those rows are predicted 0.
    baseline_by : list of str
        Default group columns of the mean baseline.
    keys : list of str
        Columns that name a row for a reader (Rossmann: Store and Date).
    """

    train: pd.DataFrame
    test: pd.DataFrame | None
    target: str
    date: str | None
    id: str | None
    group: str | None
    cat_names: list[str]
    cont_names: list[str]
    closed: str | None = None
    baseline_by: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)

    @property
    def feature_names(self) -> list[str]:
        """The model input columns, categorical first."""
        return [*self.cat_names, *self.cont_names]

    def roles(self) -> dict:
        """Everything but the frames, as plain data (for the cache and the run's metrics)."""
        return {
            "target": self.target,
            "date": self.date,
            "id": self.id,
            "group": self.group,
            "cat_names": self.cat_names,
            "cont_names": self.cont_names,
            "closed": self.closed,
            "baseline_by": self.baseline_by,
            "keys": self.keys,
            "lineage": lineage_of(self.train),
        }


def _resolved(path: str) -> str:
    """A path as written and, when relative, as resolved against the working directory."""
    resolved = Path(path).resolve()
    return path if str(resolved) == path else f"{path} (resolved: {resolved})"


def _unknown_columns(names, known, where: str, problems) -> None:
    for name in names:
        if name not in known:
            hint = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
            problems.add(
                where, f"{name!r} is not a column of the data" + (f"; did you mean {hint[0]!r}?" if hint else "")
            )


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
        raise ValueError(
            f"features: column(s) {missing} are not in the built features; available: {sorted(frame.columns)}"
        )
    return list(cat), list(cont)


def _temporal(values: pd.Series) -> bool:
    return pd.api.types.is_datetime64_any_dtype(values)


class RossmannBuilder:
    """fastai's Rossmann features from Kaggle's tables (or the synthetic generator's)."""

    name = "rossmann"
    sources = ("synthetic", "rossmann")

    def check_spec(self, data: dict, features: dict, problems) -> None:
        """Kaggle's files are present; listed columns are Rossmann features."""
        from tabkit.datasets import ROSSMANN_CAT, ROSSMANN_CONT
        from tabkit.datasets.schema import REQUIRED_TABLES

        if data["source"] not in self.sources:
            problems.add(
                "features.builder", f"'rossmann' needs source = 'synthetic' or 'rossmann', not {data['source']!r}"
            )
            return
        if data["source"] == "rossmann" and data["path"] is not None:
            folder = Path(data["path"])
            if not folder.is_dir():
                problems.add("data.path", f"folder not found: {_resolved(data['path'])}")
            else:
                missing = [f"{t}.csv" for t in REQUIRED_TABLES if not (folder / f"{t}.csv").is_file()]
                if missing:
                    problems.add("data.path", f"{_resolved(data['path'])} lacks Kaggle's {', '.join(missing)}")
        known = {*ROSSMANN_CAT, *ROSSMANN_CONT}
        if "Date" in features["drop"]:
            problems.add(
                "features.drop",
                "'Date' is the date column (it splits the rows and is not a "
                "model input); drop its parts instead, e.g. 'Year'",
            )
        _unknown_columns([c for c in features["drop"] if c != "Date"], known, "features.drop", problems)

    def _tables(self, data: dict, source=None) -> dict:
        from tabkit.datasets import load_rossmann, make_rossmann

        if source is not None:
            return source if isinstance(source, dict) else load_rossmann(source)
        if data["source"] == "synthetic":
            return make_rossmann(data["n_stores"], seed=data["seed"])
        return load_rossmann(data["path"])

    def build(self, data: dict, features: dict) -> FeatureSet:
        """Training and test features of the spec's data."""
        from tabkit.datasets import ROSSMANN_CAT, ROSSMANN_CONT, rossmann_features

        train, test = rossmann_features(self._tables(data))
        cat_names, cont_names = _roles(features, list(ROSSMANN_CAT), list(ROSSMANN_CONT), train)
        return FeatureSet(
            train=train,
            test=test,
            target="Sales",
            date="Date",
            id="Id",
            group="Store",
            cat_names=cat_names,
            cont_names=cont_names,
            closed="Open",
            baseline_by=["Store", "DayOfWeek"],
            keys=["Store", "Date"],
        )

    def new_rows(self, data: dict, features: dict, source) -> pd.DataFrame:
        """Features of the test rows of ``source``: a folder in Kaggle's layout (with its
        train.csv, whose history the elapsed-event features need) or its tables."""
        from tabkit.datasets import rossmann_features

        return rossmann_features(self._tables(data, source))[1]


class CsvBuilder:
    """Any CSV table: the date column parsed and expanded into fastai's date parts."""

    name = "auto"
    sources = ("csv",)

    def check_spec(self, data: dict, features: dict, problems) -> None:
        """Files, columns, the date column's values and ``features.drop``, from the headers
        and the first rows of the files."""
        if data["source"] not in self.sources:
            problems.add("features.builder", f"'auto' reads source = 'csv', not {data['source']!r}")
            return
        header = self._header(data, "train", [data["target"], data["date"]], problems)
        self._header(data, "test", [data["id"], data["date"]], problems)
        if header is None:
            return
        date = data["date"]
        if date in header.columns:
            self._check_date(header[date], data, problems)
        reserved = {
            date: "the date column (data.date)",
            data["target"]: "the target (data.target)",
            data["id"]: "the id column (data.id)",
        }
        parts = [f"{self._prefix(date)}{p}" for p in (*DATE_PARTS, *TIME_PARTS, "Elapsed")] if date else []
        known = set(header.columns) | set(parts)
        for name in features["drop"]:
            if name in reserved:
                extra = "; drop its parts instead, e.g. " + repr(parts[0]) if name == date else ""
                problems.add("features.drop", f"{name!r} is {reserved[name]}, not a feature{extra}")
        _unknown_columns([c for c in features["drop"] if c not in reserved], known, "features.drop", problems)
        for key in ("cat_names", "cont_names"):
            if features[key]:
                _unknown_columns(features[key], known, f"features.{key}", problems)

    @staticmethod
    def _prefix(date: str) -> str:
        return re.sub("[Dd]ate$", "", date)

    def _header(self, data: dict, which: str, required: list, problems) -> pd.DataFrame | None:
        path = data[which]
        if path is None:
            return None
        if not Path(path).is_file():
            problems.add(f"data.{which}", f"file not found: {_resolved(path)}")
            return None
        try:
            head = pd.read_csv(path, nrows=200, dtype=data["dtypes"] or None, low_memory=False)
        except (ValueError, pd.errors.ParserError) as error:
            problems.add(f"data.{which}", f"{_resolved(path)} cannot be read as CSV: {error}")
            return None
        for column in required:
            if column is not None and column not in head.columns:
                hint = difflib.get_close_matches(column, list(head.columns), n=1, cutoff=0.6)
                problems.add(
                    f"data.{which}",
                    f"{_resolved(path)} has no column {column!r}" + (f"; did you mean {hint[0]!r}?" if hint else ""),
                )
        return head

    def _check_date(self, values: pd.Series, data: dict, problems) -> None:
        try:
            self.parse_dates(values, data)
        except ValueError as error:
            problems.add("data.date", str(error))

    @staticmethod
    def parse_dates(values: pd.Series, data: dict) -> pd.Series:
        """The date column as naive datetimes, read as ``data.date_format`` says."""
        column, fmt = data["date"], data["date_format"]
        if fmt in ("unix_s", "unix_ms"):
            numbers = pd.to_numeric(values, errors="coerce")
            if (numbers.isna() & values.notna()).any():
                raise ValueError(
                    f"column {column!r} holds values that are not numbers, but data.date_format = {fmt!r} reads numbers"
                )
            return as_dates(pd.to_datetime(numbers, unit=fmt[5:], utc=True), column, "data.date")
        if fmt is not None:
            parsed = pd.to_datetime(values.astype("string"), format=fmt, errors="coerce", utc=True)
            bad = parsed.isna() & values.notna()
            if bad.any():
                raise ValueError(
                    f"column {column!r} has {int(bad.sum())} value(s) that do not match "
                    f"data.date_format {fmt!r}, e.g. {first_value(values[bad])}"
                )
            return as_dates(parsed, column, "data.date")
        try:
            return as_dates(values, column, "data.date")
        except ValueError as error:
            if "holds numbers" in str(error):
                raise ValueError(
                    f"column {column!r} holds numbers (e.g. {first_value(values.dropna())}); say "
                    "how to read them with data.date_format: a format such as '%Y%m%d', "
                    "or 'unix_s' / 'unix_ms'"
                ) from None
            raise

    def _read(self, path, data: dict) -> pd.DataFrame:
        dtypes = data["dtypes"] or None
        frame = path.copy() if isinstance(path, pd.DataFrame) else pd.read_csv(path, dtype=dtypes, low_memory=False)
        if data["date"] is not None:
            frame[data["date"]] = self.parse_dates(frame[data["date"]], data)
        return frame

    def _features(self, frame: pd.DataFrame, data: dict, features: dict) -> pd.DataFrame:
        frame = frame.drop(columns=[c for c in features["drop"] if c in frame.columns])
        if data["date"] is None:
            return frame
        return add_datepart(frame, data["date"], drop=False, time=features["date_time"])

    def build(self, data: dict, features: dict) -> FeatureSet:
        """Training (and test) features of the spec's CSV files."""
        target, date, id_column = data["target"], data["date"], data["id"]
        train = self._read(data["train"], data)
        missing = train[target].isna()
        if missing.any():
            if not data["drop_missing_target"]:
                raise ValueError(
                    f"{_resolved(data['train'])}: the target column {target!r} is missing in "
                    f"{int(missing.sum())} of {len(train)} row(s); drop them first or set "
                    "data.drop_missing_target = true"
                )
            train = train.loc[~missing].reset_index(drop=True)
        train = self._features(train, data, features)
        test = self._features(self._read(data["test"], data), data, features) if data["test"] else None
        reserved = {target, date, id_column}
        inputs = [c for c in train.columns if c not in reserved]
        if test is not None:
            absent = [c for c in inputs if c not in test.columns]
            if absent:
                raise ValueError(
                    f"{_resolved(data['test'])}: lacks the training column(s) {absent}; list them in features.drop"
                )
        if features["cat_names"] is None and features["cont_names"] is None:
            roles = TabularProcessor(max_card=features["max_card"]).fit(train[inputs])
            cat_names, cont_names = roles.cat_names_, roles.cont_names_
        else:
            cat_names, cont_names = _roles(features, None, None, train[inputs])
        keys = [c for c in (date, id_column) if c is not None and c in train.columns]
        return FeatureSet(
            train=train,
            test=test,
            target=target,
            date=date,
            id=id_column,
            group=None,
            cat_names=list(cat_names),
            cont_names=list(cont_names),
            keys=keys,
        )

    def new_rows(self, data: dict, features: dict, source) -> pd.DataFrame:
        """Features of new rows: a CSV file in the training file's layout, or a DataFrame."""
        return self._features(self._read(source, data), data, features)


class RatingsBuilder:
    """Users' ratings of items (MovieLens files, or ratings generated from known factors):
    the user and item are the categorical inputs, the rating the target, the timestamp the
    date."""

    name = "ratings"
    sources = ("movielens", "synthetic_ratings")

    def check_spec(self, data: dict, features: dict, problems) -> None:
        """The MovieLens folder exists; nothing is dropped from two columns."""
        if data["source"] not in self.sources:
            problems.add(
                "features.builder",
                f"'ratings' reads source = 'movielens' or 'synthetic_ratings', not {data['source']!r}",
            )
            return
        if data["source"] == "movielens" and data["path"] is not None and not Path(data["path"]).is_dir():
            problems.add("data.path", f"folder not found: {_resolved(data['path'])}")
        if features["drop"]:
            problems.add("features.drop", "ratings have only their user and item as inputs; nothing can be dropped")

    def build(self, data: dict, features: dict) -> FeatureSet:
        """The ratings, one row each (titles of the items kept for reading)."""
        from tabkit.datasets import load_movielens, make_ratings

        if data["source"] == "movielens":
            tables = load_movielens(data["path"])
        else:
            tables = make_ratings(data["n_users"], data["n_items"], seed=data["seed"])
        ratings = tables["ratings"].merge(tables["items"], on="item", how="left")
        return FeatureSet(
            train=ratings,
            test=None,
            target="rating",
            date="timestamp",
            id=None,
            group=None,
            cat_names=["user", "item"],
            cont_names=[],
            keys=["user", "item", "title"],
        )

    def new_rows(self, data: dict, features: dict, source) -> pd.DataFrame:
        """User and item pairs to rate: a CSV file or a frame with ``user`` and ``item``."""
        frame = source.copy() if isinstance(source, pd.DataFrame) else pd.read_csv(source)
        missing = [c for c in ("user", "item") if c not in frame.columns]
        if missing:
            raise ValueError(f"new ratings need the column(s) {missing}; they have {list(frame.columns)}")
        return frame


BUILDERS = {builder.name: builder for builder in (RossmannBuilder(), CsvBuilder(), RatingsBuilder())}
"""Builder name -> builder."""


def build_features(data: dict, features: dict) -> FeatureSet:
    """Load the data a spec's ``[data]`` names and build its ``[features]``."""
    return BUILDERS[features["builder"]].build(data, features)
