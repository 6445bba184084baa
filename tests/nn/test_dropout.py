import math

import pytest
import torch
from torch.nn import functional as F

from tabkit.nn.dropout import SparseDropout, dropped_positions


@pytest.mark.parametrize("p", [0.001, 0.04, 0.3, 0.5])
def test_dropped_positions_are_a_bernoulli_sample(p):
    torch.manual_seed(0)
    n, draws = 200_000, 20
    counts = []
    for _ in range(draws):
        positions = dropped_positions(n, p, torch.device("cpu"))
        assert positions.dtype == torch.int64
        assert positions.min() >= 0 and positions.max() < n
        assert (positions.diff() > 0).all()  # sorted, no repeats
        counts.append(len(positions))
    mean, sd = n * p, math.sqrt(n * p * (1 - p))
    assert abs(sum(counts) / draws - mean) < 5 * sd / math.sqrt(draws)
    spread = torch.tensor(counts, dtype=torch.float64).std().item()
    assert 0.5 * sd < spread < 1.6 * sd


def test_every_position_is_dropped_at_the_same_rate():
    torch.manual_seed(0)
    n, p, draws = 50, 0.2, 4000
    hits = torch.zeros(n)
    for _ in range(draws):
        hits[dropped_positions(n, p, torch.device("cpu"))] += 1
    rate = hits / draws
    assert (rate - p).abs().max() < 5 * math.sqrt(p * (1 - p) / draws)


def test_tiny_rates_drop_nothing_rather_than_overflow():
    torch.manual_seed(0)
    assert len(dropped_positions(10**6, 1e-300, torch.device("cpu"))) == 0
    x = torch.ones(64, 64)
    assert torch.equal(SparseDropout(1e-300).train()(x), x)


def test_positions_beyond_the_first_chunk_are_drawn():
    # n much larger than the first chunk of gaps covers: the draw must continue.
    torch.manual_seed(0)
    positions = dropped_positions(10_000, 0.5, torch.device("cpu"), chunk=8)
    assert positions.max() > 9_000 and len(positions) > 4_500
    assert (positions.diff() > 0).all() and positions.max() < 10_000


@pytest.mark.parametrize("p", [0.001, 0.01, 0.04, 0.3])
def test_forward_and_backward_scale_kept_and_zero_dropped(p):
    torch.manual_seed(0)
    x = (torch.rand(512, 100) + 0.5).requires_grad_()
    out = SparseDropout(p).train()(x)
    dropped = out == 0
    assert dropped.any() or p < 0.01
    assert torch.equal(out[~dropped], x[~dropped] * (1 / (1 - p)))
    grad = torch.rand(512, 100)
    out.backward(grad)
    assert torch.equal(x.grad, torch.where(dropped, 0.0, grad * (1 / (1 - p))))


def test_same_seed_same_mask_other_seed_other_mask():
    x = torch.ones(512, 1000)
    masks = []
    for seed in (0, 0, 1):
        torch.manual_seed(seed)
        masks.append(SparseDropout(0.01).train()(x) == 0)
    assert torch.equal(masks[0], masks[1])
    assert not torch.equal(masks[0], masks[2])


def test_eval_mode_and_zero_rate_pass_through():
    x = torch.randn(64, 8)
    assert torch.equal(SparseDropout(0.3).eval()(x), x)
    assert torch.equal(SparseDropout(0.0).train()(x), x)


def test_high_rates_use_torch_dropout():
    x = torch.ones(256, 64)
    torch.manual_seed(3)
    ours = SparseDropout(0.8).train()(x)
    torch.manual_seed(3)
    assert torch.equal(ours, F.dropout(x, 0.8, training=True))
