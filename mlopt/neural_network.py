r"""Neural networks from their layers up: forward and backward passes side by side.

A layer maps a batch ``x`` of shape ``(batch, n_in)`` to ``out = layer.forward(x)`` and, given
the gradient of a scalar loss with respect to ``out``, returns the gradient with respect to
``x`` from ``layer.backward(grad_out)`` (storing its parameters' gradients on the way). A
:class:`Sequential` chains layers; the chain rule is the loop over the layers in reverse.

=================  =========================================================================
layer              forward / backward (``g`` = gradient of the loss w.r.t. the output)
=================  =========================================================================
:class:`Linear`    ``x @ W + b`` / ``g @ W.T``; ``dW = x.T @ g``, ``db = g.sum(axis=0)``
:class:`ReLU`      ``max(x, 0)`` / ``g * (x > 0)``
:class:`Sigmoid`   ``s = 1 / (1 + exp(-x))`` / ``g * s * (1 - s)``
:class:`Tanh`      ``t = tanh(x)`` / ``g * (1 - t**2)``
:class:`Dropout`   training: ``x * m / (1 - p)``, ``m ~ Bernoulli(1 - p)`` / ``g * m / (1 - p)``;
                   evaluation: identity
=================  =========================================================================

Weights are shaped ``(n_in, n_out)`` like scikit-learn's ``coefs_`` (``torch.nn.Linear`` stores
the transpose, ``(out_features, in_features)``). The loss on the logits is the softmax
cross-entropy of :mod:`mlopt.losses` (log-sum-exp stable), or the logistic loss for two
classes. :class:`MLPClassifier` trains such a network with scikit-learn's parameter names,
through :func:`mlopt.training.minibatches` and the optimizers of :mod:`mlopt.optimizers`.

Derived in ``notebooks/10_neural_networks_and_backpropagation.ipynb``.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from mlopt._validation import (
    check_classification_data,
    check_int,
    check_interval,
    check_positive,
)
from mlopt.losses import (
    _binary_cross_entropy_logits,
    _class_probabilities,
    _predicted_index,
    _softmax_cross_entropy_logits,
    log_sum_exp,
    sigmoid,
)
from mlopt.optimizers import Optimizer, adam, sgd
from mlopt.training import minibatches

__all__ = [
    "Layer",
    "Linear",
    "ReLU",
    "Sigmoid",
    "Tanh",
    "Identity",
    "Dropout",
    "Sequential",
    "glorot_uniform",
    "glorot_normal",
    "he_uniform",
    "he_normal",
    "sklearn_uniform",
    "MLPClassifier",
]


# --- initializers ----------------------------------------------------------------------------

def _rng(rng):
    """A Generator (or a RandomState, kept as it is for scikit-learn's stream)."""
    if isinstance(rng, np.random.RandomState):
        return rng
    return np.random.default_rng(rng)


def glorot_uniform(n_in, n_out, rng=None, gain=1.0):
    r"""Glorot (Xavier) uniform weights, shape ``(n_in, n_out)``.

    Parameters
    ----------
    n_in, n_out : int
        Fan-in and fan-out of the layer.
    rng : numpy.random.Generator, int or None
        Source of the draws (a seed makes a new Generator).
    gain : float, default=1.0
        Multiplies the bound (``torch.nn.init.calculate_gain``: :math:`\sqrt2` for ReLU).

    Returns
    -------
    ndarray, shape (n_in, n_out)
        Entries uniform on :math:`[-a, a]`, :math:`a = \text{gain}\sqrt{6/(n_{in}+n_{out})}`.

    Notes
    -----
    A uniform variable on :math:`[-a, a]` has variance :math:`a^2/3 = 2/(n_{in}+n_{out})`:
    the compromise between keeping the forward variance (:math:`n_{in}\,\mathrm{Var}W = 1`)
    and the backward variance (:math:`n_{out}\,\mathrm{Var}W = 1`) of a linear or tanh
    network. Keras' default ``glorot_uniform``; ``torch.nn.init.xavier_uniform_``.

    References
    ----------
    .. [1] Glorot and Bengio, "Understanding the difficulty of training deep feedforward
       neural networks", AISTATS 2010, §4.2.
    .. [2] ``notebooks/10_neural_networks_and_backpropagation.ipynb``, section 3.

    Examples
    --------
    >>> W = glorot_uniform(300, 100, rng=0)
    >>> W.shape, round(float(W.var() * (300 + 100) / 2), 1)
    ((300, 100), 1.0)
    """
    bound = gain * np.sqrt(6.0 / (n_in + n_out))
    return _rng(rng).uniform(-bound, bound, size=(n_in, n_out))


def glorot_normal(n_in, n_out, rng=None, gain=1.0):
    r"""Glorot (Xavier) normal weights: :math:`\mathcal N(0, \text{gain}^2\,2/(n_{in}+n_{out}))`.

    Parameters, Returns, References as :func:`glorot_uniform` (``torch.nn.init.xavier_normal_``,
    Keras ``glorot_normal`` without its truncation).

    Examples
    --------
    >>> W = glorot_normal(300, 100, rng=0)
    >>> round(float(W.std() * np.sqrt((300 + 100) / 2)), 1)
    1.0
    """
    std = gain * np.sqrt(2.0 / (n_in + n_out))
    return _rng(rng).normal(0.0, std, size=(n_in, n_out))


def he_uniform(n_in, n_out, rng=None):
    r"""He (Kaiming) uniform weights on :math:`[-a, a]`, :math:`a = \sqrt{6/n_{in}}`.

    Same variance :math:`2/n_{in}` as :func:`he_normal`; ``torch.nn.init.kaiming_uniform_``
    with ``nonlinearity="relu"``, Keras ``he_uniform``.

    Examples
    --------
    >>> W = he_uniform(200, 50, rng=0)
    >>> round(float(W.var() * 200 / 2), 1)
    1.0
    """
    bound = np.sqrt(6.0 / n_in)
    return _rng(rng).uniform(-bound, bound, size=(n_in, n_out))


def he_normal(n_in, n_out, rng=None):
    r"""He (Kaiming) normal weights: :math:`\mathcal N(0, 2/n_{in})`, for ReLU networks.

    Parameters
    ----------
    n_in, n_out : int
    rng : numpy.random.Generator, int or None

    Returns
    -------
    ndarray, shape (n_in, n_out)

    Notes
    -----
    ReLU zeroes half of a symmetric input, so :math:`E[\mathrm{relu}(z)^2] = \tfrac12
    \mathrm{Var}(z)`. For the pre-activations to keep their variance from layer to layer,
    :math:`n_{in}\,\mathrm{Var}(W)\,\tfrac12 = 1`, i.e. :math:`\mathrm{Var}(W) = 2/n_{in}`
    (Glorot's :math:`1/n_{in}` halves the variance at every ReLU layer).

    References
    ----------
    .. [1] He, Zhang, Ren, Sun, "Delving deep into rectifiers", ICCV 2015, §2.2.
    .. [2] ``notebooks/10_neural_networks_and_backpropagation.ipynb``, section 3.

    Examples
    --------
    >>> W = he_normal(200, 50, rng=0)
    >>> round(float(W.var() * 200 / 2), 1)
    1.0
    """
    return _rng(rng).normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out))


