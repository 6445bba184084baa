"""Runs on partitioned data, larger than one process's memory: the run's steps with the
training rows kept in partitions on the cluster (:class:`PartitionedRunSteps`); what such
a spec may ask is checked with the spec (:mod:`tabkit.pipeline.spec.partitioned`)."""

from tabkit.pipeline.partitioned.steps import PartitionedRunSteps

__all__ = ["PartitionedRunSteps"]
