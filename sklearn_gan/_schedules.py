"""Callbacks that drive both of a GAN's optimizers, as the 2014 paper's code did.

skorch's own :class:`~skorch.callbacks.LRScheduler` drives only a net's single
``optimizer_``; a :class:`~sklearn_gan.GANSampler` has two
(``optimizer_generator_`` and ``optimizer_discriminator_``). The callbacks here
act on either or both, chosen by their ``players`` argument:

- :class:`PerUpdateLRDecay` divides a learning rate by a constant factor after
  every update of the optimizer it drives, down to a floor;
- :class:`LinearMomentumRamp` moves the momentum linearly from one value to
  another over a range of epochs;
- :class:`SigmoidOutputBiasFromData` sets a generator's output bias so that
  its first samples have the training data's mean pixel values.
"""

import math
import numbers

import numpy as np
import torch
from skorch.callbacks import Callback

__all__ = ["LinearMomentumRamp", "PerUpdateLRDecay", "SigmoidOutputBiasFromData"]

_PLAYERS = ("generator", "discriminator")


class PerUpdateLRDecay(Callback):
    """Divide the learning rates by ``decay_factor`` after every update.

    After ``n`` updates of an optimizer, its learning rate is
    ``max(initial_lr / decay_factor ** n, min_lr)``, where ``initial_lr`` is
    the rate it had when training began. Each optimizer counts its own
    updates: with ``k > 1`` the discriminator's rate decays ``k`` times as
    fast as the generator's. This is the schedule of the 2014 paper's MNIST
    experiment (``decay_factor=1.000004``, ``min_lr=1e-6``).

    Parameters
    ----------
    decay_factor : float, default=1.000004
        Divisor applied after each update; must be at least 1.
    min_lr : float, default=1e-6
        The learning rate never falls below this floor.
    players : tuple of {"generator", "discriminator"}, \
            default=("generator", "discriminator")
        Whose optimizers to drive.

    Attributes
    ----------
    n_updates_ : dict of str to int
        Updates counted so far for each player, since the networks were
        (re)initialised; a ``warm_start`` fit continues the count.
    initial_lr_ : dict of str to list of float
        Each player's learning rates, one per parameter group, when its
        first fit began.

    See Also
    --------
    LinearMomentumRamp : The momentum schedule that went with it.

    Notes
    -----
    The rates are recomputed from ``initial_lr_`` after every update, so a
    rate changed by hand between two ``warm_start`` fits (``set_params(lr_g=...)``)
    is overridden; start a fresh fit to change the base rate.

    Examples
    --------
    >>> from sklearn_gan import PerUpdateLRDecay
    >>> schedule = PerUpdateLRDecay(decay_factor=1.000004, min_lr=1e-6)
    >>> round(schedule.learning_rate_after(100_000, 0.1), 6)
    0.067032
    >>> schedule.learning_rate_after(10**8, 0.1)
    1e-06
    """

    def __init__(self, decay_factor=1.000004, min_lr=1e-6, players=_PLAYERS):
        self.decay_factor = decay_factor
        self.min_lr = min_lr
        self.players = players

    def initialize(self):
        _check_players(self.players, type(self).__name__)
        if not (
            isinstance(self.decay_factor, numbers.Real)
            and math.isfinite(self.decay_factor)
            and self.decay_factor >= 1
        ):
            raise ValueError(
                f"decay_factor must be a finite number of at least 1 (1 keeps "
                f"the rate constant), got {self.decay_factor!r}."
            )
        if not (isinstance(self.min_lr, numbers.Real) and self.min_lr >= 0):
            raise ValueError(
                f"min_lr must be a non-negative number, got {self.min_lr!r}."
            )
        self.n_updates_ = dict.fromkeys(self.players, 0)
        self.initial_lr_ = {}
        return self

    def learning_rate_after(self, n_updates, initial_lr):
        """The learning rate after ``n_updates`` updates from ``initial_lr``.

        Parameters
        ----------
        n_updates : int
            Updates made so far.
        initial_lr : float
            Learning rate before the first update.

        Returns
        -------
        lr : float
            ``max(initial_lr / decay_factor ** n_updates, min_lr)``.
        """
        # Powers of the factor rather than repeated division: no drift after
        # millions of updates.
        return max(initial_lr / self.decay_factor**n_updates, self.min_lr)

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        for player in self.players:
            optimizer = _optimizer(net, player)
            if player not in self.initial_lr_:
                self.initial_lr_[player] = [
                    group["lr"] for group in optimizer.param_groups
                ]

    def on_batch_end(self, net, batch=None, training=None, **kwargs):
        if not training:
            return
        # GANSampler reports every discriminator update here, and passes
        # ``loss_g`` when the generator was updated after it.
        updated = ["discriminator"] + (["generator"] if "loss_g" in kwargs else [])
        for player in updated:
            if player not in self.players:
                continue
            self.n_updates_[player] += 1
            optimizer = _optimizer(net, player)
            for group, initial_lr in zip(
                optimizer.param_groups, self.initial_lr_[player], strict=True
            ):
                group["lr"] = self.learning_rate_after(
                    self.n_updates_[player], initial_lr
                )


