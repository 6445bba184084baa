"""fit_blend_weights and split_half_score: weights on the simplex, honest scores."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from tabkit import metrics
from tabkit.ensemble import fit_blend_weights, split_half_score
from tabkit.prep.target import TargetTransform


@pytest.fixture(scope="module")
def mixture():
    """y = 0.7 p1 + 0.3 p2 + small noise; p3 is unrelated."""
    rng = np.random.default_rng(0)
    truth = rng.normal(10, 3, size=400)
    members = np.column_stack(
        [truth + rng.normal(size=400), truth + 2 * rng.normal(size=400), rng.normal(10, 3, size=400)]
    )
    y = members[:, :2] @ [0.7, 0.3] + rng.normal(scale=0.05, size=400)
    return members, y


def simplex_grid(k: int, step: float) -> np.ndarray:
    ticks = np.arange(0, 1 + step / 2, step)
    return np.array([w for w in itertools.product(ticks, repeat=k - 1) if sum(w) <= 1 + 1e-12])


def exact_simplex_least_squares(members: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Reference: solve the equality-constrained least squares on every support, keep the
    best non-negative solution."""
    gram, cross = members.T @ members, members.T @ y
    k = members.shape[1]
    best, best_loss = None, np.inf
    for size in range(1, k + 1):
        for support in itertools.combinations(range(k), size):
            rows = list(support)
            system = np.zeros((size + 1, size + 1))
            system[:size, :size] = gram[np.ix_(rows, rows)]
            system[:size, size] = system[size, :size] = 1.0
            solution = np.linalg.solve(system, np.append(cross[rows], 1.0))
            weights = np.zeros(k)
            weights[rows] = solution[:size]
            if (weights >= 0).all() and squared_error(members, y, weights) < best_loss:
                best, best_loss = weights, squared_error(members, y, weights)
    return best


def squared_error(members, y, weights) -> float:
    return float(np.mean((members @ weights - y) ** 2))


def test_recovers_known_weights(mixture):
    members, y = mixture
    weights = fit_blend_weights(members, y)
    np.testing.assert_allclose(weights, [0.7, 0.3, 0.0], atol=0.005)
    assert (weights >= 0).all() and weights.sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(weights, exact_simplex_least_squares(members, y), atol=1e-6)


def test_least_squares_optimum_on_the_simplex(mixture):
    members, y = mixture
    members = members.copy()
    members[:, 2] = 2 * y - members[:, 0]  # a member the unconstrained fit would weight above 1
    weights = fit_blend_weights(members, y)
    assert (weights >= 0).all() and weights.sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(weights, exact_simplex_least_squares(members, y), atol=1e-6)
    grid = simplex_grid(3, 0.01)
    best_on_grid = min(squared_error(members, y, np.append(w, 1 - sum(w))) for w in grid)
    assert squared_error(members, y, weights) <= best_on_grid + 1e-9


def test_precise_on_log_sales_scale():
    """Members close to each other far from 0 (log sales ~ 8.7): the hard case for precision."""
    rng = np.random.default_rng(0)
    y = 8.7 + 0.3 * rng.normal(size=20000)
    members = np.column_stack(
        [
            y + 0.1 * rng.normal(size=20000),
            y + 0.12 * rng.normal(size=20000) + 0.02,
            y + 0.2 * rng.normal(size=20000),
            0.5 * (y + 0.1 * rng.normal(size=20000)) + 4.35,
        ]
    )
    np.testing.assert_allclose(fit_blend_weights(members, y), exact_simplex_least_squares(members, y), atol=1e-8)


def test_noiseless_mixture_is_exact():
    p = np.array([[1.0, 3.0], [2.0, 6.0], [3.0, 9.0], [4.0, -1.0]])
    np.testing.assert_allclose(fit_blend_weights(p, p @ [0.25, 0.75]), [0.25, 0.75], atol=1e-6)


def test_one_member_gets_all_the_weight(mixture):
    members, y = mixture
    np.testing.assert_array_equal(fit_blend_weights(members[:, :1], y), [1.0])


def test_list_of_members_is_the_same_as_a_matrix(mixture):
    members, y = mixture
    np.testing.assert_array_equal(fit_blend_weights(list(members.T), y), fit_blend_weights(members, y))


def test_units_do_not_matter(mixture):
    members, y = mixture
    np.testing.assert_allclose(fit_blend_weights(members * 1e4, y * 1e4), fit_blend_weights(members, y), atol=1e-6)


@pytest.fixture(scope="module")
def probabilities():
    """A sharp member that is right 80% of the time, and a vague one that knows nothing."""
    rng = np.random.default_rng(1)
    labels = np.array(["a", "b", "c"])[rng.integers(0, 3, 300)]
    sharp = np.full((300, 3), 0.05)
    guess = np.where(rng.random(300) < 0.8, np.searchsorted(["a", "b", "c"], labels), rng.integers(0, 3, 300))
    sharp[np.arange(300), guess] = 0.9
    vague = rng.dirichlet(np.ones(3) * 5, 300)
    return np.stack([sharp, vague], axis=1), labels


def test_log_loss_weights_are_the_optimum(probabilities):
    stacked, labels = probabilities
    weights = fit_blend_weights(stacked, labels)
    assert weights.sum() == pytest.approx(1.0, abs=1e-12) and weights[0] > 0.5

    def loss(w):
        return metrics.logloss(labels, np.tensordot(stacked, w, axes=([1], [0])), classes=["a", "b", "c"])

    best_on_grid = min(loss(np.array([w, 1 - w])) for w in np.linspace(0, 1, 1001))
    assert loss(weights) <= best_on_grid + 1e-9
    assert loss(weights) < min(loss(np.array([1.0, 0.0])), loss(np.array([0.0, 1.0])))