def sklearn_uniform(n_in, n_out, rng=None, activation="relu"):
    r"""scikit-learn's ``MLPClassifier`` initialization: weights *and* biases uniform.

    Parameters
    ----------
    n_in, n_out : int
    rng : numpy.random.RandomState, Generator, int or None
        scikit-learn draws from ``check_random_state(random_state)``, a ``RandomState``; pass
        one to reproduce its numbers (an int seeds a ``RandomState`` here, for that reason).
    activation : str, default="relu"
        scikit-learn's activation name; ``"logistic"`` uses factor 2, the others 6.

    Returns
    -------
    W : ndarray, shape (n_in, n_out)
    b : ndarray, shape (n_out,)
        Both uniform on :math:`[-a, a]`, :math:`a = \sqrt{f/(n_{in}+n_{out})}`, drawn in this
        order (``W`` first), as ``BaseMultilayerPerceptron._init_coef``.

    Examples
    --------
    >>> W, b = sklearn_uniform(4, 3, rng=0)
    >>> W.shape, b.shape, bool(np.abs(W).max() <= np.sqrt(6 / 7))
    ((4, 3), (3,), True)
    """
    if rng is None or isinstance(rng, numbers.Integral):
        rng = check_random_state(rng)
    rng = _rng(rng)
    factor = 2.0 if activation == "logistic" else 6.0
    bound = np.sqrt(factor / (n_in + n_out))
    W = rng.uniform(-bound, bound, (n_in, n_out))
    b = rng.uniform(-bound, bound, n_out)
    return W, b


_INITIALIZERS = {
    "glorot_uniform": glorot_uniform,
    "glorot_normal": glorot_normal,
    "he_uniform": he_uniform,
    "he_normal": he_normal,
}


# --- layers ----------------------------------------------------------------------------------

class Layer:
    """Base class: a layer without parameters passes ``forward`` and ``backward`` through.

    Subclasses override ``forward(x, training=False)`` and ``backward(grad_out)``; those with
    parameters also ``parameters()`` and ``gradients()`` (lists of arrays, same order).
    """

    def forward(self, x, training=False):
        return x

    def backward(self, grad_out):
        return grad_out

    def parameters(self):
        return []

    def gradients(self):
        return []

    def __call__(self, x, training=False):
        return self.forward(x, training=training)

    def __repr__(self):
        return f"{type(self).__name__}()"


def _as_batch(x, n_in=None, name="x"):
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(float)
    if x.ndim != 2:
        raise ValueError(f"{name} must be 2-D, shape (batch, n_features), got {name}.shape="
                         f"{x.shape}")
    if n_in is not None and x.shape[1] != n_in:
        raise ValueError(f"{name} has {x.shape[1]} features but the layer expects {n_in}: "
                         f"{name}.shape={x.shape}")
    return x


def _check_grad_out(grad_out, out_shape, layer):
    if out_shape is None:
        raise RuntimeError(f"{layer}.backward called before forward")
    grad_out = np.asarray(grad_out)
    if grad_out.shape != out_shape:
        raise ValueError(f"grad_out has shape {grad_out.shape} but the output of the last "
                         f"forward had shape {out_shape}")
    return grad_out


