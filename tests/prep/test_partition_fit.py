"""A TabularProcessor fitted partition by partition is the one fitted on the concatenated
partitions: every fitted attribute, and the encodings."""

import gc
import pickle
import weakref

import numpy as np
import pandas as pd
import pytest

import tabkit as tk
from tabkit.prep.lineage import add_lineage
from tabkit.prep.partition_fit import fit_partitions, fitted, merge, summarize
from tabkit.prep.partition_summary import EXACT_BITS, MEDIAN_CAP

MOMENTS_RTOL = 1e-12


def random_frame(seed: int, n: int = 400) -> pd.DataFrame:
    """Mixed dtypes with missing, infinite and rare values; rows 0-49 lack every ``y``."""
    rng = np.random.default_rng(seed)

    def holes(values, share=0.1):
        return np.where(rng.random(n) < share, None, np.asarray(values, dtype=object))

    x = rng.normal(10, 3, n).round(1)  # ties, so an even count's median straddles equal values
    x[rng.random(n) < 0.08] = np.nan
    x[rng.random(n) < 0.03] = np.inf
    x[rng.random(n) < 0.02] = -np.inf
    y = rng.lognormal(2, 1, n)
    y[:50] = np.nan
    states = pd.CategoricalDtype(["low", "mid", "high", "never"], ordered=True)
    return pd.DataFrame(
        {
            "shop": holes(rng.choice(list("abcdefgh"), n, p=[0.3, 0.2, 0.2, 0.1, 0.1, 0.05, 0.03, 0.02])),
            "state": pd.Series(holes(rng.choice(["low", "mid", "high"], n)), dtype=states),
            "kind": pd.Series(rng.choice(["p", "q", "r"], n), dtype="category"),
            "flag": rng.random(n) < 0.3,
            "maybe": pd.array(holes(rng.random(n) < 0.5), dtype="boolean"),
            "small_int": rng.integers(0, 6, n),
            "count": rng.integers(0, 500, n),
            "nullable": pd.array(holes(rng.integers(0, 90, n)), dtype="Int64"),
            "mixed": holes(rng.choice(np.array([1, 2, "u", "v"], dtype=object), n)),
            "x": x,
            "y": y,
            "void": np.full(n, np.nan),
            "when": pd.date_range("2021-01-01", periods=n, freq="h"),
        }
    )


def cut(frame: pd.DataFrame, k: int) -> list[pd.DataFrame]:
    """``k`` partitions: the first holds rows 0-49 (no ``y``), the second (k > 2) none at all."""
    if k == 1:
        return [frame]
    bounds = [0, 50, len(frame)] if k == 2 else [0, 50, *np.linspace(50, len(frame), k - 1).astype(int)]
    return [frame.iloc[a:b] for a, b in zip(bounds[:-1], bounds[1:])]


PROCESSORS = {
    "automatic": {},
    "level limits": {"max_levels": 3, "min_count": 20},
    "small max_card": {"max_card": 3},
    "both roles, mean fill": {
        "cat_names": ["shop", "state", "small_int", "mixed"],
        "cont_names": ["x", "y", "count", "flag"],
        "fill": "mean",
    },
    "continuous named, fixed fill": {"cont_names": ["x", "y", "count", "nullable", "void"], "fill": -1.5},
}


def assert_same_fit(whole: tk.TabularProcessor, parts: tk.TabularProcessor, frame: pd.DataFrame) -> None:
    expected, got = vars(whole), vars(parts)
    assert list(got) == list(expected)
    floating = ["means_", "stds_", *(["fill_values_"] if whole.fill == "mean" else [])]
    for name, value in expected.items():
        if name in floating:
            assert list(got[name]) == list(value), name
            for col in value:
                scale = np.nanmax(np.abs(np.r_[frame[col].astype(float).replace([np.inf, -np.inf], np.nan), 1.0]))
                assert got[name][col] == pytest.approx(value[col], rel=MOMENTS_RTOL, abs=MOMENTS_RTOL * scale), (
                    name,
                    col,
                )
        elif isinstance(value, np.ndarray):
            np.testing.assert_array_equal(got[name], value)
        else:
            assert got[name] == value, name
    for col, levels in whole.categories_.items():  # np.int64 stays np.int64, str stays str
        assert [type(level) for level in parts.categories_[col]] == [type(level) for level in levels], col
    for normalize in (False, True):
        pd.testing.assert_frame_equal(
            parts.transform(frame, normalize=normalize), whole.transform(frame, normalize=normalize)
        )


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("k", [1, 2, 7])
@pytest.mark.parametrize("params", PROCESSORS.values(), ids=PROCESSORS.keys())
def test_partition_fit_is_the_whole_frame_fit(seed, k, params):
    frame = random_frame(seed)
    partitions = cut(frame, k)
    assert len(partitions) == k and sum(map(len, partitions)) == len(frame)
    if k > 1:
        assert partitions[0]["y"].isna().all() and (k == 2 or len(partitions[1]) == 0)
    whole = tk.TabularProcessor(**params).fit(pd.concat(partitions, ignore_index=True))
    assert_same_fit(whole, fit_partitions(tk.TabularProcessor(**params), partitions), frame)


