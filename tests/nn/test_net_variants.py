"""Numerical-feature embeddings (cont_embedding) and members trained at once (n_members)."""

import copy
import io

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

import tabkit as tk
from tabkit.nn.dropout import SparseDropout
from tabkit.nn.gather import gather_embeddings
from tabkit.nn.members import MemberBatchNorm, MemberHeads, MemberLinear, average_members
from tabkit.nn.numeric import PeriodicEmbedding, PiecewiseEmbedding, quantile_edges

VARIANTS = [
    {"cont_embedding": "periodic"},
    {"cont_embedding": "piecewise"},
    {"n_members": 3},
    {"cont_embedding": "piecewise", "n_members": 2},
]


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def data(frame):
    """The shared frame with a second continuous column, which has few distinct values."""
    X, y = frame
    rng = np.random.default_rng(1)
    return X.assign(z=rng.integers(0, 4, len(X)).astype(float)), y


def round_trip(model):
    buffer = io.BytesIO()
    joblib.dump(model, buffer)
    buffer.seek(0)
    return joblib.load(buffer)


def slow_piecewise(x: float, edges: list[float]) -> list[float]:
    """The encoding, one component at a time."""
    out = []
    for t in range(1, len(edges)):
        value = (x - edges[t - 1]) / (edges[t] - edges[t - 1])
        out.append(min(max(value, 0.0), 1.0))
    return out


def test_piecewise_encoding_equals_slow_reference():
    edges = [[-1.0, 0.0, 2.0, 5.0], [0.0, 1.0]]
    embedding = PiecewiseEmbedding(edges, dim=3)
    values = [-3.0, -1.0, -0.5, 0.0, 1.0, 2.0, 4.5, 5.0, 7.0]
    x = torch.tensor([[v, v] for v in values])
    encoded = embedding.encode(x)
    assert encoded.shape == (len(values), 2, 3)
    for row, value in enumerate(values):
        np.testing.assert_allclose(encoded[row, 0].numpy(), slow_piecewise(value, edges[0]), rtol=1e-6)
        # the second feature has one bin: its two padding components stay 0
        np.testing.assert_allclose(encoded[row, 1].numpy(), [*slow_piecewise(value, edges[1]), 0.0, 0.0], rtol=1e-6)
    assert encoded[0].sum() == 0  # below the first edge: zeros
    np.testing.assert_array_equal(encoded[-1, 0].numpy(), [1.0, 1.0, 1.0])  # above the last: ones
    out = embedding(x)
    weight, bias = embedding.linear.weight, embedding.linear.bias
    expected = torch.einsum("bft,ftd->bfd", encoded, weight) + bias
    torch.testing.assert_close(out, expected.flatten(1))


def test_quantile_edges():
    rng = np.random.default_rng(0)
    values = np.column_stack([rng.normal(size=1000), rng.integers(0, 3, 1000), np.full(1000, 2.5)])
    edges = quantile_edges(values, 4)
    np.testing.assert_allclose(edges[0], np.quantile(values[:, 0], [0, 0.25, 0.5, 0.75, 1.0]))
    assert edges[1] == [0.0, 1.0, 2.0]  # repeated quantiles are dropped
    assert edges[2] == [2.5, 3.5]  # a constant column gets one bin


def test_periodic_embedding_of_a_known_input():
    embedding = PeriodicEmbedding(n_features=2, dim=2, n_frequencies=2, frequency_scale=0.1)
    with torch.no_grad():
        embedding.frequencies.copy_(torch.tensor([[0.25, 0.5], [1.0, 0.0]]))
        embedding.linear.weight.copy_(torch.tensor([[[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, -1.0]]] * 2))
        embedding.linear.bias.zero_()
    x = torch.tensor([[1.0, 0.5]])
    encoded = embedding.encode(x)
    # feature 0 at x = 1: angles pi/2 and pi; feature 1 at x = 0.5: angles pi and 0
    expected = torch.tensor([[[1.0, 0.0, 0.0, -1.0], [0.0, 0.0, -1.0, 1.0]]])
    torch.testing.assert_close(encoded, expected, atol=1e-6, rtol=0)
    # linear: (sin_a + cos_a, sin_b - cos_b), then ReLU
    torch.testing.assert_close(embedding(x), torch.tensor([[1.0, 1.0, 0.0, 0.0]]), atol=1e-6, rtol=0)


def test_periodic_frequencies_start_at_the_scale():
    torch.manual_seed(0)
    embedding = PeriodicEmbedding(n_features=50, dim=4, n_frequencies=40, frequency_scale=0.3)
    assert embedding.frequencies.std().item() == pytest.approx(0.3, rel=0.05)