class Linear(Layer):
    r"""Affine layer ``out = x @ weight + bias``.

    Parameters
    ----------
    n_in, n_out : int
        Input and output features.
    init : str or callable, default="glorot_uniform"
        ``"glorot_uniform"``, ``"glorot_normal"``, ``"he_uniform"``, ``"he_normal"``,
        ``"zeros"``, or ``init(n_in, n_out, rng) -> W``. The bias starts at 0.
    rng : numpy.random.Generator, int or None
        Source of the initial weights.

    Attributes
    ----------
    weight : ndarray, shape (n_in, n_out)
        Like scikit-learn's ``coefs_[i]``; the transpose of ``torch.nn.Linear.weight``.
    bias : ndarray, shape (n_out,)
    grad_weight, grad_bias : ndarray
        Gradients from the last ``backward``, shaped like ``weight`` and ``bias``.

    Notes
    -----
    With :math:`Y = XW + \mathbf 1 b^\top` (:math:`X` of shape :math:`(B, n_{in})`) and
    :math:`G = \partial L/\partial Y` of shape :math:`(B, n_{out})`, the chain rule on
    :math:`Y_{ij} = \sum_k X_{ik}W_{kj} + b_j` gives

    .. math::

        \frac{\partial L}{\partial W} = X^\top G \;(n_{in}\times n_{out}),\qquad
        \frac{\partial L}{\partial b} = G^\top\mathbf 1 \;(n_{out}),\qquad
        \frac{\partial L}{\partial X} = G W^\top \;(B\times n_{in}).

    The shapes decide the formulas: the only product of :math:`X` and :math:`G` shaped like
    :math:`W` is :math:`X^\top G`. The bias is used by every sample, so its gradient sums over
    the batch. No :math:`1/B` here: it belongs to the loss (a mean over the batch).

    References
    ----------
    .. [1] Goodfellow, Bengio, Courville, *Deep Learning*, §6.5.
    .. [2] ``notebooks/10_neural_networks_and_backpropagation.ipynb``, section 1.

    Examples
    --------
    >>> layer = Linear(3, 2, rng=0)
    >>> x = np.ones((4, 3))
    >>> layer.forward(x).shape, layer.backward(np.ones((4, 2))).shape
    ((4, 2), (4, 3))
    >>> layer.grad_weight.shape, layer.grad_bias
    ((3, 2), array([4., 4.]))
    """

    def __init__(self, n_in, n_out, *, init="glorot_uniform", rng=None):
        n_in, n_out = check_int("n_in", n_in, 1), check_int("n_out", n_out, 1)
        if callable(init):
            W = init(n_in, n_out, _rng(rng))
        elif init == "zeros":
            W = np.zeros((n_in, n_out))
        elif init in _INITIALIZERS:
            W = _INITIALIZERS[init](n_in, n_out, _rng(rng))
        else:
            raise ValueError(f"init must be one of {sorted(_INITIALIZERS) + ['zeros']} or a "
                             f"callable, got init={init!r}")
        W = np.asarray(W, dtype=float)
        if W.shape != (n_in, n_out):
            raise ValueError(f"init returned shape {W.shape}, expected {(n_in, n_out)}")
        self.weight, self.bias = W, np.zeros(n_out)
        self.grad_weight = self.grad_bias = None
        self._x = None

    @classmethod
    def from_weights(cls, weight, bias):
        """A layer holding the given arrays (not copied), e.g. scikit-learn's ``coefs_[i]``."""
        weight, bias = np.asarray(weight), np.asarray(bias)
        if weight.ndim != 2 or bias.shape != (weight.shape[1],):
            raise ValueError(f"weight must be (n_in, n_out) and bias (n_out,), got "
                             f"weight.shape={weight.shape}, bias.shape={bias.shape}")
        layer = cls.__new__(cls)
        layer.weight, layer.bias = weight, bias
        layer.grad_weight = layer.grad_bias = None
        layer._x = None
        return layer

    def forward(self, x, training=False):
        x = _as_batch(x, self.weight.shape[0])
        self._x = x
        return x @ self.weight + self.bias

    def backward(self, grad_out):
        g = _check_grad_out(grad_out, None if self._x is None
                            else (self._x.shape[0], self.weight.shape[1]), self)
        self.grad_weight = self._x.T @ g
        self.grad_bias = g.sum(axis=0)
        return g @ self.weight.T

    def parameters(self):
        return [self.weight, self.bias]

    def gradients(self):
        return [self.grad_weight, self.grad_bias]

    def __repr__(self):
        return f"Linear({self.weight.shape[0]}, {self.weight.shape[1]})"


class ReLU(Layer):
    r"""Rectified linear unit, :math:`\max(x, 0)`; derivative 1 where :math:`x > 0`, else 0.

    Notes
    -----
    The kink at :math:`x = 0` has every slope in :math:`[0, 1]` as a subgradient; like
    ``torch.nn.ReLU`` and scikit-learn, the backward pass uses 0 there (the mask is
    ``x > 0``). Since :math:`\max(x, 0) > 0 \iff x > 0`, the mask can equally be read from
    the output (scikit-learn does); what it must not be read from is the incoming gradient.

    Examples
    --------
    >>> relu = ReLU()
    >>> relu.forward(np.array([[-1.0, 0.0, 2.0]]))
    array([[0., 0., 2.]])
    >>> relu.backward(np.array([[5.0, 5.0, 5.0]]))
    array([[0., 0., 5.]])
    """

    def __init__(self):
        self._mask = None

    def forward(self, x, training=False):
        x = np.asarray(x)
        self._mask = x > 0
        return np.where(self._mask, x, 0.0).astype(np.result_type(x, np.float32), copy=False)

    def backward(self, grad_out):
        g = _check_grad_out(grad_out, None if self._mask is None else self._mask.shape, self)
        return g * self._mask


