"""How a run saves a tabkit net: the module's weights as safetensors, its configuration as
JSON and the rest of the state (the processor included) through skops (see
:mod:`tabkit.run_folder.model_files`); loading runs no code from the files."""

from __future__ import annotations

from sklearn.utils.validation import check_is_fitted

from tabkit.run_folder.model_files import ModelParts


class SavedNet:
    """The saving pair of the nets; it reuses the estimators' ``__getstate__`` (the weights
    as ``module_weights_``) and ``__setstate__`` (which rebuilds the module from
    ``module_config_`` and the weights)."""

    def _model_parts(self) -> ModelParts:
        """A fitted net as a run saves it: the module's weights (safetensors), its
        configuration (JSON) and the rest of the state (skops). ``init_embeddings`` is not
        kept: the models it names are inputs of the fit."""
        check_is_fitted(self, "module_")
        state = self.__getstate__()
        weights = state.pop("module_weights_")
        config = state.pop("module_config_")
        state["init_embeddings"] = None
        return ModelParts(config={"module_config": config}, state=state, tensors=weights)

    @classmethod
    def _from_model_parts(cls, parts: ModelParts):
        """The net :meth:`_model_parts` saved, on the device ``__setstate__`` picks."""
        net = cls.__new__(cls)
        net.__setstate__(
            {**parts.state, "module_config_": parts.config["module_config"], "module_weights_": parts.tensors}
        )
        return net
