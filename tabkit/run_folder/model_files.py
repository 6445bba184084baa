"""How an object of a run (a model, the baseline, the fitted feature transformers) is saved
in formats whose loading runs no code from the file, and read back.

An object is saved in a folder of the run: ``object.json`` names its class and its files,
each in its own format:

- ``state.skops``: the object's state through ``skops.io``, read back with the trusted
  types of :mod:`tabkit.run_folder.trusted` only (pandas objects in it as plain arrays, see
  :mod:`tabkit.run_folder.plain`);
- ``weights.safetensors``: a net's weights (``safetensors``);
- ``booster.txt``: a LightGBM booster in LightGBM's own text format.

By default an object is its class and its state (``__getstate__``, restored with
``__setstate__``). A class whose state holds what skops cannot store, or other models,
defines the pair ``_model_parts(self) -> ModelParts`` and the classmethod
``_from_model_parts(cls, parts) -> instance``: its configuration (JSON in ``object.json``),
state, weights, booster and members (saved the same way, each in a subfolder named after it,
or as a :class:`ModelReference` to another model of the run).

``object.json``::

    {"layout": 3, "object": NODE}
    NODE: {"class": "package.module.Class", "config": {...}, "state": "state.skops",
           "tensors": "weights.safetensors", "booster": "booster.txt", "members": {key: NODE}}
          (every key but "class" optional; paths relative to the object folder)
        | {"model": "<name>"}     another model of the run
        | {"items": [NODE, ...]}  a list
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tabkit.run_folder.layout import BOOSTER, LAYOUT_VERSION, OBJECT, STATE, WEIGHTS
from tabkit.run_folder.plain import from_plain, to_plain
from tabkit.run_folder.trusted import UntrustedFileError, dump_skops, load_skops, trusted_class

Write = Callable[[str, bytes, str], None]
"""``write(relative path, data, format)``: stores one file of the run."""
Read = Callable[[str, str], bytes]
"""``read(relative path, format)``: one file of the run, checked against its manifest."""

_MEMBER_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


@dataclass
class ModelParts:
    """An object split by format: what ``_model_parts`` returns and ``_from_model_parts``
    receives.

    Attributes
    ----------
    config : dict
        JSON values, kept in ``object.json``.
    state : object, optional
        Anything the trusted types build (pandas objects allowed), kept in ``state.skops``.
    tensors : dict of str to torch.Tensor, optional
        Kept in ``weights.safetensors``.
    booster : str, optional
        A LightGBM model in LightGBM's text format, kept in ``booster.txt``.
    members : dict of str to object
        Objects saved with this one (each in a subfolder named after its key), or
        :class:`ModelReference` to models of the run; loaded, they are the objects.
    """

    config: dict = field(default_factory=dict)
    state: Any = None
    tensors: dict[str, Any] | None = None
    booster: str | None = None
    members: dict[str, Any] = field(default_factory=dict)


class ModelReference:
    """Another model of the same run inside a saved object (an ensemble's members): saved
    as the model's name and loaded as that model, read from the run, so a run stores each
    model once.

    Parameters
    ----------
    name : str
        The referenced model.
    """

    def __init__(self, name: str):
        self.name = name


def save_object(obj: Any, folder: str, write: Write) -> None:
    """Save ``obj`` in the object folder ``folder`` (a path relative to the run) through
    ``write``; ``object.json`` last, so a folder without it is incomplete."""
    node = _save(obj, folder, "", write)
    card = json.dumps({"layout": LAYOUT_VERSION, "object": node}, indent=2, allow_nan=False)
    write(f"{folder}/{OBJECT}", (card + "\n").encode("utf-8"), "json")


def load_object(folder: str, read: Read, model: Callable[[str], Any]) -> Any:
    """The object saved in ``folder``; ``model(name)`` gives a referenced model of the run.

    Raises
    ------
    UntrustedFileError
        If a file names a class or type off the trusted list, or is not what its format says.
    """
    where = f"{folder}/{OBJECT}"
    try:
        card = json.loads(read(where, "json"))
        node = card["object"]
    except (ValueError, KeyError, TypeError) as error:
        raise UntrustedFileError(f"{where} is not an object card ({error!r}); refusing to load it") from None
    return _load(node, folder, read, model, where)


def qualified_name(cls: type) -> str:
    """``package.module.Class`` of a class."""
    return f"{cls.__module__}.{cls.__qualname__}"


def _save(obj: Any, folder: str, prefix: str, write: Write) -> dict:
    if isinstance(obj, ModelReference):
        return {"model": obj.name}
    if isinstance(obj, list):
        return {"items": [_save(item, folder, f"{prefix}{i}/", write) for i, item in enumerate(obj)]}
    parts = obj._model_parts() if hasattr(obj, "_model_parts") else ModelParts(state=_state_of(obj))
    node: dict[str, Any] = {"class": qualified_name(type(obj))}
    if parts.config:
        node["config"] = parts.config
    if parts.state is not None:
        node["state"] = _write(write, folder, prefix + STATE, dump_skops(to_plain(parts.state)), "skops")
    if parts.tensors is not None:
        from safetensors.torch import save

        tensors = {key: tensor.detach().cpu().contiguous() for key, tensor in parts.tensors.items()}
        node["tensors"] = _write(write, folder, prefix + WEIGHTS, save(tensors), "safetensors")
    if parts.booster is not None:
        node["booster"] = _write(write, folder, prefix + BOOSTER, parts.booster.encode("utf-8"), "lightgbm")
    if parts.members:
        for key in parts.members:
            if not _MEMBER_KEY.fullmatch(key):
                raise ValueError(f"member {key!r} of a {type(obj).__name__}: a saved member needs a plain name")
        node["members"] = {
            key: _save(member, folder, f"{prefix}{key}/", write) for key, member in parts.members.items()
        }
    return node


def _write(write: Write, folder: str, relative: str, data: bytes, format: str) -> str:
    write(f"{folder}/{relative}", data, format)
    return relative


def _load(node: Any, folder: str, read: Read, model: Callable[[str], Any], where: str) -> Any:
    if not isinstance(node, dict):
        raise UntrustedFileError(f"{where} holds {node!r} where an object belongs; refusing to load it")
    if "model" in node:
        return model(str(node["model"]))
    if "items" in node:
        return [_load(item, folder, read, model, where) for item in node["items"]]
    cls: Any = trusted_class(str(node.get("class")), where)
    parts = ModelParts(config=node.get("config", {}))
    if "state" in node:
        path = _inside(folder, node["state"], where)
        parts.state = from_plain(load_skops(read(path, "skops"), path))
    if "tensors" in node:
        from safetensors.torch import load

        parts.tensors = load(read(_inside(folder, node["tensors"], where), "safetensors"))
    if "booster" in node:
        parts.booster = read(_inside(folder, node["booster"], where), "lightgbm").decode("utf-8")
    parts.members = {key: _load(member, folder, read, model, where) for key, member in node.get("members", {}).items()}
    if hasattr(cls, "_from_model_parts"):
        return cls._from_model_parts(parts)
    obj = cls.__new__(cls)
    _set_state(obj, parts.state)
    return obj


def _inside(folder: str, relative: Any, where: str) -> str:
    """``folder/relative``, once ``relative`` is a plain path inside the folder."""
    pieces = str(relative).split("/")
    if not all(_MEMBER_KEY.fullmatch(piece) for piece in pieces):
        raise UntrustedFileError(f"{where} names the file {relative!r}, outside its folder; refusing to load it")
    return f"{folder}/{relative}"


def _state_of(obj: Any) -> Any:
    getstate = getattr(obj, "__getstate__", None)
    return getstate() if getstate is not None else dict(vars(obj))  # Python 3.10: no object.__getstate__


def _set_state(obj: Any, state: Any) -> None:
    if hasattr(obj, "__setstate__"):
        obj.__setstate__(state)
    else:
        obj.__dict__.update(state)