class _ActivationFromOutput(Layer):
    """An entrywise activation whose derivative is a function of its output, which ``forward``
    keeps: subclasses give ``function(x)`` and ``derivative(out)``."""

    def __init__(self):
        self._out = None

    def forward(self, x, training=False):
        x = np.asarray(x)
        out = np.asarray(self.function(x))
        self._out = out.astype(np.result_type(x, np.float32), copy=False)
        return self._out

    def backward(self, grad_out):
        g = _check_grad_out(grad_out, None if self._out is None else self._out.shape, self)
        return g * self.derivative(self._out)


class Sigmoid(_ActivationFromOutput):
    r"""Logistic sigmoid :math:`s = \sigma(x)`; backward :math:`g\,s(1 - s)`, from the output.

    Uses the overflow-free :func:`mlopt.losses.sigmoid`. Its derivative is at most
    :math:`1/4` (at 0), the root of the vanishing gradients of deep sigmoid networks.

    Examples
    --------
    >>> layer = Sigmoid()
    >>> layer.forward(np.zeros((1, 2)))
    array([[0.5, 0.5]])
    >>> layer.backward(np.ones((1, 2)))
    array([[0.25, 0.25]])
    """

    def function(self, x):
        return sigmoid(x)

    def derivative(self, s):
        return s * (1.0 - s)


class Tanh(_ActivationFromOutput):
    r"""Hyperbolic tangent :math:`t = \tanh x`; backward :math:`g\,(1 - t^2)`, from the output.

    Examples
    --------
    >>> layer = Tanh()
    >>> layer.forward(np.zeros((1, 2)))
    array([[0., 0.]])
    >>> layer.backward(np.ones((1, 2)))
    array([[1., 1.]])
    """

    def function(self, x):
        return np.tanh(x)

    def derivative(self, t):
        return 1.0 - t ** 2


class Identity(Layer):
    """No activation (scikit-learn's ``activation="identity"``)."""


class Dropout(Layer):
    r"""Inverted dropout: in training, zero each entry with probability ``p`` and scale the rest.

    Parameters
    ----------
    p : float, default=0.5
        Probability of dropping an entry, in :math:`[0, 1)`.
    rng : numpy.random.Generator, int or None
        The layer's own source of masks (a seed makes a new Generator): two layers built with
        the same seed draw the same masks; the global ``np.random`` state is never used.

    Raises
    ------
    ValueError
        If ``p`` is not in :math:`[0, 1)`.

    Notes
    -----
    Training: :math:`m_{ij} \sim \text{Bernoulli}(1 - p)`, :math:`y = x \odot m / (1 - p)`,
    so :math:`E[y] = x`: the next layer sees inputs of the same scale in training and in
    evaluation, where the layer is the identity (nothing to rescale at test time, unlike the
    original formulation, which scaled the weights by :math:`1 - p` after training).
    Backward: :math:`\partial L/\partial x = g \odot m / (1 - p)`, the same mask.
    ``torch.nn.Dropout(p)`` and ``keras.layers.Dropout(rate)`` do the same.

    References
    ----------
    .. [1] Srivastava et al., "Dropout: a simple way to prevent neural networks from
       overfitting", *JMLR* 15, 2014.
    .. [2] ``notebooks/10_neural_networks_and_backpropagation.ipynb``, section 4.

    Examples
    --------
    >>> drop = Dropout(0.5, rng=0)
    >>> y = drop.forward(np.ones((2, 4)), training=True)
    >>> sorted(set(y.ravel().tolist()))       # dropped, or kept and scaled by 1 / (1 - p)
    [0.0, 2.0]
    >>> drop.forward(np.ones((2, 4)), training=False)    # evaluation: identity
    array([[1., 1., 1., 1.],
           [1., 1., 1., 1.]])
    """

    def __init__(self, p=0.5, rng=None):
        self.p = check_interval("p", p, 0.0, 1.0)
        self.rng = np.random.default_rng(rng)
        self._scale = None
        self._shape = None

    def forward(self, x, training=False):
        x = np.asarray(x)
        self._shape = x.shape
        if not training or self.p == 0.0:
            self._scale = None
            return x
        keep = self.rng.random(x.shape) >= self.p
        self._scale = keep * np.asarray(1.0 / (1.0 - self.p), dtype=x.dtype)
        return x * self._scale

    def backward(self, grad_out):
        g = _check_grad_out(grad_out, self._shape, self)
        return g if self._scale is None else g * self._scale

    def __repr__(self):
        return f"Dropout(p={self.p})"


