"""Image data sets as rows of pixels in [0, 1], read from local files.

Nothing here downloads anything: :func:`load_mnist` reads the MNIST files from
a folder you give, and :func:`load_digits_pixels` rescales scikit-learn's
bundled 8 x 8 digits.
"""

import gzip
import os
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.utils import Bunch

__all__ = ["load_digits_pixels", "load_mnist", "load_mnist_splits"]

# IDX files start with two zero bytes, a type code and the number of axes.
_IMAGES_MAGIC = 0x00000803  # unsigned bytes, 3 axes: images, rows, columns
_LABELS_MAGIC = 0x00000801  # unsigned bytes, 1 axis: labels

# The file-name stems of the MNIST database, and the spelling with a dot that
# some copies use.
_MNIST_STEMS = {"train": "train", "test": "t10k"}
_MNIST_SOURCE = (
    "Download the four files of 'THE MNIST DATABASE of handwritten digits' "
    "(Yann LeCun, Corinna Cortes and Christopher J. C. Burges) into that folder, "
    "compressed (.gz) or not, under their original names."
)

#: Rows of the MNIST training file used by the 2014 paper.
PAPER_TRAIN_ROWS = slice(0, 50_000)
#: Rows of the MNIST training file the paper held out for validation.
PAPER_VALIDATION_ROWS = slice(50_000, 60_000)


def load_mnist(path, kind="train", *, return_labels=False):
    """Read MNIST images from their IDX files in a local folder.

    Looks in ``path`` for ``train-images-idx3-ubyte`` (``kind="train"``) or
    ``t10k-images-idx3-ubyte`` (``kind="test"``), gzip-compressed with a
    ``.gz`` suffix or not, also accepting the ``-images.idx3-ubyte`` spelling,
    and, with ``return_labels=True``, the matching ``-labels-idx1-ubyte``
    file. Nothing is ever downloaded.

    Parameters
    ----------
    path : str or path-like
        Folder holding the MNIST files.
    kind : {"train", "test"}, default="train"
        The 60,000 training images or the 10,000 test images.
    return_labels : bool, default=False
        Also return the digit of each image.

    Returns
    -------
    X : ndarray of shape (n_images, 784), dtype float32
        One image per row, row-major 28 x 28 pixels scaled to [0, 1] (byte
        values divided by 255), as in the 2014 paper.
    y : ndarray of shape (n_images,), dtype int64
        Digits 0-9; only when ``return_labels=True``.

    Raises
    ------
    FileNotFoundError
        When the folder or a file is missing; the message says which names
        were looked for and where the files come from.
    ValueError
        When a file is not an IDX file of the expected kind (wrong magic
        number, truncated data, images and labels of different counts).

    See Also
    --------
    load_mnist_splits : The paper's training, validation and test rows.

    Examples
    --------
    >>> import gzip, os, tempfile
    >>> import numpy as np
    >>> from sklearn_gan.datasets import load_mnist
    >>> header = np.array([0x803, 2, 28, 28], dtype=">u4").tobytes()
    >>> pixels = np.full(2 * 784, 255, dtype=np.uint8).tobytes()
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     name = os.path.join(folder, "t10k-images-idx3-ubyte.gz")
    ...     with gzip.open(name, "wb") as stream:
    ...         _ = stream.write(header + pixels)
    ...     X = load_mnist(folder, kind="test")
    >>> X.shape, X.dtype, float(X.max())
    ((2, 784), dtype('float32'), 1.0)
    """
    if kind not in _MNIST_STEMS:
        raise ValueError(f"kind must be 'train' or 'test', got {kind!r}.")
    folder = Path(os.fspath(path)).expanduser()
    if not folder.is_dir():
        raise FileNotFoundError(
            f"MNIST folder {str(folder)!r} does not exist. {_MNIST_SOURCE}"
        )
    stem = _MNIST_STEMS[kind]

    images = _read_idx(_find_file(folder, stem, "images", 3), _IMAGES_MAGIC)
    n_images, height, width = images.shape
    X = images.reshape(n_images, height * width).astype(np.float32) / np.float32(255)
    if not return_labels:
        return X

    labels = _read_idx(_find_file(folder, stem, "labels", 1), _LABELS_MAGIC)
    if len(labels) != n_images:
        raise ValueError(
            f"The {kind} files disagree: {n_images} images but {len(labels)} "
            "labels. Replace them with an intact copy."
        )
    return X, labels.astype(np.int64)


