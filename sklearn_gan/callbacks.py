"""skorch callbacks that know a GAN has two networks and no validation loss.

A GAN's losses say little about the quality of its samples: the discriminator
and the generator trade places all through training. What ``GANSampler`` is
judged by is the Parzen-window log-likelihood of held-out rows, so the
callbacks here monitor that:

- :class:`ParzenScoring` scores the held-out rows every few epochs and records
  the value in ``history_`` (``valid_parzen`` by default);
- :class:`GANEarlyStopping` stops training when that score stops improving and
  restores the generator, the discriminator *and* both optimizers of the best
  epoch (skorch's ``EarlyStopping(load_best=True)`` restores only
  ``module_``);
- :class:`GANCheckpoint` saves both networks and both optimizers whenever the
  score improves (skorch's ``Checkpoint`` saves a custom module only when it
  is named by an ``f_<name>`` argument).

Put :class:`ParzenScoring` before the callbacks that read its key, as with
skorch's ``EpochScoring``.
"""

import math
import numbers
import warnings
from copy import deepcopy

import numpy as np
import torch
from skorch.callbacks import Callback, Checkpoint, EarlyStopping
from skorch.utils import noop

from ._parzen import DEFAULT_MEMORY_BUDGET, select_bandwidth

__all__ = ["GANCheckpoint", "GANEarlyStopping", "ParzenScoring"]


