import matplotlib
import numpy as np
import pytest
from threadpoolctl import threadpool_limits

matplotlib.use("Agg")


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture(autouse=True, scope="session")
def one_blas_thread():
    """Small problems run faster on one BLAS thread, and the xdist workers do not oversubscribe
    the cores (2 OpenBLAS threads made small products 20 times slower on a loaded machine)."""
    with threadpool_limits(1):
        yield
