import numpy as np
import pytest

from tabkit.prep.target import TargetTransform, target_transform


def test_log_round_trip_and_identity():
    log = TargetTransform("log")
    y = np.array([1.0, 10.0, 12345.6])
    np.testing.assert_allclose(log.forward(y), np.log(y))
    np.testing.assert_allclose(log.inverse(log.forward(y)), y, rtol=1e-15)
    same = TargetTransform()
    assert same.is_identity and not log.is_identity
    labels = np.array(["a", "b"])
    assert same.forward(labels) is not None and (same.inverse(labels) == labels).all()


@pytest.mark.parametrize(
    "spec, name", [(True, "log"), ("log", "log"), (False, "identity"), (None, "identity"), ("identity", "identity")]
)
def test_target_transform_from_flags_and_names(spec, name):
    assert target_transform(spec) == TargetTransform(name)
    assert target_transform(TargetTransform(name)).name == name


def test_bad_names_and_values_are_refused():
    with pytest.raises(ValueError, match="target transform must be one of"):
        TargetTransform("sqrt")
    with pytest.raises(ValueError, match=r"needs Sales > 0, but 2 of 4 row\(s\)"):
        TargetTransform("log").check([1.0, 0.0, np.nan, 3.0], "Sales")
    np.testing.assert_array_equal(TargetTransform().check([0.0, -1.0]), [0.0, -1.0])
