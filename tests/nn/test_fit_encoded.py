"""Training from encoded arrays (memory-mapped files written a partition at a time, by
several processes) with a processor fitted beforehand: the same net as ``fit`` on the
frame, bit for bit on the CPU; the arrays are never read whole; bad input is refused
before training."""

from __future__ import annotations

import gc
import multiprocessing
import tracemalloc
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
import pytest

import tabkit as tk
from tabkit import runs
from tabkit.nn.encoding import EncodedArrays, encode_rows
from tabkit.pipeline.kinds.embedding_net import auto_y_range

SLICES = (slice(0, 170), slice(170, 340), slice(340, 500))


def same_history(fitted, encoded):
    """Every history column but the seconds taken."""
    pd.testing.assert_frame_equal(fitted.history_.drop(columns="seconds"), encoded.history_.drop(columns="seconds"))


def write_slices(arrays: EncodedArrays, X: pd.DataFrame, y: np.ndarray, *, processes: bool):
    """Each slice of ``SLICES`` written by its own process (or in this one), the last
    first; returns the finished arrays. The processes are forked (a spawned one takes
    seconds to import tabkit); they write with numpy and pandas only."""
    jobs = [(part.start, X.iloc[part], y[part]) for part in reversed(SLICES)]
    if processes:
        with ProcessPoolExecutor(len(jobs), mp_context=multiprocessing.get_context("fork")) as pool:
            for done in [pool.submit(arrays.write, *job) for job in jobs]:
                done.result()
    else:
        for job in jobs:
            arrays.write(*job)
    return arrays.finish()


@pytest.fixture(scope="module")
def regression(frame, small, tmp_path_factory):
    """The regressor's settings (log target, fastai's automatic range), its processor
    fitted on the training rows, and those rows written by three processes."""
    X, y = frame
    train = slice(0, 500)
    settings = {
        **small,
        "log_target": True,
        "y_range": auto_y_range(np.log(y[train]), log=True),
        "random_state": 0,
    }
    processor = tk.EmbeddingNetRegressor(**settings)._processor().fit(X.iloc[train])
    arrays = EncodedArrays.create(tmp_path_factory.mktemp("regression") / "rows", 500, processor)
    return settings, processor, write_slices(arrays, X, y, processes=True)


@pytest.fixture(scope="module")
def classification(frame, small, tmp_path_factory):
    X, y = frame
    labels = np.array(["low", "mid", "high"])[np.digitize(y, np.quantile(y, [1 / 3, 2 / 3]))]
    settings = {**small, "random_state": 0}
    processor = tk.EmbeddingNetClassifier(**settings)._processor().fit(X.iloc[:500])
    folder = tmp_path_factory.mktemp("classification") / "rows"
    arrays = EncodedArrays.create(folder, 500, processor, y_dtype=labels.dtype)
    return settings, processor, labels, write_slices(arrays, X, labels, processes=False)


def test_written_slices_equal_the_encoding_of_the_whole_frame(frame, regression):
    X, y = frame
    _, processor, encoded = regression
    cat, cont = encode_rows(processor, X.iloc[:500])
    np.testing.assert_array_equal(encoded.cat, cat)
    np.testing.assert_array_equal(encoded.cont, cont)
    np.testing.assert_array_equal(encoded.y, y[:500])
    assert isinstance(encoded.cat, np.memmap) and not encoded.cat.flags.writeable


@pytest.mark.parametrize("cont_embedding", [None, "piecewise"])
def test_regressor_from_memmaps_is_the_regressor_fit_on_the_frame(frame, regression, cont_embedding):
    X, y = frame
    settings, processor, encoded = regression
    settings = {**settings, "cont_embedding": cont_embedding}
    validation = {"X_val": X.iloc[500:], "y_val": y[500:], "metric": "rmspe"}
    fitted = tk.EmbeddingNetRegressor(**settings).fit(X.iloc[:500], y[:500], **validation)
    net = tk.EmbeddingNetRegressor(**settings).fit_encoded(processor, *encoded, **validation)
    np.testing.assert_array_equal(net.predict(X), fitted.predict(X))  # exactly, not to a tolerance
    same_history(fitted, net)
    assert net.module_config_ == fitted.module_config_
    assert net.target_mean_ == fitted.target_mean_
    np.testing.assert_array_equal(net.feature_names_in_, fitted.feature_names_in_)
    assert net.processor_ is not processor  # the net keeps its own copy


