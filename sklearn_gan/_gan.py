"""GANSampler: the 2014 generative adversarial nets as a scikit-learn estimator."""

import difflib
import functools
import inspect
import math
import multiprocessing
import numbers
import threading
import warnings
from contextlib import contextmanager, nullcontext
from types import MappingProxyType

import numpy as np
import torch
import tqdm
from scipy import sparse
from scipy.special import expit
from sklearn.base import DensityMixin
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data
from skorch import NeuralNet
from skorch.callbacks import EpochTimer, PrintLog, ProgressBar
from skorch.utils import TeeGenerator
from torch import nn
from torch.nn import functional as F

from ._exceptions import DivergenceError, DivergenceWarning, ModeCollapseWarning
from ._networks import MaxoutDiscriminator, MLPGenerator
from ._parzen import (
    DEFAULT_MEMORY_BUDGET,
    _summarise,
    parzen_log_likelihood,
    select_bandwidth,
)

__all__ = ["GANSampler"]

# Rows drawn per forward pass by ``sample``; bounds the memory of large draws.
_SAMPLE_BLOCK_ROWS = 16384

# The generator is reported as collapsed when its rows' spread is under this
# share of the held-out data's and under this share of its spread when the
# fit started (measured on this many generated rows), or when it is so small
# that the rows are one point, rounding aside.
_COLLAPSE_SPREAD_RATIO = 0.1
_COLLAPSE_SHRINK_RATIO = 0.5
_SPREAD_SAMPLE_ROWS = 2000
_COLLAPSE_POINT_RATIO = 1e-6

# Remedies appended to scikit-learn's input errors, found by a phrase of the
# error's message.
_INPUT_REMEDIES = (
    (
        "while dim <= 2 is required",
        "Reshape X to one row per sample, for example X.reshape(len(X), -1) "
        "for images.",
    ),
    (
        "feature names should match",
        "Pass the columns seen in fit, in the same order, for example "
        "X[estimator.feature_names_in_].",
    ),
    ("0 sample(s)", "Pass an X with at least one row."),
    ("0 feature(s)", "Pass an X with at least one column."),
    (
        "contains infinity",
        "Replace or drop the infinite values first, for example keep "
        "X[np.isfinite(X).all(axis=1)].",
    ),
)

# Largest absolute value of X accepted: squares of larger values overflow
# float64.
_LARGEST_SAFE_VALUE = 1e150

# Largest absolute value of X, with scaling=None, above which fit warns that
# the networks see unscaled data.
_UNSCALED_WARNING_LIMIT = 1e4

# Adam's moment decays used unless routed: the DCGAN recipe (Radford et al.).
_GAN_ADAM_BETAS = (0.5, 0.999)
_ADAM_FAMILY = (torch.optim.Adam, torch.optim.AdamW)

_GENERATOR_LOSSES = ("non_saturating", "minimax")
_NOISE_PRIORS = ("uniform", "normal")
_SCALINGS = ("standard", "minmax", None)
_ON_DIVERGENCE = ("raise", "warn")


def _is_positive_int(value):
    return (
        isinstance(value, numbers.Integral)
        and not isinstance(value, bool)
        and value > 0
    )


def _is_positive_real(value):
    return isinstance(value, numbers.Real) and math.isfinite(value) and value > 0


def _one_of(choices):
    return (lambda value: value in choices), f"one of {choices}"


# Each hyperparameter checked at the start of fit: (predicate, what is expected).
_PARAMETER_RULES = {
    "k": (_is_positive_int, "a positive integer"),
    "batch_size": (_is_positive_int, "a positive integer"),
    "max_epochs": (
        lambda value: value == 0 or _is_positive_int(value),
        "a non-negative integer",
    ),
    "noise_dim": (_is_positive_int, "a positive integer"),
    "n_parzen_samples": (_is_positive_int, "a positive integer"),
    "validation_fraction": (
        lambda value: isinstance(value, numbers.Real) and 0 < value < 1,
        "a number strictly between 0 and 1",
    ),
    "lr_g": (_is_positive_real, "a positive number"),
    "lr_d": (_is_positive_real, "a positive number"),
    "generator_loss": _one_of(_GENERATOR_LOSSES),
    "noise": _one_of(_NOISE_PRIORS),
    "scaling": _one_of(_SCALINGS),
    "on_divergence": _one_of(_ON_DIVERGENCE),
}


