"""``source = "csv"``: any table as CSV files, a training file and optionally a test file.

The source reads the files (with the spec's dtypes), parses the date column as
``data.date_format`` says, refuses column names that a header repeats (pandas would rename
the second ``x`` to ``x.1``) and refuses (or drops, counting them) training rows without a
target; the ``auto`` builder turns the frames into features.
"""

from __future__ import annotations

import difflib
import functools
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

from tabkit.pipeline.keys import REQUIRED, Key, Problems, describe, resolved
from tabkit.pipeline.sources.base import DataSource, register
from tabkit.prep.checks import first_value
from tabkit.prep.dates import as_dates

HEADER_ROWS = 200
"""Rows read from each file by the spec check (columns, the date column's values)."""


class CsvSource(DataSource):
    """A training CSV file (features, date and target) and an optional test file."""

    name = "csv"
    doc = "any table as CSV files"
    keys = {
        "train": Key(
            str,
            REQUIRED,
            doc="the training file (features, date and target)",
            example='"data/raw/bulldozers/Train.csv"',
        ),
        "test": Key(
            str,
            doc="the file to predict for the submission (features, date, id); optional: without it "
            'there is no submission and split.by cannot be "test"',
            example='"data/raw/bulldozers/Test.csv"',
        ),
        "target": Key(str, REQUIRED, doc="the column to predict", example='"SalePrice"'),
        "id": Key(
            str,
            doc="the test file's id column (the submission's first column); required with data.test",
            example='"SalesID"',
        ),
        "date": Key(
            str,
            doc="the date column: parsed as dates (text or datetime values; numbers are refused unless "
            "date_format says how to read them), used for the time split and turned into date parts; "
            'optional with split.by = "random" (data without dates)',
            example='"saledate"',
        ),
        "date_format": Key(
            str,
            doc='how to read the date column: a strftime format (e.g. "%m/%d/%Y %H:%M"), or "unix_s" / '
            '"unix_ms" for numbers of seconds or milliseconds since 1970; time zones are dropped, keeping '
            "each row's local clock time",
            example='"%Y%m%d"',
        ),
        "dtypes": Key(dict, {}, doc="column -> pandas dtype used when reading", example='{ UsageBand = "str" }'),
        "drop_missing_target": Key(
            bool,
            False,
            doc="drop training rows whose target is missing (otherwise they are an error)",
            example="true",
        ),
    }
    builders = ("auto",)
    file_keys = ("train", "test")
    new_data = "a CSV file in the training file's layout"

    def check(self, data: dict, problems: Problems, *, read_files: bool) -> None:
        if data["test"] is not None and data["id"] is None:
            problems.add("data.id", "missing required value: the test file's id column")
        for column, dtype in data["dtypes"].items():
            if not isinstance(dtype, str):
                problems.add(f"data.dtypes.{column}", f"must be a dtype name, got {describe(dtype)}")
                return
        if not read_files:
            return
        header = self._header(data, "train", [data["target"], data["date"]], problems)
        self._header(data, "test", [data["id"], data["date"]], problems)
        if header is not None and data["date"] in header.columns:
            try:
                parse_dates(header[data["date"]], data)
            except ValueError as error:
                problems.add("data.date", str(error))

    def columns(self, data: dict) -> list[str] | None:
        try:
            return list(_read_head(data, "train").columns) if Path(data["train"]).is_file() else None
        except (ValueError, pd.errors.ParserError):  # the check reports it
            return None

    def target_values(self, data: dict) -> pd.Series | None:
        try:
            head = _read_head(data, "train") if Path(data["train"]).is_file() else None
        except (ValueError, pd.errors.ParserError):  # the check reports it
            return None
        return head[data["target"]] if head is not None and data["target"] in head.columns else None

    def has_test(self, data: dict) -> bool:
        return data["test"] is not None

    def has_dates(self, data: dict) -> bool:
        return data["date"] is not None

    def load(self, data: dict) -> dict[str, Any]:
        """``{"train": frame, "test": frame or None, "notes": [...]}``, dates parsed,
        training rows without a target refused (or dropped, with ``drop_missing_target``,
        and counted in a note)."""
        target = data["target"]
        train = self.read_new(data, data["train"])
        missing = train[target].isna()
        notes = []
        if missing.any():
            if not data["drop_missing_target"]:
                raise ValueError(
                    f"{resolved(data['train'])}: the target column {target!r} is missing in "
                    f"{int(missing.sum())} of {len(train)} row(s); drop them first or set "
                    "data.drop_missing_target = true"
                )
            notes.append(
                f"dropped {int(missing.sum())} of {len(train)} training row(s) whose target {target!r} is missing "
                "(data.drop_missing_target)"
            )
            train = train.loc[~missing].reset_index(drop=True)
        test = self.read_new(data, data["test"]) if data["test"] else None
        return {"train": train, "test": test, "notes": notes}

    def read_new(self, data: dict, new: Any) -> pd.DataFrame:
        """A CSV file (read with the spec's dtypes) or a frame, its date column parsed.

        Raises
        ------
        ValueError
            If a column name appears twice in the file's header (or the frame's columns).
        """
        dtypes = data["dtypes"] or None
        if isinstance(new, pd.DataFrame):
            repeated = sorted(set(new.columns[new.columns.duplicated()]), key=str)
            if repeated:
                raise ValueError(f"the new rows hold the column name(s) {repeated} more than once; rename them")
            frame = new.copy()
        else:
            repeated = repeated_names(new)
            if repeated:
                raise ValueError(f"{resolved(new)}: {_repeated_message(repeated)}")
            frame = pd.read_csv(new, dtype=dtypes, low_memory=False)
        if data["date"] is not None:
            frame[data["date"]] = parse_dates(frame[data["date"]], data)
        return frame

    def input_files(self, data: dict) -> dict[str, Path]:
        return {key: Path(data[key]) for key in ("train", "test") if data[key] is not None}

    def describe(self, data: dict) -> str:
        return f"csv {data['train']}" + (f" + {data['test']}" if data["test"] else "")

    def _header(self, data: dict, which: str, required: list, problems: Problems) -> pd.DataFrame | None:
        path = data[which]
        if path is None:
            return None
        if not Path(path).is_file():
            problems.add(f"data.{which}", f"file not found: {resolved(path)}")
            return None
        try:
            head = _read_head(data, which)
            repeated = repeated_names(path)
        except (ValueError, pd.errors.ParserError) as error:
            problems.add(f"data.{which}", f"{resolved(path)} cannot be read as CSV: {error}")
            return None
        if repeated:
            problems.add(f"data.{which}", f"{resolved(path)}: {_repeated_message(repeated)}")
        for column in required:
            if column is not None and column not in head.columns:
                hint = difflib.get_close_matches(column, list(head.columns), n=1, cutoff=0.6)
                problems.add(
                    f"data.{which}",
                    f"{resolved(path)} has no column {column!r}" + (f"; did you mean {hint[0]!r}?" if hint else ""),
                )
        return head