class ParzenScoring(Callback):
    """Record the Parzen log-likelihood of the held-out rows during training.

    Every ``every`` epochs, ``n_samples`` rows are drawn from the generator
    with a fixed seed, a Gaussian Parzen window is placed on them, and the
    mean log-likelihood of the held-out rows (those ``GANSampler`` keeps aside
    by ``validation_fraction``) is written to ``history_`` under ``name``,
    together with ``<name>_best``. It is the epoch-by-epoch counterpart of
    ``GANSampler.validation_score_``, computed the same way.

    The bandwidth is chosen on the same held-out rows that are scored, so the
    value is optimistic, as ``validation_score_`` is: use it to compare epochs
    of one training run, and :meth:`GANSampler.score` on rows that took no
    part in fitting to compare models.

    Parameters
    ----------
    every : int, default=1
        Score at epochs ``every``, ``2 * every``, ... The epochs in between
        record NaN, so that every row of the history has the same keys and the
        epoch table stays aligned. A generator whose rows are not all finite
        scores ``-inf``.
    n_samples : int, default=1000
        Generator rows that serve as Parzen-window centres. Fewer than the
        estimator's ``n_parzen_samples`` keeps the check cheap; the value is
        then lower than a final score with more centres.
    bandwidths : array-like or None, default=None
        Candidate bandwidths in the units of ``X``. ``None`` uses
        :func:`~sklearn_gan.default_bandwidths` of the generated rows.
    name : str, default="valid_parzen"
        History key of the score; ``<name>_best`` flags new best values.
    random_state : int, RandomState instance or None, default=0
        Seeds the generator noise. An int draws the same noise at every check,
        so that two epochs differ only by the generator's weights. The
        training itself is not affected: sampling uses its own random stream.

    Attributes
    ----------
    best_score_ : float
        Best score recorded so far (``-inf`` before the first check).
    bandwidth_ : float
        Bandwidth chosen at the last check.

    See Also
    --------
    GANEarlyStopping : Stop when this score stops improving.
    GANCheckpoint : Save both networks when it improves.
    skorch.callbacks.EpochScoring : The same idea for a scikit-learn scorer.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gan import GANSampler
    >>> from sklearn_gan.callbacks import ParzenScoring
    >>> X = np.random.default_rng(0).normal(size=(200, 2))
    >>> gan = GANSampler(
    ...     max_epochs=4,
    ...     callbacks=[ParzenScoring(every=2, n_samples=200)],
    ...     n_parzen_samples=200,
    ...     verbose=0,
    ...     random_state=0,
    ... ).fit(X)
    >>> scores = gan.history_[:, "valid_parzen"]
    >>> [bool(np.isnan(score)) for score in scores]
    [True, False, True, False]
    """

    def __init__(
        self,
        every=1,
        n_samples=1000,
        bandwidths=None,
        name="valid_parzen",
        random_state=0,
    ):
        self.every = every
        self.n_samples = n_samples
        self.bandwidths = bandwidths
        self.name = name
        self.random_state = random_state

    def initialize(self):
        """Check the settings and forget the best score of earlier fits."""
        for parameter in ("every", "n_samples"):
            value = getattr(self, parameter)
            if not _is_positive_int(value):
                raise ValueError(
                    f"The '{parameter}' parameter of ParzenScoring must be a "
                    f"positive integer, got {value!r}."
                )
        self.best_score_ = -math.inf
        self.bandwidth_ = None
        return self

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        """Take up the best score already in the history (``warm_start``)."""
        previous = [
            row[self.name]
            for row in net.history
            if self.name in row and np.isfinite(row[self.name])
        ]
        self.best_score_ = max(previous, default=-math.inf)

    def on_epoch_end(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        """Score ``dataset_valid`` at the epochs due and record the result."""
        epoch = net.history[-1, "epoch"]
        if epoch % self.every:
            net.history.record(self.name, math.nan)
            net.history.record(f"{self.name}_best", False)
            return
        if dataset_valid is None or len(dataset_valid) == 0:
            raise ValueError(
                f"ParzenScoring needs held-out rows to score, but epoch {epoch} "
                "ended without validation data. Use it with GANSampler, which "
                "holds out validation_fraction of the rows of X."
            )

        X_valid = np.asarray(dataset_valid, dtype=np.float64)
        centers = net.sample(self.n_samples, random_state=self.random_state)
        if not np.all(np.isfinite(centers)):
            # Finite weights can still overflow to inf or NaN in the output.
            net.history.record(self.name, -math.inf)
            net.history.record(f"{self.name}_best", False)
            return
        with warnings.catch_warnings():
            # A bandwidth at the edge of the grid is common early in training;
            # warning at every check would drown the epoch table.
            warnings.simplefilter("ignore", UserWarning)
            bandwidth, scores = select_bandwidth(
                X_valid,
                centers,
                self.bandwidths,
                return_scores=True,
                memory_budget=getattr(
                    net, "parzen_memory_budget", DEFAULT_MEMORY_BUDGET
                ),
                device=_network_device(net),
            )
        score = float(np.max(scores))
        self.bandwidth_ = bandwidth

        is_best = score > self.best_score_
        if is_best:
            self.best_score_ = score
        net.history.record(self.name, score)
        net.history.record(f"{self.name}_best", bool(is_best))


class GANEarlyStopping(EarlyStopping):
    """Stop training when a score stops improving; restore the best state.

    This is skorch's :class:`~skorch.callbacks.EarlyStopping` for a net with
    several modules and optimizers. With ``load_best=True``, the state of the
    best epoch is kept in memory and put back when training ends: every
    module (for ``GANSampler``: ``generator_`` and ``discriminator_``), every
    criterion and every optimizer with its moments, so that a ``warm_start``
    fit continues from that epoch exactly. ``GANSampler`` then chooses its
    Parzen bandwidth for the restored generator.

    Epochs whose monitored value is NaN (those between two checks of
    :class:`ParzenScoring` with ``every > 1``) are skipped: they neither count
    as misses nor as improvements.

    Parameters
    ----------
    monitor : str, default="valid_parzen"
        History key to watch, written by a callback placed before this one.
    patience : int, default=5
        Checks in a row without improvement after which training stops.
    threshold : float, default=0.0
        Smallest improvement that counts.
    threshold_mode : {"abs", "rel"}, default="abs"
        ``"abs"`` takes ``threshold`` in the monitored units (nats for a
        Parzen score); ``"rel"`` as a fraction of the best value's magnitude.
    lower_is_better : bool, default=False
        False for a log-likelihood; True for a loss.
    sink : callable, default=print
        Where the messages about stopping and restoring go, when ``verbose``.
    load_best : bool, default=True
        Restore the state of the best epoch when training ends.

    Attributes
    ----------
    best_epoch_ : int
        Epoch with the best monitored value (0 before the first).
    best_score_ : float
        That value.
    misses_ : int
        Checks since the last improvement.

    See Also
    --------
    ParzenScoring : The score this callback watches by default.
    GANCheckpoint : Keep the best state on disk instead of in memory.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gan import GANSampler
    >>> from sklearn_gan.callbacks import GANEarlyStopping, ParzenScoring
    >>> X = np.random.default_rng(0).normal(size=(200, 2))
    >>> stopper = GANEarlyStopping(patience=2)
    >>> gan = GANSampler(
    ...     max_epochs=5,
    ...     callbacks=[ParzenScoring(n_samples=200), stopper],
    ...     n_parzen_samples=200,
    ...     verbose=0,
    ...     random_state=0,
    ... ).fit(X)
    >>> best = int(np.argmax(gan.history_[:, "valid_parzen"])) + 1
    >>> stopper.best_epoch_ == best
    True
    """

    def __init__(
        self,
        monitor="valid_parzen",
        patience=5,
        threshold=0.0,
        threshold_mode="abs",
        lower_is_better=False,
        sink=print,
        load_best=True,
    ):
        super().__init__(
            monitor=monitor,
            patience=patience,
            threshold=threshold,
            threshold_mode=threshold_mode,
            lower_is_better=lower_is_better,
            sink=sink,
            load_best=load_best,
        )

    def __getstate__(self):
        # A pickled net would otherwise carry a second copy of every network.
        state = super().__getstate__()
        state["best_state_"] = None
        return state

    def on_train_begin(self, net, **kwargs):
        """Check the settings and reset the record of the best epoch."""
        if not _is_positive_int(self.patience):
            raise ValueError(
                "The 'patience' parameter of GANEarlyStopping must be a positive "
                f"integer, got {self.patience!r}."
            )
        super().on_train_begin(net, **kwargs)
        self.best_state_ = None
        self.best_score_ = math.inf if self.lower_is_better else -math.inf

    def on_epoch_end(self, net, **kwargs):
        """Compare this epoch's value with the best; stop after ``patience``."""
        row = net.history[-1]
        if self.monitor not in row:
            recorded = sorted(key for key in row if key != "batches")
            raise KeyError(
                f"GANEarlyStopping monitors '{self.monitor}', which epoch "
                f"{row['epoch']} did not record; the history has {recorded}. "
                "Put ParzenScoring (or the callback that writes this key) "
                "before GANEarlyStopping in callbacks, or change monitor."
            )
        score = row[self.monitor]
        if score is None or not np.isfinite(score):
            return

        if self._is_score_improved(score):
            self.misses_ = 0
            self.dynamic_threshold_ = self._calc_new_threshold(score)
            self.best_epoch_ = row["epoch"]
            self.best_score_ = float(score)
            if self.load_best:
                self.best_state_ = _copy_training_state(net)
        else:
            self.misses_ += 1

        if self.misses_ >= self.patience:
            checks = "check" if self.patience == 1 else f"{self.patience} checks"
            self._sink(
                f"Stopping since {self.monitor} has not improved in the last {checks}.",
                verbose=net.verbose,
            )
            raise KeyboardInterrupt

    def on_train_end(self, net, **kwargs):
        """Put back the networks and optimizers of the best epoch."""
        if not self.load_best or self.best_state_ is None:
            return
        if self.best_epoch_ == net.history[-1, "epoch"]:
            return
        for name, state in self.best_state_.items():
            getattr(net, name).load_state_dict(state)
        self._sink(
            f"Restoring the networks and optimizers of epoch {self.best_epoch_} "
            f"({self.monitor} = {self.best_score_:.3f}).",
            verbose=net.verbose,
        )

    def _calc_new_threshold(self, score):
        # skorch multiplies by the score itself, which moves the threshold the
        # wrong way for negative values, as log-likelihoods often are.
        change = self.threshold
        if self.threshold_mode == "rel":
            change = self.threshold * abs(score)
        return score - change if self.lower_is_better else score + change


class GANCheckpoint(Checkpoint):
    """Save both networks and both optimizers when a score improves.

    skorch's :class:`~skorch.callbacks.Checkpoint` with file names for
    ``GANSampler``'s parts: ``generator_``, ``discriminator_``,
    ``optimizer_generator_`` and ``optimizer_discriminator_``, plus the
    history. By default it saves at every epoch where :class:`ParzenScoring`
    flags a new best ``valid_parzen``. The files can be loaded into a fitted
    estimator with ``gan.load_params(checkpoint=checkpoint)``.

    Parameters
    ----------
    monitor : str, callable or None, default="valid_parzen_best"
        History key of a boolean that says when to save, a function of the
        net that returns one, or None to save at every epoch. Pass a function
        defined at module level, not a lambda, to keep the net picklable.
    f_generator, f_discriminator : str, file-like or None
        Where to save the networks' weights; defaults ``"generator.pt"`` and
        ``"discriminator.pt"``. ``None`` skips a part. Strings may contain
        the format fields of skorch's ``Checkpoint``, as in
        ``"generator_{last_epoch[epoch]}.pt"``.
    f_optimizer_generator, f_optimizer_discriminator : str, file-like or None
        Where to save the optimizers' state; defaults
        ``"optimizer_generator.pt"`` and ``"optimizer_discriminator.pt"``.
    f_history : str or None, default="history.json"
        Where to save the history.
    f_pickle : str, file-like or None, default=None
        Where to pickle the whole estimator.
    f_params, f_optimizer, f_criterion : None, default=None
        skorch's names for a single ``module_``, ``optimizer_`` and
        ``criterion_``; ``GANSampler`` has no ``module_`` or ``optimizer_``.
    fn_prefix : str, default=""
        Prefix of every file name.
    dirname : str, default=""
        Directory of the files; created when missing.
    event_name : str or None, default="event_cp"
        History key that records whether a checkpoint was saved.
    sink : callable, default=skorch.utils.noop
        Where the messages about saving go.
    load_best : bool, default=False
        Load the networks and optimizers of the last save when training
        ends. The history is left whole.
    use_safetensors : bool, default=False
        Save with ``safetensors``; it stores tensors only, so set both
        optimizer files to None with it.

    See Also
    --------
    ParzenScoring : Writes ``valid_parzen_best``.
    GANEarlyStopping : Keeps the best state in memory.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> from sklearn_gan import GANSampler
    >>> from sklearn_gan.callbacks import GANCheckpoint, ParzenScoring
    >>> X = np.random.default_rng(0).normal(size=(200, 2))
    >>> with tempfile.TemporaryDirectory() as directory:
    ...     checkpoint = GANCheckpoint(dirname=directory, load_best=True)
    ...     gan = GANSampler(
    ...         max_epochs=3,
    ...         callbacks=[ParzenScoring(n_samples=200), checkpoint],
    ...         n_parzen_samples=200,
    ...         verbose=0,
    ...         random_state=0,
    ...     ).fit(X)
    >>> len(gan.history_[:, "event_cp"])
    3
    """

    def __init__(
        self,
        monitor="valid_parzen_best",
        f_generator="generator.pt",
        f_discriminator="discriminator.pt",
        f_optimizer_generator="optimizer_generator.pt",
        f_optimizer_discriminator="optimizer_discriminator.pt",
        f_history="history.json",
        f_pickle=None,
        f_params=None,
        f_optimizer=None,
        f_criterion=None,
        fn_prefix="",
        dirname="",
        event_name="event_cp",
        sink=noop,
        load_best=False,
        use_safetensors=False,
    ):
        super().__init__(
            monitor=monitor,
            f_params=f_params,
            f_optimizer=f_optimizer,
            f_criterion=f_criterion,
            f_history=f_history,
            f_pickle=f_pickle,
            fn_prefix=fn_prefix,
            dirname=dirname,
            event_name=event_name,
            sink=sink,
            load_best=load_best,
            use_safetensors=use_safetensors,
            f_generator=f_generator,
            f_discriminator=f_discriminator,
            f_optimizer_generator=f_optimizer_generator,
            f_optimizer_discriminator=f_optimizer_discriminator,
        )

    def on_train_end(self, net, **kwargs):
        """Load the networks and optimizers of the last save, if asked."""
        if not self.load_best or self.monitor is None:
            return
        if self.event_name is not None and not any(
            row.get(self.event_name, False) for row in net.history
        ):
            # Nothing was saved (no check improved): nothing to load.
            return
        files = {
            key: value
            for key, value in self.get_formatted_files(net).items()
            if key not in ("f_history", "f_pickle")
        }
        self._sink("Loading the best checkpoint after training.", net.verbose)
        net.load_params(use_safetensors=self.use_safetensors, **files)


def _is_positive_int(value):
    return (
        isinstance(value, numbers.Integral)
        and not isinstance(value, bool)
        and value > 0
    )


def _network_device(net):
    module = getattr(net, "generator_", None)
    if module is None:
        module = getattr(net, "module_", None)
    parameter = next(module.parameters(), None) if module is not None else None
    return parameter.device if parameter is not None else torch.device("cpu")


def _copy_training_state(net):
    """Copies of the state of every module, criterion and optimizer of a net."""
    # skorch lists the names of the parts it built in these three attributes.
    names = [f"{name}_" for name in (*net._modules, *net._criteria, *net._optimizers)]
    return {
        name: deepcopy(getattr(net, name).state_dict())
        for name in names
        if hasattr(getattr(net, name, None), "state_dict")
    }
