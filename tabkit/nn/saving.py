"""How a tabkit net is pickled (its module as CPU weights, rebuilt from its configuration on
loading) and how a run saves it: the module's weights as safetensors, its configuration as
JSON and the rest of the state (the processor included) through skops (see
:mod:`tabkit.run_folder.model_files`); loading runs no code from the files."""

from __future__ import annotations

import torch
from sklearn.utils.validation import check_is_fitted

from tabkit.nn.device import placement_after_load
from tabkit.run_folder.model_files import ModelParts


class SavedNet:
    """The state of the nets: ``__getstate__`` keeps the module's weights as
    ``module_weights_`` and ``__setstate__`` rebuilds the module from ``module_config_``
    and the weights (on the device :func:`~tabkit.nn.device.placement_after_load`
    picks); the saving pair of a run reuses both."""

    def __getstate__(self):
        state = dict(super().__getstate__())
        module = state.pop("module_", None)
        if module is not None:
            state["module_weights_"] = {k: v.detach().to("cpu", copy=True) for k, v in module.state_dict().items()}
            state["device_"] = str(state["device_"])
        return state

    def __setstate__(self, state):
        weights = state.pop("module_weights_", None)
        super().__setstate__(state)
        if weights is not None:
            self.device_ = placement_after_load(self.device_)
            self.mixed_precision_ = self.mixed_precision_ and self.device_.type == "cuda"
            with torch.device("meta"):
                module = self._make_module(self.module_config_)
            module.load_state_dict(weights, assign=True)
            module.freeze(getattr(self, "frozen_", ()))
            self.module_ = module.to(self.device_).eval()

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