def test_the_random_frames_exercise_every_rule():
    frame = random_frame(0)
    auto = tk.TabularProcessor().fit(frame)
    assert auto.cat_names_ == ["shop", "state", "kind", "flag", "maybe", "small_int", "mixed"]
    assert auto.cont_names_ == ["count", "nullable", "x", "y", "void"]
    assert auto.categories_["state"] == ["low", "mid", "high", "never"]  # unobserved, kept
    assert auto.n_infinite_["x"] > 0 and auto.fill_values_["void"] == 0.0
    limited = tk.TabularProcessor(max_levels=3, min_count=20).fit(frame)
    assert limited.n_dropped_levels_["shop"] == 5 and limited.n_dropped_levels_["state"] >= 1


def test_ties_between_partitions_are_broken_as_in_the_whole_frame():
    # b and c tie on 3 rows, each split across partitions; the sorted order decides
    parts = [pd.DataFrame({"shop": list(shops), "v": 1.0}) for shops in ("cab", "ccba", "bdaa", "e")]
    for params in ({"max_levels": 2}, {"max_levels": 3}, {"min_count": 3}, {"max_levels": 2, "min_count": 4}):
        processor = tk.TabularProcessor(cat_names=["shop"], cont_names=["v"], **params)
        whole = processor.fit(pd.concat(parts, ignore_index=True))
        assert fit_partitions(processor, parts).categories_ == whole.categories_


def test_automatic_roles_count_distinct_values_over_all_partitions():
    # 15 distinct values in each partition, 25 in all: continuous (max_card 20)
    parts = [pd.DataFrame({"n": np.arange(start, start + 15), "m": np.arange(15) % 4}) for start in (0, 10)]
    processor = tk.TabularProcessor()
    assert fit_partitions(processor, parts).cont_names_ == ["n"] == processor.fit(pd.concat(parts)).cont_names_
    assert fit_partitions(processor, parts[:1]).cat_names_ == ["n", "m"]
    # past max_card an integer column's levels are dropped: an id-like column stays small
    summary = merge(summarize(processor, part) for part in parts)
    assert summary.columns["n"].levels is None and len(summary.columns["m"].levels.uniques) == 4


def test_medians_are_exact_under_the_cap():
    rng = np.random.default_rng(5)
    for n in (1, 2, 999, 1000):
        frame = pd.DataFrame({"v": rng.normal(0, 1e6, n).round(3)})
        parts = [frame.iloc[i : i + 97] for i in range(0, n, 97)]
        expected = tk.TabularProcessor().fit(frame).fill_values_["v"]
        assert fit_partitions(tk.TabularProcessor(), parts).fill_values_["v"] == expected == frame["v"].median()


def test_a_constant_column_has_scale_one_however_it_is_cut():
    frame = pd.DataFrame({"half": [2.5] * 9, "tenth": [0.1] * 9, "v": np.arange(9.0)})
    assert tk.TabularProcessor().fit(frame).stds_["half"] == 1.0
    assert frame["tenth"].iloc[:3].std() > 0  # pandas' rounding error, which the partition fit leaves out
    for k in (1, 2, 4):
        got = fit_partitions(tk.TabularProcessor(), [frame.iloc[i::k] for i in range(k)])
        assert got.stds_["half"] == got.stds_["tenth"] == 1.0 and got.means_["tenth"] == 0.1


