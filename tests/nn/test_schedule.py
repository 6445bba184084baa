import numpy as np
import pytest

from tabkit.nn.schedule import constant, exponential, one_cycle


def test_one_cycle_matches_fastai_shape():
    lrs, moms = one_cycle(1000, 1e-2)
    assert lrs[0] == pytest.approx(1e-2 / 25)
    peak = int(np.argmax(lrs))
    assert peak == 250 and lrs[peak] == pytest.approx(1e-2)
    assert 1e-2 / 1e5 <= lrs[-1] < 1e-2 / 1e4
    assert np.all(np.diff(lrs[:250]) > 0) and np.all(np.diff(lrs[250:]) < 0)
    assert moms[0] == pytest.approx(0.95) and moms[250] == pytest.approx(0.85)
    assert moms[-1] == pytest.approx(0.95, abs=1e-4)
    assert int(np.argmin(moms)) == peak


@pytest.mark.parametrize("n_steps", [1, 2, 3, 7])
def test_one_cycle_any_length(n_steps):
    lrs, moms = one_cycle(n_steps, 1e-3)
    assert len(lrs) == len(moms) == n_steps
    assert np.all((lrs > 0) & (lrs <= 1e-3))


def test_constant():
    lrs, moms = constant(5, 0.1)
    assert lrs.tolist() == [0.1] * 5 and moms.tolist() == [0.9] * 5


def test_exponential():
    lrs = exponential(5, 1e-4, 1.0)
    assert lrs == pytest.approx([1e-4, 1e-3, 1e-2, 1e-1, 1.0])
