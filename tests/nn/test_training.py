import numpy as np
import pytest
import torch
from torch import nn
from torch.nn import functional as F

from tabkit.nn import training
from tabkit.nn.module import EmbeddingNet
from tabkit.nn.schedule import one_cycle
from tabkit.nn.training import EarlyStopping, Tensors, batch_starts


@pytest.fixture
def data():
    gen = torch.Generator().manual_seed(0)
    cat = torch.randint(0, 10, (500, 1), generator=gen)
    cont = torch.randn(500, 2, generator=gen)
    effect = torch.linspace(-1, 1, 10)
    y = (effect[cat[:, 0]] + 0.5 * cont[:, 0]).unsqueeze(1)
    return Tensors(cat, cont, y)


def make_net(seed=0):
    torch.manual_seed(seed)
    return EmbeddingNet([10], [4], n_cont=2, layers=[16], dropout=[0.0], emb_dropout=0.0, n_out=1)


def run(net, data, **kwargs):
    settings = {
        "epochs": 3,
        "batch_size": 50,
        "lr": 1e-2,
        "weight_decay": 0.0,
        "optimizer": "adamw",
        "schedule": "one_cycle",
        "loss_fn": F.mse_loss,
        "generator": torch.Generator().manual_seed(0),
        "amp": False,
    }
    settings.update(kwargs)
    return training.fit(net, data, **settings)


@pytest.mark.parametrize("n_rows,batch,expected", [(10, 4, [0, 4]), (8, 4, [0, 4]), (3, 4, [0]), (512, 512, [0])])
def test_batch_starts_drop_partial_last_batch(n_rows, batch, expected):
    assert list(batch_starts(n_rows, batch)) == expected


@pytest.mark.parametrize("optimizer,schedule", [("adamw", "one_cycle"), ("adamw", "constant"), ("sgd", "one_cycle")])
def test_training_reduces_loss(data, optimizer, schedule):
    net = make_net()
    before = F.mse_loss(training.predict_raw(net, data, amp=False), data.y).item()
    lr = 0.05 if optimizer == "sgd" else 1e-2
    history = run(net, data, epochs=6, optimizer=optimizer, schedule=schedule, lr=lr)
    after = F.mse_loss(training.predict_raw(net, data, amp=False), data.y).item()
    assert after < 0.3 * before
    assert history[-1]["train_loss"] < history[0]["train_loss"]
    assert [row["epoch"] for row in history] == list(range(1, 7))


def test_each_epoch_sees_every_row_once_in_shuffled_order(data):
    seen = []

    class Recorder(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.zeros(1))

        def forward(self, cat, cont):
            seen.append(cat[:, 0].clone())
            return cont[:, :1] * self.w

    ids = Tensors(torch.arange(500).unsqueeze(1), torch.randn(500, 2), torch.zeros(500, 1))
    run(Recorder(), ids, epochs=2, batch_size=100)
    first, second = torch.cat(seen[:5]), torch.cat(seen[5:])
    assert sorted(first.tolist()) == sorted(second.tolist()) == list(range(500))
    assert not torch.equal(first, torch.arange(500)) and not torch.equal(first, second)


def test_schedule_reaches_the_optimizer(data):
    history = run(make_net(), data, epochs=2, schedule="constant", lr=0.003)
    assert [row["lr"] for row in history] == [0.003, 0.003]
    history = run(make_net(), data, epochs=2, schedule="one_cycle", lr=0.003)
    assert history[0]["lr"] > history[1]["lr"]
    lrs, _ = one_cycle(20, 0.003)  # 500 rows / 50 per batch = 10 steps per epoch
    assert [row["lr"] for row in history] == [lrs[9], lrs[19]]


def test_set_hyper_sets_momentum_for_both_optimizers():
    net = make_net()
    adam = training.make_optimizer(training.single_group(net, 1e-3), "adamw", 0.1)
    training.set_hyper(adam, 0.5, 0.8)
    assert adam.param_groups[0]["lr"] == 0.5 and adam.param_groups[0]["betas"] == (0.8, 0.99)
    sgd = training.make_optimizer(training.single_group(net, 1e-3), "sgd", 0.1)
    training.set_hyper(sgd, 0.5, 0.8)
    assert sgd.param_groups[0]["momentum"] == 0.8


def test_evaluate_adds_columns(data):
    history = run(make_net(), data, evaluate=lambda module: {"valid_loss": 1.5, "score": 2.0})
    assert list(history[0]) == ["epoch", "train_loss", "valid_loss", "score", "lr", "seconds"]


@pytest.mark.parametrize("patience,expected_epochs", [(None, 5), (2, 4)])
def test_early_stopping_keeps_best_weights(data, patience, expected_epochs):
    scores = iter([3.0, 1.0, 2.0, 2.5, 2.7])
    snapshots = []

    def evaluate(module):
        snapshots.append({k: v.clone() for k, v in module.state_dict().items()})
        return {"valid_loss": next(scores)}

    net = make_net()
    stopping = EarlyStopping("valid_loss", greater_is_better=False, patience=patience)
    history = run(net, data, epochs=5, evaluate=evaluate, early_stopping=stopping)
    assert len(history) == expected_epochs
    assert stopping.best_epoch == 2
    for name, value in net.state_dict().items():
        assert torch.equal(value, snapshots[1][name])


def test_early_stopping_greater_is_better():
    net = make_net()
    stopping = EarlyStopping("acc", greater_is_better=True, patience=1)
    assert not stopping.update(1, 0.5, net)
    assert not stopping.update(2, 0.7, net)
    assert stopping.update(3, 0.6, net)
    assert stopping.best_epoch == 2 and stopping.best_value == 0.7


def test_predict_raw_batches_match_one_pass(data):
    net = make_net().eval()
    whole = training.predict_raw(net, data, amp=False, batch_size=10_000)
    pieces = training.predict_raw(net, data, amp=False, batch_size=7)
    assert torch.allclose(whole, pieces, atol=1e-6)
    assert whole.dtype == torch.float32 and whole.shape == (500, 1)
    assert not np.isnan(whole.numpy()).any()
