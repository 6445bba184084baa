"""The run folder's layout: every file name in it and its layout version.

Layout (``LAYOUT_VERSION`` 3)::

    runs/<spec name>/<UTC timestamp, e.g. 20261125T142501Z>/
      spec.toml            the spec as run (overrides applied)
      status.json          {"status": "running"|"complete"|"failed"|"interrupted", "started",
                            "finished", "duration_s", "error", "traceback", "steps_done": [..]}
      manifest.json        {"layout": 3, "files": {<relative path>: {"sha256", "bytes", "format"}}}:
                           every file of a saved object (see below), checked before it is read;
                           "format" is one of FORMATS
      metrics.json         {"spec_name", "run_id", "metric", "task", "target", "target_transform",
                            "data": {source, n_train, n_valid, n_test, train_dates, valid_dates,
                                     date, id, group, keys, cat_names, cont_names, classes},
                            "versions", "baseline": {"name", "score"}, "steps": {step: seconds},
                            "models": {<name>: {"kind", "score", "fit_seconds", "predict_seconds",
                                                "file_bytes", "target_transform", "params",
                                                "best_params", ...}}}
                           a model's "target_transform" is the scale its saved estimator
                           predicts on ("log", or null for the target's own units: a net
                           takes the run's log target itself and predicts in target units)
      leaderboard.csv      model, kind, score, fit_seconds, predict_seconds; best first; the
                           baseline is a row (kind "baseline")
      log.txt              the run's log
      submission.csv       id column, then the target (or one probability column per class)
      valid_predictions.parquet  validation rows: the key columns (date, group), "actual", then
                           one column per model with its prediction in the target's units
                           (the predicted label for a classification)
      valid_probabilities.parquet  classification: "<model>:<class>" probability columns
      valid_sample.parquet a sample of the validation features as the models see them + "actual"
      models/<name>/       each fitted model, saved as an object folder (below); an ensemble's
                           refers to its members' folders: load it through RunReader or
                           tk.load_run; models/baseline/ too
      features/history/    the fitted ``[[features.history]]`` transformers, when used
      features/target_means/  the fitted ``[features] target_means`` transformer, when used
      <name>/importance.csv      permutation importance on the validation rows
      <name>/contributions.csv   the explained rows: key columns, row, reason, [class], actual,
                           prediction, bias, prediction_std, one contribution per feature, on
                           the scale the model learns (log units for a log target)
      <name>/explained_rows.csv  key columns, row and the raw feature values of those rows
      <name>/search.csv          the search's candidates, when the model was searched
      <name>/history.csv         a net's per-epoch or a booster's per-round history
      <name>/embeddings.parquet  learnt embeddings: column, label, then one column per dimension
      <name>/biases.csv          a collaborative-filtering model's biases: side, label, bias
      <name>/inspection.json     what the explain step inspected and where it wrote it: the
                           partial dependence features and files, the 2-d maps, the embedding
                           maps, the contribution sample, the class shown, seconds, errors
      <name>/dependence/<k>.parquet     partial dependence of the k-th feature (target units)
      <name>/dependence_2d/<k>.parquet  a 2-d partial dependence map; <k>_density.parquet the
                           training rows' share in each of its cells
      <name>/embedding_maps/<k>.parquet an embedding's categories on two principal components
      <name>/contribution_sample.parquet contributions of rows of valid_sample.parquet (their
                           positions in inspection.json)

An object folder (:mod:`tabkit.run_folder.model_files`) holds ``object.json``, which names the
object's class and its files, and those files: ``state.skops`` (scikit-learn style state,
read with the trusted types of :mod:`tabkit.run_folder.trusted` only), ``weights.safetensors`` (a
net's weights), ``booster.txt`` (a LightGBM model in LightGBM's text format); a member saved
inside an object (a seed of a seed average) has its files in a subfolder named after it.
Reading one runs no code from the run folder. Runs of layout 2 and earlier kept each object
in one joblib pickle (``models/<name>.joblib``, ``target_means.joblib`` and ``history.csv``
at the top); they are still read, after a warning, by :mod:`tabkit.run_folder.legacy`.

Every file is written to a temporary name and renamed into place, so a reader never sees
half a file; ``log.txt`` alone is appended to line by line.
"""

from __future__ import annotations

LAYOUT_VERSION = 3
SPEC = "spec.toml"
STATUS = "status.json"
MANIFEST = "manifest.json"
METRICS = "metrics.json"
LEADERBOARD = "leaderboard.csv"
LOG = "log.txt"
SUBMISSION = "submission.csv"
VALID_PREDICTIONS = "valid_predictions.parquet"
VALID_PROBABILITIES = "valid_probabilities.parquet"
VALID_SAMPLE = "valid_sample.parquet"
MODELS = "models"
HISTORY_FEATURES = "features/history"
TARGET_MEANS = "features/target_means"
IMPORTANCE = "importance.csv"
CONTRIBUTIONS = "contributions.csv"
EXPLAINED_ROWS = "explained_rows.csv"
SEARCH = "search.csv"
HISTORY = "history.csv"
EMBEDDINGS = "embeddings.parquet"
BIASES = "biases.csv"
INSPECTION = "inspection.json"
DEPENDENCE = "dependence"
DEPENDENCE_2D = "dependence_2d"
EMBEDDING_MAPS = "embedding_maps"
CONTRIBUTION_SAMPLE = "contribution_sample.parquet"

OBJECT = "object.json"
"""The file of an object folder that names the object's class and its other files."""
STATE = "state.skops"
WEIGHTS = "weights.safetensors"
BOOSTER = "booster.txt"
FORMATS = ("json", "skops", "safetensors", "lightgbm", "joblib")
"""The formats a manifest records; tabkit writes every one but ``joblib`` (layout 2 and
earlier), which it only reads."""

BASELINE = "baseline"
"""The name of the naive baseline among a run's models (and of its saved folder)."""
STATUSES = ("running", "complete", "failed", "interrupted")
RUN_MARKERS = (STATUS, METRICS)


def model_file(name: str) -> str:
    """The relative path of a model's object folder (``models/<name>``)."""
    return f"{MODELS}/{name}"


def model_artifact(name: str, file: str) -> str:
    """The relative path of one of a model's tables (``model_artifact("forest", IMPORTANCE)``)."""
    return f"{name}/{file}"
