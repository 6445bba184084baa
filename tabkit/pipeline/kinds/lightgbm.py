"""``kind = "lightgbm"``: :class:`tabkit.LightGBMRegressor` / :class:`tabkit.LightGBMClassifier`,
with the run's validation rows for early stopping and its per-round history; rows are
explained by LightGBM's own TreeSHAP."""

from __future__ import annotations

from tabkit.pipeline.kinds.base import FitContext, ModelKind, register


class LightGBMKind(ModelKind):
    """Gradient-boosted trees (LightGBM), categories as categorical features."""

    name = "lightgbm"
    estimators = {
        "regression": "tabkit.boosting.estimators:LightGBMRegressor",
        "classification": "tabkit.boosting.estimators:LightGBMClassifier",
    }
    explains_rows = True

    def fit_params(self, entry: dict, ctx: FitContext) -> dict:
        return {"X_val": ctx.X_valid, "y_val": ctx.targets_for(self)[1]}


register(LightGBMKind())
