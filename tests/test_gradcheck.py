import numpy as np
import pytest

from mlopt.gradcheck import check_grad, numerical_gradient, rel_error


def test_numerical_gradient_is_second_order_accurate():
    f = lambda x: float(np.sin(x).sum())  # noqa: E731
    x = np.array([0.3, 1.2])
    errs = [np.abs(numerical_gradient(f, x, h=h) - np.cos(x)).max() for h in (1e-2, 1e-3)]
    # O(h^2): ten times smaller h, about a hundred times smaller error
    assert 50 < errs[0] / errs[1] < 200


def test_numerical_gradient_does_not_modify_x_and_handles_tuples():
    x = np.array([1.0, 2.0])
    g = numerical_gradient(lambda z: (float(z @ z), 2 * z), x)
    np.testing.assert_allclose(g, [2.0, 4.0], rtol=1e-8)
    np.testing.assert_array_equal(x, [1.0, 2.0])


def test_check_grad_detects_wrong_gradients():
    good = lambda x: (float(x @ x), 2 * x)  # noqa: E731
    sign = lambda x: (float(x @ x), -2 * x)  # noqa: E731
    half = lambda x: (float(x @ x), x)  # noqa: E731
    x = np.array([0.5, -1.5, 2.0])
    assert check_grad(good, x) < 1e-8
    assert check_grad(sign, x) == pytest.approx(1.0)
    assert check_grad(half, x) == pytest.approx(1 / 3)


def test_rel_error_and_errors():
    assert rel_error([0.0], [0.0]) == 0.0
    with pytest.raises(ValueError, match=r"a.shape=\(2,\), b.shape=\(3,\)"):
        rel_error(np.zeros(2), np.zeros(3))
    with pytest.raises(ValueError, match="h must be"):
        numerical_gradient(lambda x: 0.0, np.zeros(2), h=-1.0)
    with pytest.raises(ValueError, match="gradient has shape"):
        check_grad(lambda x: (0.0, np.zeros(3)), np.zeros(2))
