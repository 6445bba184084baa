"""build_report on genuine pipeline run folders: what each section says, in the target's
units, and which sections are left out."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from report_pages import EVIL, decoded_images, menu_links, read_page, svg_of, svg_texts

from tabkit.plots.units import percent_effect, sig
from tabkit.report.blocks import amount, fmt
from tabkit.report.builder import ReportWarning, build_report, build_reports

REPO = Path(__file__).resolve().parents[2]


def model_anchor(page, name: str) -> str:
    (anchor,) = [
        a for a, part in page.sections.items() if re.fullmatch(r"model-\d+", a) and part.text[0] == f"Model: {name}"
    ]
    return anchor


@pytest.fixture(scope="module")
def page(report):
    return read_page(report)


@pytest.fixture(scope="module")
def metrics(run_dir) -> dict:
    return json.loads((run_dir / "metrics.json").read_text())


@pytest.fixture(scope="module")
def predictions(run_dir) -> pd.DataFrame:
    return pd.read_parquet(run_dir / "valid_predictions.parquet")


def test_report_lands_in_out_spec_run(report, run_dir):
    out = report.parents[2]
    assert report == out / "tiny" / run_dir.name / "index.html"
    assert (out / "index.html").is_file()


def test_default_out_is_reports_in_the_working_folder(early_run_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = build_report(early_run_dir)
    assert path == tmp_path / "reports" / "tiny-early" / early_run_dir.name / "index.html"
    assert (tmp_path / "reports" / "index.html").is_file()


def test_summary_comes_first_and_answers_the_questions(page, report, run_dir, metrics):
    assert next(iter(page.sections)) == "summary" and menu_links(report)[0] == "summary"
    text = page.part("summary").joined
    board = pd.read_csv(run_dir / "leaderboard.csv")
    best = board[board["kind"] != "baseline"].iloc[0]
    baseline = metrics["baseline"]["score"]
    data = metrics["data"]
    expected = [
        f"{best['model']} ({best['kind']}): exp_rmspe {fmt(best['score'])}",
        f"{metrics['submission']['model']} ({amount(metrics['submission']['rows'])} rows in submission.csv)",
        f"{100 * (baseline - best['score']) / baseline:.1f}% lower exp_rmspe than the baseline",
        "validation = the last 14 days: " + " to ".join(data["valid_dates"]) + f" ({amount(data['n_valid'])} rows)",
        "training " + " to ".join(data["train_dates"]) + f" ({amount(data['n_train'])} rows)",
        f"{len(data['cat_names']) + len(data['cont_names'])}: {len(data['cat_names'])} categorical, "
        f"{len(data['cont_names'])} continuous",
        "every number in this report is in Sales",
        "run time",
    ]
    assert [e for e in expected if e not in text] == []


def test_leaderboard_lists_every_model_with_the_metric_s_own_sign(page, run_dir):
    part = page.part("summary")
    board = pd.read_csv(run_dir / "leaderboard.csv")
    for row in board.itertuples():
        assert f"{row.model} {row.kind} {fmt(row.score)}" in part.joined
        assert row.score > 0
    assert len(part.images) == 1


# (model, section, figures drawn; None: the section is left out, with its menu entry)
EXPECTED = [
    ("forest", "importance", 1),
    ("forest", "contributions", 1),
    ("forest", "waterfalls", 0),
    ("forest", "spread", 1),
    ("forest", "dependence", 4),
    ("forest", "maps", 1),
    ("forest", "search", 1),
    ("forest", "history", None),
    ("forest", "embeddings", None),
    ("net", "importance", 1),
    ("net", "maps", 1),
    ("net", "history", 2),
    ("net", "embeddings", 3),
    ("net", "waterfalls", None),
    ("net", "spread", None),
    ("net", "contributions", None),
    ("net", "search", None),
    ("embedding_forest", "waterfalls", 0),
    ("embedding_forest", "spread", 1),
    ("embedding_forest", "contributions", 1),
    ("embedding_forest", "history", None),
    ("embedding_forest", "embeddings", None),
    ("lightgbm", "contributions", 1),
    ("lightgbm", "waterfalls", 0),
    ("lightgbm", "spread", None),
    ("blend", "members", 0),
    ("blend", "importance", 1),
    ("blend", "contributions", 1),
    ("blend", "waterfalls", 0),
    ("blend", "dependence", 4),
    ("blend", "spread", None),
]
EXPLAINING = ("forest", "embedding_forest", "lightgbm", "blend")


@pytest.mark.parametrize("model, section, n_figures", EXPECTED)
def test_sections_that_do_not_apply_are_left_out(page, report, model, section, n_figures):
    anchor = f"{model_anchor(page, model)}-{section}"
    if n_figures is None:
        assert anchor not in page.sections and anchor not in menu_links(report)
    else:
        assert len(page.part(anchor).images) == n_figures and anchor in menu_links(report)


def test_a_complete_run_has_no_placeholder_notes(page):
    assert [note for part in page.sections.values() for note in part.notes] == []


def test_menu_lists_exactly_the_sections(page, report):
    links = menu_links(report)
    assert sorted(links) == sorted(page.sections) and len(set(links)) == len(links)


def _explained(run_dir: Path) -> pd.DataFrame:
    return pd.read_csv(run_dir / "forest" / "explained_rows.csv")


def test_every_row_is_drawn_by_every_explaining_model_side_by_side(page, run_dir):
    rows = _explained(run_dir)
    names = [f"Store {store}, {date}" for store, date in zip(rows["Store"], rows["Date"])]
    alts = [image["alt"] for image in page.part("rows").images]
    n = len(EXPLAINING)
    expected = [sorted(f"waterfall of {name} in {m}" for m in EXPLAINING) for name in names]
    assert [sorted(alts[i : i + n]) for i in range(0, len(alts), n)] == expected  # one row's charts together
    text = page.part("rows").joined
    assert all(name in text for name in names)
    for model in EXPLAINING:  # a model's own section lists the rows with its errors, no charts
        assert all(name in page.part(f"{model_anchor(page, model)}-waterfalls").joined for name in names)


def test_waterfalls_are_in_sales_with_the_tables_numbers_and_the_actual_marked(page, run_dir, predictions):
    rows = _explained(run_dir)
    names = dict(zip(rows["row"], (f"Store {store}, {date}" for store, date in zip(rows["Store"], rows["Date"]))))
    images = {image["alt"]: image for image in page.part("rows").images}
    charts = {
        (row, model): images[f"waterfall of {names[row]} in {model}"] for row in rows["row"] for model in EXPLAINING
    }
    for model in EXPLAINING:
        contributions = pd.read_csv(run_dir / model / "contributions.csv")
        assert list(contributions["row"]) == list(rows["row"])
        for row in contributions.itertuples():
            texts = svg_texts(charts[row.row, model])
            sales = predictions[model].iloc[row.row]
            assert np.exp(row.prediction) == pytest.approx(sales, rel=1e-9)
            assert amount(np.exp(row.bias)) in texts and amount(sales) in texts  # as the tables write them
            assert amount(sales) in page.part("rows").joined
            assert f"actual {amount(predictions['actual'].iloc[row.row])}" in texts
            percents = [t for t in texts if re.fullmatch(r"[+-][\d.,]+%", t)]
            assert len(percents) >= 5


def test_the_charts_of_a_row_share_their_features_and_axis(page, run_dir):
    images = page.part("rows").images
    for start in range(0, len(images), len(EXPLAINING)):
        texts = [svg_texts(image) for image in images[start : start + len(EXPLAINING)]]
        features = [[t for t in chart if " = " in t or t.endswith(" other features")] for chart in texts]
        assert all(f == features[0] for f in features) and len(features[0]) >= 5
        boxes = [
            re.search(r'viewBox="([^"]+)"', svg_of(image)).group(1) for image in images[start : start + len(EXPLAINING)]
        ]
        assert len(set(boxes)) == 1


def test_explained_rows_show_every_model_s_prediction_in_sales(page, run_dir, predictions):
    text = page.part("rows").joined
    for position in _explained(run_dir)["row"]:
        for column in ("actual", "forest", "net", "embedding_forest", "lightgbm", "blend"):
            assert amount(predictions[column].iloc[position]) in text


def test_the_blend_is_explained_from_its_members_contributions(run_dir, metrics):
    blend = pd.read_csv(run_dir / "blend" / "contributions.csv")
    members = [pd.read_csv(run_dir / m / "contributions.csv") for m in ("forest", "lightgbm")]
    weights = metrics["models"]["blend"]["params"]["weights"]
    features = [
        c for c in blend.columns if c not in ("row", "reason", "actual", "prediction", "bias", "prediction_std")
    ]
    np.testing.assert_allclose(blend["bias"] + blend[features].sum(axis=1), blend["prediction"], rtol=1e-12)
    expected = sum(w * m["prediction"] for w, m in zip(weights, members))
    np.testing.assert_allclose(blend["prediction"], expected, rtol=1e-12)
    assert re.search(r"model blend: [\d,]+ predictions reused", (run_dir / "log.txt").read_text())


def test_tree_spread_as_percentages_of_the_prediction(page, run_dir):
    rows = pd.read_csv(run_dir / "forest" / "contributions.csv")
    text = page.part(f"{model_anchor(page, 'forest')}-spread").joined
    for std in rows["prediction_std"]:
        up, down = percent_effect(2 * std), -percent_effect(-2 * std)
        assert f"+{sig(up, trim=False)}% / -{sig(down, trim=False)}%" in text


def test_partial_dependence_and_maps_are_in_sales(page, predictions):
    part = page.part(f"{model_anchor(page, 'forest')}-dependence")
    assert "average prediction in Sales" in part.joined
    low, high = predictions["forest"].min(), predictions["forest"].max()
    for image in part.images:
        ticks = [float(t.replace(",", "")) for t in svg_texts(image) if re.fullmatch(r"\d[\d,]*", t)]
        assert ticks and max(ticks) > 0.5 * low and min(ticks) < 2 * high  # Sales, not log Sales (~8)
    maps = page.part(f"{model_anchor(page, 'forest')}-maps")
    assert "prediction (Sales)" in svg_texts(maps.images[0])


def test_search_shows_scores_with_the_leaderboard_s_sign(page, run_dir):
    results = pd.read_csv(run_dir / "forest" / "search.csv")
    text = page.part(f"{model_anchor(page, 'forest')}-search").joined
    assert all(fmt(-score) in text for score in results["score"])
    assert "-" + fmt(-results["score"].max()) not in text


def test_importance_side_by_side_each_model_s_top_15_and_every_feature_in_the_table(page, run_dir):
    part = page.part("importance")
    assert [image["alt"] for image in part.images] == ["permutation importance of every model"]
    drawn = set(svg_texts(part.images[0]))
    for model in ("forest", "net", "lightgbm"):
        table = pd.read_csv(run_dir / model / "importance.csv")
        fifteenth = table["importance"].nlargest(15).iloc[-1]
        assert set(table.loc[table["importance"] > fifteenth, "feature"]) <= drawn
    every = pd.read_csv(run_dir / "forest" / "importance.csv")["feature"]
    assert all(feature in part.joined for feature in every) and "more rows" not in part.joined
    assert f"all {len(every)} features" in part.joined
    assert "increase in validation exp_rmspe when shuffled" in part.joined


def test_embedding_maps_of_the_most_important_columns(page, run_dir):
    alts = [image["alt"] for image in page.part(f"{model_anchor(page, 'net')}-embeddings").images]
    embedded = set(pd.read_parquet(run_dir / "net" / "embeddings.parquet")["column"])
    ranked = [f for f in pd.read_csv(run_dir / "net" / "importance.csv")["feature"] if f in embedded]
    assert alts == [f"embedding map of {c}" for c in ranked[:3]]
    assert "of the variance" in " ".join(svg_texts(page.part(f"{model_anchor(page, 'net')}-embeddings").images[0]))


def test_training_curves_have_every_epoch(page, run_dir):
    history = pd.read_csv(run_dir / "net" / "history.csv")
    text = page.part(f"{model_anchor(page, 'net')}-history").joined
    assert "train_loss" in text and fmt(history["valid_loss"].iloc[-1]) in text


def test_predictions_over_time_daily_total_and_a_few_stores(page, predictions):
    part = page.part("predictions")
    assert len(part.images) == 2
    shown = re.search(r"Store values: ([\d, ]+)", part.joined).group(1).split(", ")
    assert len(shown) == min(3, predictions["Store"].nunique())
    assert set(shown) <= {fmt(s) for s in predictions["Store"]}


@pytest.mark.slow
def test_building_a_report_loads_no_model_and_imports_no_torch(run_dir, tmp_path):
    code = (
        "import sys; from tabkit.runs import RunReader; from tabkit.report.builder import build_report; "
        "loads = []; original = RunReader.load; "
        "RunReader.load = lambda *a, **k: loads.append(a) or original(*a, **k); "
        f"build_report({str(run_dir)!r}, out={str(tmp_path)!r}); "
        "print('torch' in sys.modules, len(loads))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "0"]


def test_self_contained_with_one_hashed_script(report, page):
    html = report.read_text()
    assert not [link for link in page.links if not link.startswith(("data:image/", "#", "../../index.html"))]
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
    assert page.tags.get("script") == 1 and page.tags.get("link", 0) == 0 and page.tags["style"] == 1
    (script,) = re.findall(r"<script>(.*?)</script>", html, re.S)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    (policy,) = re.findall(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives == {
        "default-src": "'none'",
        "img-src": "data:",
        "style-src": "'unsafe-inline'",
        "script-src": f"'sha256-{digest}'",
    }
    assert all(link[1:] in page.ids for link in page.links if link.startswith("#"))


def test_report_links_back_to_the_index(report):
    assert 'href="../../index.html"' in report.read_text()
    assert (report.parent / "../../index.html").resolve() == (report.parents[2] / "index.html")


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


def test_failed_run_keeps_what_finished_and_says_what_did_not(failed_run_dir, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ReportWarning)
        page = read_page(build_report(failed_run_dir, out=tmp_path))
    summary = page.part("summary").joined
    assert "failed" in summary and "no-such-objective" in summary
    assert "Traceback" in page.part("details").joined
    forest = page.part(model_anchor(page, "forest"))
    assert forest.notes == ["Not explained: the run stopped before this model's explain step."]
    assert "forest" in page.part("summary").joined


def test_run_stopped_before_any_model(early_run_dir, tmp_path):
    page = read_page(build_report(early_run_dir, out=tmp_path))
    assert page.part("summary").notes == ["No model finished: leaderboard.csv is absent."]
    assert not [a for a in page.sections if a.startswith("model-")]
    assert "predictions" not in page.sections and "details" in page.sections


def test_classification_report(classification_run_dir, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ReportWarning)
        page = read_page(build_report(classification_run_dir, out=tmp_path))
    rows = pd.read_csv(classification_run_dir / "forest" / "explained_rows.csv")
    waterfalls = page.part("rows").images
    assert len(waterfalls) == len(rows) and all(image["alt"].endswith(" in forest") for image in waterfalls)
    assert all(  # each row explained as the probability of its actual class
        f"probability of {band}" in svg_texts(image)
        for image, band in zip(waterfalls, rows_actual(classification_run_dir))
    )
    assert "probability of old" in page.part(f"{model_anchor(page, 'forest')}-dependence").joined
    assert [note for part in page.sections.values() for note in part.notes] == []


def rows_actual(run_dir: Path) -> list[str]:
    contributions = pd.read_csv(run_dir / "forest" / "contributions.csv")
    return list(contributions.drop_duplicates("row")["actual"])


@pytest.mark.parametrize("make", [lambda tmp: tmp / "absent", lambda tmp: tmp])
def test_not_a_run_folder_is_a_value_error_before_any_file(make, tmp_path):
    path = make(tmp_path)
    with pytest.raises(ValueError, match=re.escape(str(path))):
        build_report(path, out=tmp_path / "reports")
    assert not (tmp_path / "reports").exists()


def test_a_boosters_training_rounds_are_drawn(tmp_path):
    import tabkit as tk
    from tabkit.datasets import make_rossmann, write_rossmann

    data = write_rossmann(make_rossmann(3, seed=0), tmp_path / "rossmann")
    booster = {"name": "lightgbm", "kind": "lightgbm", "params": {"n_estimators": 60, "learning_rate": 0.01}}
    spec = {
        "name": "boosted",
        "metric": "exp_rmspe",
        "data": {"source": "rossmann", "path": str(data)},
        "features": {"log_target": True},
        "split": {"by": "days", "days": 14},
        "model": [booster],
        "output": {"report": False, "importance_rows": 200, "sample_rows": 100},
    }
    result = tk.run_pipeline(spec, out_dir=tmp_path / "runs", verbose=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ReportWarning)
        page = read_page(build_report(result.run_dir, out=tmp_path / "reports"))
    history = page.part(f"{model_anchor(page, 'lightgbm')}-history")
    assert [image["alt"] for image in history.images] == ["metrics per boosting round"]
    assert "one round in 3 and the last (60 rounds)" in history.joined  # the folded table
    rounds = pd.read_csv(result.run_dir / "lightgbm" / "history.csv")
    assert list(rounds.columns) == ["round", "train_l2", "valid_l2"] and list(rounds["round"]) == list(range(1, 61))


def test_a_blend_shows_its_members_and_a_seed_average_its_seeds(tmp_path):
    import tabkit as tk
    from tabkit.datasets import make_rossmann, write_rossmann

    data = write_rossmann(make_rossmann(3, seed=0), tmp_path / "rossmann")
    models = [
        {"name": "forest", "kind": "forest", "params": {"n_estimators": 5}, "seeds": [0, 1]},
        {"name": "lightgbm", "kind": "lightgbm", "params": {"n_estimators": 20}},
        {"name": "blend", "kind": "ensemble", "members": ["forest", "lightgbm"], "weights": "validation"},
    ]
    spec = {
        "name": "blended",
        "metric": "exp_rmspe",
        "data": {"source": "rossmann", "path": str(data)},
        "features": {"log_target": True},
        "split": {"by": "days", "days": 14},
        "model": models,
        "output": {"report": False, "importance_rows": 200, "sample_rows": 100},
    }
    result = tk.run_pipeline(spec, out_dir=tmp_path / "runs", verbose=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ReportWarning)
        page = read_page(build_report(result.run_dir, out=tmp_path / "reports"))
    facts = json.loads((result.run_dir / "metrics.json").read_text())["models"]
    blend = page.part(f"{model_anchor(page, 'blend')}-members").joined
    weights = facts["blend"]["params"]["weights"]
    assert sum(weights) == pytest.approx(1)
    for member, weight in zip(["forest", "lightgbm"], weights):
        assert f"{member} {fmt(weight)} {fmt(facts[member]['score'])}" in blend
    predictions = pd.read_parquet(result.run_dir / "valid_predictions.parquet")
    errors = np.log(predictions[["forest", "lightgbm"]].to_numpy()) - np.log(predictions[["actual"]].to_numpy())
    assert f"forest 1 {fmt(np.corrcoef(errors.T)[0, 1])}" in blend
    seeds = page.part(f"{model_anchor(page, 'forest')}-members").joined
    assert all(f"{seed} {fmt(score)}" in seeds for seed, score in facts["forest"]["seed_scores"].items())
    assert f"{model_anchor(page, 'lightgbm')}-members" not in page.sections


def test_a_five_model_report_stays_small(report, run_dir):
    assert len(pd.read_csv(run_dir / "leaderboard.csv").query("kind != 'baseline'")) == 5
    assert report.stat().st_size <= 1.5e6
