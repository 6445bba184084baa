"""Kaggle-style pipeline runs from TOML specs (``tabkit run SPEC``).

Modules: ``spec`` (schema, validation, ``--set`` overrides), ``features`` (data sources
and feature builders), ``cache`` (the parquet feature cache), ``scoring`` (original-scale
scores, the log target, the mean baseline), ``models`` (model kinds, the forest on
embeddings), ``explain`` (importance and contributions), ``artifacts`` (the run folder and
its layout, atomic writes), ``progress`` (log and leaderboard), ``runner``
(:func:`run_pipeline`) and ``command`` (the CLI).
"""