class LinearMomentumRamp(Callback):
    """Move the optimizers' momentum linearly over a range of epochs.

    During epoch ``e`` (counted from 1) the momentum is ``initial_momentum``
    up to ``start_epoch``, ``final_momentum`` from ``saturate_epoch`` on, and
    linear in between. The 2014 paper's MNIST experiment went from 0.5 to 0.7
    over epochs 1 to 250. The optimizers must have a ``momentum`` setting, as
    :class:`torch.optim.SGD` has.

    Parameters
    ----------
    initial_momentum : float, default=0.5
        Momentum up to ``start_epoch``.
    final_momentum : float, default=0.7
        Momentum from ``saturate_epoch`` on.
    start_epoch : int, default=1
        Last epoch at ``initial_momentum``.
    saturate_epoch : int, default=250
        First epoch at ``final_momentum``; at least ``start_epoch``.
    players : tuple of {"generator", "discriminator"}, \
            default=("generator", "discriminator")
        Whose optimizers to drive.

    See Also
    --------
    PerUpdateLRDecay : The learning-rate schedule that went with it.

    Examples
    --------
    >>> from sklearn_gan import LinearMomentumRamp
    >>> ramp = LinearMomentumRamp(initial_momentum=0.5, final_momentum=0.7)
    >>> [round(ramp.momentum_at(epoch), 4) for epoch in (1, 2, 125, 250, 400)]
    [0.5, 0.5008, 0.5996, 0.7, 0.7]
    """

    def __init__(
        self,
        initial_momentum=0.5,
        final_momentum=0.7,
        start_epoch=1,
        saturate_epoch=250,
        players=_PLAYERS,
    ):
        self.initial_momentum = initial_momentum
        self.final_momentum = final_momentum
        self.start_epoch = start_epoch
        self.saturate_epoch = saturate_epoch
        self.players = players

    def initialize(self):
        _check_players(self.players, type(self).__name__)
        if self.saturate_epoch < self.start_epoch:
            raise ValueError(
                f"saturate_epoch ({self.saturate_epoch}) must be at least "
                f"start_epoch ({self.start_epoch})."
            )
        for name in ("initial_momentum", "final_momentum"):
            value = getattr(self, name)
            if not (isinstance(value, numbers.Real) and 0 <= value < 1):
                raise ValueError(f"{name} must be in [0, 1), got {value!r}.")
        return self

    def momentum_at(self, epoch):
        """The momentum during ``epoch``, counted from 1.

        Parameters
        ----------
        epoch : int
            Epoch number.

        Returns
        -------
        momentum : float
        """
        span = self.saturate_epoch - self.start_epoch
        if span == 0:
            progress = 1.0 if epoch >= self.saturate_epoch else 0.0
        else:
            progress = min(max((epoch - self.start_epoch) / span, 0.0), 1.0)
        return self.initial_momentum + progress * (
            self.final_momentum - self.initial_momentum
        )

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        # The net has opened this epoch's history row before callbacks run.
        momentum = self.momentum_at(len(net.history))
        for player in self.players:
            optimizer = _optimizer(net, player)
            for group in optimizer.param_groups:
                if "momentum" not in group:
                    raise TypeError(
                        f"LinearMomentumRamp needs optimizers with a momentum "
                        f"setting, such as torch.optim.SGD; the {player}'s is "
                        f"{type(optimizer).__name__}. Pass "
                        f"optimizer_{player}=torch.optim.SGD or drop the callback."
                    )
                group["momentum"] = momentum