def test_classes_give_the_column_order(probabilities):
    stacked, labels = probabilities
    reordered = stacked[:, :, [2, 0, 1]]
    np.testing.assert_allclose(
        fit_blend_weights(reordered, labels, classes=["c", "a", "b"]), fit_blend_weights(stacked, labels), atol=1e-9
    )


def test_split_half_score_by_hand(mixture):
    members, y = mixture
    score, details = split_half_score(members, y, "rmse", seed=3)
    order = np.random.default_rng(3).permutation(len(y))
    first, second = order[:200], order[200:]
    w_first, w_second = fit_blend_weights(members[first], y[first]), fit_blend_weights(members[second], y[second])
    expected = [metrics.rmse(y[second], members[second] @ w_first), metrics.rmse(y[first], members[first] @ w_second)]
    np.testing.assert_array_equal(details["weights"][0], w_first)
    np.testing.assert_array_equal(details["weights"][1], w_second)
    assert details["scores"] == pytest.approx(expected, rel=1e-12)
    assert score == pytest.approx(np.mean(expected), rel=1e-12)
    assert details["rows"] == [200, 200] and details["seed"] == 3


def test_split_half_is_more_honest_than_in_sample():
    rng = np.random.default_rng(7)
    y = rng.normal(size=40)
    noise_members = y[:, None] + rng.normal(scale=1.0, size=(40, 8))
    in_sample = metrics.rmse(y, noise_members @ fit_blend_weights(noise_members, y))
    honest, _ = split_half_score(noise_members, y, "rmse", seed=0)
    assert honest > in_sample


def test_split_half_score_on_original_units_with_log_transform():
    rng = np.random.default_rng(2)
    sales = rng.uniform(1000, 9000, size=200)
    log_members = np.column_stack(
        [np.log(sales) + rng.normal(scale=0.1, size=200), np.log(sales) + rng.normal(scale=0.2, size=200)]
    )
    score, details = split_half_score(log_members, sales, "rmspe", seed=1, transform=TargetTransform("log"))
    order = np.random.default_rng(1).permutation(200)
    second = order[100:]
    expected = metrics.rmspe(sales[second], np.exp(log_members[second] @ details["weights"][0]))
    assert details["scores"][0] == pytest.approx(expected, rel=1e-12)
    same, _ = split_half_score(log_members, sales, "exp_rmspe", seed=1, transform="log")
    assert same == pytest.approx(score, rel=1e-12)


@pytest.mark.parametrize("metric", ["logloss", "accuracy"])
def test_split_half_score_of_probabilities(probabilities, metric):
    stacked, labels = probabilities
    score, details = split_half_score(stacked, labels, metric, seed=0)
    order = np.random.default_rng(0).permutation(len(labels))
    second = order[150:]
    blended = np.tensordot(stacked[second], details["weights"][0], axes=([1], [0]))
    classes = np.array(["a", "b", "c"])
    expected = (
        metrics.logloss(labels[second], blended, classes=classes)
        if metric == "logloss"
        else metrics.accuracy(labels[second], classes[blended.argmax(axis=1)])
    )
    assert details["scores"][0] == pytest.approx(expected, rel=1e-12)
    assert score == pytest.approx(np.mean(details["scores"]), rel=1e-12)


# ---- bad input ---------------------------------------------------------------------------------


def test_rows_must_match(mixture):
    members, y = mixture
    with pytest.raises(ValueError, match=r"predictions have 400 rows but y has shape \(399,\)"):
        fit_blend_weights(members, y[:-1])


def test_nan_predictions_name_the_member(mixture):
    members, y = mixture
    members = members.copy()
    members[[5, 6], 1] = np.nan
    with pytest.raises(ValueError, match="predictions of member 1 hold 2 NaN or infinite row"):
        fit_blend_weights(members, y)


def test_members_of_different_lengths():
    with pytest.raises(ValueError, match=r"the members' predictions differ in shape: \[\(3,\), \(4,\)\]"):
        fit_blend_weights([np.ones(3), np.ones(4)], np.ones(3))


def test_wrong_dimensions():
    with pytest.raises(ValueError, match=r"got shape \(5,\)"):
        fit_blend_weights(np.ones(5), np.ones(5))


def test_unknown_labels(probabilities):
    stacked, labels = probabilities
    with pytest.raises(ValueError, match=r"y holds label\(s\) \['z'\] not among the classes"):
        fit_blend_weights(stacked, np.where(labels == "a", "z", labels), classes=["a", "b", "c"])


def test_class_count_mismatch(probabilities):
    stacked, labels = probabilities
    with pytest.raises(ValueError, match="predictions have 3 class column"):
        fit_blend_weights(stacked, labels, classes=["a", "b"])


def test_split_half_needs_rows(mixture):
    members, y = mixture
    with pytest.raises(ValueError, match="at least 4 rows"):
        split_half_score(members[:3], y[:3], "rmse")


def test_split_half_metric_must_fit_the_predictions(mixture, probabilities):
    members, y = mixture
    with pytest.raises(ValueError, match="metric 'accuracy' scores classes, but the predictions are values"):
        split_half_score(members, y, "accuracy")
    stacked, labels = probabilities
    with pytest.raises(ValueError, match="metric 'rmse' scores values, but the predictions are probabilities"):
        split_half_score(stacked, labels, "rmse")
    with pytest.raises(ValueError, match="unknown metric 'r2'"):
        split_half_score(members, y, "r2")


def test_split_half_log_target_needs_positive_values(mixture):
    members, y = mixture
    with pytest.raises(ValueError, match="a log target needs y > 0"):
        split_half_score(members, y - 100, "rmse", transform="log")