def test_member_linear_is_rank_one_scaled():
    torch.manual_seed(0)
    layer = MemberLinear(5, 3, k=4, first=True)
    assert set(layer.r.detach().unique().tolist()) == {-1.0, 1.0}
    assert torch.equal(layer.s.detach(), torch.ones(4, 3))
    assert torch.equal(layer.bias[0], layer.bias[3])  # one initial bias for every member
    with torch.no_grad():
        layer.s.normal_()
        layer.bias.normal_()
    x = torch.randn(6, 5)
    out = layer(x)
    assert out.shape == (6, 4, 3)
    for i in range(4):
        expected = layer.s[i] * ((layer.r[i] * x) @ layer.weight.t()) + layer.bias[i]
        torch.testing.assert_close(out[:, i], expected)
    assert torch.equal(MemberLinear(5, 3, k=4, first=False).r.detach(), torch.ones(4, 5))


def test_member_heads_and_batchnorm_are_per_member():
    torch.manual_seed(0)
    heads = MemberHeads(4, 2, k=3)
    x = torch.randn(5, 3, 4)
    out = heads(x)
    for i in range(3):
        torch.testing.assert_close(out[:, i], x[:, i] @ heads.weight[i] + heads.bias[i])
    torch.testing.assert_close(heads(x[:, 0]), torch.stack([x[:, 0] @ w for w in heads.weight], 1) + heads.bias)
    norm = MemberBatchNorm(4, k=3).train()
    scaled = x * torch.tensor([1.0, 10.0, 100.0]).view(1, 3, 1)
    normed = norm(scaled)
    torch.testing.assert_close(normed[:, 2], torch.nn.functional.batch_norm(scaled[:, 2], None, None, training=True))


def test_average_members():
    out = torch.randn(7, 4, 3)
    torch.testing.assert_close(average_members(out, "outputs"), out.mean(1))
    probabilities = torch.softmax(average_members(out, "probabilities"), dim=1)
    torch.testing.assert_close(probabilities, torch.softmax(out, dim=2).mean(1))


def test_member_loss_is_the_mean_of_the_members_losses():
    out = torch.randn(8, 3, 1)
    target = torch.randn(8, 1)
    loss = tk.EmbeddingNetRegressor()._loss(out, target)
    members = [torch.nn.functional.mse_loss(out[:, i], target) for i in range(3)]
    torch.testing.assert_close(loss, torch.stack(members).mean())
    logits, labels = torch.randn(8, 3, 4), torch.randint(0, 4, (8,))
    loss = tk.EmbeddingNetClassifier()._loss(logits, labels)
    members = [torch.nn.functional.cross_entropy(logits[:, i], labels) for i in range(3)]
    torch.testing.assert_close(loss, torch.stack(members).mean())


class TodaysNet(nn.Module):
    """The net before cont_embedding and n_members, line for line."""

    def __init__(self, cardinalities, emb_sizes, n_cont, layers, dropout, emb_dropout, n_out, y_range, y_offset, **_):
        super().__init__()
        self.embeds = nn.ModuleList(nn.Embedding(n, size) for n, size in zip(cardinalities, emb_sizes))
        for embed in self.embeds:
            nn.init.trunc_normal_(embed.weight, std=0.01, a=-0.02, b=0.02)
        self.emb_drop = SparseDropout(emb_dropout)
        self.bn_cont = nn.BatchNorm1d(n_cont)
        blocks, width = [], sum(emb_sizes) + n_cont
        for size, p in zip(layers, dropout):
            blocks += [nn.Linear(width, size), nn.ReLU(inplace=True), nn.BatchNorm1d(size)]
            if p:
                blocks.append(SparseDropout(p))
            width = size
        self.layers = nn.Sequential(*blocks, nn.Linear(width, n_out))
        self.y_range, self.y_offset = y_range, y_offset

    def layer_groups(self):
        groups = [self.embeds, [self.bn_cont, *self.layers[:-1]], [self.layers[-1]]]
        return [
            (name, [p for m in mods for p in m.parameters()])
            for name, mods in zip(("embeddings", "body", "head"), groups)
        ]

    def forward(self, cat, cont):
        embedded = self.emb_drop(gather_embeddings(cat, [embed.weight for embed in self.embeds]))
        out = self.layers(torch.cat([embedded, self.bn_cont(cont)], dim=1))
        if self.y_range is not None:
            low, high = self.y_range
            out = low + (high - low) * torch.sigmoid(out + self.y_offset)
        return out


