"""Every key of a pipeline spec: its type, default, choices, meaning and an example.

The fixed sections are typed: :class:`Features` (with its :class:`HistoryTable` list),
:class:`Split`, :class:`Baseline`, :class:`Output` and :class:`Compute` are dataclasses whose fields each carry
their :class:`~tabkit.pipeline.keys.Key`, so a validated spec is read as ``spec.output.report``
and the declaration that types a field also checks it and documents it. ``SCHEMA`` gathers
those keys with the top level, ``source`` and the ``[[model]]`` keys common to every kind:
:mod:`tabkit.pipeline.spec.loading` validates against it, and
:mod:`tabkit.pipeline.spec.reference` renders it, with each data source's ``[data]`` keys
(``DataSource.keys``) and each model kind's own keys (``ModelKind.entry_keys``), which stay
mappings because extensions declare them, as ``docs/spec.md`` and as a JSON Schema.
"""

from __future__ import annotations

from dataclasses import dataclass

from tabkit.metrics import METRICS
from tabkit.pipeline.keys import REQUIRED, Key, declared, keys_of

__all__ = [
    "DEFAULT_FRACTION",
    "SCHEMA",
    "SPLITS",
    "Baseline",
    "Compute",
    "Features",
    "HistoryTable",
    "Output",
    "Split",
]

SPLITS = ("test", "days", "fraction", "random")
DEFAULT_FRACTION = 0.2  # the validation share of by = "fraction" or "random" when the spec gives none


@dataclass
class Features:
    """``[features]``: how features are built."""

    builder: str | None = declared(
        Key(
            str,
            doc="rossmann (fastai's Rossmann features), auto (date parts of the date "
            "column, column roles by type and cardinality) or ratings (user, item and "
            "rating); defaults to the source's own",
            example='"auto"',
        )
    )
    log_target: bool = declared(
        Key(
            bool,
            False,
            doc="regression: models learn log(target) and predictions "
            "are turned back with exp; every score is on the "
            "target's own units",
            example="true",
        )
    )
    cache: bool = declared(Key(bool, True, doc="reuse features built from the same input bytes and options"))
    drop: list = declared(
        Key(
            list,
            [],
            doc="columns left out of the features (must exist; not the date, target or id column)",
            example='["MachineID"]',
        )
    )
    cat_names: list | None = declared(
        Key(list, doc="categorical columns (default: the builder's choice)", example='["ModelID", "state"]')
    )
    cont_names: list | None = declared(
        Key(list, doc="continuous columns (default: the builder's choice)", example='["YearMade"]')
    )
    max_card: int = declared(
        Key(int, 20, doc="auto: integer columns with at most this many distinct values are categorical", example="50")
    )
    date_time: bool = declared(Key(bool, False, doc="auto: also add Hour, Minute and Second date parts"))
    history: list = declared(
        Key(
            list,
            [],
            doc="regression with dates: per-group statistics of the target over past windows, leak-free "
            "(one [[features.history]] table per group; its keys below)",
            items=dict,
        )
    )
    target_means: list = declared(
        Key(
            list,
            [],
            doc="regression: groups of columns whose mean training target (on the learnt scale) becomes a feature",
            example='[["Store"], ["Store", "DayOfWeek"]]',
        )
    )


@dataclass
class HistoryTable:
    """One ``[[features.history]]`` table: the history features of one group."""

    group: str | list = declared(
        Key(
            (str, list),
            REQUIRED,
            doc='the group column, or columns (a store\'s history on the same weekday: ["Store", "DayOfWeek"])',
            example='"Store"',
        )
    )
    windows: list = declared(
        Key(list, [91, 182, 365], doc="window lengths in days", example="[28, 91, 365]", items=int)
    )
    stats: list = declared(Key(list, ["mean"], doc="mean, std, count and sum", example='["mean", "std"]', items=str))
    columns: list = declared(
        Key(list, [], doc="other numeric columns of the training rows summarised the same way", example='["Customers"]')
    )
    events: list = declared(
        Key(
            list,
            [],
            doc="0/1 columns known in advance: their days counted in the event_windows before and after each row",
            example='["Promo", "StateHoliday"]',
        )
    )
    event_windows: list = declared(Key(list, [7], doc="event window lengths in days", example="[7, 14]", items=int))
    gap: str | int = declared(
        Key(
            (str, int),
            "horizon",
            doc='days between a window\'s end and the row; "horizon" is the days from the last training date '
            "to the last validation or test date, so training rows see history as stale as the rows predicted",
            example="48",
        )
    )
    min_periods: int = declared(Key(int, 1, doc="fewest rows in a window for a statistic (NaN below)", example="7"))


@dataclass
class Split:
    """``[split]``: how the validation rows are chosen."""

    by: str = declared(
        Key(
            str,
            "test",
            SPLITS,
            doc="validation = the latest rows by date: as many as the test set (test), the "
            "last `days` days (days), or a `fraction` of the rows (fraction); or a "
            "`fraction` of the rows drawn at random with the spec's seed (random: for "
            "data without dates, or rows that do not depend on time)",
            example='"fraction"',
        )
    )
    days: int | None = declared(Key(int, doc="by = days: number of latest days", example="42"))
    fraction: float | None = declared(
        Key(
            float,
            doc=f"by = fraction or random: share of the rows, between 0 and 1 ({DEFAULT_FRACTION} when absent)",
            example="0.2",
        )
    )


