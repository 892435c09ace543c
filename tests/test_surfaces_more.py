"""Beale, Himmelblau, the saddle and noisy surfaces: gradients by finite differences, minima."""

import numpy as np
import pytest

from mlopt.gradcheck import check_grad, numerical_gradient
from mlopt.surfaces import beale, himmelblau, noisy, quadratic, saddle


@pytest.mark.parametrize("surface", [beale(), himmelblau(), saddle()], ids=lambda s: s.name)
def test_gradient_matches_finite_differences(surface, rng):
    lo, hi = np.array([surface.xlim[0], surface.ylim[0]]), np.array([surface.xlim[1],
                                                                      surface.ylim[1]])
    for p in rng.uniform(lo / 2, hi / 2, size=(10, 2)):
        assert check_grad(surface, p) < 1e-6


@pytest.mark.parametrize("surface", [beale(), himmelblau(), saddle()], ids=lambda s: s.name)
def test_broadcasts_over_a_grid(surface, rng):
    grid = rng.uniform(-1, 1, size=(2, 3, 4))
    values, grads = surface(grid)
    assert values.shape == (3, 4) and grads.shape == (2, 3, 4)
    v, g = surface(grid[:, 2, 1])
    assert values[2, 1] == pytest.approx(v)
    np.testing.assert_allclose(grads[:, 2, 1], g)


def test_beale_minimum():
    value, grad = beale()(np.array([3.0, 0.5]))
    assert value == 0.0 and np.all(grad == 0.0)
    assert beale().value(np.array([1.0, 1.0])) == pytest.approx(
        (1.5 - 1 + 1) ** 2 + (2.25 - 1 + 1) ** 2 + (2.625 - 1 + 1) ** 2)


@pytest.mark.parametrize("p", [(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186),
                               (3.584428, -1.848126)])
def test_himmelblau_four_minima(p):
    value, grad = himmelblau()(np.array(p))
    assert value < 1e-10 and np.linalg.norm(grad) < 1e-4


def test_saddle_point_and_minima():
    f = saddle()
    value, grad = f(np.zeros(2))
    assert value == 0.0 and np.all(grad == 0.0)
    # Hessian at the origin by finite differences of the gradient: diag(1, -1)
    H = np.array([numerical_gradient(lambda p, i=i: f(p)[1][i], np.zeros(2)) for i in range(2)])
    np.testing.assert_allclose(H, np.diag([1.0, -1.0]), atol=1e-6)
    for y in (1.0, -1.0):
        value, grad = f(np.array([0.0, y]))
        assert value == -0.25 and np.all(grad == 0.0)


def test_noisy_gradient_is_unbiased_with_the_given_scale():
    base = quadratic(4.0)
    f = noisy(base, scale=0.5, rng=0)
    p = np.array([1.0, -1.0])
    exact_value, exact_grad = base(p)
    draws = np.array([f(p)[1] for _ in range(4000)])
    assert f(p)[0] == exact_value
    # mean within 5 standard errors, standard deviation within 5 %
    np.testing.assert_allclose(draws.mean(axis=0), exact_grad, atol=5 * 0.5 / np.sqrt(4000))
    np.testing.assert_allclose(draws.std(axis=0), 0.5, rtol=0.05)
    assert f.name.endswith("noisy") and np.all(f.minimizer == base.minimizer)
    np.testing.assert_array_equal(noisy(base, 0.0)(p)[1], exact_grad)
    with pytest.raises(ValueError, match="scale must be a finite number >= 0"):
        noisy(base, -1.0)