class Sequential(Layer):
    r"""Layers applied in order; ``backward`` runs the chain rule through them in reverse.

    Parameters
    ----------
    *layers : Layer

    Notes
    -----
    For :math:`y = f_L(\cdots f_1(x))`, each layer's backward maps
    :math:`\partial L/\partial(\text{its output})` to :math:`\partial L/\partial(\text{its
    input})` (a vector–Jacobian product, never forming the Jacobian), so one backward sweep
    costs about as much as the forward pass: reverse-mode automatic differentiation.

    Examples
    --------
    >>> net = Sequential(Linear(3, 4, rng=0), ReLU(), Linear(4, 2, rng=1))
    >>> net
    Sequential(Linear(3, 4), ReLU(), Linear(4, 2))
    >>> out = net.forward(np.ones((5, 3)))
    >>> net.backward(np.ones_like(out)).shape, [g.shape for g in net.gradients()]
    ((5, 3), [(3, 4), (4,), (4, 2), (2,)])
    """

    def __init__(self, *layers):
        self.layers = list(layers)

    def forward(self, x, training=False):
        for layer in self.layers:
            x = layer.forward(x, training=training)
        return x

    def backward(self, grad_out):
        for layer in reversed(self.layers):
            grad_out = layer.backward(grad_out)
        return grad_out

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]

    def gradients(self):
        return [g for layer in self.layers for g in layer.gradients()]

    def __getitem__(self, i):
        return self.layers[i]

    def __len__(self):
        return len(self.layers)

    def __repr__(self):
        return f"Sequential({', '.join(map(repr, self.layers))})"


# --- the estimator ---------------------------------------------------------------------------

_ACTIVATIONS = {"relu": ReLU, "tanh": Tanh, "logistic": Sigmoid, "identity": Identity}


def _check_choice(name, value, options):
    if not (isinstance(value, str) and value in options):
        raise ValueError(f"{name} must be one of {options}, got {name}={value!r}")


