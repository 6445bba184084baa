"""``seeds = [...]`` on a model entry: one model per seed (its ``random_state``), averaged
on the scale they learn on into one model of the run; each seed's score is recorded."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from tabkit.pipeline.kinds import FitContext, ModelKind
from tabkit.pipeline.models import OnModelScale, Predictions
from tabkit.pipeline.steps.fitted import FittedModel


class SeedAverage(ModelKind):
    """A kind's models fitted with several seeds, averaged with equal weights (a
    :class:`tabkit.BlendRegressor` or :class:`tabkit.BlendClassifier` of them). It
    explains rows when its kind does: contributions are linear, so the average model's
    are the average of the seeds' models' contributions."""

    learns_target_transform = True

    def __init__(self, base: ModelKind):
        self.base = base
        self.name = base.name
        self.estimators = base.estimators
        self.explains_rows = base.explains_rows

    def pipeline_params(self, task: str) -> tuple[str, ...]:
        return self.base.pipeline_params(task)

    def explain_rows(self, model, X: pd.DataFrame):
        from tabkit.ensemble.explanation import blend_explanation

        members = {
            name: m.estimator if isinstance(m, OnModelScale) else m for name, m in model.named_estimators_.items()
        }
        return blend_explanation({name: self.base.explain_rows(m, X) for name, m in members.items()}, model.weights_)

    def saved_params(self, model) -> dict:
        member = model.estimators_[0]
        return self.base.saved_params(member.estimator if isinstance(member, OnModelScale) else member)


def fit_seeds(
    kind: ModelKind, entry: dict, ctx: FitContext, run_transform, score: Callable[[Predictions], float]
) -> tuple[object, dict[int, float]]:
    """Fit ``entry`` once per seed and blend the models with equal weights.

    Returns
    -------
    blend : BlendRegressor or BlendClassifier
        Predicts in the target's units (class probabilities for a classification).
    scores : dict of int to float
        Each seed's validation score.
    """
    from tabkit.ensemble.blend import BlendClassifier, BlendRegressor

    members, scores = [], {}
    for seed in entry["seeds"]:
        seeded = {**entry, "params": {**entry["params"], "random_state": seed}}
        estimator, _ = kind.fit(seeded, ctx)
        fitted = FittedModel(
            f"{entry['name']}-seed{seed}", kind, estimator, ctx.task, ctx.fit_transform_for(kind), run_transform
        )
        scores[seed] = score(fitted.predict(ctx.X_valid))
        members.append((f"seed{seed}", fitted.member()))
        ctx.log(f"model {entry['name']}: seed {seed}: {ctx.metric} {scores[seed]:.5f}")
    if ctx.task == "classification":
        return BlendClassifier.from_fitted(members), scores
    return BlendRegressor.from_fitted(members, target_transform=run_transform), scores
