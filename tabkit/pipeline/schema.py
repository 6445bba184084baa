"""Every key of a pipeline spec: its type, default, choices, meaning and an example.

``SCHEMA`` is the single source of the spec format: :mod:`tabkit.pipeline.spec` validates
against it and :func:`reference` renders it as the spec reference (``docs/spec.md``; a test
keeps that page in sync). A model kind adds the keys of its own ``[[model]]`` tables through
``ModelKind.entry_keys``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tabkit.metrics import METRICS

REQUIRED = object()
SOURCES = ("synthetic", "rossmann", "csv", "movielens", "synthetic_ratings")
BUILDERS = ("rossmann", "auto", "ratings")
SPLITS = ("test", "days", "fraction", "random")
DEFAULT_FRACTION = 0.2  # the validation share of by = "fraction" or "random" when the spec gives none
TYPE_NAMES = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "true or false",
    list: "a list",
    dict: "a table",
}


@dataclass(frozen=True)
class Key:
    """One spec key: accepted types, default (``REQUIRED`` when it must be given), choices,
    what it means and an example value (TOML)."""

    types: type | tuple[type, ...]
    default: Any = None
    choices: tuple = ()
    doc: str = ""
    example: str = ""

    @property
    def type_tuple(self) -> tuple[type, ...]:
        """The accepted Python types."""
        return self.types if isinstance(self.types, tuple) else (self.types,)


SCHEMA: dict[str, dict[str, Key]] = {
    "": {
        "name": Key(
            str,
            doc="the run's name: runs land in `<output.runs>/<name>/<UTC timestamp>/`; "
            "defaults to the spec file's stem",
            example='"bulldozers"',
        ),
        "metric": Key(
            str,
            REQUIRED,
            tuple(METRICS),
            "the validation metric; its task decides the run's task (accuracy, f1, logloss "
            "and roc_auc make a classification, the others a regression)",
            '"rmsle"',
        ),
        "seed": Key(
            int,
            0,
            doc="`random_state` of every model that does not set its own, and of the rows chosen for explanations",
            example="42",
        ),
        "data": Key(dict, REQUIRED, doc="where the rows come from ([data])"),
        "features": Key(dict, {}, doc="how features are built ([features])"),
        "split": Key(dict, {}, doc="how the validation rows are chosen ([split])"),
        "baseline": Key(dict, {}, doc="the naive baseline every model is compared with ([baseline])"),
        "model": Key(list, REQUIRED, doc="one [[model]] table per model, fitted in order"),
        "output": Key(dict, {}, doc="what the run writes ([output])"),
    },
    "data": {
        "source": Key(
            str,
            REQUIRED,
            SOURCES,
            "synthetic (generated Rossmann tables), rossmann (Kaggle's Rossmann files), csv "
            "(any table as CSV files), movielens (MovieLens ratings files) or "
            "synthetic_ratings (generated ratings from known factors)",
            '"csv"',
        ),
        "path": Key(
            str,
            doc="rossmann: the folder holding Kaggle's train.csv, test.csv, store.csv "
            "and the external tables; movielens: the folder holding u.data + u.item "
            "(100k) or ratings.csv + movies.csv (latest-small)",
            example='"data/raw/rossmann"',
        ),
        "n_stores": Key(int, 50, doc="synthetic: number of stores", example="20"),
        "n_users": Key(int, 943, doc="synthetic_ratings: number of users", example="300"),
        "n_items": Key(int, 1682, doc="synthetic_ratings: number of items", example="500"),
        "seed": Key(int, 0, doc="synthetic, synthetic_ratings: the generator's seed", example="1"),
        "train": Key(
            str, doc="csv: the training file (features, date and target)", example='"data/raw/bulldozers/Train.csv"'
        ),
        "test": Key(
            str,
            doc="csv: the file to predict for the submission (features, date, id); "
            "optional: without it there is no submission and split.by cannot be "
            '"test"',
            example='"data/raw/bulldozers/Test.csv"',
        ),
        "target": Key(str, doc="csv: the column to predict", example='"SalePrice"'),
        "id": Key(
            str,
            doc="csv: the test file's id column (the submission's first column); required with data.test",
            example='"SalesID"',
        ),
        "date": Key(
            str,
            doc="csv: the date column: parsed as dates (text or datetime values; "
            "numbers are refused unless date_format says how to read them), "
            "used for the time split and turned into date parts; optional with "
            'split.by = "random" (data without dates)',
            example='"saledate"',
        ),
        "date_format": Key(
            str,
            doc="csv: how to read the date column: a strftime format "
            '(e.g. "%m/%d/%Y %H:%M"), or "unix_s" / "unix_ms" for numbers '
            "of seconds or milliseconds since 1970; time zones are "
            "converted to UTC and dropped",
            example='"%Y%m%d"',
        ),
        "dtypes": Key(dict, {}, doc="csv: column -> pandas dtype used when reading", example='{ UsageBand = "str" }'),
        "drop_missing_target": Key(
            bool,
            False,
            doc="csv: drop training rows whose target is missing (otherwise they are an error)",
            example="true",
        ),
    },
    "features": {
        "builder": Key(
            str,
            choices=BUILDERS,
            doc="rossmann (fastai's Rossmann features), auto (date parts of the date "
            "column, column roles by type and cardinality) or ratings (user, item and "
            "rating); defaults to the source's own",
            example='"auto"',
        ),
        "log_target": Key(
            bool,
            False,
            doc="regression: models learn log(target) and predictions "
            "are turned back with exp; every score is on the "
            "target's own units",
            example="true",
        ),
        "cache": Key(bool, True, doc="reuse features built from the same input bytes and options"),
        "drop": Key(
            list,
            [],
            doc="columns left out of the features (must exist; not the date, target or id column)",
            example='["MachineID"]',
        ),
        "cat_names": Key(
            list, doc="categorical columns (default: the builder's choice)", example='["ModelID", "state"]'
        ),
        "cont_names": Key(list, doc="continuous columns (default: the builder's choice)", example='["YearMade"]'),
        "max_card": Key(
            int, 20, doc="auto: integer columns with at most this many distinct values are categorical", example="50"
        ),
        "date_time": Key(bool, False, doc="auto: also add Hour, Minute and Second date parts"),
        "target_means": Key(
            list,
            [],
            doc="regression: groups of columns whose mean training target (on the learnt scale) becomes a feature",
            example='[["Store"], ["Store", "DayOfWeek"]]',
        ),
    },
    "split": {
        "by": Key(
            str,
            "test",
            SPLITS,
            doc="validation = the latest rows by date: as many as the test set (test), the "
            "last `days` days (days), or a `fraction` of the rows (fraction); or a "
            "`fraction` of the rows drawn at random with the spec's seed (random: for "
            "data without dates, or rows that do not depend on time)",
            example='"fraction"',
        ),
        "days": Key(int, doc="by = days: number of latest days", example="42"),
        "fraction": Key(
            float,
            doc=f"by = fraction or random: share of the rows, between 0 and 1 ({DEFAULT_FRACTION} when absent)",
            example="0.2",
        ),
    },
    "baseline": {
        "by": Key(
            list,
            doc="group columns of the mean (or, for a classification, most frequent) "
            "baseline; default Store and DayOfWeek for Rossmann, none for csv",
            example='["ModelID"]',
        ),
    },
    "model": {
        "name": Key(
            str, REQUIRED, doc="the model's name (its files are models/<name>.joblib and <name>/)", example='"forest"'
        ),
        "kind": Key(
            str,
            REQUIRED,
            doc="the model kind (forest, embedding_net, embedding_forest, lightgbm, ...)",
            example='"forest"',
        ),
        "params": Key(
            dict,
            {},
            doc="estimator parameters (the kind's estimator's own names)",
            example="{ n_estimators = 40, min_samples_leaf = 3 }",
        ),
        "search": Key(
            dict,
            {},
            doc="parameter -> list of values, every combination fitted and "
            "scored on the validation rows; the best is kept",
            example="{ max_features = [0.3, 0.5] }",
        ),
        "explain": Key(bool, True, doc="permutation importance and per-row contributions"),
        "seeds": Key(
            list,
            [],
            doc="fit one model per seed (its random_state) and average their predictions "
            "(on the learnt scale) as one model; each seed's score is recorded",
            example="[0, 1, 2]",
        ),
    },
    "output": {
        "runs": Key(str, "runs", doc="the folder of the runs"),
        "cache": Key(str, doc="the feature cache folder (default <runs>/.cache)"),
        "submission": Key(
            str,
            "best",
            doc='which predictions make submission.csv: "best", "none", "baseline" or a model name',
            example='"net"',
        ),
        "probabilities": Key(
            bool,
            False,
            doc="classification: the submission holds one probability column per class instead of the predicted label",
        ),
        "report": Key(bool, True, doc="build the HTML report at the end"),
        "reports": Key(str, "reports", doc="the folder of the HTML reports"),
        "explain_worst": Key(int, 5, doc="validation rows with the largest errors to explain"),
        "explain_random": Key(int, 5, doc="random validation rows to explain"),
        "importance": Key(bool, True, doc="permutation importance on the validation rows"),
        "importance_repeats": Key(int, 3, doc="shuffles per feature"),
        "importance_rows": Key(int, 5000, doc="validation rows sampled for importance"),
        "sample_rows": Key(int, 2000, doc="rows of valid_sample.parquet (the report's sample)"),
        "dependence_pairs": Key(
            list,
            [],
            doc="pairs of features drawn as two-feature maps (default: the two most important)",
            example='[["Promo", "DayOfWeek"]]',
        ),
    },
}
"""Section -> key -> :class:`Key`; ``""`` is the top level."""

SOURCE_KEYS = {
    "synthetic": ("n_stores", "seed"),
    "rossmann": ("path",),
    "movielens": ("path",),
    "synthetic_ratings": ("n_users", "n_items", "seed"),
    "csv": ("train", "test", "target", "id", "date", "date_format", "dtypes", "drop_missing_target"),
}
"""The ``[data]`` keys each source reads (the others must be left out)."""


def _default_text(key: Key) -> str:
    if key.default is REQUIRED:
        return "required"
    if key.default is None:
        return "-"
    if isinstance(key.default, bool):
        return "true" if key.default else "false"
    if isinstance(key.default, str):
        return f'"{key.default}"'
    return str(key.default)


def reference(model_keys: dict[str, dict[str, Key]] | None = None) -> str:
    """The spec reference as Markdown: one table per section (every key, its type, default,
    meaning and example), then each model kind's extra keys."""
    parts = [
        "# Pipeline spec reference",
        "",
        "Generated from `tabkit/pipeline/schema.py`; see the README for a walk-through.",
        "",
    ]
    titles = {"": "Top level", "model": "[[model]] (one table per model)"}
    for section, keys in SCHEMA.items():
        parts += _table(titles.get(section, f"[{section}]"), keys)
    for kind, keys in (model_keys or {}).items():
        if keys:
            parts += _table(f'[[model]] keys of kind = "{kind}"', keys)
    return "\n".join(parts).rstrip() + "\n"


def _table(title: str, keys: dict[str, Key]) -> list[str]:
    rows = [f"## {title}", "", "| key | type | default | meaning | example |", "|---|---|---|---|---|"]
    for name, key in keys.items():
        kind = " or ".join(TYPE_NAMES[t] for t in key.type_tuple)
        meaning = key.doc + (f" (one of: {', '.join(map(str, key.choices))})" if key.choices else "")
        example = f"`{name} = {key.example}`" if key.example else ""
        rows.append(f"| `{name}` | {kind} | {_default_text(key)} | {meaning} | {example} |")
    return rows + [""]