class GANSampler(DensityMixin, NeuralNet):
    """Generative adversarial network that learns to sample rows like ``X``.

    The generator G maps noise vectors to rows; the discriminator D estimates
    the probability that a row came from the data rather than from G. Both
    are trained together as in Algorithm 1 of Goodfellow et al. (2014): for
    every update of G, ``k`` minibatch updates of D on real and generated
    rows. After training, :meth:`sample` draws new rows and :meth:`score`
    rates held-out rows by the paper's Gaussian Parzen-window log-likelihood,
    so that the estimator can be tuned with ``GridSearchCV`` like any other.

    ``GANSampler`` is a :class:`skorch.NeuralNet` with two modules and two
    optimizers: the networks, the optimizers and their settings are routed
    parameters (``generator__hidden_units``,
    ``optimizer_discriminator__weight_decay``, ...), callbacks work as in
    skorch, and ``history_`` records every epoch.

    Parameters
    ----------
    generator : type or torch.nn.Module, default=MLPGenerator
        Generator class, built at fit time as
        ``generator(noise_dim=noise_dim, n_features=n_features,
        **generator__params)``, or a ready module, used as it is.
    discriminator : type or torch.nn.Module, default=MaxoutDiscriminator
        Discriminator class, built as ``discriminator(n_features=n_features,
        **discriminator__params)``, or a ready module. It must return one
        logit per row, shape ``(batch,)``.
    k : int, default=1
        Discriminator minibatch updates per generator update.
    generator_loss : {"non_saturating", "minimax"}, default="non_saturating"
        ``"non_saturating"`` maximises ``log D(G(z))``, the paper's advice
        for practice since it gives strong gradients early in training;
        ``"minimax"`` minimises ``log(1 - D(G(z)))``, the game's value.
    noise_dim : int, default=32
        Size of a noise vector z.
    noise : {"uniform", "normal"}, default="uniform"
        Noise prior: uniform on ``[-sqrt(3), sqrt(3)]`` (unit variance, as in
        the paper's code) or standard normal.
    lr_g, lr_d : float, default=2e-4
        Learning rates of the generator's and the discriminator's optimizer
        (``optimizer_generator__lr`` takes precedence over ``lr_g``).
    optimizer_generator, optimizer_discriminator : type, default=torch.optim.Adam
        Optimizer classes; their other arguments are routed, for example
        ``optimizer_generator__weight_decay=1e-5``. Adam and AdamW get
        ``betas=(0.5, 0.999)`` unless ``betas`` is routed, the usual setting
        for GANs since Radford et al. (2016); Adam's default 0.9 makes the
        game oscillate more.
    max_epochs : int, default=100
        Passes over the training rows (each pass feeds every row to D once).
    batch_size : int, default=64
        Rows per minibatch, for D's real and generated halves alike and for G.
    scaling : {"standard", "minmax"} or None, default="standard"
        How the networks see the data. ``"standard"`` standardises each
        column; ``"minmax"`` maps each column to [0, 1], for a generator with
        a sigmoid output; ``None`` leaves the data as it is. Whatever the
        choice, :meth:`sample` returns rows in the units of the ``X`` given to
        :meth:`fit`, and scores are computed in those units.
    validation_fraction : float, default=0.1
        Share of the rows of ``X`` held out from training, on which the
        Parzen bandwidth is chosen and the validation callbacks score.
    n_parzen_samples : int, default=10000
        Generator rows that serve as Parzen-window centres (the paper used
        10,000).
    bandwidths : array-like or None, default=None
        Candidate Parzen bandwidths, in the units of ``X``. ``None`` uses
        :func:`~sklearn_gan.default_bandwidths` of the held-out rows.
    parzen_memory_budget : int, default=268435456
        Bytes that the Parzen computation's blocks may use.
    on_divergence : {"raise", "warn"}, default="raise"
        What to do when a loss or weight becomes NaN or infinite: raise
        :class:`~sklearn_gan.DivergenceError` or issue a
        :class:`~sklearn_gan.DivergenceWarning`. Either way training stops,
        the last finite weights are kept and the estimator stays usable.
    mixed_precision : bool, default=False
        Run the networks under bfloat16 autocast (worthwhile on recent GPUs).
    compile : bool, default=False
        Compile both networks with ``torch.compile``; its arguments are routed
        as ``compile__mode`` and so on.
    device : str or torch.device, default="auto"
        Where the networks train: ``"auto"`` picks CUDA when available and
        the CPU otherwise.
    callbacks : list of skorch callbacks or None, default=None
        Callbacks run besides the defaults (an epoch timer, a progress bar
        when ``verbose >= 2`` and the epoch table).
    warm_start : bool, default=False
        When True, :meth:`fit` continues training the networks and optimizers
        of the previous fit instead of starting afresh.
    verbose : int, default=1
        0 prints nothing; 1 prints one table row per epoch (losses, mean D(x)
        and D(G(z)), seconds) and the validation score; 2 also shows a
        progress bar over each epoch's batches.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, the hold-out split, the noise, dropout
        and the rows of :meth:`sample` calls given no ``random_state`` of
        their own. An int gives bit-identical results on the CPU; the global
        numpy and torch random states are left untouched either way.
    **kwargs
        Routed parameters: ``generator__*``, ``discriminator__*``,
        ``optimizer_generator__*``, ``optimizer_discriminator__*``,
        ``callbacks__*`` and ``compile__*``.

    Attributes
    ----------
    generator_ : torch.nn.Module
        The trained generator.
    discriminator_ : torch.nn.Module
        The trained discriminator.
    optimizer_generator_, optimizer_discriminator_ : torch.optim.Optimizer
        Their optimizers, with their state (kept for ``warm_start``).
    scaler_ : StandardScaler, MinMaxScaler or None
        The transformer between the units of ``X`` and the networks' space.
    sample_seed_ : int
        Seed, drawn at fit time, of the stream that :meth:`sample` draws
        from when it is given no ``random_state``.
    n_sample_calls_ : int
        Calls of :meth:`sample` without a ``random_state`` since the fit;
        the position in that stream.
    bandwidth_ : float
        Parzen bandwidth chosen on the held-out rows, in the units of ``X``.
    validation_score_ : ParzenScore
        Parzen log-likelihood of the held-out rows at ``bandwidth_``; it is
        optimistic, since the bandwidth was chosen on the same rows.
    n_features_in_ : int
        Number of features seen during :meth:`fit`.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names seen during :meth:`fit`, for a DataFrame with string
        column names.
    history_ : skorch.History
        Per-epoch ``loss_d``, ``loss_g``, ``d_real`` (mean D(x)), ``d_fake``
        (mean D(G(z))) and ``dur`` (seconds), and per-batch losses and
        ``train_batch_size``.

    See Also
    --------
    parzen_log_likelihood : The score, for samples of any generative model.
    sklearn.neighbors.KernelDensity : A density estimate without a generator.

    Notes
    -----
    An epoch feeds every training row to D once, in shuffled minibatches; a
    last minibatch of a single row joins the one before it, since batch
    normalisation cannot train on one row. ``fit`` therefore needs at least
    two training rows besides the held-out ones.
    After every ``k`` of them, G takes one step on a minibatch of noise; when
    an epoch ends with fewer than ``k`` D steps pending, G takes its step
    then, so that both players move in every epoch.

    D's loss is ``-[log D(x) + log(1 - D(G(z)))]`` averaged over the real and
    generated halves; ``loss_d`` near ``2 log 2 = 1.386`` with ``d_real`` and
    ``d_fake`` near 0.5 is the game's equilibrium.

    Pickles (``joblib.dump``, ``pickle``) can run code when loaded: load them
    only from trusted sources.

    References
    ----------
    .. [1] I. Goodfellow, J. Pouget-Abadie, M. Mirza, B. Xu, D. Warde-Farley,
       S. Ozair, A. Courville and Y. Bengio, "Generative Adversarial Nets",
       Advances in Neural Information Processing Systems 27, 2014.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gan import GANSampler
    >>> X = np.random.default_rng(0).normal(size=(200, 2))
    >>> gan = GANSampler(max_epochs=2, verbose=0, random_state=0).fit(X)
    >>> gan.sample(3, random_state=0).shape
    (3, 2)
    >>> bool(np.isfinite(gan.score(X)))
    True
    """

    # Unfitted state, shadowed by instance attributes once fit has run.
    history_ = None
    initialized_ = False
    virtual_params_ = MappingProxyType({})

    def __init__(
        self,
        *,
        generator=MLPGenerator,
        discriminator=MaxoutDiscriminator,
        k=1,
        generator_loss="non_saturating",
        noise_dim=32,
        noise="uniform",
        lr_g=2e-4,
        lr_d=2e-4,
        optimizer_generator=torch.optim.Adam,
        optimizer_discriminator=torch.optim.Adam,
        max_epochs=100,
        batch_size=64,
        scaling="standard",
        validation_fraction=0.1,
        n_parzen_samples=10000,
        bandwidths=None,
        parzen_memory_budget=DEFAULT_MEMORY_BUDGET,
        on_divergence="raise",
        mixed_precision=False,
        compile=False,
        device="auto",
        callbacks=None,
        warm_start=False,
        verbose=1,
        random_state=None,
        **kwargs,
    ):
        super().__init__(
            module=None,
            criterion=nn.BCEWithLogitsLoss,
            max_epochs=max_epochs,
            batch_size=batch_size,
            train_split=None,
            callbacks=callbacks,
            warm_start=warm_start,
            verbose=verbose,
            device=device,
            compile=compile,
            **kwargs,
        )
        self.generator = generator
        self.discriminator = discriminator
        self.k = k
        self.generator_loss = generator_loss
        self.noise_dim = noise_dim
        self.noise = noise
        self.lr_g = lr_g
        self.lr_d = lr_d
        self.optimizer_generator = optimizer_generator
        self.optimizer_discriminator = optimizer_discriminator
        self.scaling = scaling
        self.validation_fraction = validation_fraction
        self.n_parzen_samples = n_parzen_samples
        self.bandwidths = bandwidths
        self.parzen_memory_budget = parzen_memory_budget
        self.on_divergence = on_divergence
        self.mixed_precision = mixed_precision
        self.random_state = random_state
        # skorch's constructor also sets its fitted state; scikit-learn's
        # contract wants nothing but parameters after __init__, so that state
        # falls back to the class defaults below until fit sets it.
        for name in ("history_", "initialized_", "virtual_params_"):
            object.__delattr__(self, name)

    # ------------------------------------------------------------------
    # scikit-learn's estimator contract
    # ------------------------------------------------------------------

    @classmethod
    def _own_param_names(cls):
        return list(_constructor_parameters(cls))

    def __setattr__(self, name, value):
        # A network passed as a parameter is a setting, not a trained module:
        # keep skorch from registering it as one (it registers any module
        # assigned outside its initialisers' bookkeeping).
        if name in _constructor_parameters(type(self)):
            object.__setattr__(self, name, value)
        else:
            super().__setattr__(name, value)

    def _get_param_names(self):
        # skorch treats every attribute as a parameter; only the constructor's
        # arguments and the routed ``prefix__name`` settings are ours.
        routed = sorted(
            key for key in vars(self) if "__" in key and not key.endswith("_")
        )
        return self._own_param_names() + routed

    def set_params(self, **params):
        """Set parameters, routed ones included; see ``get_params`` for keys.

        Learning rates changed on a trained estimator reach its optimizers at
        once, so that a ``warm_start`` fit continues at the new rate.

        Parameters
        ----------
        **params : dict
            Parameter names and their new values.

        Returns
        -------
        self : GANSampler
            This estimator.
        """
        if self.initialized_:
            # Changed network settings rebuild the networks on the device now.
            with self._concrete_device():
                super().set_params(**params)
        else:
            # skorch builds the callbacks as soon as ``callbacks`` is set; an
            # unfitted estimator only records it, as scikit-learn expects.
            if "callbacks" in params:
                self.callbacks = params.pop("callbacks")
            super().set_params(**params)
        for name, optimizer_name in (
            ("lr_g", "optimizer_generator_"),
            ("lr_d", "optimizer_discriminator_"),
        ):
            optimizer = getattr(self, optimizer_name, None)
            if name in params and optimizer is not None:
                for group in optimizer.param_groups:
                    group["lr"] = params[name]
        return self

    @property
    def predict(self):
        """Not available: a GAN has no targets to predict.

        Use :meth:`sample` to draw rows and :meth:`score_samples` to rate them.
        """
        raise AttributeError(
            "GANSampler has no predict: it is a density model. Use sample(n) to "
            "draw rows or score_samples(X) to rate them."
        )

    @property
    def predict_proba(self):
        """Not available: use ``discriminator_`` directly for D(x)."""
        raise AttributeError(
            "GANSampler has no predict_proba. D(x) is "
            "torch.sigmoid(gan.discriminator_(x)) on scaled rows; use "
            "score_samples(X) to rate rows."
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = False
        return tags

    def __sklearn_is_fitted__(self):
        return hasattr(self, "bandwidth_")

    def __setstate__(self, state):
        # skorch maps CUDA tensors to the CPU when CUDA is missing, but needs a
        # concrete device name to do so.
        requested = state.get("device")
        if requested == "auto":
            state["device"] = "cuda" if torch.cuda.is_available() else "cpu"
        super().__setstate__(state)
        if requested == "auto":
            self.device = "auto"

    # ------------------------------------------------------------------
    # skorch's initialisation hooks
    # ------------------------------------------------------------------

    @property
    def _default_callbacks(self):
        return [
            ("epoch_timer", EpochTimer()),
            ("progress_bar", _TrainingProgressBar() if _verbosity(self) >= 2 else None),
            ("print_log", PrintLog()),
        ]

    def initialize(self):
        """Build the networks, optimizers, callbacks and history.

        :meth:`fit` calls this; the networks' sizes come from the data, so it
        cannot run before the estimator has seen ``X``.

        Returns
        -------
        self : GANSampler
            This estimator.
        """
        if not hasattr(self, "n_features_in_"):
            raise ValueError(
                "GANSampler sizes its networks from the data: call fit(X) "
                "instead of initialize()."
            )
        with self._concrete_device():
            return super().initialize()

    def initialize_module(self):
        """Build ``generator_`` and ``discriminator_`` on the training device."""
        generator_params = {
            "noise_dim": self.noise_dim,
            "n_features": self.n_features_in_,
            **self.get_params_for("generator"),
        }
        discriminator_params = {
            "n_features": self.n_features_in_,
            **self.get_params_for("discriminator"),
        }
        self.generator_ = _build_module(self.generator, generator_params)
        self.discriminator_ = _build_module(self.discriminator, discriminator_params)
        return self

    def initialize_criterion(self):
        """Build the binary cross-entropy on logits that both players use."""
        self.criterion_ = nn.BCEWithLogitsLoss()
        return self

    def initialize_optimizer(self, triggered_directly=None):
        """Build one optimizer per network, with their routed arguments."""
        self.optimizer_generator_ = self._build_optimizer(
            "optimizer_generator", self.generator_, self.lr_g
        )
        self.optimizer_discriminator_ = self._build_optimizer(
            "optimizer_discriminator", self.discriminator_, self.lr_d
        )
        return self

    def load_params(self, checkpoint=None, **kwargs):
        """Load state saved by ``save_params`` or a checkpoint callback.

        As :meth:`skorch.NeuralNet.load_params`, with this estimator's parts
        named after their attributes: ``f_generator``, ``f_discriminator``,
        ``f_optimizer_generator``, ``f_optimizer_discriminator``. The
        estimator must be fitted first, since the data set the networks'
        sizes.

        Parameters
        ----------
        checkpoint : skorch.callbacks.Checkpoint or None, default=None
            Load the files of this checkpoint's last save, history included.
        **kwargs
            ``f_<part>`` file names or file objects, ``f_history`` and
            ``use_safetensors``, as in skorch.
        """
        # skorch maps the loaded tensors to ``self.device``, which must name
        # a device.
        with self._concrete_device():
            return super().load_params(checkpoint=checkpoint, **kwargs)

    def _build_optimizer(self, prefix, module, lr):
        optimizer = getattr(self, prefix)
        routed = self.get_params_for(prefix)
        args, kwargs = self.get_params_for_optimizer(prefix, module.named_parameters())
        if "lr" not in routed:
            kwargs["lr"] = lr
        is_adam = isinstance(optimizer, type) and issubclass(optimizer, _ADAM_FAMILY)
        if "betas" not in routed and is_adam:
            # Adam's default first-moment decay of 0.9 makes the adversarial
            # game oscillate; 0.5 is the usual choice for GANs.
            kwargs["betas"] = _GAN_ADAM_BETAS
        return optimizer(*args, **kwargs)

    # ------------------------------------------------------------------
    # Fitting
    # ------------------------------------------------------------------

    def fit(self, X, y=None, **fit_params):
        """Train the generator and the discriminator on the rows of ``X``.

        A share ``validation_fraction`` of the rows is held out; after
        training, the Parzen bandwidth is chosen on it.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows: a dense numeric array or DataFrame without missing
            values. Booleans and integers are cast to floats. At least two
            rows must be left to train on besides the ``validation_fraction``
            held out (at least 1 row), so 3 rows at the fewest.
        y : None
            Ignored; present for API consistency.
        **fit_params : dict
            Ignored; accepted for compatibility with skorch.

        Returns
        -------
        self : GANSampler
            The fitted estimator.

        Raises
        ------
        ValueError
            Before any training, for input that cannot be trained on: NaN or
            infinite values, other than 2 dimensions, too few rows, no
            columns, text or complex values; the message names the remedy.
        TypeError
            For sparse input.
        DivergenceError
            When ``on_divergence="raise"`` and training diverged; the
            estimator is fitted with the last finite weights all the same.
        """
        continuing = self.warm_start and self.__sklearn_is_fitted__()
        return self._fit(X, continuing=continuing)

    def partial_fit(self, X, y=None, classes=None, **fit_params):
        """Train for ``max_epochs`` more epochs, continuing from the last fit.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows, with as many columns as in the first fit.
        y : None
            Ignored; present for API consistency.
        classes : None
            Ignored; present for API consistency.
        **fit_params : dict
            Ignored; accepted for compatibility with skorch.

        Returns
        -------
        self : GANSampler
            The fitted estimator.
        """
        return self._fit(X, continuing=self.__sklearn_is_fitted__())

    def _fit(self, X, continuing):
        self._check_hyperparameters()
        X = self._validate_input(X, reset=not continuing)
        n_valid = _check_enough_rows(len(X), self.validation_fraction)
        if self.scaling is None:
            _check_unscaled(X)

        seeds = self._fit_seeds(continuing)
        X_train, X_valid = train_test_split(
            X, test_size=n_valid, random_state=seeds["split"]
        )

        with _forked_torch_rng(seeds["torch"]):
            if not continuing:
                self.scaler_ = _make_scaler(self.scaling)
                if self.scaler_ is not None:
                    self.scaler_.fit(X_train)
                self.initialize()
            self.parzen_seed_ = seeds["parzen"]
            self.sample_seed_ = seeds["sample"]
            self.n_sample_calls_ = 0
            start_spread = self._generated_spread()

            divergence = None
            self.notify("on_train_begin", X=X_train, y=None)
            try:
                self.fit_loop(X_train, X_valid=X_valid)
            except KeyboardInterrupt:
                # As in skorch: an interrupted fit keeps the weights reached.
                pass
            except DivergenceError as error:
                divergence = error
            self.notify("on_train_end", X=X_train, y=None)

            self._finish_fit(X_valid, start_spread)

        if divergence is not None:
            if self.on_divergence == "raise":
                raise divergence
            warnings.warn(str(divergence), DivergenceWarning, stacklevel=3)
        return self

    def fit_loop(self, X, y=None, epochs=None, *, X_valid=None, **fit_params):
        """Run the epochs of training on validated rows ``X``.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            Training rows in the units given to :meth:`fit`.
        y : None
            Ignored.
        epochs : int or None, default=None
            Epochs to run; ``None`` runs ``max_epochs``.
        X_valid : ndarray of shape (n_valid, n_features) or None
            Held-out rows, handed to callbacks as ``dataset_valid``.
        **fit_params : dict
            Ignored.

        Returns
        -------
        self : GANSampler
            This estimator.
        """
        epochs = self.max_epochs if epochs is None else epochs
        data = self._to_training_tensor(X)
        epoch_kwargs = {"dataset_train": X, "dataset_valid": X_valid}
        for _ in range(epochs):
            self.notify("on_epoch_begin", **epoch_kwargs)
            self.run_gan_epoch(data)
            self.notify("on_epoch_end", **epoch_kwargs)
        return self

    def run_gan_epoch(self, data):
        """One epoch of Algorithm 1 over ``data``, a tensor on the device.

        Per-batch statistics stay on the device until the epoch ends, when
        they are copied to ``history_`` in one transfer and checked for
        non-finite values.

        Parameters
        ----------
        data : torch.Tensor of shape (n_samples, n_features)
            Training rows in the networks' space, on the training device.
        """
        snapshot = self._snapshot_state()
        self._set_training(True)
        device = data.device
        order = torch.randperm(len(data), device=device)
        # The bounds are plain ints: the loop itself issues no device work
        # beyond the two training steps and one gather per batch.
        bounds = _batch_bounds(len(data), self.batch_size)
        n_batches, k = len(bounds), self.k
        discriminator_stats = {"loss_d": [], "logits_real": [], "logits_fake": []}
        generator_losses, generator_batches = [], []

        for index, (start, stop) in enumerate(bounds):
            size = stop - start
            batch = data[order[start:stop]]
            self.notify("on_batch_begin", batch=batch, training=True)
            step = self.train_step_discriminator(batch)
            for name, values in discriminator_stats.items():
                values.append(step[name])
            if (index + 1) % k == 0 or index == n_batches - 1:
                step.update(self.train_step_generator(size, device=device))
                generator_losses.append(step["loss_g"])
                generator_batches.append(index)
            self.history.record_batch("train_batch_size", size)
            self.notify("on_batch_end", batch=batch, training=True, **step)

        values = self._record_epoch(
            discriminator_stats, generator_losses, generator_batches
        )
        self._check_finite(values, snapshot)

    def train_step_discriminator(self, batch):
        """One update of D on real rows ``batch`` and as many generated rows.

        Parameters
        ----------
        batch : torch.Tensor of shape (batch_size, n_features)
            Real rows in the networks' space.

        Returns
        -------
        step : dict of torch.Tensor
            ``loss_d`` and D's logits for the real and the generated rows,
            ``logits_real`` and ``logits_fake`` of shape ``(batch_size,)``,
            detached, on the device. The epoch's ``d_real`` (mean D(x)) and
            ``d_fake`` (mean D(G(z))) per batch are computed from them when
            the epoch ends.
        """
        device = batch.device
        with torch.no_grad(), self._autocast(device):
            fake = self.generator_(self.draw_noise(batch.shape[0], device=device))
        with self._autocast(device):
            logits_real = self.discriminator_(batch).float()
            logits_fake = self.discriminator_(fake).float()
            loss_d = self.get_loss_discriminator(logits_real, logits_fake)
        self.optimizer_discriminator_.zero_grad(set_to_none=True)
        loss_d.backward()
        # Lazy, as in skorch: the parameters are only listed for a callback
        # that iterates over them.
        self.notify(
            "on_grad_computed",
            named_parameters=TeeGenerator(self.discriminator_.named_parameters()),
            batch=batch,
            training=True,
        )
        self.optimizer_discriminator_.step()
        # Keeping the logits costs no device work; their sigmoid means would
        # cost four small operations per batch.
        return {
            "loss_d": loss_d.detach(),
            "logits_real": logits_real.detach(),
            "logits_fake": logits_fake.detach(),
        }

    def train_step_generator(self, n_rows, device=None):
        """One update of G on ``n_rows`` noise vectors, with D held fixed.

        Parameters
        ----------
        n_rows : int
            Size of the noise minibatch.
        device : torch.device or None, default=None
            Device of the networks; ``None`` looks it up on ``generator_``.

        Returns
        -------
        step : dict of torch.Tensor
            ``loss_g``, detached, on the device.
        """
        if device is None:
            device = _module_device(self.generator_)
        # D's weights need no gradient here: freezing them skips that work.
        self.discriminator_.requires_grad_(False)
        try:
            with self._autocast(device):
                logits_fake = self.discriminator_(
                    self.generator_(self.draw_noise(n_rows, device=device))
                ).float()
                loss_g = self.get_loss_generator(logits_fake)
            self.optimizer_generator_.zero_grad(set_to_none=True)
            loss_g.backward()
        finally:
            self.discriminator_.requires_grad_(True)
        self.notify(
            "on_grad_computed",
            named_parameters=TeeGenerator(self.generator_.named_parameters()),
            batch=None,
            training=True,
        )
        self.optimizer_generator_.step()
        return {"loss_g": loss_g.detach()}

    def get_loss_discriminator(self, logits_real, logits_fake):
        """D's loss: binary cross-entropy with real rows as 1 and fakes as 0.

        Parameters
        ----------
        logits_real, logits_fake : torch.Tensor of shape (batch_size,)
            D's logits for real and generated rows.

        Returns
        -------
        loss : torch.Tensor
            ``-[mean log D(x) + mean log(1 - D(G(z)))]``.
        """
        loss_real = self.criterion_(logits_real, torch.ones_like(logits_real))
        loss_fake = self.criterion_(logits_fake, torch.zeros_like(logits_fake))
        return loss_real + loss_fake

    def get_loss_generator(self, logits_fake):
        """G's loss, by ``generator_loss``.

        Parameters
        ----------
        logits_fake : torch.Tensor of shape (batch_size,)
            D's logits for generated rows.

        Returns
        -------
        loss : torch.Tensor
            ``-mean log D(G(z))`` (non-saturating) or
            ``mean log(1 - D(G(z)))`` (minimax).
        """
        if self.generator_loss == "minimax":
            # log(1 - sigmoid(l)) = -softplus(l), computed without overflow.
            return -F.softplus(logits_fake).mean()
        return self.criterion_(logits_fake, torch.ones_like(logits_fake))

    def draw_noise(self, n_rows, generator=None, device=None):
        """Draw ``n_rows`` noise vectors from the prior, on the device.

        Parameters
        ----------
        n_rows : int
            Number of vectors.
        generator : torch.Generator or None, default=None
            Random generator to draw with; ``None`` uses torch's default one.
        device : torch.device or None, default=None
            Where to draw; ``None`` uses the device of ``generator_``.

        Returns
        -------
        noise : torch.Tensor of shape (n_rows, noise_dim)
        """
        shape = (n_rows, self.noise_dim)
        if device is None:
            device = _module_device(self.generator_)
        if self.noise == "normal":
            return torch.randn(shape, device=device, generator=generator)
        # One kernel, where rescaling torch.rand would take three.
        bound = math.sqrt(3.0)
        noise = torch.empty(shape, device=device)
        return noise.uniform_(-bound, bound, generator=generator)

    # ------------------------------------------------------------------
    # Sampling and scoring
    # ------------------------------------------------------------------

    def sample(self, n_samples=1, random_state=None):
        """Draw rows from the generator.

        The generator runs in evaluation mode without gradients, in blocks
        of a bounded number of rows, so that large draws fit in memory.

        Parameters
        ----------
        n_samples : int, default=1
            Number of rows. 0 returns an empty array with the right number of
            columns.
        random_state : int, RandomState instance or None, default=None
            Seeds the noise. An int gives bit-identical rows on the CPU.
            ``None`` draws from the estimator's own stream, seeded at fit
            time from its ``random_state``: after a fit with an int
            ``random_state`` the first call returns the same rows every
            time, and each later call new ones. The global random states
            are left untouched either way.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features_in_), dtype float64
            Rows in the units of the ``X`` given to :meth:`fit`.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_gan import GANSampler
        >>> X = np.random.default_rng(0).normal(size=(100, 3))
        >>> gan = GANSampler(max_epochs=1, verbose=0, random_state=0).fit(X)
        >>> gan.sample(5, random_state=1).shape
        (5, 3)
        """
        check_is_fitted(self, ["generator_", "n_features_in_"])
        if isinstance(n_samples, bool) or not isinstance(n_samples, numbers.Integral):
            raise ValueError(
                f"n_samples must be a non-negative integer, got {n_samples!r}."
            )
        if n_samples < 0:
            raise ValueError(
                f"n_samples must be a non-negative integer, got {n_samples}."
            )
        if random_state is None:
            check_is_fitted(self, ["sample_seed_", "n_sample_calls_"])
            sequence = np.random.SeedSequence([self.sample_seed_, self.n_sample_calls_])
            seed = int(sequence.generate_state(1, np.uint64)[0] >> 1)
            self.n_sample_calls_ += 1
        else:
            seed = _draw_seed(random_state)
        return self._generate(int(n_samples), seed)

    def score_samples(self, X):
        """Parzen-window log-density of each row of ``X``, in nats.

        The window is a Gaussian of width ``bandwidth_`` (chosen during
        :meth:`fit` on held-out rows) on each of ``n_parzen_samples``
        generated rows, drawn with a seed fixed at fit time, so that the same
        rows always get the same score. Nothing is tuned on ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_in_)
            Rows to score, in the units of the ``X`` given to :meth:`fit`.

        Returns
        -------
        log_density : ndarray of shape (n_samples,)
            Log-density of each row; comparable with
            ``KernelDensity.score_samples``.
        """
        check_is_fitted(self)
        X = self._validate_input(X, reset=False)
        return parzen_log_likelihood(
            X,
            self.parzen_centers(),
            self.bandwidth_,
            memory_budget=self.parzen_memory_budget,
            device=self._training_device(),
        )

    def score(self, X, y=None):
        """Mean Parzen-window log-likelihood of the rows of ``X``, in nats.

        This is the paper's evaluation, and what ``GridSearchCV`` maximises.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_in_)
            Held-out rows.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        score : float
            Mean of :meth:`score_samples`.
        """
        return float(np.mean(self.score_samples(X)))

    def parzen_centers(self):
        """The generated rows on which the Parzen window is centred.

        Returns
        -------
        centers : ndarray of shape (n_parzen_samples, n_features_in_)
            Rows in the units of ``X``, the same on every call.
        """
        check_is_fitted(self, ["generator_", "parzen_seed_"])
        return self._generate(self.n_parzen_samples, self.parzen_seed_)

    # ------------------------------------------------------------------
    # Private helpers
    # ------------------------------------------------------------------

    def _check_hyperparameters(self):
        _check_routed_kwargs(type(self), self._params_to_validate)
        for name, (is_valid, expected) in _PARAMETER_RULES.items():
            value = getattr(self, name)
            if not is_valid(value):
                raise ValueError(
                    f"The '{name}' parameter of GANSampler must be {expected}, "
                    f"got {value!r}."
                )

    def _validate_input(self, X, reset):
        if sparse.issparse(X):
            raise TypeError(
                "GANSampler does not accept sparse input: generated rows are "
                "dense. Convert X with X.toarray() first."
            )
        if hasattr(X, "dtypes") and hasattr(X, "columns"):
            non_numeric = [
                str(name)
                for name, dtype in zip(X.columns, X.dtypes, strict=True)
                if dtype.kind not in "biufc"
            ]
            if non_numeric:
                raise ValueError(
                    f"GANSampler needs numeric columns; {non_numeric} are not. "
                    "Encode them first, for example with OneHotEncoder or "
                    "OrdinalEncoder in a ColumnTransformer, or drop them."
                )
        try:
            X = validate_data(
                self, X, reset=reset, dtype=np.float64, ensure_min_features=1
            )
        except ValueError as error:
            message = str(error)
            if message.startswith("Complex data not supported"):
                # scikit-learn's message goes on to print the whole array.
                raise ValueError(
                    "Complex data not supported: GANSampler needs real numbers. "
                    "Pass the real and imaginary parts as separate columns, for "
                    "example np.column_stack([X.real, X.imag])."
                ) from error
            for phrase, remedy in _INPUT_REMEDIES:
                if phrase in message:
                    raise ValueError(f"{message} {remedy}") from error
            if "could not convert" in message or "dtype='numeric'" in message:
                raise ValueError(
                    f"{message}. GANSampler needs numeric data: encode text or "
                    "categorical columns first (OneHotEncoder, OrdinalEncoder)."
                ) from error
            if not reset and "features, but" in message:
                raise ValueError(
                    f"{message} Pass rows with the columns seen in fit, or set "
                    "warm_start=False and fit again to learn data with other "
                    "columns."
                ) from error
            raise

        largest = float(np.max(np.abs(X))) if X.size else 0.0
        if largest > _LARGEST_SAFE_VALUE:
            raise ValueError(
                f"X has values up to {largest:.3g}: the variances and squared "
                f"distances of values beyond {_LARGEST_SAFE_VALUE:.0e} overflow "
                "float64. Rescale X first, for example divide it by a power of "
                "ten such as 1e100."
            )
        return X

    def _fit_seeds(self, continuing):
        base = _draw_seed(self.random_state)
        # A warm-start fit draws fresh noise rather than replaying the first
        # fit's; the epoch count makes its seeds differ.
        epochs_done = len(self.history_) if continuing else 0
        sequence = np.random.SeedSequence([base, epochs_done])
        split, torch_seed, parzen, sample = sequence.generate_state(4)
        return {
            "split": int(split),
            "torch": int(torch_seed),
            "parzen": int(parzen),
            "sample": int(sample),
        }

    def _training_device(self):
        return _resolve_device(self.device)

    @contextmanager
    def _concrete_device(self):
        # skorch moves modules to ``self.device``, which must name a device.
        requested = self.device
        self.device = str(self._training_device())
        try:
            yield
        finally:
            self.device = requested

    def _autocast(self, device=None):
        if not self.mixed_precision:
            # A disabled autocast still costs a context switch per call.
            return nullcontext()
        if device is None:
            device = _module_device(self.generator_)
        return torch.autocast(
            device_type=torch.device(device).type, dtype=torch.bfloat16
        )

    def _to_training_tensor(self, X):
        scaled = X if self.scaler_ is None else self.scaler_.transform(X)
        # Cast on the host so that half the bytes cross to the device, once.
        scaled = np.ascontiguousarray(scaled, dtype=np.float32)
        return torch.as_tensor(scaled, device=_module_device(self.generator_))

    def _generate(self, n_samples, seed):
        device = _module_device(self.generator_)
        rows = np.empty((n_samples, self.n_features_in_), dtype=np.float64)
        random = torch.Generator(device=device).manual_seed(int(seed))
        was_training = self.generator_.training
        self.generator_.eval()
        try:
            with torch.no_grad():
                for start in range(0, n_samples, _SAMPLE_BLOCK_ROWS):
                    size = min(_SAMPLE_BLOCK_ROWS, n_samples - start)
                    noise = self.draw_noise(size, generator=random, device=device)
                    block = self.generator_(noise)
                    rows[start : start + size] = block.float().cpu().numpy()
        finally:
            self.generator_.train(was_training)
        # Finite weights can still overflow float32 in a forward pass; never
        # hand such rows on as if they were samples.
        n_bad = int(np.count_nonzero(~np.isfinite(rows).all(axis=1)))
        if n_bad:
            raise DivergenceError(
                f"The generator returned NaN or infinite values in {n_bad} of "
                f"{n_samples} rows: its weights have grown too large for float32. "
                "Fit again with smaller learning rates (lr_g, lr_d), and keep "
                "scaling='standard' for data with large values."
            )
        if self.scaler_ is not None and n_samples:
            rows = self.scaler_.inverse_transform(rows)
        return rows

    def _record_epoch(self, discriminator_stats, generator_losses, generator_batches):
        # One concatenation and one device-to-host copy per epoch, none per
        # batch; the per-batch means of D(x) and D(G(z)) are taken on the host.
        losses_d = discriminator_stats["loss_d"]
        n_batches = len(losses_d)
        n_losses = n_batches + len(generator_losses)
        logits = discriminator_stats["logits_real"] + discriminator_stats["logits_fake"]
        flat = torch.cat([torch.stack(losses_d + generator_losses), *logits])
        values = flat.cpu().numpy().astype(np.float64)
        losses_g = values[n_batches:n_losses]
        lengths = np.array([block.shape[0] for block in logits])
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        means = np.add.reduceat(expit(values[n_losses:]), starts) / lengths
        stats = np.column_stack(
            [values[:n_batches], means[:n_batches], means[n_batches:]]
        )

        batches = self.history[-1]["batches"]
        for row, (loss_d, d_real, d_fake) in zip(batches, stats, strict=True):
            row.update(loss_d=loss_d, d_real=d_real, d_fake=d_fake)
        for index, loss_g in zip(generator_batches, losses_g, strict=True):
            batches[index]["loss_g"] = loss_g

        sizes = np.array([row["train_batch_size"] for row in batches], dtype=float)
        generator_sizes = sizes[generator_batches]
        for column, name in enumerate(("loss_d", "d_real", "d_fake")):
            self.history.record(
                name, float(np.average(stats[:, column], weights=sizes))
            )
        self.history.record(
            "loss_g", float(np.average(losses_g, weights=generator_sizes))
        )
        self.history.record("train_batch_count", n_batches)
        return values

    def _snapshot_state(self):
        return {
            name: _copy_state(getattr(self, name).state_dict())
            for name in (
                "generator_",
                "discriminator_",
                "optimizer_generator_",
                "optimizer_discriminator_",
            )
        }

    def _check_finite(self, values, snapshot):
        if np.all(np.isfinite(values)):
            # A sum in float64 is finite exactly when all the float32 weights
            # are (it cannot overflow); one host read covers every tensor.
            parameters = [
                parameter.detach()
                for module in (self.generator_, self.discriminator_)
                for parameter in module.parameters()
            ]
            if not parameters:
                return
            # MPS has no float64; there a float32 sum could overflow only for
            # weights that have diverged anyway.
            on_mps = parameters[0].device.type == "mps"
            dtype = torch.float32 if on_mps else torch.float64
            sums = torch.stack([parameter.sum(dtype=dtype) for parameter in parameters])
            if bool(torch.isfinite(sums).all()):
                return
        for name, state in snapshot.items():
            getattr(self, name).load_state_dict(state)

        epoch = len(self.history)
        batch = None
        for row_number, row in enumerate(self.history[-1]["batches"], start=1):
            if not all(np.isfinite(row.get(key, 0.0)) for key in ("loss_d", "loss_g")):
                batch = row_number
                break
        where = f"epoch {epoch}" + (f", batch {batch}" if batch else "")
        raise DivergenceError(
            f"GAN training diverged: a loss or weight became NaN or infinite in "
            f"{where}. The weights from the start of that epoch were kept. "
            "Likely causes: learning rates too high for the data (lr_g, lr_d), "
            "or unscaled data with huge values (keep scaling='standard' or put "
            "a StandardScaler in front). Try learning rates 10 times smaller.",
            epoch=epoch,
            batch=batch,
        )

    def _finish_fit(self, X_valid, start_spread):
        centers = self.parzen_centers()
        with warnings.catch_warnings():
            # The fit-time choice warns through validation_score_ below.
            warnings.simplefilter("ignore", UserWarning)
            self.bandwidth_ = select_bandwidth(
                X_valid,
                centers,
                self.bandwidths,
                memory_budget=self.parzen_memory_budget,
                device=self._training_device(),
            )
        self.validation_score_ = _summarise(
            parzen_log_likelihood(
                X_valid,
                centers,
                self.bandwidth_,
                memory_budget=self.parzen_memory_budget,
                device=self._training_device(),
            ),
            self.bandwidth_,
        )
        self._warn_if_collapsed(np.std(centers, axis=0), start_spread, X_valid)
        if self.verbose:
            print(
                f"Parzen log-likelihood of {len(X_valid)} held-out rows: "
                f"{self.validation_score_}"
            )

    def _generated_spread(self):
        """Standard deviation of each column of generated rows, in X units."""
        n_rows = min(self.n_parzen_samples, _SPREAD_SAMPLE_ROWS)
        return np.std(self._generate(n_rows, self.parzen_seed_), axis=0)

    def _warn_if_collapsed(self, spread, start_spread, X_valid):
        data_spread = np.std(X_valid, axis=0)
        varying = data_spread > 0
        if len(X_valid) < 2 or not varying.any():
            return
        ratio = float(np.mean(spread[varying] / data_spread[varying]))
        start_ratio = float(np.mean(start_spread[varying] / data_spread[varying]))
        self.spread_ratio_ = ratio
        # An untrained generator's rows are packed tightly too (PyTorch's
        # default initialisation spreads them about a tenth as much as
        # standardised data, small uniform weights far less), so a short fit
        # must not be taken for a collapse: only a spread that is small and
        # has shrunk during this fit is reported.
        collapsed = ratio < _COLLAPSE_POINT_RATIO or (
            ratio < _COLLAPSE_SPREAD_RATIO
            and ratio <= _COLLAPSE_SHRINK_RATIO * start_ratio
        )
        if collapsed:
            remedy = (
                "Try a smaller lr_g, a larger k, more epochs, or "
                "generator_loss='non_saturating'."
                if self.generator_loss == "minimax"
                else "Try a smaller lr_g, a larger k or more epochs."
            )
            if self.scaling is None:
                remedy += " Data far from unit scale need scaling='standard'."
            warnings.warn(
                f"The generated rows spread {1 / max(ratio, 1e-12):.0f} times less "
                "than the held-out rows and have not spread out during this fit: "
                f"the generator may have collapsed onto a few points. {remedy}",
                ModeCollapseWarning,
                stacklevel=4,
            )


class _TrainingProgressBar(ProgressBar):
    """skorch's progress bar over the training batches of each epoch.

    It shows nothing outside the main thread of the main process: workers of
    a parallel search (``GridSearchCV(n_jobs=2)``, dask) would otherwise draw
    their bars over one another on the terminal they share.
    """

    def _get_batches_per_epoch(self, net, dataset_train, dataset_valid):
        return len(_batch_bounds(len(dataset_train), net.batch_size))

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        self.pbar_ = None
        if not _in_main_process():
            return
        bar = tqdm.tqdm
        if self._use_notebook():
            # Imported only in notebooks: it draws a widget with ipywidgets.
            from tqdm.notebook import tqdm as bar
        self.pbar_ = bar(
            total=self._get_batches_per_epoch(net, dataset_train, dataset_valid),
            desc=f"epoch {len(net.history)}",
            unit="batch",
            leave=False,
        )

    def on_batch_end(self, net, **kwargs):
        # The losses reach the history when the epoch ends, so the bar counts
        # batches and shows no running loss.
        if self.pbar_ is not None:
            self.pbar_.update()

    def on_epoch_end(self, net, **kwargs):
        if self.pbar_ is not None:
            self.pbar_.close()
            self.pbar_ = None


def _in_main_process():
    return (
        multiprocessing.parent_process() is None
        and threading.current_thread() is threading.main_thread()
    )


def _check_routed_kwargs(cls, names):
    """Reject misspelt constructor arguments, suggesting the closest name."""
    known = cls._own_param_names()
    for key in sorted(names):
        if "__" in key:
            continue
        close = difflib.get_close_matches(key, known, n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise ValueError(
            f"GANSampler got an unexpected keyword argument '{key}'.{hint} Routed "
            "settings take a prefix and two underscores, as in "
            "generator__hidden_units or optimizer_discriminator__weight_decay."
        )


@functools.cache
def _constructor_parameters(cls):
    signature = inspect.signature(cls.__init__)
    return tuple(
        name
        for name, parameter in signature.parameters.items()
        if name != "self" and parameter.kind != parameter.VAR_KEYWORD
    )


def _verbosity(estimator):
    verbose = estimator.verbose
    return verbose if isinstance(verbose, numbers.Real) else 0


def _check_enough_rows(n_rows, validation_fraction):
    """Rows to hold out, after checking that at least 2 are left to train on.

    A minibatch of one row cannot train networks with batch normalisation,
    and the Parzen bandwidth needs at least one held-out row.
    """
    n_valid = max(1, int(round(validation_fraction * n_rows)))
    n_train = n_rows - n_valid
    if n_train < 2:
        raise ValueError(
            "GANSampler needs at least 2 rows to train on and 1 held out to "
            f"choose the Parzen bandwidth; X has {n_rows} sample(s), of which "
            f"validation_fraction={validation_fraction} holds out {n_valid}, "
            f"leaving {max(n_train, 0)} to train on. Pass more rows, or lower "
            "validation_fraction."
        )
    return n_valid


def _check_unscaled(X):
    # Values far from 1 make the networks' first steps huge or tiny; the
    # standard scaling makes any offset and scale harmless.
    largest = float(np.max(np.abs(X)))
    if largest > float(np.finfo(np.float32).max):
        raise ValueError(
            f"X has values up to {largest:.3g}, beyond float32, in which the "
            "networks compute; with scaling=None they would see infinities. Keep "
            "scaling='standard' (the default) or rescale X first."
        )
    if largest > _UNSCALED_WARNING_LIMIT:
        warnings.warn(
            f"X has values up to {largest:.3g} and scaling=None, so the networks "
            "see them unscaled: training is likely to be slow, to stall or to "
            "diverge. Keep scaling='standard' (the default) or put a "
            "StandardScaler in front of GANSampler.",
            UserWarning,
            stacklevel=4,
        )


def _batch_bounds(n_rows, batch_size):
    """``(start, stop)`` of each minibatch of an epoch over ``n_rows`` rows.

    With ``batch_size > 1``, a trailing batch of a single row joins the batch
    before it: batch normalisation cannot train on one row, and one row gives
    a noisy step.
    """
    starts = list(range(0, n_rows, batch_size))
    if batch_size > 1 and len(starts) > 1 and n_rows - starts[-1] == 1:
        starts.pop()
    return list(zip(starts, starts[1:] + [n_rows], strict=True))


def _build_module(module, params):
    if isinstance(module, nn.Module):
        return module
    return module(**params)


def _make_scaler(scaling):
    # The networks need arrays, whatever transform_output the user set.
    if scaling == "standard":
        return StandardScaler().set_output(transform="default")
    if scaling == "minmax":
        return MinMaxScaler().set_output(transform="default")
    return None


def _resolve_device(device):
    if device in ("auto", None):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def _module_device(module):
    parameter = next(module.parameters(), None)
    return parameter.device if parameter is not None else torch.device("cpu")


def _draw_seed(random_state):
    """A 63-bit seed from an int, a RandomState, a Generator or None."""
    if random_state is None:
        return int(np.random.SeedSequence().generate_state(1, np.uint64)[0] >> 1)
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(2**63))
    if isinstance(random_state, numbers.Integral) and not isinstance(
        random_state, bool
    ):
        return int(random_state)
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


@contextmanager
def _forked_torch_rng(seed):
    """Seed torch inside the block and restore the global random state after."""
    devices = (
        list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
    )
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


def _copy_state(state):
    if isinstance(state, torch.Tensor):
        return state.detach().clone()
    if isinstance(state, dict):
        return {key: _copy_state(value) for key, value in state.items()}
    if isinstance(state, list):
        return [_copy_state(value) for value in state]
    return state