@pytest.mark.parametrize("cls", [tk.EmbeddingNetRegressor, tk.EmbeddingNetClassifier])
@pytest.mark.parametrize("y_range", [None, (5.0, 9.0)])
def test_defaults_give_todays_predictions(data, small, cls, y_range, monkeypatch):
    X, y = data
    target = y if cls is tk.EmbeddingNetRegressor else X["Kind"].to_numpy()
    extra = {"log_target": True, "y_range": y_range} if cls is tk.EmbeddingNetRegressor else {}
    settings = {**small, "dropout": 0.1, "emb_dropout": 0.1, **extra, "random_state": 3}
    if cls is tk.EmbeddingNetClassifier and y_range is not None:
        pytest.skip("a classifier has no y_range")
    X = X.drop(columns="Kind") if cls is tk.EmbeddingNetClassifier else X
    new = cls(**settings).fit(X.iloc[:500], target[:500])
    monkeypatch.setattr(cls, "_make_module", lambda self, config: TodaysNet(**config))
    today = cls(**settings).fit(X.iloc[:500], target[:500])
    assert list(new.module_.state_dict()) == list(today.module_.state_dict())
    for name, tensor in today.module_.state_dict().items():
        assert torch.equal(new.module_.state_dict()[name], tensor), name
    np.testing.assert_array_equal(new._predict_raw(X), today._predict_raw(X))


@pytest.mark.parametrize("settings", VARIANTS)
def test_shapes_and_determinism(data, small, settings):
    X, y = data
    first = tk.EmbeddingNetRegressor(**small, **settings, log_target=True, random_state=0)
    first.fit(X.iloc[:500], y[:500], X_val=X.iloc[500:], y_val=y[500:], metric="rmspe")
    again = tk.EmbeddingNetRegressor(**small, **settings, log_target=True, random_state=0).fit(X.iloc[:500], y[:500])
    predictions = first.predict(X)
    assert predictions.shape == (len(X),) and np.isfinite(predictions).all()
    np.testing.assert_array_equal(again.predict(X), predictions)
    other = tk.EmbeddingNetRegressor(**small, **settings, log_target=True, random_state=1).fit(X.iloc[:500], y[:500])
    assert not np.array_equal(other.predict(X), predictions)
    # the history's metric is that of the predictions (the members' average)
    rmspe = np.sqrt(np.mean(((y[500:] - first.predict(X.iloc[500:])) / y[500:]) ** 2))
    assert first.history_["rmspe"].iloc[-1] == pytest.approx(rmspe, rel=1e-5)
    classifier = tk.EmbeddingNetClassifier(**small, **settings, random_state=0).fit(X.drop(columns="Kind"), X["Kind"])
    proba = classifier.predict_proba(X.drop(columns="Kind"))
    assert proba.shape == (len(X), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-9)


@pytest.mark.parametrize("settings", VARIANTS)
def test_joblib_round_trip_is_bit_for_bit(data, small, settings):
    X, y = data
    model = tk.EmbeddingNetRegressor(**small, **settings, random_state=0).fit(X, y)
    loaded = round_trip(model)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded.get_params() == model.get_params()
    for name, tensor in model.module_.state_dict().items():
        assert torch.equal(loaded.module_.state_dict()[name], tensor), name


def test_model_saved_before_the_new_parameters_loads(data, small):
    X, y = data
    model = tk.EmbeddingNetRegressor(**small, random_state=0).fit(X, y)
    state = copy.deepcopy(model.__getstate__())
    for name in ("cont_embedding", "cont_embedding_dim", "n_frequencies", "frequency_scale", "n_bins", "n_members"):
        del state[name]
        del state["architecture_"][name]
    for key in ("cont_embedding", "cont_config", "n_members", "average"):
        del state["module_config_"][key]
    old = tk.EmbeddingNetRegressor.__new__(tk.EmbeddingNetRegressor)
    old.__setstate__(state)
    np.testing.assert_array_equal(old.predict(X), model.predict(X))
    assert old.get_params() == model.get_params()
    old.set_params(epochs=1).fit(X, y, warm_start=True)


@pytest.mark.parametrize("settings", [{"cont_embedding": "piecewise"}, {"n_members": 2}])
def test_warm_start_keeps_working(data, small, settings):
    X, y = data
    model = tk.EmbeddingNetRegressor(**small, **settings, random_state=0).fit(X.iloc[:500], y[:500])
    config = model.module_config_
    before = model.predict(X)
    model.fit(X.iloc[:500], y[:500], X_val=X.iloc[500:], y_val=y[500:], metric="rmse", warm_start=True)
    assert model.history_["epoch"].tolist() == [1, 2, 3, 4]
    assert model.module_config_ is config  # the bins stay those of the first fit
    assert not np.array_equal(model.predict(X), before)
    changed = {"n_members": 3} if "n_members" in settings else {"n_bins": 8}
    with pytest.raises(ValueError, match=f"warm_start=True continues the fitted module, but {next(iter(changed))}"):
        model.set_params(**changed).fit(X, y, warm_start=True)


