"""The feature cache: built feature frames kept as parquet, keyed by what they came from.

The key is a SHA-256 of the builder, the feature options, the data options, the bytes of
every input file (or the synthetic generator's parameters) and ``CACHE_VERSION``, so any
change to the inputs or options builds afresh. An entry is
``<cache>/<key>/{train,test}.parquet`` plus ``meta.json`` (the column roles and the
build's notes), and counts only once ``meta.json``, written last, exists. An entry that
cannot be read (a truncated or damaged file) is discarded and built afresh, the returned
features' notes naming it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd

import tabkit
from tabkit.files import atomic_write
from tabkit.pipeline.features import FeatureSet
from tabkit.pipeline.sections import Features
from tabkit.pipeline.sources import DataSource
from tabkit.prep.lineage import add_lineage
from tabkit.runs import file_digest, write_json

CACHE_VERSION = 4
_FEATURE_OPTIONS = ("builder", "drop", "cat_names", "cont_names", "max_card", "date_time")


def cache_key(source: DataSource, data: dict, features: Features) -> str:
    """The cache key of the features a spec's ``[data]`` and ``[features]`` describe: the
    bytes of the files the source reads (by a name that does not depend on where they
    lie), its other options, and the feature options."""
    described = {
        "version": CACHE_VERSION,
        "tabkit": tabkit.__version__,
        "features": {k: getattr(features, k) for k in _FEATURE_OPTIONS},
        "data": {k: v for k, v in data.items() if k not in source.file_keys},
        "files": {name: file_digest(path) for name, path in source.input_files(data).items()},
    }
    text = json.dumps(described, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def cached_features(cache_dir: Path, key: str, build: Callable[[], FeatureSet]) -> tuple[FeatureSet, bool]:
    """The cached features under ``key``, or ``build()`` them and store them.

    An entry that fails to load (a damaged parquet or ``meta.json``) is removed and built
    again; the returned features' ``notes`` then start with a line naming the entry and
    the error.

    Returns
    -------
    features : FeatureSet
    hit : bool
        Whether they came from the cache.
    """
    entry = Path(cache_dir) / key
    meta_path = entry / "meta.json"
    discarded = None
    if meta_path.is_file():
        try:
            return _read_entry(entry), True
        except Exception as exc:  # any damage: the entry is only a copy of what build() makes
            first_line = (str(exc).splitlines() or [""])[0][:200]
            discarded = f"the cache entry {entry} could not be read ({type(exc).__name__}: {first_line}); "
            shutil.rmtree(entry, ignore_errors=True)
    features = build()
    for name, frame in (("train", features.train), ("test", features.test)):
        if frame is not None:
            atomic_write(entry / f"{name}.parquet", lambda tmp, frame=frame: frame.to_parquet(tmp, index=False))
    meta = {"key": key, "has_test": features.test is not None, "roles": features.roles(), "notes": features.notes}
    write_json(meta_path, meta)
    if discarded is not None:
        features.notes = [f"{discarded}discarded and rebuilt", *features.notes]
    return features, False


def _read_entry(entry: Path) -> FeatureSet:
    """The features stored in a cache entry (raising whatever a damaged file raises)."""
    meta = json.loads((entry / "meta.json").read_text(encoding="utf-8"))
    train = pd.read_parquet(entry / "train.parquet")
    test = pd.read_parquet(entry / "test.parquet") if meta["has_test"] else None
    lineage = meta["roles"].pop("lineage")
    for frame in (train, test):
        if frame is not None:
            frame.attrs.clear()
            add_lineage(frame, lineage)
    return FeatureSet(train=train, test=test, notes=list(meta.get("notes", [])), **meta["roles"])
