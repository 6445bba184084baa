import pytest
import torch

from tabkit.nn.device import autocast, placement_after_load, select_device, use_bf16


@pytest.mark.parametrize(
    "request_,cuda,expected",
    [
        ("auto", False, "cpu"),
        ("auto", True, "cuda"),
        ("cpu", True, "cpu"),
        ("cuda", True, "cuda"),
        ("cuda:1", True, "cuda:1"),
        (torch.device("cpu"), False, "cpu"),
    ],
)
def test_select_device(request_, cuda, expected):
    assert select_device(request_, cuda_available=cuda) == torch.device(expected)


def test_auto_follows_this_machine():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert select_device("auto").type == expected


@pytest.mark.parametrize("request_", ["gpu", "tpu", "meta", 3])
def test_select_device_rejects_unknown(request_):
    with pytest.raises(ValueError, match="device must be"):
        select_device(request_, cuda_available=True)


def test_select_device_cuda_missing():
    with pytest.raises(ValueError, match="CUDA is not available"):
        select_device("cuda", cuda_available=False)


@pytest.mark.parametrize(
    "device,setting,expected",
    [
        ("cpu", "auto", False),
        ("cuda", "auto", True),
        ("cuda", False, False),
        ("cuda", True, True),
        ("cpu", False, False),
    ],
)
def test_use_bf16(device, setting, expected):
    assert use_bf16(torch.device(device), setting) is expected


@pytest.mark.parametrize(
    "setting,match", [(True, "needs a CUDA device"), ("fp16", "mixed_precision"), (1, "mixed_precision")]
)
def test_use_bf16_rejects(setting, match):
    with pytest.raises(ValueError, match=match):
        use_bf16(torch.device("cpu"), setting)


def test_autocast_disabled_keeps_float32():
    layer = torch.nn.Linear(3, 2)
    with autocast(torch.device("cpu"), False):
        assert layer(torch.ones(1, 3)).dtype == torch.float32


def test_autocast_enabled_gives_bf16():
    # bf16 autocast is only chosen for CUDA, but the context itself works on any device
    layer = torch.nn.Linear(3, 2)
    with autocast(torch.device("cpu"), True):
        assert layer(torch.ones(1, 3)).dtype == torch.bfloat16


@pytest.mark.parametrize(
    "saved,cuda,expected",
    [
        ("cuda", False, "cpu"),
        ("cuda:0", False, "cpu"),
        ("cpu", False, "cpu"),
        ("cpu", True, "cpu"),
    ],
)
def test_placement_after_load(saved, cuda, expected):
    assert placement_after_load(saved, cuda_available=cuda) == torch.device(expected)
