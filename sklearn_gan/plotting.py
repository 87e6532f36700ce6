"""Pictures of what a GAN learnt and of how it trained.

:func:`plot_sample_grid` draws image-shaped rows as a grid of tiles;
:func:`plot_history` draws the training curves that ``GANSampler`` records in
``history_``.

matplotlib is an optional dependency (``pip install sklearn-gan[plot]``); it is
imported when a function here is called, not when sklearn_gan is.
"""

import math
import numbers

import numpy as np

__all__ = ["plot_history", "plot_sample_grid"]


def plot_sample_grid(rows, image_shape, *, n_cols=None, ax=None, cmap="gray_r"):
    """Draw image-shaped rows as one grid of tiles.

    Parameters
    ----------
    rows : array-like of shape (n_rows, height * width)
        Flattened grey-level images, for example ``GANSampler.sample(64)``
        on digits.
    image_shape : tuple of int
        ``(height, width)`` of one image.
    n_cols : int or None, default=None
        Tiles per row of the grid; ``None`` makes the grid about square.
    ax : matplotlib Axes or None, default=None
        Axes to draw on; ``None`` makes a new figure.
    cmap : str, default="gray_r"
        Colour map, dark ink on white by default.

    Returns
    -------
    ax : matplotlib Axes
        The axes drawn on.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklearn_gan.plotting import plot_sample_grid
    >>> ax = plot_sample_grid(np.random.default_rng(0).random((6, 64)), (8, 8))
    >>> ax.get_images()[0].get_array().shape
    (19, 28)
    """
    plt = _pyplot()
    rows = np.asarray(rows, dtype=float)
    height, width = image_shape
    if rows.ndim != 2 or rows.shape[1] != height * width:
        raise ValueError(
            f"rows must have shape (n_rows, {height * width}) for images of "
            f"shape {tuple(image_shape)}, got {rows.shape}."
        )
    n_rows = len(rows)
    n_cols = n_cols or max(1, math.ceil(math.sqrt(n_rows)))
    n_grid_rows = max(1, math.ceil(n_rows / n_cols))

    # One pixel of padding between tiles, filled with the lightest value.
    low, high = (float(rows.min()), float(rows.max())) if n_rows else (0.0, 1.0)
    canvas = np.full(
        (n_grid_rows * (height + 1) + 1, n_cols * (width + 1) + 1), low, dtype=float
    )
    for index, row in enumerate(rows):
        top = 1 + (index // n_cols) * (height + 1)
        left = 1 + (index % n_cols) * (width + 1)
        canvas[top : top + height, left : left + width] = row.reshape(height, width)

    if ax is None:
        _, ax = plt.subplots(figsize=(n_cols * 0.6 + 0.5, n_grid_rows * 0.6 + 0.5))
    ax.imshow(canvas, cmap=cmap, vmin=low, vmax=high, interpolation="nearest")
    ax.set_axis_off()
    return ax


# Keys of ``history_`` drawn by plot_history, with their legend labels.
_LOSS_CURVES = (("loss_d", "D loss"), ("loss_g", "G loss"))
_OUTPUT_CURVES = (("d_real", "mean D(x)"), ("d_fake", "mean D(G(z))"))

# G's loss where D = 1/2 everywhere, for each of GANSampler's generator_loss.
_GENERATOR_EQUILIBRIUM = {"non_saturating": np.log(2), "minimax": -np.log(2)}


def plot_history(estimator_or_history, ax=None, *, parzen_key="valid_parzen"):
    """Draw a GAN's training curves, epoch by epoch.

    The first panel shows both players' losses, with their values at the
    game's equilibrium as dotted lines: ``2 log 2`` for D's loss and, when an
    estimator is given, ``log 2`` for the non-saturating generator loss (or
    ``-log 2`` for the minimax one). The second panel shows the mean of D(x)
    over real rows and of D(G(z)) over generated rows, which both approach
    1/2 when the generator's rows can no longer be told from the data. When
    the history has a ``parzen_key`` entry, such as the ``valid_parzen`` that
    :class:`~sklearn_gan.callbacks.ParzenScoring` records, a third panel
    shows that score over the epochs where it is finite.

    Parameters
    ----------
    estimator_or_history : GANSampler or skorch.History or list of dict
        A fitted estimator, whose ``history_`` is drawn, or a history: one
        dict per epoch with the keys ``loss_d``, ``loss_g``, ``d_real`` and
        ``d_fake``.
    ax : sequence of matplotlib Axes or None, default=None
        One Axes per panel (two, or three with a Parzen score); ``None``
        makes a new figure with the panels side by side.
    parzen_key : str, default="valid_parzen"
        History key of a per-epoch score to draw in a third panel: a number,
        or an object with ``mean`` and ``std_error`` (such as a
        :class:`~sklearn_gan.ParzenScore`), whose standard error is shaded.

    Returns
    -------
    axes : ndarray of matplotlib Axes
        The panels drawn on, in the order above.

    See Also
    --------
    plot_sample_grid : Generated image rows as a grid of tiles.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklearn_gan import GANSampler
    >>> from sklearn_gan.plotting import plot_history
    >>> X = np.random.default_rng(0).normal(size=(200, 2))
    >>> gan = GANSampler(max_epochs=3, verbose=0, random_state=0).fit(X)
    >>> axes = plot_history(gan)
    >>> [ax.get_title() for ax in axes]
    ['Losses', 'Discriminator outputs']
    >>> [line.get_label() for line in axes[1].get_lines()]
    ['mean D(x)', 'mean D(G(z))', 'D = 1/2']
    """
    plt = _pyplot()
    history = _history_rows(estimator_or_history)
    epochs = np.array(
        [row.get("epoch", number) for number, row in enumerate(history, start=1)]
    )
    # Epochs without a check record NaN (or nothing); a generator with
    # non-finite rows scores -inf. Neither has a point to draw.
    parzen = [
        (epoch, *_score_parts(row[parzen_key]))
        for epoch, row in zip(epochs, history, strict=True)
        if row.get(parzen_key) is not None
    ]
    parzen = [point for point in parzen if np.isfinite(point[1])]
    n_panels = 3 if parzen else 2

    if ax is None:
        _, ax = plt.subplots(1, n_panels, figsize=(4.2 * n_panels, 3.4))
    axes = np.asarray(ax, dtype=object).ravel()
    if len(axes) != n_panels:
        panels = "losses, discriminator outputs" + (", Parzen score" * bool(parzen))
        raise ValueError(
            f"This history needs {n_panels} panels ({panels}), but {len(axes)} "
            f"Axes were given. Pass {n_panels} Axes, or ax=None."
        )

    for key, label in _LOSS_CURVES:
        axes[0].plot(epochs, _column(history, key), label=label)
    axes[0].axhline(
        2 * np.log(2), color="C0", linestyle=":", label="D loss at equilibrium"
    )
    generator_loss = getattr(estimator_or_history, "generator_loss", None)
    if generator_loss in _GENERATOR_EQUILIBRIUM:
        axes[0].axhline(
            _GENERATOR_EQUILIBRIUM[generator_loss],
            color="C1",
            linestyle=":",
            label="G loss at equilibrium",
        )
    axes[0].set_title("Losses")
    axes[0].set_ylabel("loss (nats)")

    for key, label in _OUTPUT_CURVES:
        axes[1].plot(epochs, _column(history, key), label=label)
    axes[1].axhline(0.5, color="grey", linestyle=":", label="D = 1/2")
    axes[1].set_ylim(0, 1)
    axes[1].set_title("Discriminator outputs")
    axes[1].set_ylabel("probability of 'real'")

    if parzen:
        score_epochs, means, errors = np.array(parzen, dtype=float).T
        axes[2].plot(score_epochs, means, marker=".", label=parzen_key)
        if np.any(errors > 0):
            axes[2].fill_between(
                score_epochs, means - errors, means + errors, alpha=0.3
            )
        axes[2].set_title("Parzen log-likelihood")
        axes[2].set_ylabel("nats per row")

    for panel in axes:
        panel.set_xlabel("epoch")
        panel.legend(fontsize="small")
    return axes


def _history_rows(estimator_or_history):
    """The per-epoch dicts of a fitted estimator or of a history."""
    history = getattr(estimator_or_history, "history_", estimator_or_history)
    if history is None or hasattr(history, "get_params"):
        # skorch sets history_ to None until the first fit.
        raise ValueError(
            f"This {type(estimator_or_history).__name__} has no history_: fit "
            "it before plotting its training curves."
        )
    try:
        rows = list(history)
    except TypeError:
        rows = None
    if rows is None or not all(isinstance(row, dict) for row in rows):
        raise ValueError(
            "plot_history expects a fitted GANSampler or a history, a list of "
            f"one dict per epoch; got {type(estimator_or_history).__name__}."
        )
    if not rows:
        raise ValueError(
            "The history has no epochs to plot: fit for at least one epoch."
        )
    return rows


def _score_parts(value):
    """Mean and standard error of a recorded score (a number or a ParzenScore)."""
    if isinstance(value, numbers.Real):
        return float(value), 0.0
    return float(value.mean), float(getattr(value, "std_error", 0.0))


def _column(history, key):
    missing = [number for number, row in enumerate(history, 1) if key not in row]
    if missing:
        raise ValueError(
            f"The history has no {key!r} in epoch {missing[0]}: plot_history "
            "draws the curves that GANSampler records (loss_d, loss_g, d_real, "
            "d_fake). Pass a GANSampler or its history_."
        )
    return np.array([row[key] for row in history], dtype=float)


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(
            "sklearn_gan.plotting needs matplotlib: pip install 'sklearn-gan[plot]'."
        ) from error
    return plt
