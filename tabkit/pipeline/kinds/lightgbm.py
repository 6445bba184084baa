"""``kind = "lightgbm"``: :class:`tabkit.LightGBMRegressor` / :class:`tabkit.LightGBMClassifier`,
its rounds chosen by early stopping on the latest training days and then refit on every
training row, the validation rows recorded in its per-round history; rows are explained by
LightGBM's own TreeSHAP."""

from __future__ import annotations

from tabkit.pipeline.kinds.base import FitContext, ModelKind, register
from tabkit.pipeline.kinds.selection import fit_with_chosen_rounds


class LightGBMKind(ModelKind):
    """Gradient-boosted trees (LightGBM), categories as categorical features."""

    name = "lightgbm"
    on_partitions = "booster_on_dask"
    estimators = {
        "regression": "tabkit.boosting.estimators:LightGBMRegressor",
        "classification": "tabkit.boosting.estimators:LightGBMClassifier",
    }
    explains_rows = True

    def fit_params(self, entry: dict, ctx: FitContext) -> dict:
        """The validation rows, recorded per round in the history (never chosen on)."""
        return {"X_val": ctx.X_valid, "y_val": ctx.targets_for(self)[1]}

    def fit(self, entry: dict, ctx: FitContext):
        """With ``early_stopping_rounds``: the rounds are chosen on the holdout of the
        training rows, then the booster is refit on all of them with that many rounds
        (scaled by the row ratio)."""
        estimator = self.make_estimator(entry, ctx)
        if estimator.early_stopping_rounds is None or entry["search"]:
            return super().fit(entry, ctx)
        hold = ctx.holdout()
        y_fit, _ = ctx.targets_for(self)
        final, chosen, rounds = fit_with_chosen_rounds(estimator, ctx.X_train, y_fit, hold, self.fit_params(entry, ctx))
        ctx.notes.append(
            f"{chosen} rounds chosen on {ctx.holdout_rule(hold)}; refit on every training row with {rounds}"
        )
        ctx.log(f"model {entry['name']}: {ctx.notes[-1]}")
        return final, None


register(LightGBMKind())
