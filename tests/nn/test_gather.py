import pytest
import torch
from torch import nn

from tabkit.nn.gather import gather_embeddings


def tables(seed: int = 0) -> nn.ModuleList:
    torch.manual_seed(seed)
    return nn.ModuleList(nn.Embedding(n, width) for n, width in [(1116, 81), (8, 5), (3, 3), (53, 15), (4, 3)])


@pytest.mark.parametrize("rows", [1, 7, 512, 5000])
def test_equal_to_embedding_lookups_and_their_gradients(rows):
    reference, ours = tables(), tables()
    torch.manual_seed(1)
    codes = torch.stack([torch.randint(0, embed.num_embeddings, (rows,)) for embed in reference], dim=1)
    grad = torch.randn(rows, sum(embed.embedding_dim for embed in reference))
    expected = torch.cat([embed(codes[:, i]) for i, embed in enumerate(reference)], dim=1)
    expected.backward(grad)
    out = gather_embeddings(codes, [embed.weight for embed in ours])
    out.backward(grad)
    assert torch.equal(out, expected)
    for mine, theirs in zip(ours, reference):
        assert torch.equal(mine.weight.grad, theirs.weight.grad)


def test_frozen_tables_get_no_gradient():
    embeds = tables()
    embeds[0].weight.requires_grad_(False)
    codes = torch.zeros(4, len(embeds), dtype=torch.int64)
    gather_embeddings(codes, [embed.weight for embed in embeds]).sum().backward()
    assert embeds[0].weight.grad is None
    assert torch.equal(embeds[1].weight.grad[0], torch.full((5,), 4.0))


def test_out_of_range_code_is_an_error():
    embeds = tables()
    codes = torch.zeros(2, len(embeds), dtype=torch.int64)
    codes[1, 1] = 8
    with pytest.raises(IndexError):
        gather_embeddings(codes, [embed.weight for embed in embeds])