def test_classifier_from_memmaps_is_the_classifier_fit_on_the_frame(frame, classification):
    X, _ = frame
    settings, processor, labels, encoded = classification
    validation = {"X_val": X.iloc[500:], "y_val": labels[500:], "metric": "accuracy"}
    fitted = tk.EmbeddingNetClassifier(**settings).fit(X.iloc[:500], labels[:500], **validation)
    net = tk.EmbeddingNetClassifier(**settings).fit_encoded(processor, *encoded, **validation)
    np.testing.assert_array_equal(net.predict_proba(X), fitted.predict_proba(X))
    np.testing.assert_array_equal(net.classes_, fitted.classes_)
    same_history(fitted, net)


def test_reloaded_nets_predict_the_same(frame, regression, classification, tmp_path):
    X, _ = frame
    settings, processor, encoded = regression
    regressor = tk.EmbeddingNetRegressor(**settings).fit_encoded(processor, *encoded)
    settings, processor, _, encoded = classification
    classifier = tk.EmbeddingNetClassifier(**settings).fit_encoded(processor, *encoded)
    writer = runs.RunWriter(tmp_path, "spec")
    writer.write_object(runs.model_file("regressor"), regressor)
    writer.write_object(runs.model_file("classifier"), classifier)
    reader = runs.RunReader(writer.path)
    np.testing.assert_array_equal(reader.model("regressor").predict(X), regressor.predict(X))
    np.testing.assert_array_equal(reader.model("classifier").predict_proba(X), classifier.predict_proba(X))


