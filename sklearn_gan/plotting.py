"""Pictures of what a GAN learnt: grids of image-shaped rows.

matplotlib is an optional dependency (``pip install sklearn-gan[plot]``); it is
imported when a function here is called, not when sklearn_gan is.
"""

import math

import numpy as np

__all__ = ["plot_memorisation", "plot_nearest_neighbours", "plot_sample_grid"]


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