class SigmoidOutputBiasFromData(Callback):
    """Start a sigmoid generator at the training data's mean pixel values.

    When a fit starts from fresh networks, the generator's output bias ``b``
    is set to ``logit(mean)``, the per-feature mean of the training rows
    clipped to ``[clip, 1 - clip]``: with small initial weights the first
    samples are then about the average image instead of a uniform grey, which
    is how the 2014 paper's MNIST generator began. A ``warm_start`` fit that
    continues training leaves the bias alone.

    The generator must end in an ``output`` attribute that is a
    :class:`torch.nn.Linear` with one output per feature followed by a sigmoid,
    as :class:`~sklearn_gan.MLPGenerator` with ``output_activation="sigmoid"``
    does, and the networks must see the data in [0, 1] (``scaling=None`` for
    pixels already in [0, 1], or ``scaling="minmax"``).

    Parameters
    ----------
    clip : float, default=1e-7
        Means are clipped to ``[clip, 1 - clip]`` so that pixels that are
        always 0 or always 1 get a large finite bias.

    Attributes
    ----------
    bias_ : ndarray of shape (n_features,) or None
        The bias set at the start of the last fresh fit.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from sklearn_gan import GANSampler, SigmoidOutputBiasFromData
    >>> X = np.random.default_rng(0).random((40, 3)) * [0.2, 0.5, 0.9]
    >>> gan = GANSampler(
    ...     max_epochs=0, scaling=None, verbose=0, random_state=0,
    ...     generator__output_activation="sigmoid",
    ...     callbacks=[("output_bias", SigmoidOutputBiasFromData())],
    ... ).fit(X)
    >>> torch.sigmoid(gan.generator_.output.bias).detach().numpy().round(2)
    array([0.1 , 0.29, 0.46], dtype=float32)
    """

    def __init__(self, clip=1e-7):
        self.clip = clip

    def initialize(self):
        if not (isinstance(self.clip, numbers.Real) and 0 < self.clip < 0.5):
            raise ValueError(f"clip must be in (0, 0.5), got {self.clip!r}.")
        self.bias_ = None
        self.pending_ = True
        return self

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        # ``initialize`` runs when the networks are built afresh, not when a
        # warm start continues, so ``pending_`` marks a new generator.
        if not self.pending_:
            return
        output = getattr(net.generator_, "output", None)
        if not isinstance(output, torch.nn.Linear) or output.bias is None:
            raise TypeError(
                "SigmoidOutputBiasFromData needs a generator whose last layer is "
                "an `output` attribute of type torch.nn.Linear with a bias, such as "
                f"MLPGenerator; got {type(net.generator_).__name__}. Drop the "
                "callback for other generators."
            )
        rows = np.asarray(X, dtype=np.float64)
        scaler = getattr(net, "scaler_", None)
        if scaler is not None:
            rows = scaler.transform(rows)
        # A scaler's round trip may overshoot [0, 1] by rounding errors.
        if rows.min() < -1e-6 or rows.max() > 1 + 1e-6:
            raise ValueError(
                "SigmoidOutputBiasFromData needs the networks to see data in "
                f"[0, 1], got values in [{rows.min():.3g}, {rows.max():.3g}]. Pass "
                "scaling='minmax', or scale the pixels to [0, 1] and pass "
                "scaling=None."
            )
        mean = np.clip(rows.mean(axis=0), self.clip, 1 - self.clip)
        self.bias_ = np.log(mean) - np.log1p(-mean)
        with torch.no_grad():
            output.bias.copy_(torch.as_tensor(self.bias_, dtype=output.bias.dtype))
        self.pending_ = False


def _check_players(players, owner):
    if isinstance(players, str) or not players or set(players) - set(_PLAYERS):
        raise ValueError(
            f"{owner}'s players must be a non-empty tuple drawn from {_PLAYERS}, "
            f"got {players!r}."
        )


def _optimizer(net, player):
    optimizer = getattr(net, f"optimizer_{player}_", None)
    if optimizer is None:
        raise TypeError(
            f"This callback drives a GAN's optimizer_{player}_; "
            f"{type(net).__name__} has none. Use it with GANSampler."
        )
    return optimizer