def test_training_gathers_batches_without_reading_the_arrays_whole(small, tmp_path):
    """200,000 rows of 24 codes and 8 values (25.6 MB on disk, the codes int32): Python-
    allocated memory (numpy's buffers included) peaked at 3.1 MB while the net trained on
    them, most of it the targets' coding (a few float64 copies of y, 1.6 MB each); a whole
    copy of the codes alone is 19.2 MB. torch's own allocations are not traced (the benchmark
    benchmarks/net_memmap.py measures the process's memory)."""
    rng = np.random.default_rng(0)
    n_rows, n_cat, n_cont = 200_000, 24, 8

    def rows(n):
        codes = {f"c{i}": rng.integers(0, 10, n) for i in range(n_cat)}
        return pd.DataFrame({**codes, **{f"x{i}": rng.normal(size=n) for i in range(n_cont)}})

    settings = {**small, "epochs": 1, "batch_size": 4096, "cat_names": [f"c{i}" for i in range(n_cat)]}
    net = tk.EmbeddingNetRegressor(**settings, random_state=0)
    processor = net._processor().fit(rows(1000))
    arrays = EncodedArrays.create(tmp_path / "rows", n_rows, processor)
    for start in range(0, n_rows, 50_000):
        arrays.write(start, rows(50_000), rng.normal(size=50_000))
    cat, cont, y = arrays.finish()
    size = cat.nbytes + cont.nbytes
    assert size == 25_600_000
    net.fit_encoded(processor, cat[:1000], cont[:1000], y[:1000])  # torch's lazy imports, before measuring
    gc.collect()

    tracemalloc.start()
    try:
        np.array(cat)  # the measure sees numpy's buffers: a copy shows up whole
        copied = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        net.fit_encoded(processor, cat, cont, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert copied >= cat.nbytes
    assert len(net.history_) == 1
    assert peak < size / 8, f"peak {peak / 1e6:.1f} MB while training on {size / 1e6:.1f} MB of arrays"


@pytest.fixture
def arrays(regression):
    """The regression rows as plain arrays, to spoil one at a time."""
    settings, processor, encoded = regression
    return settings, processor, np.array(encoded.cat), np.array(encoded.cont), np.array(encoded.y)


def refused(settings, processor, cat, cont, y, match, error=ValueError):
    net = tk.EmbeddingNetRegressor(**settings)
    with pytest.raises(error, match=match):
        net.fit_encoded(processor, cat, cont, y)
    assert not hasattr(net, "module_")  # refused before training


def test_arrays_of_different_row_counts_are_refused(arrays):
    settings, processor, cat, cont, y = arrays
    refused(settings, processor, cat, cont[:-1], y, "cat has 500 rows, cont 499 and y 500")
    refused(settings, processor, cat, cont, y[:-3], "cat has 500 rows, cont 500 and y 497")


def test_arrays_whose_columns_are_not_the_processors_are_refused(arrays):
    settings, processor, cat, cont, y = arrays
    assert processor.cat_features_ == ["Store", "DayOfWeek", "Kind", "x_na"]
    refused(
        settings,
        processor,
        cat[:, :3],
        cont,
        y,
        r"cat has 3 columns but the processor has 4 categorical features \(cat_features_\): "
        r"\['Store', 'DayOfWeek', 'Kind', 'x_na'\]",
    )
    refused(settings, processor, cat, np.c_[cont, cont], y, r"cont has 2 columns but the processor has 1 continuous")


def test_arrays_of_other_types_are_refused(arrays):
    settings, processor, cat, cont, y = arrays
    refused(
        settings, processor, cat.astype(np.int16), cont, y, "cat must be a 2-d int32 or int64 array .* got 2-d int16"
    )
    refused(settings, processor, cat, cont.astype(np.float64), y, "cont must be a 2-d float32 array")
    refused(settings, processor, cat.tolist(), cont, y, "cat must be a numpy array or memmap, got list", TypeError)


def test_an_unfitted_processor_is_refused(arrays):
    settings, processor, cat, cont, y = arrays
    unfitted = tk.EmbeddingNetRegressor(**settings)._processor()
    refused(settings, unfitted, cat, cont, y, "the processor is not fitted")
    refused(settings, "processor", cat, cont, y, "processor must be a TabularProcessor, got str", TypeError)


def test_a_processor_made_with_other_settings_is_refused(arrays):
    settings, processor, cat, cont, y = arrays
    others = {**settings, "max_levels": 10}
    with pytest.raises(ValueError, match=r"made with max_levels=None \(the net: 10\)"):
        tk.EmbeddingNetRegressor(**others).fit_encoded(processor, cat, cont, y)


def test_codes_outside_the_processors_cardinalities_are_refused(arrays):
    settings, processor, cat, cont, y = arrays
    assert processor.cardinalities_["Kind"] == 4
    spoiled = cat.copy()
    spoiled[321, 2] = 4
    refused(settings, processor, spoiled, cont, y, r"cat column 2 \('Kind'\) holds code 4 at row 321, outside 0..3")
    spoiled[321, 2] = -1
    refused(settings, processor, spoiled, cont, y, r"holds code -1 at row 321")


def test_non_finite_continuous_values_are_refused(arrays):
    settings, processor, cat, cont, y = arrays
    spoiled = cont.copy()
    spoiled[77, 0] = np.nan
    refused(settings, processor, cat, spoiled, y, r"cont column 0 \('x'\) holds nan at row 77")


def test_validation_rows_are_checked_as_fit_checks_them(frame, arrays):
    X, y_all = frame
    settings, processor, cat, cont, y = arrays
    net = tk.EmbeddingNetRegressor(**settings)
    with pytest.raises(ValueError, match="X_val and y_val must be given together"):
        net.fit_encoded(processor, cat, cont, y, X_val=X.iloc[500:])
    with pytest.raises(ValueError, match=r"missing required column\(s\): \[.Kind.\]"):
        net.fit_encoded(processor, cat, cont, y, X_val=X.iloc[500:].drop(columns="Kind"), y_val=y_all[500:])
    assert not hasattr(net, "module_")


def test_incomplete_folders_are_refused(frame, regression, tmp_path):
    X, y = frame
    _, processor, _ = regression
    arrays = EncodedArrays.create(tmp_path / "rows", 500, processor)
    with pytest.raises(FileExistsError, match="already exists"):
        EncodedArrays.create(tmp_path / "rows", 500, processor)
    arrays.write(0, X.iloc[:200], y[:200])
    arrays.write(300, X.iloc[300:500], y[300:500])
    with pytest.raises(ValueError, match="not a complete folder"):
        EncodedArrays.open(tmp_path / "rows")
    with pytest.raises(ValueError, match="rows 200..299 were never written"):
        arrays.finish()
    arrays.write(150, X.iloc[150:300], y[150:300])
    with pytest.raises(ValueError, match="rows 150..199 were written twice"):
        arrays.finish()
    with pytest.raises(ValueError, match="rows 400..599 are not a slice of the 500 rows"):
        arrays.write(400, X.iloc[:200], y[:200])
    with pytest.raises(ValueError, match="the frame has 200 rows and y 100 values"):
        arrays.write(0, X.iloc[:200], y[:100])
    other = tk.EmbeddingNetRegressor(cat_names=["Store", "Kind"])._processor().fit(X)
    with pytest.raises(ValueError, match="the processor encodes 3 cat columns, cat.npy has 4"):
        EncodedArrays(tmp_path / "rows", other).write(0, X.iloc[:10], y[:10])
    assert sorted(path.name for path in tmp_path.iterdir()) == ["rows"]  # no temporary folder left


def test_labels_longer_than_the_files_are_refused(frame, classification, tmp_path):
    X, _ = frame
    _, processor, _, _ = classification
    arrays = EncodedArrays.create(tmp_path / "rows", 10, processor, y_dtype="<U3")
    with pytest.raises(ValueError, match="y holds labels longer than y.npy's <U3"):
        arrays.write(0, X.iloc[:10], np.array(["high"] * 10))
