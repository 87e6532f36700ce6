"""Errors and warnings that sklearn_gan raises about training."""

__all__ = ["DivergenceError", "DivergenceWarning", "ModeCollapseWarning"]


class DivergenceError(RuntimeError):
    """Training stopped because a loss or a weight became NaN or infinite.

    The estimator that raised it keeps the last weights that were finite, so it
    can still sample and score; ``GANSampler(on_divergence="warn")`` issues a
    :class:`DivergenceWarning` instead of raising.

    Attributes
    ----------
    epoch : int
        Epoch (counted from 1) in which the non-finite value appeared.
    batch : int or None
        Batch (counted from 1) within that epoch, where a loss showed it.
    """

    def __init__(self, message, epoch=None, batch=None):
        super().__init__(message)
        self.epoch = epoch
        self.batch = batch


class DivergenceWarning(UserWarning):
    """Training stopped early because a loss or a weight stopped being finite."""


class ModeCollapseWarning(UserWarning):
    """The generator's rows spread far less than the data: it may have collapsed."""