class MLPClassifier(ClassifierMixin, BaseEstimator):
    r"""Multi-layer perceptron classifier, trained by mini-batches with mlopt's optimizers.

    Same parameters, objective, initialization and fitted attributes as
    ``sklearn.neural_network.MLPClassifier`` with a stochastic solver; the network is a
    :class:`Sequential` of :class:`Linear` layers and activations (plus :class:`Dropout`
    after each hidden activation when ``dropout > 0``), the batches come from
    :func:`mlopt.training.minibatches`, the steps from :mod:`mlopt.optimizers`.

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(100,)
        Units of each hidden layer.
    activation : {"relu", "tanh", "logistic", "identity"}, default="relu"
        Hidden activation (scikit-learn's names; ``"logistic"`` is the sigmoid).
    solver : {"adam", "sgd"} or Optimizer, default="adam"
        ``"adam"``: :func:`mlopt.optimizers.adam` (``learning_rate_init``, ``beta_1``,
        ``beta_2``, ``epsilon``); ``"sgd"``: :func:`mlopt.optimizers.sgd`
        (``learning_rate_init``, ``momentum``, ``nesterovs_momentum``). Any
        :class:`mlopt.optimizers.Optimizer` (with its own learning rate or schedule) is used
        as it is, on the vector of all weights and biases.
    alpha : float, default=1e-4
        L2 penalty on the weights (not the biases), scaled as scikit-learn's (see Notes).
    batch_size : int or "auto", default="auto"
        ``"auto"`` is ``min(200, n_samples)``; larger values are clipped, with a warning.
    learning_rate_init : float, default=1e-3
        Constant learning rate of ``"sgd"`` and ``"adam"``.
    max_iter : int, default=200
        Maximum number of epochs.
    shuffle : bool, default=True
        Reshuffle the samples every epoch.
    random_state : int, RandomState or None, default=None
        Seeds the initial weights (same numbers as scikit-learn's for the same value), the
        validation split, then the shuffles and the dropout masks.
    tol : float, default=1e-4
        Improvement threshold of the stopping rule (see Notes).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data (stratified), stop on its accuracy and
        keep the best epoch's weights.
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=10
        Epochs without an improvement larger than ``tol`` before stopping.
    momentum : float, default=0.9
        β of ``"sgd"``.
    nesterovs_momentum : bool, default=True
        Nesterov momentum for ``"sgd"`` (when ``momentum > 0``).
    beta_1, beta_2 : float, default=0.9, 0.999
        Moment decay rates of ``"adam"``.
    epsilon : float, default=1e-8
        ``"adam"``'s eps (added after torch's bias correction, see Notes).
    dropout : float, default=0.0
        Dropout probability after each hidden activation (not in scikit-learn).

    Attributes
    ----------
    classes_ : ndarray, shape (n_classes,)
    coefs_ : list of ndarray
        ``coefs_[i]`` of shape ``(units[i], units[i + 1])``.
    intercepts_ : list of ndarray
        ``intercepts_[i]`` of shape ``(units[i + 1],)``.
    loss_curve_ : list of float
        Per epoch, the size-weighted mean of the mini-batch objectives met during the epoch.
    loss_ : float
        The last entry of ``loss_curve_``.
    batch_losses_, grad_norms_ : list of float
        Per step (not in scikit-learn): the mini-batch objective and the Euclidean norm of
        its gradient (all weights and biases), before the step; for diagnosing spikes and
        divergence (they are kept when ``fit`` raises on a non-finite loss).
    best_loss_ : float or None
    validation_scores_ : list of float or None
        Validation accuracy per epoch (``early_stopping=True``), else None.
    best_validation_score_ : float or None
    n_iter_ : int
        Epochs run.
    t_ : int
        Samples seen (``n_iter_ * n_train``).
    n_layers_, n_outputs_ : int
    out_activation_ : {"softmax", "logistic"}
    n_features_in_ : int

    Notes
    -----
    *Objective on a batch* :math:`B` (scikit-learn's convention, kept so that results agree):

    .. math:: J_B = \frac1{|B|}\sum_{i\in B}\ell(z_i, y_i) + \frac{\alpha}{2|B|}
              \sum_l \lVert W_l\rVert_F^2 ,

    :math:`\ell` the softmax cross-entropy on the logits :math:`z_i`, or for two classes the
    logistic loss of a *single* output unit (scikit-learn's choice, ``n_outputs_ = 1``). The
    penalty is divided by the batch size, not by the training-set size, so the same ``alpha``
    regularizes more with smaller batches.

    *Conventions, against scikit-learn's stochastic solvers:*

    - ``loss_curve_[e]`` is the mean of the batch objectives *during* epoch :math:`e`,
      each at the weights before its step (and with dropout on), not the loss after it;
    - the loss is computed from the logits (log-sum-exp), scikit-learn's from clipped
      probabilities: equal unless a probability is below :math:`2.2\times10^{-16}`;
    - ``"sgd"`` is torch's form, :math:`b_t = \beta b_{t-1} + g_t`, step :math:`\eta b_t`
      (Nesterov: :math:`\eta(g_t + \beta b_t)`); scikit-learn keeps
      :math:`v_t = \beta v_{t-1} - \eta g_t`, i.e. :math:`v_t = -\eta b_t` for a constant
      rate: the same iterates up to rounding;
    - ``"adam"`` is torch's: :math:`\eta\,\hat m_t/(\sqrt{\hat v_t} + \epsilon)`;
      scikit-learn's "efficient" form :math:`\eta_t m_t / (\sqrt{v_t} + \epsilon)`,
      :math:`\eta_t = \eta\sqrt{1-\beta_2^t}/(1-\beta_1^t)`, equals torch's with
      :math:`\epsilon/\sqrt{1-\beta_2^t}` in place of :math:`\epsilon` (a larger eps in
      the first steps: 31.6 times at :math:`t = 1` for :math:`\beta_2 = 0.999`); the two
      agree as :math:`\epsilon \to 0`;
    - the stopping rule is scikit-learn's: stop once the training loss (or, with early
      stopping, the validation accuracy) has not improved by ``tol`` on its best for more
      than ``n_iter_no_change`` epochs; then a ``ConvergenceWarning`` at ``max_iter``;
    - shuffles and dropout masks come from a ``Generator`` seeded from ``random_state``,
      scikit-learn shuffles with its ``RandomState``: with ``shuffle=True`` the orders
      differ (``shuffle=False`` gives identical runs).

    References
    ----------
    .. [1] Goodfellow, Bengio, Courville, *Deep Learning*, §6.5 (back-propagation), §7.12
       (dropout), §8.4 (initialization).
    .. [2] scikit-learn, ``sklearn/neural_network/_multilayer_perceptron.py``.
    .. [3] ``notebooks/10_neural_networks_and_backpropagation.ipynb``.

    Examples
    --------
    >>> from mlopt.datasets import load_digits
    >>> X, y = load_digits(return_X_y=True)
    >>> model = MLPClassifier(hidden_layer_sizes=(32,), learning_rate_init=0.01, max_iter=20,
    ...                       random_state=0)
    >>> _ = model.fit(X[:1000] / 16, y[:1000])
    >>> [W.shape for W in model.coefs_], model.n_iter_
    ([(64, 32), (32, 10)], 20)
    >>> bool(model.score(X[1000:] / 16, y[1000:]) > 0.85)
    True
    """

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam",
                 alpha=1e-4, batch_size="auto", learning_rate_init=1e-3, max_iter=200,
                 shuffle=True, random_state=None, tol=1e-4, early_stopping=False,
                 validation_fraction=0.1, n_iter_no_change=10, momentum=0.9,
                 nesterovs_momentum=True, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 dropout=0.0):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.dropout = dropout

    # -- checks and building ------------------------------------------------------------------

    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if isinstance(sizes, numbers.Integral) else list(sizes)
        if not all(isinstance(s, numbers.Integral) and s > 0 for s in sizes):
            raise ValueError(f"hidden_layer_sizes must be positive integers, got "
                             f"hidden_layer_sizes={self.hidden_layer_sizes!r}")
        return [int(s) for s in sizes]

    def _optimizer(self):
        if isinstance(self.solver, Optimizer):
            return self.solver
        _check_choice("solver", self.solver, ("adam", "sgd"))
        lr = check_positive("learning_rate_init", self.learning_rate_init)
        if self.solver == "sgd":
            momentum = check_interval("momentum", self.momentum, 0.0, 1.0)
            return sgd(lr=lr, momentum=momentum,
                       nesterov=bool(self.nesterovs_momentum) and momentum > 0)
        return adam(lr=lr, beta1=check_interval("beta_1", self.beta_1, 0.0, 1.0),
                    beta2=check_interval("beta_2", self.beta_2, 0.0, 1.0),
                    eps=check_positive("epsilon", self.epsilon))

    def _check_params(self):
        _check_choice("activation", self.activation, tuple(_ACTIVATIONS))
        check_positive("alpha", self.alpha, allow_zero=True)
        check_int("max_iter", self.max_iter, 1)
        check_positive("tol", self.tol, allow_zero=True)
        check_interval("validation_fraction", self.validation_fraction, 0.0, 1.0,
                       closed="neither")
        check_int("n_iter_no_change", self.n_iter_no_change, 1)
        check_interval("dropout", self.dropout, 0.0, 1.0)
        if not (self.batch_size == "auto" or (isinstance(self.batch_size, numbers.Integral)
                                              and self.batch_size >= 1)):
            raise ValueError(f"batch_size must be 'auto' or an integer >= 1, got "
                             f"batch_size={self.batch_size!r}")
        return self._hidden_sizes(), self._optimizer()

    def _build(self, units, init_rng):
        """The network, initialized as scikit-learn (same draws, same order)."""
        layers = []
        for i, (n_in, n_out) in enumerate(zip(units[:-1], units[1:])):
            W, b = sklearn_uniform(n_in, n_out, init_rng, self.activation)
            layers.append(Linear.from_weights(W, b))
            if i < len(units) - 2:
                layers.append(_ACTIVATIONS[self.activation]())
                if self.dropout > 0:
                    layers.append(Dropout(self.dropout, rng=self._rng))
        self._network = Sequential(*layers)
        self._linear = [layer for layer in layers if isinstance(layer, Linear)]
        self._sync_attributes()

    def _sync_attributes(self):
        self.coefs_ = [layer.weight for layer in self._linear]
        self.intercepts_ = [layer.bias for layer in self._linear]

    def _pack(self):
        return np.concatenate([a.ravel() for a in self.coefs_ + self.intercepts_])

    def _unpack(self, theta):
        """Point the layers' weights at slices of the flat parameter vector ``theta``."""
        start = 0
        for layer in self._linear:
            size = layer.weight.size
            layer.weight = theta[start:start + size].reshape(layer.weight.shape)
            start += size
        for layer in self._linear:
            size = layer.bias.size
            layer.bias = theta[start:start + size]
            start += size
        self._sync_attributes()

    # -- loss and gradient ----------------------------------------------------------------------

    def _encode(self, y):
        """Labels to targets: column indices of ``classes_`` -> one-hot, or 0/1 for 2 classes."""
        index = np.searchsorted(self.classes_, y)
        if self.classes_.size == 2:
            return index.astype(float)
        return np.eye(self.classes_.size)[index]

    def _loss_grad(self, X, Y, training):
        """Objective J_B on a batch and its gradient as one flat vector (coefs, intercepts)."""
        Z = self._network.forward(X, training=training)
        n = X.shape[0]
        if self.n_outputs_ == 1:
            loss, dz = _binary_cross_entropy_logits(Z[:, 0], Y)
            dZ = dz[:, None]
        else:
            loss, dZ, _ = _softmax_cross_entropy_logits(Z, Y)
        self._network.backward(dZ)
        alpha = self.alpha
        loss += 0.5 * alpha * sum(float(np.vdot(W, W)) for W in self.coefs_) / n
        coef_grads = [layer.grad_weight + (alpha / n) * layer.weight for layer in self._linear]
        intercept_grads = [layer.grad_bias for layer in self._linear]
        return loss, coef_grads, intercept_grads

    def loss_gradient(self, X, y):
        r"""The objective and its gradient at the current weights, on all of ``(X, y)``.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)
        y : array_like, shape (n_samples,)
            Labels from ``classes_``.

        Returns
        -------
        loss : float
            :math:`J` of the Notes with :math:`B` all samples, dropout off.
        coef_grads : list of ndarray
            Shaped like ``coefs_``.
        intercept_grads : list of ndarray
            Shaped like ``intercepts_``.

        Raises
        ------
        ValueError
            If a label is not in ``classes_`` or ``X`` has the wrong number of features.

        Notes
        -----
        The weights are read from ``coefs_`` and ``intercepts_``: assign new lists there (as
        in scikit-learn) to evaluate the objective at other weights.

        Examples
        --------
        >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
        >>> model = MLPClassifier((3,), max_iter=1, random_state=0).fit(X, [0, 1, 2])
        >>> loss, dW, db = model.loss_gradient(X, [0, 1, 2])
        >>> [g.shape for g in dW], [g.shape for g in db]
        ([(2, 3), (3, 3)], [(3,), (3,)])
        """
        check_is_fitted(self)
        X, y = validate_data(self, X, y, reset=False, dtype=np.float64)
        self._load_attributes()
        unknown = np.setdiff1d(y, self.classes_)
        if unknown.size:
            raise ValueError(f"y has labels {unknown[:10]} not in classes_ {self.classes_}")
        return self._loss_grad(X, self._encode(y), training=False)

    # -- fitting --------------------------------------------------------------------------------

    def fit(self, X, y):
        """Train the network.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)
        y : array_like, shape (n_samples,)
            Class labels (any type); at least two classes.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            A parameter out of range, an unknown solver, a single class, continuous
            targets, mismatched shapes, NaN or infinity, or a non-finite loss during
            training (with the epoch and advice).

        Warns
        -----
        sklearn.exceptions.ConvergenceWarning
            If ``max_iter`` epochs end before the stopping rule is met.
        """
        units_hidden, optimizer = self._check_params()
        X, y, self.classes_, _ = check_classification_data(self, X, y)
        self.n_outputs_ = 1 if self.classes_.size == 2 else self.classes_.size
        self.out_activation_ = "logistic" if self.n_outputs_ == 1 else "softmax"
        units = [X.shape[1], *units_hidden, self.n_outputs_]
        self.n_layers_ = len(units)
        init_rng = check_random_state(self.random_state)
        # shuffles and dropout masks: a Generator seeded from the same stream, after the
        # initial weights (which then equal scikit-learn's)
        self._rng = None
        self._build(units, init_rng)
        X_train, y_train, X_val, y_val = X, y, None, None
        if self.early_stopping:
            X_train, X_val, y_train, y_val = train_test_split(
                X, y, random_state=init_rng, test_size=self.validation_fraction, stratify=y)
            if X_val.shape[0] < 2:
                raise ValueError("The validation set is too small: increase "
                                 "validation_fraction or the size of the data set.")
        self._rng = np.random.default_rng(init_rng.randint(np.iinfo(np.int32).max))
        for layer in self._network.layers:
            if isinstance(layer, Dropout):
                layer.rng = self._rng
        self._train(X_train, self._encode(y_train), X_val, y_val, optimizer)
        return self

    def _batch_size(self, n_samples):
        if self.batch_size == "auto":
            return min(200, n_samples)
        if self.batch_size > n_samples:
            warnings.warn(f"batch_size={self.batch_size} is larger than the {n_samples} "
                          "training samples: it is clipped to the number of samples.", stacklevel=3)
        return int(min(self.batch_size, n_samples))

    def _train(self, X, Y, X_val, y_val, optimizer):
        n = X.shape[0]
        batch_size = self._batch_size(n)
        theta = self._pack()
        state = optimizer.init(theta)
        self._unpack(theta)
        self.loss_curve_, self.n_iter_, self.t_ = [], 0, 0
        self.batch_losses_, self.grad_norms_ = [], []
        self.best_loss_ = None if self.early_stopping else np.inf
        self.validation_scores_ = [] if self.early_stopping else None
        self.best_validation_score_ = -np.inf if self.early_stopping else None
        best_theta, no_improvement = theta.copy(), 0
        for _ in range(self.max_iter):
            total = 0.0
            for Xb, Yb in minibatches(X, Y, batch_size,
                                      rng=self._rng if self.shuffle else None,
                                      shuffle=bool(self.shuffle)):
                loss, coef_grads, intercept_grads = self._loss_grad(Xb, Yb, training=True)
                grad = np.concatenate([g.ravel() for g in coef_grads + intercept_grads])
                self.batch_losses_.append(loss)
                self.grad_norms_.append(float(np.sqrt(grad @ grad)))
                step, state = optimizer.update(grad, state, theta)
                theta = theta - step
                self._unpack(theta)
                total += loss * Xb.shape[0]
            self.n_iter_ += 1
            self.t_ += n
            self.loss_ = total / n
            self.loss_curve_.append(self.loss_)
            if not np.isfinite(self.loss_):
                raise ValueError(
                    f"the training loss is not finite at epoch {self.n_iter_} "
                    f"(loss_curve_[-1] = {self.loss_}): the steps diverged. Use a smaller "
                    "learning rate, scale the features, or clip the gradients.")
            if self.early_stopping:
                score = accuracy_score(y_val, self.predict(X_val))
                self.validation_scores_.append(score)
                no_improvement = (no_improvement + 1
                                  if score < self.best_validation_score_ + self.tol else 0)
                if score > self.best_validation_score_:
                    self.best_validation_score_ = score
                    best_theta = theta.copy()
            else:
                no_improvement = (no_improvement + 1
                                  if self.loss_ > self.best_loss_ - self.tol else 0)
                self.best_loss_ = min(self.best_loss_, self.loss_)
            if no_improvement > self.n_iter_no_change:
                break
        else:
            warnings.warn(f"Stochastic optimizer: maximum iterations ({self.max_iter}) "
                          "reached and the optimization hasn't converged yet "
                          f"(last loss {self.loss_:.6g}).", ConvergenceWarning, stacklevel=3)
        if self.early_stopping:
            theta = best_theta
        self._unpack(np.array(theta, copy=True))

    # -- prediction -----------------------------------------------------------------------------

    def _load_attributes(self):
        """Point the layers at ``coefs_`` and ``intercepts_`` (which a user may have set)."""
        for layer, W, b in zip(self._linear, self.coefs_, self.intercepts_):
            W, b = np.asarray(W, dtype=float), np.asarray(b, dtype=float)
            if W.shape != layer.weight.shape or b.shape != layer.bias.shape:
                raise ValueError(f"coefs_/intercepts_ have shapes {W.shape}/{b.shape}, the "
                                 f"network expects {layer.weight.shape}/{layer.bias.shape}")
            layer.weight, layer.bias = W, b

    def _logits(self, X):
        check_is_fitted(self)
        self._load_attributes()
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return self._network.forward(X, training=False)

    def _scores(self, X):
        """The logits, shape (n,) for two classes (one output unit), else (n, n_classes)."""
        Z = self._logits(X)
        return Z[:, 0] if self.n_outputs_ == 1 else Z

    def predict_proba(self, X):
        """Class probabilities (dropout off), columns in the order of ``classes_``.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)

        Returns
        -------
        ndarray, shape (n_samples, n_classes)
        """
        return _class_probabilities(self._scores(X))

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`, computed from the logits."""
        Z = self._logits(X)
        if self.n_outputs_ == 1:
            z = Z[:, 0]
            return -np.column_stack([np.logaddexp(0.0, z), np.logaddexp(0.0, -z)])
        return Z - log_sum_exp(Z, axis=1)[:, None]

    def predict(self, X):
        """Most probable class, from ``classes_``.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)

        Returns
        -------
        ndarray, shape (n_samples,)
        """
        index = _predicted_index(self._scores(X))  # checks that it is fitted
        return self.classes_[index]