def load_mnist_splits(path, *, return_labels=False):
    """MNIST split as in the 2014 paper: training, validation and test rows.

    Rows 0-50,000 of the training file train, rows 50,000-60,000 validate
    (the paper chose its Parzen bandwidth on the first 1,000 of them), and the
    10,000 images of the test file are scored.

    Parameters
    ----------
    path : str or path-like
        Folder holding the MNIST files, as for :func:`load_mnist`.
    return_labels : bool, default=False
        Also return the digits, as ``y_train``, ``y_validation`` and
        ``y_test``.

    Returns
    -------
    splits : sklearn.utils.Bunch
        ``X_train`` (50,000 x 784), ``X_validation`` (10,000 x 784) and
        ``X_test`` (10,000 x 784), float32 pixels in [0, 1].

    Examples
    --------
    >>> from sklearn_gan.datasets import load_mnist_splits
    >>> splits = load_mnist_splits("/path/to/mnist")  # doctest: +SKIP
    >>> splits.X_train.shape, splits.X_validation.shape  # doctest: +SKIP
    ((50000, 784), (10000, 784))
    """
    train = load_mnist(path, "train", return_labels=return_labels)
    test = load_mnist(path, "test", return_labels=return_labels)
    if not return_labels:
        train, test = (train, None), (test, None)
    (X_full, y_full), (X_test, y_test) = train, test
    splits = Bunch(
        X_train=X_full[PAPER_TRAIN_ROWS],
        X_validation=X_full[PAPER_VALIDATION_ROWS],
        X_test=X_test,
    )
    if return_labels:
        splits.update(
            y_train=y_full[PAPER_TRAIN_ROWS],
            y_validation=y_full[PAPER_VALIDATION_ROWS],
            y_test=y_test,
        )
    return splits


def load_digits_pixels(*, return_labels=False):
    """scikit-learn's 8 x 8 digits with pixels scaled to [0, 1].

    The 1,797 images of :func:`sklearn.datasets.load_digits` hold counts
    0-16; dividing by 16 puts them on the same [0, 1] scale as MNIST, so that
    a sigmoid generator and the same Parzen bandwidth grid suit both.

    Parameters
    ----------
    return_labels : bool, default=False
        Also return the digit of each image.

    Returns
    -------
    X : ndarray of shape (1797, 64), dtype float32
        One image per row, row-major 8 x 8 pixels in [0, 1].
    y : ndarray of shape (1797,), dtype int64
        Digits 0-9; only when ``return_labels=True``.

    Examples
    --------
    >>> from sklearn_gan.datasets import load_digits_pixels
    >>> X = load_digits_pixels()
    >>> X.shape, float(X.min()), float(X.max())
    ((1797, 64), 0.0, 1.0)
    """
    digits = load_digits()
    X = (digits.data / 16.0).astype(np.float32)
    if return_labels:
        return X, digits.target.astype(np.int64)
    return X


def _find_file(folder, stem, content, n_axes):
    names = [
        f"{stem}-{content}-idx{n_axes}-ubyte",
        f"{stem}-{content}.idx{n_axes}-ubyte",
    ]
    candidates = [name + suffix for name in names for suffix in (".gz", "")]
    for name in candidates:
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(
        f"No MNIST {content} file in {str(folder)!r}: looked for "
        f"{', '.join(candidates)}. {_MNIST_SOURCE}"
    )


def _read_idx(file_path, expected_magic):
    opener = gzip.open if file_path.suffix == ".gz" else open
    try:
        with opener(file_path, "rb") as stream:
            data = stream.read()
    except (OSError, EOFError) as error:
        raise ValueError(
            f"Could not read {str(file_path)!r} ({error}). Replace it with an "
            "intact copy."
        ) from error

    if len(data) < 4:
        raise ValueError(f"{str(file_path)!r} is too short to be an IDX file.")
    magic = int.from_bytes(data[:4], "big")
    if magic != expected_magic:
        raise ValueError(
            f"{str(file_path)!r} has magic number {magic:#010x}, expected "
            f"{expected_magic:#010x} (unsigned bytes with {expected_magic & 0xFF} "
            "axes). Is it the right MNIST file, and was a compressed file saved "
            "without its .gz suffix?"
        )
    n_axes = expected_magic & 0xFF
    header_size = 4 + 4 * n_axes
    if len(data) < header_size:
        raise ValueError(f"{str(file_path)!r} ends inside its IDX header.")
    shape = tuple(
        int.from_bytes(data[4 + 4 * axis : 8 + 4 * axis], "big")
        for axis in range(n_axes)
    )
    expected_size = header_size + int(np.prod(shape, dtype=np.int64))
    if len(data) != expected_size:
        raise ValueError(
            f"{str(file_path)!r} holds {len(data)} bytes, but its header "
            f"announces shape {shape} ({expected_size} bytes). The file is "
            "truncated or corrupt: replace it with an intact copy."
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header_size).reshape(shape)
