"""Report section about what a model is made of: a blend's members (their weights, their
own scores and how alike their validation errors are) and a seed average's seeds."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tabkit import runs
from tabkit.report.blocks import Section, table_from_frame
from tabkit.report.reading import run_transform
from tabkit.runs import RunReader

WEIGHT_RULES = {"validation": "fitted on the validation predictions", "equal": "equal"}


def members_section(run: RunReader, name: str, section: Section) -> Section | None:
    """A blend's members with their weights and scores, the correlation of their
    validation errors, and the score of each seed of a seed average."""
    info = run.model_info(name)
    members, seed_scores = info.get("members"), info.get("seed_scores")
    if not members and not seed_scores:
        return None
    score = f"validation {run.metrics.get('metric', 'score')}"
    if members:
        weights = (info.get("params") or {}).get("weights") or [np.nan] * len(members)
        table = pd.DataFrame(
            {"member": members, "weight": weights, score: [run.model_info(m).get("score") for m in members]}
        )
        rule = WEIGHT_RULES.get(info.get("weights", "equal"), "as given")
        section.blocks.append(table_from_frame(table, caption=f"weights {rule}; each member's own score"))
        errors = member_errors(run, members)
        if errors is not None:
            correlations = errors.corr().rename_axis("member").reset_index()
            section.blocks.append(
                table_from_frame(
                    correlations,
                    caption="correlation of the members' validation errors, on the scale the models learn: "
                    "the lower, the more a blend can gain",
                )
            )
    if seed_scores:
        table = pd.DataFrame({"seed": list(seed_scores), score: list(seed_scores.values())})
        section.blocks.append(table_from_frame(table, caption="each seed's model alone; the entry averages them"))
    return section


def member_errors(run: RunReader, members: list[str]) -> pd.DataFrame | None:
    """Each member's validation errors (prediction minus actual; of the logs for a log
    target), on the rows where every value is usable; None for a classification."""
    predictions = run.parquet(runs.VALID_PREDICTIONS)
    if run.metrics.get("task") == "classification" or predictions is None:
        return None
    if any(member not in predictions.columns for member in members):
        return None
    actual = predictions["actual"].to_numpy(np.float64)
    values = predictions[members].to_numpy(np.float64)
    transform = run_transform(run)
    if not transform.is_identity:  # errors on the scale the blend weighs them
        usable = (actual > 0) & (values > 0).all(axis=1)
        actual, values = transform.forward(actual[usable]), transform.forward(values[usable])
    return pd.DataFrame(values - actual[:, None], columns=members)
