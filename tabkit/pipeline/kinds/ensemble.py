"""``kind = "ensemble"``: a blend of earlier models of the run (``members = [...]``), with
equal weights or weights fitted on the validation rows (``weights = "validation"``).

Regressions blend on the scale the models learn on (log units for a log target) and turn
the blend back; classifications average class probabilities. A validation-fitted blend
is scored honestly: weights fitted on one half of the validation rows score the other
half, both ways (:func:`tabkit.split_half_score`); its submission uses the weights
fitted on all validation rows. A blend of members that explain their rows is explained as
the weighted sum of their contributions (:func:`tabkit.ensemble.explanation.blend_explanation`).
"""

from __future__ import annotations

import copy

import numpy as np

from tabkit.pipeline.keys import Key
from tabkit.pipeline.kinds.base import FitContext, ModelKind, get_kind, register

WEIGHTS = ("equal", "validation")


class EnsembleKind(ModelKind):
    """A weighted blend of earlier models (:class:`tabkit.BlendRegressor` /
    :class:`tabkit.BlendClassifier` on the fitted members)."""

    name = "ensemble"
    on_partitions = "predictions"
    estimators = {
        "regression": "tabkit.ensemble.blend:BlendRegressor",
        "classification": "tabkit.ensemble.blend:BlendClassifier",
    }
    entry_keys = {
        "members": Key(list, doc="the earlier models blended, by name (two or more)", example='["net", "forest"]'),
        "weights": Key(
            str,
            "equal",
            WEIGHTS,
            doc="equal weights, or weights fitted on the validation rows "
            "(non-negative, summing to 1; scored on split halves)",
            example='"validation"',
        ),
    }
    learns_target_transform = True
    explains_rows = True

    def explains(self, model) -> bool:
        """Whether the blend's rows can be explained: every member explains its rows on the
        scale the blend averages (its contributions are then their weighted sum)."""
        from tabkit.explain import explains_rows

        return explains_rows(model)

    def allowed_params(self, task: str) -> set[str]:
        return set()  # members and weights are keys of the entry; the pipeline sets the rest

    def check_entry(self, entry: dict, earlier: list[dict], task: str, problems) -> None:
        where = f"model {entry['name']!r}"
        members = entry.get("members")
        if not isinstance(members, list) or len(members) < 2 or not all(isinstance(m, str) for m in members):
            problems.add(f"{where}.members", f"needs a list of two or more model names, got {members!r}")
            return
        for name in {m for m in members if members.count(m) > 1}:
            problems.add(f"{where}.members", f"{name!r} is listed twice")
        kinds = {e["name"]: e["kind"] for e in earlier}
        for name in dict.fromkeys(members):
            if name not in kinds:
                problems.add(f"{where}.members", f"{name!r} is not a model listed before it")
            elif get_kind(kinds[name]) is self:
                problems.add(f"{where}.members", f"{name!r} is an ensemble; an ensemble of ensembles is not supported")
        if entry.get("seeds"):
            problems.add(f"{where}.seeds", "an ensemble has no seed of its own; give seeds to its members")

    def needs(self, entry: dict) -> tuple[str, ...]:
        return tuple(entry["members"])

    def _validation_matrix(self, entry: dict, ctx: FitContext) -> np.ndarray:
        predictions = [ctx.predictions[name] for name in entry["members"]]
        if ctx.task == "classification":
            return np.stack([p.proba for p in predictions], axis=1)
        return np.stack([p.model_scale for p in predictions], axis=1)

    def fit(self, entry: dict, ctx: FitContext):
        members = [(name, ctx.models[name].member()) for name in entry["members"]]
        options = {} if ctx.task == "classification" else {"target_transform": ctx.transform}
        blend = self.estimator_class(ctx.task).from_fitted(
            members,
            weights=entry["weights"],
            val_predictions=self._validation_matrix(entry, ctx),
            y_val=ctx.y_valid,
            **options,
        )
        ctx.log(
            f"model {entry['name']}: weights "
            + ", ".join(f"{name} {weight:.3f}" for name, weight in zip(entry["members"], blend.weights_))
        )
        return blend, None

    def validation_score(self, model, entry: dict, ctx: FitContext) -> tuple[float, str] | None:
        if entry["weights"] != "validation":
            return None
        from tabkit.ensemble.weights import split_half_score

        classes = ctx.predictions[entry["members"][0]].classes
        value, details = split_half_score(
            self._validation_matrix(entry, ctx),
            ctx.y_valid,
            ctx.metric,
            ctx.seed,
            transform=ctx.transform,
            classes=classes,
        )
        halves = ", ".join(f"{v:.5f}" for v in details["scores"])
        return value, f"split-half: weights fitted on one half of the validation rows score the other ({halves})"

    def stored(self, model, entry: dict):
        """The blend with each member replaced by a reference to its own folder in the run."""
        from tabkit.pipeline.models.predictions import OnModelScale
        from tabkit.runs import ModelReference

        def reference(member, name: str):
            if isinstance(member, OnModelScale):
                return OnModelScale(ModelReference(name), member.fit_transform, member.run_transform)
            return ModelReference(name)

        stored = copy.copy(model)
        names = entry["members"]
        stored.estimators_ = [reference(member, name) for member, name in zip(model.estimators_, names)]
        stored.named_estimators_ = dict(zip(names, stored.estimators_))
        stored.estimators = list(zip(names, stored.estimators_))
        return stored

    def saved_params(self, model) -> dict:
        return {"weights": [float(w) for w in model.weights_]}


register(EnsembleKind())
