"""Report sections drawn from a model's inspection artefacts (written by the run's explain
step): partial dependence, two-feature maps and embedding maps. Nothing is computed here
and no model is loaded."""

from __future__ import annotations

from tabkit import runs
from tabkit.plots import dependence_note, plot_embeddings, plot_partial_dependence, plot_partial_dependence_2d
from tabkit.report.blocks import Figure, Note, Section, Text
from tabkit.report.figures import to_data_uri
from tabkit.report.reading import inspection
from tabkit.runs import RunReader

EMBEDDING_MAPS = 3
PARTS = {
    "dependence": "partial dependence",
    "dependence_2d": "two-feature maps",
    "embedding_maps": "embedding maps",
    "contribution_sample": "contributions of the sample rows",
}


def _units(run: RunReader, name: str) -> str:
    """What the curves' values are: the target, or the probability of the class shown."""
    label = inspection(run, name).get("target_class")
    if label is not None:
        return f"the probability of {label}"
    return run.metrics.get("target", "the target")


def _failed(run: RunReader, name: str, key: str, section: Section) -> None:
    error = inspection(run, name).get("errors", {}).get(key)
    if error:
        section.blocks.append(Note(f"The run could not compute the {PARTS.get(key, key)}: {error}"))


def dependence_section(run: RunReader, name: str, section: Section) -> Section | None:
    """Partial dependence of the model's most important features, with ICE curves."""
    entries = inspection(run, name).get("dependence") or []
    _failed(run, name, "dependence", section)
    for entry in entries:
        frame = run.parquet(entry["file"])
        if frame is None:
            continue
        n_rows, n_ice = frame.attrs.get("n_rows"), frame["row"].nunique() - 1
        fig = plot_partial_dependence(
            frame,
            note="",
            ylabel=f"prediction ({run.metrics.get('target', 'target')})"
            if frame.attrs.get("target_class") is None
            else None,
        )
        note = dependence_note(frame)
        section.blocks.append(
            Figure(
                to_data_uri(fig),
                f"partial dependence of {entry['feature']}",
                caption=f"{entry['feature']}: the average prediction in {_units(run, name)} "
                f"over {n_rows} validation rows "
                f"as the feature is set to each value (black), and {n_ice} single rows' own predictions (blue)"
                + ("; ticks along the axis: the feature's deciles" if frame.attrs.get("deciles") else "")
                + (f"; {note}" if note else ""),
            )
        )
    return section if section.blocks else None


def maps_section(run: RunReader, name: str, section: Section) -> Section | None:
    """The model's prediction over a grid of two features, with the training rows' density."""
    entries = inspection(run, name).get("dependence_2d") or []
    _failed(run, name, "dependence_2d", section)
    for entry in entries:
        frame, density = run.parquet(entry["file"]), run.parquet(entry["density"])
        if frame is None:
            continue
        feature_x, feature_y = entry["features"]
        fig = plot_partial_dependence_2d(
            frame,
            density,
            label=f"prediction ({run.metrics.get('target', 'target')})"
            if frame.attrs.get("target_class") is None
            else None,
        )
        notes = [
            f"{frame[feature].nunique()} of {total} {feature} values shown (the most frequent)"
            for feature, total in (frame.attrs.get("n_values") or {}).items()
            if frame.attrs.get("kinds", {}).get(feature) != "continuous" and frame[feature].nunique() < total
        ]
        notes += [
            f"{feature}: {', '.join(str(v) for v in values)} left out (a missing-value fill)"
            for feature, values in (frame.attrs.get("left_out") or {}).items()
            if values
        ]
        section.blocks.append(
            Figure(
                to_data_uri(fig),
                f"average prediction by {feature_x} and {feature_y}",
                caption=f"colour: the average prediction in {_units(run, name)} over {frame.attrs.get('n_rows')} "
                f"validation rows with {feature_x} and {feature_y} set to each cell's values; dots: the share of "
                "training rows in the cell (none: no training row there, the model is guessing)"
                + "".join(f"; {n}" for n in notes),
            )
        )
    return section if section.blocks else None


def embeddings_section(run: RunReader, name: str, section: Section) -> Section | None:
    """2-D maps of the learnt embeddings of the model's most important categorical columns."""
    entries = inspection(run, name).get("embedding_maps") or []
    _failed(run, name, "embedding_maps", section)
    importance = run.model_csv(name, runs.IMPORTANCE)
    rank = (
        {}
        if importance is None
        else {
            str(f): i
            for i, f in enumerate(importance.sort_values("importance", ascending=False, kind="stable")["feature"])
        }
    )
    entries = sorted(entries, key=lambda e: (rank.get(e["column"], len(rank)), -e["categories"]))
    for entry in entries[:EMBEDDING_MAPS]:
        coords = run.parquet(entry["file"])
        if coords is None:
            continue
        fig = plot_embeddings(coords, entry["column"], variance_explained=entry.get("variance_explained"))
        section.blocks.append(
            Figure(
                to_data_uri(fig),
                f"embedding map of {entry['column']}",
                caption=f"{entry['column']}: {entry['categories']} categories of a {entry['dimensions']}-dimensional "
                "embedding on its first two principal components; the most extreme ones are labelled; "
                "categories close together act alike in the net",
            )
        )
    if len(entries) > EMBEDDING_MAPS:
        section.blocks.append(
            Text(f"The maps of {len(entries) - EMBEDDING_MAPS} less important embedded columns are not drawn.")
        )
    return section if section.blocks else None
