"""``[compute]``: the spec check of its keys, what each kind needs fitted before it, and a
scheduler that does not answer refused before any work (the runs on a real cluster are in
test_cluster.py)."""

from __future__ import annotations

import pytest
from pipeline_helpers import spec_dict, write_spec

from tabkit.cli import main
from tabkit.pipeline.kinds import get_kind
from tabkit.pipeline.runner import run_pipeline
from tabkit.pipeline.sections import Compute
from tabkit.pipeline.spec import SpecError, validate
from tabkit.pipeline.steps.cluster import ClusterError

pytest.importorskip("distributed", reason="the [distributed] extra is not installed")

NOBODY = "tcp://127.0.0.1:1"  # a port nothing listens on


def test_no_compute_section_means_no_cluster():
    assert validate(spec_dict()).compute == Compute(cluster=None, threads=None, memory_limit=None, timeout=10)


@pytest.mark.parametrize("cluster", ["local:1", "local:16", "tcp://127.0.0.1:8786", "tls://scheduler.example:8786"])
def test_cluster_values_accepted(cluster):
    assert validate(spec_dict(compute={"cluster": cluster})).compute.cluster == cluster


@pytest.mark.parametrize(
    "compute, message",
    [
        ({"cluster": "local"}, 'neither "local:N"'),
        ({"cluster": "local:0"}, '"local:N" needs N'),
        ({"cluster": "local:two"}, '"local:N" needs N'),
        ({"cluster": "127.0.0.1:8786"}, 'a scheduler address ("tcp://host:8786")'),
        ({"cluster": 4}, "compute.cluster: must be a string"),
        ({"cluster": "tcp://h:8786", "threads": 2}, 'compute.threads: applies to cluster = "local:N"'),
        ({"memory_limit": "4GB"}, 'compute.memory_limit: applies to cluster = "local:N"'),
        ({"cluster": "local:2", "memory_limit": "lots"}, "'lots' is not an amount of memory"),
        ({"cluster": "local:2", "memory_limit": "-1GB"}, "'-1GB' is not an amount of memory"),
        ({"cluster": "local:2", "threads": 0}, "compute.threads: must be at least 1"),
        ({"cluster": "local:2", "timeout": 0}, "compute.timeout: must be at least 1 second"),
        ({"clusters": "local:2"}, "compute.clusters: unknown key; did you mean 'cluster'?"),
    ],
)
def test_bad_compute_is_a_spec_error(compute, message):
    with pytest.raises(SpecError) as info:
        validate(spec_dict(compute=compute))
    assert message in str(info.value)


def test_each_kind_says_which_earlier_models_it_needs():
    spec = validate(
        spec_dict(
            model=[
                *spec_dict()["model"],
                {"name": "net2", "kind": "embedding_net", "init_embeddings_from": "net"},
                {"name": "blend", "kind": "ensemble", "members": ["forest", "net"]},
            ]
        )
    )
    needs = {entry["name"]: get_kind(entry["kind"]).needs(entry) for entry in spec.models}
    assert needs == {"forest": (), "net": (), "emb-forest": ("net",), "net2": ("net",), "blend": ("forest", "net")}


def test_a_scheduler_that_does_not_answer_is_refused_before_any_work(tmp_path):
    spec = spec_dict(compute={"cluster": NOBODY, "timeout": 1})
    with pytest.raises(ClusterError, match=rf"compute.cluster: no Dask scheduler answered at {NOBODY} within 1s"):
        run_pipeline(spec, out_dir=tmp_path / "runs", verbose=False)
    assert not (tmp_path / "runs").exists()


def test_cli_cluster_flag_sets_compute_cluster_and_refuses_a_silent_scheduler(tmp_path, capsys):
    path = write_spec(tmp_path / "tiny.toml", spec_dict())
    code = main(["run", str(path), "--cluster", NOBODY, "--set", "compute.timeout=1", "--out", str(tmp_path / "runs")])
    assert code == 2
    assert f"no Dask scheduler answered at {NOBODY}" in capsys.readouterr().err
    assert not (tmp_path / "runs").exists()
