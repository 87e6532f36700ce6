"""Pictures of what a GAN learnt: grids of image-shaped rows.

matplotlib is an optional dependency (``pip install sklearn-gan[plot]``); it is
imported when a function here is called, not when sklearn_gan is.
"""

import math

import numpy as np

__all__ = ["plot_sample_grid"]


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