@dataclass
class Baseline:
    """``[baseline]``: the naive baseline every model is compared with."""

    by: list | None = declared(
        Key(
            list,
            doc="group columns of the mean (or, for a classification, most frequent) "
            "baseline; default Store and DayOfWeek for Rossmann, none for csv",
            example='["ModelID"]',
        )
    )


@dataclass
class Output:
    """``[output]``: what the run writes."""

    runs: str = declared(Key(str, "runs", doc="the folder of the runs"))
    cache: str | None = declared(Key(str, doc="the feature cache folder (default <runs>/.cache)"))
    submission: str = declared(
        Key(
            str,
            "best",
            doc='which predictions make submission.csv: "best", "none", "baseline" or a model name',
            example='"net"',
        )
    )
    probabilities: bool = declared(
        Key(
            bool,
            False,
            doc="classification: the submission holds one probability column per class instead of the predicted label",
        )
    )
    correction: str = declared(
        Key(
            str,
            "auto",
            ("auto", "none"),
            doc="regression: a multiplicative factor on each model's predictions, chosen by the metric on the "
            "validation rows and scored by the split-half rule (the leaderboard shows both scores); auto "
            "applies it to the submission where the split-half score improves",
            example='"none"',
        )
    )
    report: bool = declared(Key(bool, True, doc="build the HTML report at the end"))
    reports: str = declared(Key(str, "reports", doc="the folder of the HTML reports"))
    explain_worst: int = declared(Key(int, 5, doc="validation rows with the largest errors to explain"))
    explain_random: int = declared(Key(int, 5, doc="random validation rows to explain"))
    importance: bool = declared(Key(bool, True, doc="permutation importance on the validation rows"))
    importance_repeats: int = declared(Key(int, 3, doc="shuffles per feature"))
    importance_rows: int = declared(Key(int, 5000, doc="validation rows sampled for importance"))
    sample_rows: int = declared(Key(int, 2000, doc="rows of valid_sample.parquet (the report's sample)"))
    dependence_pairs: list = declared(
        Key(
            list,
            [],
            doc="pairs of features drawn as two-feature maps (default: the two most important)",
            example='[["Promo", "DayOfWeek"]]',
        )
    )
    mlflow: bool = declared(
        Key(
            bool,
            False,
            doc="log the run to MLflow (parameters, scores, seconds, histories, leaderboard, report, submission "
            "and each model as a pyfunc model) at MLFLOW_TRACKING_URI, else in mlflow.db and mlruns/ beside the "
            "runs folder; a tracking failure is logged and the run stays complete (needs the [mlflow] extra)",
            example="true",
        )
    )


@dataclass
class Compute:
    """``[compute]``: where the models are fitted (absent: here, one after another)."""

    cluster: str | None = declared(
        Key(
            str,
            doc='a Dask cluster the model fits and search candidates run on: "local:N" starts N worker '
            'processes on this machine, "tcp://host:8786" connects to a running scheduler; absent, the run '
            "fits every model here, one after another (needs the [distributed] extra)",
            example='"local:4"',
        )
    )
    threads: int | None = declared(
        Key(int, doc='"local:N": threads of each worker (default: the cores shared out among them)', example="2")
    )
    memory_limit: str | None = declared(
        Key(
            str,
            doc='"local:N": memory of each worker, above which Dask restarts it and the model it was fitting '
            "fails (default: the machine's memory shared out among them)",
            example='"4GB"',
        )
    )
    timeout: int = declared(Key(int, 10, doc="seconds to wait for the scheduler and its first worker", example="30"))
    sample_rows: int = declared(
        Key(
            int,
            1_000_000,
            doc="partitioned data: about this many training rows, drawn at random, are what the models "
            "not fitted on every row (forests, embedding forests) fit on; LightGBM and the nets read every row",
            example="500000",
        )
    )


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
        "compute": Key(dict, {}, doc="where the models are fitted ([compute])"),
    },
    "data": {
        "source": Key(
            str,
            REQUIRED,
            doc="where the rows come from: a registered data source (below, each with its own keys)",
            example='"csv"',
        ),
    },
    "features": keys_of(Features),
    "features.history": keys_of(HistoryTable),
    "split": keys_of(Split),
    "baseline": keys_of(Baseline),
    "model": {
        "name": Key(
            str, REQUIRED, doc="the model's name (its files are in models/<name>/ and <name>/)", example='"forest"'
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
            (list, int),
            [],
            doc="fit one model per seed (its random_state) and average their predictions "
            "(on the learnt scale) as one model; each seed's score is recorded; a number n means "
            "n seeds from the spec's seed on",
            example="[0, 1, 2]",
        ),
    },
    "output": keys_of(Output),
    "compute": keys_of(Compute),
}
"""Section -> key -> :class:`Key`; ``""`` is the top level."""