def true_middles(values: np.ndarray) -> tuple[float, float]:
    ordered = np.sort(values)
    return ordered[(len(values) - 1) // 2], ordered[len(values) // 2]


@pytest.mark.parametrize("spread", ["lognormal", "a thousand binades"])
def test_medians_past_the_cap_are_within_the_stated_bound(spread):
    rng = np.random.default_rng(11)
    size = MEDIAN_CAP * 3 // 4
    if spread == "lognormal":
        chunks = [rng.lognormal(3, 2, size) for _ in range(2)]
    else:
        chunks = [rng.choice([-1.0, 1.0], size) * 2.0 ** rng.uniform(-500, 500, size) for _ in range(2)]
    processor = tk.TabularProcessor(cont_names=["v"], cat_names=[])
    summaries = [summarize(processor, pd.DataFrame({"v": chunk})) for chunk in chunks]
    assert summaries[0].median_bits() == {}  # each alone is under the cap
    summary = merge(summaries)
    bits = summary.median_bits()["v"]
    assert 5 <= bits < EXACT_BITS and len(summary.columns["v"].numbers.values) <= MEDIAN_CAP
    low, high = true_middles(np.concatenate(chunks))
    error = abs(fitted(processor, summary).fill_values_["v"] - np.median(np.concatenate(chunks)))
    assert error <= 2.0 ** -(bits + 1) * max(abs(low), abs(high))
    # the rounding and so the median do not depend on how the summaries were grouped
    halves = [summarize(processor, pd.DataFrame({"v": half})) for half in np.array_split(chunks[1], 2)]
    regrouped = merge([summaries[0], merge(halves)])
    assert regrouped.median_bits() == {"v": bits}
    assert fitted(processor, regrouped).fill_values_["v"] == fitted(processor, summary).fill_values_["v"]


def test_summaries_pickle_and_merge_in_any_grouping():
    frame = random_frame(3)
    processor = tk.TabularProcessor(max_levels=4)
    summaries = [
        pickle.loads(pickle.dumps(summarize(processor, part, label=str(i)))) for i, part in enumerate(cut(frame, 7))
    ]
    flat = fitted(processor, merge(summaries))
    tree = fitted(processor, merge([merge(summaries[:3]), merge([merge(summaries[3:5]), merge(summaries[5:])])]))
    assert_same_fit(flat, tree, frame)
    assert_same_fit(processor.fit(frame), tree, frame)


def test_summaries_stay_small():
    rng = np.random.default_rng(2)
    processor = tk.TabularProcessor()

    def summary_bytes(n):
        frame = pd.DataFrame({"shop": rng.choice(list("abcdef"), n), "t": rng.normal(20, 5, n).round(1)})
        return len(pickle.dumps(summarize(processor, frame))), len(pickle.dumps(frame))

    small, _ = summary_bytes(10_000)
    large, rows = summary_bytes(200_000)
    assert large < 1.5 * small and large < rows / 50


def test_the_lineage_the_partitions_share_is_kept():
    frame = add_lineage(random_frame(4).drop(columns="when"), {"small_int": "when", "count": "when"})
    parts = cut(frame, 2)
    assert all(part.attrs == frame.attrs for part in parts)
    got = fit_partitions(tk.TabularProcessor(), parts)
    assert got.lineage_ == tk.TabularProcessor().fit(pd.concat(parts)).lineage_ and got.lineage_["count"] == "when"


def test_one_partition_in_memory_at_a_time():
    frame = random_frame(6)
    previous = []

    def read():
        for part in cut(frame, 7):
            gc.collect()
            assert not previous or previous[-1]() is None, "the previous partition is still held"
            part = part.copy()
            previous.append(weakref.ref(part))
            yield part

    fit_partitions(tk.TabularProcessor(), read())
    assert len(previous) == 7


def test_partitions_with_different_columns_are_refused():
    parts = [pd.DataFrame({"a": ["u"], "y": [1.0]}), pd.DataFrame({"a": ["v"], "z": [2.0]})]
    with pytest.raises(
        ValueError, match=r"columns differ: partition #1 has \['z'\] that partition #0 lacks and lacks \['y'\]"
    ):
        fit_partitions(tk.TabularProcessor(), parts)


def test_a_dtype_that_differs_between_partitions_is_named():
    processor = tk.TabularProcessor()
    first = summarize(processor, pd.DataFrame({"n": [1, 2], "s": ["a", "b"]}), label="2015.parquet")
    second = summarize(processor, pd.DataFrame({"n": [1.5, np.nan], "s": ["c", "d"]}), label="2016.parquet")
    message = r"column 'n' is int64 in partition 2015\.parquet but float64 in partition 2016\.parquet"
    with pytest.raises(ValueError, match=message):
        merge([first, second])
    third = summarize(processor, pd.DataFrame({"n": [3, 4], "s": pd.Series(["e", "f"], dtype=object)}), label="x")
    with pytest.raises(ValueError, match=r"column 's' is str in partitions 2015\.parquet, 2016\.parquet but object"):
        merge([merge([first, summarize(processor, pd.DataFrame({"n": [5], "s": ["g"]}), label="2016.parquet")]), third])


def test_the_dtypes_of_an_empty_partition_do_not_count():
    parts = [pd.DataFrame({"n": [1, 2, 2], "s": ["a", "b", None]}), pd.DataFrame({"n": [], "s": []})]
    assert parts[1].dtypes.to_dict() == {"n": np.float64, "s": np.float64}  # what an empty list makes
    for ordered in (parts, parts[::-1]):
        got = fit_partitions(tk.TabularProcessor(), ordered)
        assert got.categories_ == {"n": [1, 2], "s": ["a", "b"]} and got.cat_names_ == ["n", "s"]


def test_no_partitions_or_no_rows_are_refused():
    with pytest.raises(ValueError, match="fit_partitions: no partitions to fit on"):
        fit_partitions(tk.TabularProcessor(), [])
    with pytest.raises(ValueError, match="merge: no summaries to merge"):
        merge(iter([]))
    empty = pd.DataFrame({"a": pd.Series([], dtype=float)})
    with pytest.raises(ValueError, match="the partitions have no rows"):
        fit_partitions(tk.TabularProcessor(), [empty, empty])


def test_bad_values_and_columns_name_the_partition():
    processor = tk.TabularProcessor(cont_names=["v"], cat_names=["s"])
    with pytest.raises(
        ValueError, match=r"partition b\.csv: continuous column 'v' holds 1 non-numeric value\(s\), e\.g\. 'x'"
    ):
        summarize(processor, pd.DataFrame({"v": ["1.5", "x"], "s": ["a", "b"]}, dtype=object), label="b.csv")
    with pytest.raises(ValueError, match=r"partition #0: missing required column\(s\): \['s'\]"):
        fit_partitions(processor, [pd.DataFrame({"v": [1.0]})])


def test_bad_parameters_are_refused_before_any_partition_is_read():
    read = []

    def partitions():
        read.append(1)
        yield pd.DataFrame({"v": [1.0]})

    with pytest.raises(ValueError, match="fill must be one of"):
        fit_partitions(tk.TabularProcessor(fill="mode"), partitions())
    assert read == []


def test_a_summary_fits_only_the_processor_it_was_made_for():
    summary = summarize(tk.TabularProcessor(), pd.DataFrame({"v": [1.0, 2.0]}))
    assert fitted(tk.TabularProcessor(max_levels=3), summary).fill_values_ == {"v": 1.5}  # level limits may change
    with pytest.raises(ValueError, match="the summary was made for a processor with"):
        fitted(tk.TabularProcessor(fill="mean"), summary)


def test_a_dask_frame_fits_by_a_tree_of_merges():
    dask = pytest.importorskip("dask")
    dd = pytest.importorskip("dask.dataframe")
    frame = random_frame(7)
    processor = tk.TabularProcessor(max_levels=5)
    with dask.config.set({"dataframe.convert-string": False}):
        parts = dd.from_pandas(frame, npartitions=5).to_delayed()
        level = [dask.delayed(summarize)(processor, part, label=f"p{i}") for i, part in enumerate(parts)]
        while len(level) > 1:  # pairs, then pairs of pairs
            level = [dask.delayed(merge)(level[i : i + 2]) for i in range(0, len(level), 2)]
        summary = level[0].compute(scheduler="synchronous")
    assert summary.labels == ("p0", "p1", "p2", "p3", "p4")
    assert_same_fit(processor.fit(frame), fitted(processor, summary), frame)


def test_parquet_files_read_one_at_a_time(tmp_path):
    frame = random_frame(8).drop(columns="mixed")  # Parquet keeps one type per column
    paths = []
    for i, part in enumerate(cut(frame, 7)):
        paths.append(tmp_path / f"part-{i}.parquet")
        part.to_parquet(paths[-1])
    processor = tk.TabularProcessor(max_levels=4)
    got = fit_partitions(processor, (pd.read_parquet(path) for path in paths))
    # the empty file comes back without the categories (pd.concat would make 'state' object)
    assert list(pd.read_parquet(paths[1])["state"].dtype.categories) == []
    whole = pd.concat([pd.read_parquet(path) for path in paths if path != paths[1]], ignore_index=True)
    assert whole["state"].dtype == frame["state"].dtype
    assert_same_fit(processor.fit(whole), got, whole)
    summaries = [summarize(processor, pd.read_parquet(path), label=path.name) for path in paths]
    pd.read_parquet(paths[3]).astype({"count": "float64"}).to_parquet(paths[3])
    with pytest.raises(ValueError, match=r"column 'count' is int64 in partitions part-0\.parquet, .* but float64"):
        merge([*summaries[:3], summarize(processor, pd.read_parquet(paths[3]), label=paths[3].name)])
