"""How a run saves a tabkit LightGBM estimator: the booster in LightGBM's own text format,
the parameters as JSON and the rest of the state through skops (see
:mod:`tabkit.run_folder.model_files`); loading runs no code from the files."""

from __future__ import annotations

import lightgbm
from sklearn.utils.validation import check_is_fitted

from tabkit.run_folder.model_files import ModelParts


class SavedBooster:
    """The saving pair of the LightGBM estimators (``_model_class`` is LightGBM's
    scikit-learn model the estimator fits as ``model_``)."""

    _model_class: type

    def _model_parts(self) -> ModelParts:
        """A fitted estimator as a run saves it: the booster in LightGBM's text format, the
        parameters as JSON, and the rest of the state (the processor, the history and
        LightGBM's scikit-learn model without its booster) through skops."""
        check_is_fitted(self, "model_")
        state = dict(self.__getstate__())  # a copy: scikit-learn's is the estimator's own __dict__
        model = state.pop("model_")
        params = {name: state.pop(name) for name in self.get_params(deep=False)}
        state["model_state_"] = {key: value for key, value in vars(model).items() if key != "_Booster"}
        return ModelParts(config={"params": params}, state=state, booster=model.booster_.model_to_string())

    @classmethod
    def _from_model_parts(cls, parts: ModelParts):
        """The estimator :meth:`_model_parts` saved."""
        estimator = cls.__new__(cls)
        state = dict(parts.state)
        model = cls._model_class.__new__(cls._model_class)
        model.__dict__.update(state.pop("model_state_"))
        model._Booster = lightgbm.Booster(model_str=parts.booster)  # what LightGBM's own fit sets
        estimator.__setstate__({**parts.config["params"], **state, "model_": model})
        return estimator
