"""Read the MNIST IDX files (gzip) that the benchmarks use.

Private to the benchmarks: the package never reads MNIST by itself.
"""

import gzip
from pathlib import Path

import numpy as np

DEFAULT_DIRECTORY = Path("/work/shared/data/mnist")

_IMAGE_MAGIC = 2051
_IMAGE_FILES = {
    "train": "train-images.idx3-ubyte.gz",
    "test": "t10k-images.idx3-ubyte.gz",
}


def load_images(split, directory=DEFAULT_DIRECTORY):
    """Images of ``split`` ("train" or "test") as float64 rows in [0, 1].

    Returns an array of shape (n_images, 784).
    """
    if split not in _IMAGE_FILES:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}.")
    path = Path(directory) / _IMAGE_FILES[split]
    with gzip.open(path, "rb") as file:
        data = file.read()
    magic, n_images, n_rows, n_columns = np.frombuffer(data, ">u4", count=4)
    if magic != _IMAGE_MAGIC:
        raise ValueError(
            f"{path} does not start with the IDX image magic number "
            f"{_IMAGE_MAGIC} (got {magic}); is it an MNIST image file?"
        )
    pixels = np.frombuffer(data, np.uint8, offset=16)
    expected = int(n_images) * int(n_rows) * int(n_columns)
    if pixels.size != expected:
        raise ValueError(
            f"{path} holds {pixels.size} pixels, but its header announces "
            f"{n_images} images of {n_rows}x{n_columns}; the file is truncated."
        )
    return pixels.reshape(int(n_images), int(n_rows) * int(n_columns)) / 255.0
