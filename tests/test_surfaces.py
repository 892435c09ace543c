import numpy as np
import pytest

from mlopt.gradcheck import check_grad
from mlopt.surfaces import quadratic, rosenbrock


@pytest.mark.parametrize("surface", [quadratic(10.0, angle=0.3), rosenbrock()])
def test_gradient_and_minimizer(surface, rng):
    for p in rng.uniform(-1.5, 1.5, size=(5, 2)):
        assert check_grad(surface, p) < 1e-6
    value, grad = surface(surface.minimizer)
    assert value == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(grad, 0.0, atol=1e-12)


def test_quadratic_condition_number_and_broadcasting():
    f = quadratic(25.0, mu=2.0, angle=0.7)
    np.testing.assert_allclose(np.linalg.eigvalsh(f.hessian), [2.0, 50.0])
    grid = np.random.default_rng(0).normal(size=(2, 4, 5))
    values = f.value(grid)
    assert values.shape == (4, 5)
    assert values[1, 2] == pytest.approx(f(grid[:, 1, 2])[0])
    with pytest.raises(ValueError, match="condition_number must be >= 1"):
        quadratic(0.5)
    with pytest.raises(ValueError, match=r"shape \(2,\) or \(2, ...\)"):
        f(np.zeros(3))
