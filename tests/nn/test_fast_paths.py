"""The CPU fast paths against the textbook ones (``nn.Dropout``, an ``nn.Embedding`` call
per column, for-loop optimisers). Without dropout, SGD trains to the same bits. Dropout
(which draws only the dropped positions) and AdamW (fused) change the numbers by design:
training stays deterministic for a seed, and a small problem learns as well."""

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn import functional as F

import tabkit as tk
from tabkit.nn.module import EmbeddingNet
from tabkit.nn.schedule import one_cycle
from tabkit.nn.training import Tensors, batch_starts, make_optimizer, predict_raw, single_group, train_steps


def test_same_seed_same_fit_with_dropout(frame, small):
    X, y = frame
    settings = {**small, "dropout": (0.05, 0.1), "emb_dropout": 0.05, "epochs": 3}
    fits = [tk.EmbeddingNetRegressor(**settings, log_target=True, random_state=seed).fit(X, y) for seed in (3, 3, 4)]
    columns = ["train_loss", "lr"]
    assert fits[0].history_[columns].equals(fits[1].history_[columns])
    assert np.array_equal(fits[0].predict(X), fits[1].predict(X))
    assert not np.array_equal(fits[0].predict(X), fits[2].predict(X))


def test_adamw_is_fused_and_sgd_foreach():
    module = nn.Linear(3, 2)
    assert make_optimizer(single_group(module, 0.1), "adamw", 0.01).defaults["fused"] is True
    assert make_optimizer(single_group(module, 0.1), "sgd", 0.01).defaults["foreach"] is True


def textbook(module: EmbeddingNet) -> EmbeddingNet:
    """``module`` with ``nn.Dropout`` and an ``nn.Embedding`` call per column."""
    for parent in list(module.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, nn.Dropout):
                setattr(parent, name, nn.Dropout(child.p))

    def forward(cat, cont):
        embedded = torch.cat([embed(cat[:, i]) for i, embed in enumerate(module.embeds)], dim=1)
        return module.layers(torch.cat([module.emb_drop(embedded), module.bn_cont(cont)], dim=1))

    module.forward = forward
    return module


def test_without_dropout_sgd_trains_to_the_same_bits_as_the_textbook_loop():
    train, _ = problem(0)
    weights = []
    for plain in (False, True):
        torch.manual_seed(0)
        module = EmbeddingNet([40, 7, 3], [8, 4, 2], 2, [64, 32], [0.0, 0.0], 0.0, 1)
        if plain:
            module = textbook(module)
            opt = torch.optim.SGD(module.parameters(), lr=1e-2, momentum=0.9, weight_decay=0.01, foreach=False)
        else:
            opt = make_optimizer(single_group(module, 1e-2), "sgd", 0.01)
        steps = len(batch_starts(len(train), 128))
        lrs, moms = one_cycle(steps, 1e-2)
        train_steps(
            module,
            train,
            opt,
            F.mse_loss,
            lrs[None],
            moms,
            batch_size=128,
            generator=torch.Generator().manual_seed(0),
            amp=False,
        )
        weights.append([param.detach().clone() for param in module.parameters()])
    assert all(torch.equal(ours, theirs) for ours, theirs in zip(*weights))


def problem(seed: int) -> tuple[Tensors, Tensors]:
    gen = torch.Generator().manual_seed(seed)
    n = 4000
    cat = torch.stack([torch.randint(0, k, (n,), generator=gen) for k in (40, 7, 3)], dim=1)
    cont = torch.randn(n, 2, generator=gen)
    effects = [torch.randn(k, generator=gen) for k in (40, 7, 3)]
    y = sum(effect[cat[:, i]] for i, effect in enumerate(effects)) + cont[:, 0] - 0.5 * cont[:, 1] ** 2
    y = (y + 0.3 * torch.randn(n, generator=gen)).unsqueeze(1)
    data = Tensors(cat, cont, y)
    return data.rows(slice(0, 3000)), data.rows(slice(3000, n))


def valid_loss(seed: int, plain: bool) -> float:
    train, valid = problem(0)
    torch.manual_seed(seed)
    module = EmbeddingNet([40, 7, 3], [8, 4, 2], 2, [64, 32], [0.1, 0.1], 0.1, 1)
    if plain:
        module = textbook(module)
        opt = torch.optim.AdamW(
            module.parameters(), lr=1e-2, betas=(0.9, 0.99), eps=1e-5, weight_decay=0.01, foreach=False
        )
    else:
        opt = make_optimizer(single_group(module, 1e-2), "adamw", 0.01)
    epochs, steps = 6, len(batch_starts(len(train), 128))
    lrs, moms = one_cycle(epochs * steps, 1e-2)
    gen = torch.Generator().manual_seed(seed)
    for epoch in range(epochs):
        window = slice(epoch * steps, (epoch + 1) * steps)
        train_steps(
            module, train, opt, F.mse_loss, lrs[None, window], moms[window], batch_size=128, generator=gen, amp=False
        )
    return float(F.mse_loss(predict_raw(module, valid, amp=False), valid.y))


@pytest.fixture(scope="module")
def losses() -> dict[bool, np.ndarray]:
    return {plain: np.array([valid_loss(seed, plain) for seed in range(6)]) for plain in (False, True)}


def test_fast_paths_learn_as_well_as_the_textbook_ones(losses):
    ours, plain = losses[False], losses[True]
    noise = np.sqrt(ours.var(ddof=1) / len(ours) + plain.var(ddof=1) / len(plain))
    assert abs(ours.mean() - plain.mean()) < 3 * noise
    assert ours.mean() < 0.15  # learned: the target's variance is above 3, its noise's 0.09
