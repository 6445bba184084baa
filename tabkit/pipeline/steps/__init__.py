"""The steps of one pipeline run (:class:`~tabkit.pipeline.steps.run.RunSteps`): features
(through the cache), split, baseline, models, explanations, submission; what a run
produced (:mod:`~tabkit.pipeline.steps.result`) and its log (:mod:`~tabkit.pipeline.steps.progress`)."""

__all__: list[str] = []
