import pytest
import torch
from torch import nn

from tabkit.nn.dropout import SparseDropout
from tabkit.nn.module import EmbeddingNet, emb_size


@pytest.mark.parametrize("n_cat,expected", [(2, 2), (3, 3), (8, 5), (1116, 81), (10**6, 600)])
def test_emb_size_follows_fastai_rule(n_cat, expected):
    assert emb_size(n_cat) == expected == min(600, round(1.6 * n_cat**0.56))


@pytest.fixture
def net():
    torch.manual_seed(0)
    return EmbeddingNet([5, 3], [4, 2], n_cont=2, layers=[8, 6], dropout=[0.1, 0.2], emb_dropout=0.04, n_out=1)


def test_architecture(net):
    assert [e.weight.shape for e in net.embeds] == [(5, 4), (3, 2)]
    assert isinstance(net.bn_cont, nn.BatchNorm1d) and net.bn_cont.num_features == 2
    kinds = [type(layer) for layer in net.layers]
    assert kinds == [nn.Linear, nn.ReLU, nn.BatchNorm1d, SparseDropout] * 2 + [nn.Linear]
    assert net.layers[0].in_features == 4 + 2 + 2
    assert [net.layers[3].p, net.layers[7].p] == [0.1, 0.2]
    assert net.layers[-1].out_features == 1


def test_forward_shape_and_y_range():
    torch.manual_seed(0)
    net = EmbeddingNet([5], [3], n_cont=1, layers=[8], dropout=[0.0], emb_dropout=0.0, n_out=1, y_range=(2.0, 3.0))
    net.layers[-1].bias.data.fill_(50.0)
    cat = torch.randint(0, 5, (10, 1))
    out = net.eval()(cat, torch.randn(10, 1) * 100)
    assert out.shape == (10, 1)
    assert ((out >= 2.0) & (out <= 3.0)).all()
    net.layers[-1].bias.data.fill_(-50.0)
    assert torch.allclose(net(cat, torch.zeros(10, 1)), torch.full((10, 1), 2.0))


@pytest.mark.parametrize("cards,n_cont", [([], 3), ([4, 6], 0)])
def test_only_categorical_or_only_continuous(cards, n_cont):
    net = EmbeddingNet(cards, [2] * len(cards), n_cont=n_cont, layers=[4], dropout=[0.0], emb_dropout=0.0, n_out=3)
    cat = torch.zeros(5, len(cards), dtype=torch.int64)
    assert net.eval()(cat, torch.randn(5, n_cont)).shape == (5, 3)


def test_embeddings_start_small(net):
    for embed in net.embeds:
        assert embed.weight.abs().max() <= 0.02
