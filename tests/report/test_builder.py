"""build_report / build_reports on genuine pipeline run folders."""
from __future__ import annotations

import json
import re
import shutil
import warnings

import pandas as pd
import pytest
from report_pages import EVIL, decoded_images, read_page

from tabkit.report.blocks import fmt
from tabkit.report.builder import ReportError, ReportWarning, build_report, build_reports


def model_anchor(page, name: str) -> str:
    (anchor,) = [a for a, part in page.sections.items()
                 if re.fullmatch(r"model-\d+", a) and part.text[0] == f"Model: {name}"]
    return anchor


@pytest.fixture(scope="module")
def page(report):
    return read_page(report)


@pytest.fixture(scope="module")
def metrics(run_dir) -> dict:
    return json.loads((run_dir / "metrics.json").read_text())


def test_report_lands_in_out_spec_run(report, run_dir):
    out = report.parents[2]
    assert report == out / "tiny" / run_dir.name / "index.html"
    assert (out / "index.html").is_file()


def test_default_out_is_reports_in_the_working_folder(early_run_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = build_report(early_run_dir)
    assert path == tmp_path / "reports" / "tiny-early" / early_run_dir.name / "index.html"
    assert (tmp_path / "reports" / "index.html").is_file()


def test_run_section_has_spec_sizes_dates_versions_duration(page, run_dir, metrics):
    text = page.part("run").joined
    status = json.loads((run_dir / "status.json").read_text())
    data = metrics["data"]
    expected = ["tiny", run_dir.name, "complete", fmt(status["duration_s"]), "exp_rmspe",
                fmt(data["n_train"]), fmt(data["n_valid"]), fmt(data["n_test"]),
                *data["train_dates"], *data["valid_dates"], *metrics["versions"].values()]
    missing = [value for value in expected if str(value) not in text]
    assert not missing
    assert 'name = "tiny"' in text  # the spec as run


def test_leaderboard_lists_every_model_with_score_and_fit_time(page, run_dir):
    part = page.part("leaderboard")
    board = pd.read_csv(run_dir / "leaderboard.csv")
    for row in board.itertuples():
        assert f"{row.model} {row.kind} {fmt(row.score)}" in part.joined
        if row.kind != "baseline":
            assert fmt(row.fit_seconds) in part.joined
    assert len(part.images) == 1


def _figures(part) -> int:
    return len(part.images)


# (model, section, figures expected; 0 means the section is left out with a note)
EXPECTED = [
    ("forest", "importance", 1), ("forest", "dendrogram", 1), ("forest", "waterfall", 5),
    ("forest", "confidence", 1), ("forest", "search", 1), ("forest", "history", 0),
    ("forest", "embeddings", 0), ("forest", "dependence", 1),
    ("net", "importance", 1), ("net", "dendrogram", 1), ("net", "waterfall", 0),
    ("net", "confidence", 0), ("net", "search", 0), ("net", "history", 1),
    ("net", "embeddings", 3), ("net", "dependence", 1),
    ("embedding_forest", "waterfall", 5), ("embedding_forest", "confidence", 1),
]


@pytest.mark.parametrize("model, section, n_figures", EXPECTED)
def test_model_sections_present_or_left_out_with_a_note(page, model, section, n_figures):
    part = page.part(f"{model_anchor(page, model)}-{section}")
    assert _figures(part) == n_figures
    if n_figures:
        assert not part.notes
    else:
        assert len(part.notes) == 1 and "could not be drawn" not in part.notes[0]


def test_importance_table_lists_every_feature(page, run_dir):
    importance = pd.read_csv(run_dir / "forest" / "importance.csv")
    text = page.part(f"{model_anchor(page, 'forest')}-importance").joined
    assert all(feature in text for feature in importance["feature"])


def test_waterfalls_show_actual_and_predicted_values_of_each_row(page, run_dir):
    rows = pd.read_csv(run_dir / "forest" / "contributions.csv")
    part = page.part(f"{model_anchor(page, 'forest')}-waterfall")
    for row in rows.itertuples():
        assert (f"validation row {fmt(row.row)} ({row.reason}): actual {fmt(row.actual)}, "
                f"predicted {fmt(row.prediction)}") in part.joined
    assert "log units" in part.joined  # the spec trains on log(Sales)


def test_confidence_shows_the_tree_standard_deviations(page, run_dir):
    rows = pd.read_csv(run_dir / "forest" / "contributions.csv")
    text = page.part(f"{model_anchor(page, 'forest')}-confidence").joined
    assert all(fmt(std) in text for std in rows["prediction_std"])


def test_net_embedding_maps_of_the_most_important_columns(page, run_dir):
    alts = [img["alt"] for img in page.part(f"{model_anchor(page, 'net')}-embeddings").images]
    embedded = set(pd.read_parquet(run_dir / "net" / "embeddings.parquet")["column"])
    ranked = [f for f in pd.read_csv(run_dir / "net" / "importance.csv")["feature"] if f in embedded]
    assert alts == [f"embedding map of {c}" for c in ranked[:3]]


def test_training_curves_table_has_every_epoch(page, run_dir):
    history = pd.read_csv(run_dir / "net" / "history.csv")
    text = page.part(f"{model_anchor(page, 'net')}-history").joined
    assert "train_loss" in text and "lr" in text and fmt(history["valid_loss"].iloc[-1]) in text


def test_predictions_over_time_daily_total_and_a_few_stores(page, run_dir):
    part = page.part("predictions")
    stores = pd.read_parquet(run_dir / "valid_predictions.parquet")["Store"]
    assert len(part.images) == 2
    shown = re.search(r"Store: ([\d, ]+)", part.joined).group(1).split(", ")
    assert len(shown) == min(3, stores.nunique()) and set(shown) <= {fmt(s) for s in stores}


def test_self_contained_no_network_urls(report, page):
    html = report.read_text()
    assert not [link for link in page.links if not link.startswith(("data:image/", "#"))]
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
    assert page.tags.get("script", 0) == 0 and page.tags.get("link", 0) == 0
    assert page.tags["style"] == 1
    assert all(link[1:] in page.ids for link in page.links if link.startswith("#"))


def test_data_values_are_escaped(report, page):
    html = report.read_text()
    assert EVIL not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert EVIL in " ".join(part.joined for part in page.sections.values())  # shown as text
    svgs = [image.decode() for image in decoded_images(page) if image.startswith(b"<?xml")]
    assert svgs and not any("<script" in svg for svg in svgs)


def test_same_run_gives_the_same_report(report, run_dir, tmp_path):
    (again,) = build_reports([run_dir], out=tmp_path, n_jobs=1)
    assert again.read_bytes() == report.read_bytes()


def test_failed_run_keeps_what_finished(failed_run_dir, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ReportWarning)
        page = read_page(build_report(failed_run_dir, out=tmp_path))
    run = page.part("run").joined
    assert "failed" in run and "not-a-number" in run and "Traceback" in run
    assert "forest" in page.part("leaderboard").joined
    assert "forest" in page.part(f"{model_anchor(page, 'forest')}-summary").joined


def test_run_stopped_before_any_model(early_run_dir, tmp_path):
    page = read_page(build_report(early_run_dir, out=tmp_path))
    assert page.part("leaderboard").notes == ["No model finished: leaderboard.csv is absent."]
    assert page.part("models").notes == ["No model finished in this run."]
    assert page.part("predictions").notes


@pytest.mark.parametrize("make", [lambda tmp: tmp / "absent", lambda tmp: tmp])
def test_not_a_run_folder_is_a_value_error_before_any_file(make, tmp_path):
    path = make(tmp_path)
    with pytest.raises(ValueError, match=re.escape(str(path))):
        build_report(path, out=tmp_path / "reports")
    assert not (tmp_path / "reports").exists()


def test_batch_renders_every_run_in_parallel_and_indexes_their_scores(failed_run_dir, early_run_dir, tmp_path):
    runs = (failed_run_dir, early_run_dir)
    paths = build_reports([*runs, failed_run_dir], out=tmp_path, n_jobs=2)
    assert paths == [tmp_path / r.parent.name / r.name / "index.html" for r in runs]
    assert all(path.is_file() for path in paths)
    index = read_page(tmp_path / "index.html")
    assert set(index.links) == {f"./{r.parent.name}/{r.name}/index.html" for r in runs}
    board = pd.read_csv(failed_run_dir / "leaderboard.csv")
    for name, score in board[["model", "score"]].itertuples(index=False):
        assert f"{name}: {fmt(score)}" in index.joined
    assert "failed" in index.joined and "tiny-early" in index.joined


def test_index_keeps_reports_built_earlier(failed_run_dir, early_run_dir, tmp_path):
    build_report(early_run_dir, out=tmp_path)
    build_report(failed_run_dir, out=tmp_path)
    links = read_page(tmp_path / "index.html").links
    assert len(links) == 2


def test_batch_reports_a_broken_run_and_keeps_the_others(early_run_dir, tmp_path):
    broken = tmp_path / "runs" / "broken" / early_run_dir.name
    shutil.copytree(early_run_dir, broken)
    (broken / "status.json").write_text("{not json")
    with pytest.raises(ReportError, match="1 of 2 reports failed"):
        build_reports([early_run_dir, broken], out=tmp_path / "reports", n_jobs=1)
    assert (tmp_path / "reports" / "tiny-early" / early_run_dir.name / "index.html").is_file()
    assert len(read_page(tmp_path / "reports" / "index.html").links) == 1


def test_batch_refuses_two_runs_with_one_report_folder(early_run_dir, tmp_path):
    twin = tmp_path / "elsewhere" / "tiny-early" / early_run_dir.name
    shutil.copytree(early_run_dir, twin)
    with pytest.raises(ValueError, match="would both be reported"):
        build_reports([early_run_dir, twin], out=tmp_path / "reports")
    assert not (tmp_path / "reports").exists()
