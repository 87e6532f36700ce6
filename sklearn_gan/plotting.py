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

__all__ = [
    "plot_history",
    "plot_memorisation",
    "plot_nearest_neighbours",
    "plot_sample_grid",
]


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


def plot_nearest_neighbours(
    samples, X_train, image_shape, *, n_cols=None, ax=None, cmap="gray_r"
):
    """Draw generated images beside their nearest training images.

    Each pair of tiles shows a generated row (left) and the training row
    closest to it in Euclidean distance (right), with that distance above the
    pair, as in Figure 2 of Goodfellow et al. (2014). Samples that are near
    copies of training rows show up as pairs of twins at a small distance.

    Parameters
    ----------
    samples : array-like of shape (n_samples, height * width)
        Flattened generated images, for example ``GANSampler.sample(16)``.
    X_train : array-like of shape (n_train, height * width)
        The rows the generator was trained on.
    image_shape : tuple of int
        ``(height, width)`` of one image.
    n_cols : int or None, default=None
        Pairs per row of the grid; ``None`` makes the grid about square.
    ax : matplotlib Axes or None, default=None
        Axes to draw on; ``None`` makes a new figure.
    cmap : str, default="gray_r"
        Colour map, dark ink on white by default.

    Returns
    -------
    ax : matplotlib Axes
        The axes drawn on.

    See Also
    --------
    plot_memorisation : The same distances for all samples, as histograms.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklearn_gan.plotting import plot_nearest_neighbours
    >>> rng = np.random.default_rng(0)
    >>> X_train = rng.random((50, 64))
    >>> ax = plot_nearest_neighbours(X_train[:4] + 0.01, X_train, (8, 8))
    >>> ax.get_images()[0].get_array().shape
    (29, 43)
    >>> [text.get_text() for text in ax.texts]
    ['0.08', '0.08', '0.08', '0.08']
    """
    from sklearn.metrics import pairwise_distances_argmin_min

    plt = _pyplot()
    height, width = image_shape
    samples = _check_image_rows(samples, image_shape, "samples")
    X_train = _check_image_rows(X_train, image_shape, "X_train")
    if len(X_train) == 0:
        raise ValueError("X_train must hold at least one row to compare with.")
    n_pairs = len(samples)
    nearest, distances = (
        pairwise_distances_argmin_min(samples, X_train)
        if n_pairs
        else (np.empty(0, dtype=int), np.empty(0))
    )

    n_cols = n_cols or max(1, math.ceil(math.sqrt(n_pairs)))
    n_grid_rows = max(1, math.ceil(n_pairs / n_cols))
    # One pixel between the twins of a pair, three between pairs, and room
    # above each pair for its distance.
    pair_width, gap, label = 2 * width + 1, 3, max(2, height // 3)
    low = float(min(samples.min(), X_train.min())) if n_pairs else 0.0
    high = float(max(samples.max(), X_train.max())) if n_pairs else 1.0
    canvas = np.full(
        (
            n_grid_rows * (height + label + gap) + gap,
            n_cols * (pair_width + gap) + gap,
        ),
        low,
        dtype=float,
    )
    positions = []
    for index in range(n_pairs):
        top = gap + label + (index // n_cols) * (height + label + gap)
        left = gap + (index % n_cols) * (pair_width + gap)
        canvas[top : top + height, left : left + width] = samples[index].reshape(
            height, width
        )
        canvas[top : top + height, left + width + 1 : left + pair_width] = X_train[
            nearest[index]
        ].reshape(height, width)
        positions.append((left + pair_width / 2, top - 0.7))

    if ax is None:
        _, ax = plt.subplots(
            figsize=(n_cols * 1.3 + 0.5, n_grid_rows * 0.85 + 0.8), layout="constrained"
        )
    ax.imshow(canvas, cmap=cmap, vmin=low, vmax=high, interpolation="nearest")
    for (x, y), distance in zip(positions, distances, strict=True):
        ax.text(x, y, f"{distance:.2f}", ha="center", va="bottom", fontsize=7)
    ax.set_title(
        "generated (left) and nearest training image (right), Euclidean distance",
        fontsize=9,
    )
    ax.set_axis_off()
    return ax


def plot_memorisation(samples, X_train, X_heldout, *, bins=40, ax=None):
    """Histograms of distances to the nearest training row: samples vs held out.

    A generator that memorised its training rows produces samples much closer
    to their nearest training row than unseen data is to its own: the
    samples' histogram then piles up near zero, left of the held-out rows'.
    Samples about as far from the training rows as held-out rows are is what
    a generator that generalises shows.

    Parameters
    ----------
    samples : array-like of shape (n_samples, n_features)
        Generated rows.
    X_train : array-like of shape (n_train, n_features)
        The rows the generator was trained on.
    X_heldout : array-like of shape (n_heldout, n_features)
        Rows of the same data that took no part in training.
    bins : int, default=40
        Number of histogram bins, shared by both histograms.
    ax : matplotlib Axes or None, default=None
        Axes to draw on; ``None`` makes a new figure.

    Returns
    -------
    ax : matplotlib Axes
        The axes drawn on; the legend gives each histogram's median.

    See Also
    --------
    plot_nearest_neighbours : The nearest training images themselves.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklearn_gan.plotting import plot_memorisation
    >>> rng = np.random.default_rng(0)
    >>> X_train, X_heldout = rng.random((200, 5)), rng.random((100, 5))
    >>> copies = X_train[:100] + rng.normal(scale=0.01, size=(100, 5))
    >>> ax = plot_memorisation(copies, X_train, X_heldout)
    >>> [text.get_text() for text in ax.get_legend().get_texts()]
    ['generated rows (median 0.02)', 'held-out rows (median 0.26)']
    """
    from sklearn.metrics import pairwise_distances_argmin_min

    plt = _pyplot()
    samples = np.asarray(samples, dtype=float)
    X_train = np.asarray(X_train, dtype=float)
    X_heldout = np.asarray(X_heldout, dtype=float)
    for name, rows in (
        ("samples", samples),
        ("X_train", X_train),
        ("X_heldout", X_heldout),
    ):
        if rows.ndim != 2 or len(rows) == 0 or rows.shape[1] != X_train.shape[-1]:
            raise ValueError(
                f"{name} must be a non-empty 2-D array with as many columns as "
                f"X_train ({X_train.shape[-1]}), got shape {rows.shape}."
            )
    _, sample_distances = pairwise_distances_argmin_min(samples, X_train)
    _, heldout_distances = pairwise_distances_argmin_min(X_heldout, X_train)

    edges = np.histogram_bin_edges(
        np.concatenate([sample_distances, heldout_distances]), bins=bins
    )
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
    for distances, name, colour in (
        (sample_distances, "generated rows", "tab:orange"),
        (heldout_distances, "held-out rows", "tab:blue"),
    ):
        # Shares rather than counts, so that groups of any size compare.
        ax.hist(
            distances,
            bins=edges,
            weights=np.full(len(distances), 1 / len(distances)),
            alpha=0.55,
            color=colour,
            label=f"{name} (median {np.median(distances):.2f})",
        )
    ax.set_xlabel("Euclidean distance to the nearest training row")
    ax.set_ylabel("share of rows")
    ax.legend()
    return ax


def _check_image_rows(rows, image_shape, name):
    rows = np.asarray(rows, dtype=float)
    height, width = image_shape
    if rows.ndim != 2 or rows.shape[1] != height * width:
        raise ValueError(
            f"{name} must have shape (n_rows, {height * width}) for images of "
            f"shape {tuple(image_shape)}, got {rows.shape}."
        )
    return rows