@pytest.mark.parametrize("kind", ["periodic", "piecewise"])
def test_freezing_the_embeddings_group_freezes_the_numeric_embeddings(data, small, kind):
    X, y = data
    model = tk.EmbeddingNetRegressor(**small, cont_embedding=kind, n_members=2, random_state=0).fit(X, y)
    groups = dict(model.module_.layer_groups())
    numeric = list(model.module_.cont_embed.parameters())
    assert numeric and all(any(p is q for q in groups["embeddings"]) for p in numeric)
    every = [p for params in groups.values() for p in params]
    assert {id(p) for p in every} == {id(p) for p in model.module_.parameters()} and len(every) == len(
        set(map(id, every))
    )
    before = {k: v.clone() for k, v in model.module_.state_dict().items()}
    model.freeze("embeddings")
    assert not any(p.requires_grad for p in numeric)
    model.fit(X, y, warm_start=True)
    after = model.module_.state_dict()
    for name in before:
        if name.startswith(("embeds.", "cont_embed.")):
            assert torch.equal(before[name], after[name]), name
    assert not torch.equal(before["layers.0.weight"], after["layers.0.weight"])


def test_transform_keeps_its_meaning(data, small):
    X, y = data
    plain = tk.EmbeddingNetRegressor(**small, random_state=0).fit(X, y)
    embedded = tk.EmbeddingNetRegressor(**small, cont_embedding="periodic", n_members=2, random_state=0).fit(X, y)
    out = embedded.transform(X)
    assert list(out.columns) == list(plain.transform(X).columns)
    pd.testing.assert_frame_equal(out[["x", "z"]], plain.transform(X)[["x", "z"]])
    assert list(embedded.embeddings_) == ["Store", "DayOfWeek", "Kind", "x_na"]


def test_numeric_embedding_widths(data, small):
    X, y = data
    model = tk.EmbeddingNetRegressor(**small, cont_embedding="piecewise", cont_embedding_dim=5, n_bins=6)
    model.fit(X, y)
    embed = model.module_.cont_embed
    assert model.module_.bn_cont is None
    edges = model.module_config_["cont_config"]["edges"]
    assert [len(e) - 1 for e in edges][0] == 6 and len(edges[1]) - 1 < 6  # z has 4 values: fewer bins
    assert embed.linear.weight.shape == (2, 6, 5)  # z's bins padded to 6
    assert embed.used.sum(dim=1).tolist() == [6.0, len(edges[1]) - 1]
    n_cat = sum(e.embedding_dim for e in model.module_.embeds)
    assert model.module_.layers[0].in_features == n_cat + 2 * 5


@pytest.mark.parametrize(
    "name,value,match",
    [
        (
            "cont_embedding",
            "fourier",
            r"cont_embedding must be one of \(None, 'periodic', 'piecewise'\), got 'fourier'",
        ),
        ("cont_embedding_dim", 0, "cont_embedding_dim must be an integer greater than 0, got 0"),
        ("n_frequencies", 2.5, "n_frequencies must be an integer greater than 0, got 2.5"),
        ("frequency_scale", -0.1, "frequency_scale must be a number greater than 0, got -0.1"),
        ("frequency_scale", float("nan"), "frequency_scale must be a number greater than 0"),
        ("n_bins", 0, "n_bins must be an integer greater than 0, got 0"),
        ("n_members", 0, "n_members must be an integer greater than 0, got 0"),
        ("n_members", True, "n_members must be an integer greater than 0, got True"),
    ],
)
def test_bad_settings(data, small, name, value, match):
    X, y = data
    for cls in (tk.EmbeddingNetRegressor, tk.EmbeddingNetClassifier):
        with pytest.raises(ValueError, match=match):
            cls(**small, **{name: value})._check_settings()
    with pytest.raises(ValueError, match=match):
        tk.EmbeddingNetRegressor(**small, **{name: value}).fit(X, y)
    from tabkit.pipeline.kinds.embedding_net import EmbeddingNetKind

    with pytest.raises(ValueError, match=match):
        EmbeddingNetKind().check_params({name: value}, "regression")


def test_members_without_hidden_layers(data, small):
    X, y = data
    model = tk.EmbeddingNetRegressor(**{**small, "layers": (), "dropout": ()}, n_members=3, random_state=0).fit(X, y)
    assert isinstance(model.module_.layers[-1], MemberHeads) and len(model.module_.layers) == 1
    assert np.isfinite(model.predict(X)).all()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("settings", VARIANTS)
def test_variants_on_cuda(data, small, settings):
    X, y = data
    model = tk.EmbeddingNetRegressor(**{**small, "device": "cuda"}, **settings, random_state=0).fit(X, y)
    assert model.module_.layers[0].weight.device.type == "cuda"
    predictions = model.predict(X)
    assert np.isfinite(predictions).all()
    np.testing.assert_array_equal(round_trip(model).predict(X), predictions)