def repeated_names(path: str | Path) -> list[str]:
    """The column names a CSV file's header holds more than once (as written, before pandas
    renames the second ``x`` to ``x.1``)."""
    header = pd.read_csv(path, header=None, nrows=1, dtype=str, keep_default_na=False).iloc[0].tolist()
    return sorted(name for name, count in Counter(header).items() if count > 1)


def _repeated_message(names: list[str]) -> str:
    first = names[0]
    return (
        f"the column name(s) {names} appear more than once in the header (pandas would read the second "
        f"{first!r} as '{first}.1'); rename them"
    )


def _read_head(data: dict, which: str) -> pd.DataFrame:
    """The first rows of a data file, read once per file version (the spec check asks for
    them from several checks); callers only read the frame."""
    path = Path(data[which])
    return _head(str(path), path.stat().st_mtime_ns, tuple(sorted((data["dtypes"] or {}).items())))


@functools.lru_cache(maxsize=8)
def _head(path: str, mtime_ns: int, dtypes: tuple) -> pd.DataFrame:
    return pd.read_csv(path, nrows=HEADER_ROWS, dtype=dict(dtypes) or None, low_memory=False)


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
        try:
            return as_dates(values.astype("string"), column, "data.date", date_format=fmt)
        except ValueError as error:
            raise ValueError(f"{error} (they do not match data.date_format {fmt!r})") from None
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


register(CsvSource())
