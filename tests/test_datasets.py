import gzip
from pathlib import Path

import numpy as np
import pytest

from sklearn_gan.datasets import load_digits_pixels, load_mnist, load_mnist_splits

REAL_MNIST = Path("/work/shared/data/mnist")


def _idx_bytes(array, magic):
    array = np.asarray(array, dtype=np.uint8)
    header = np.array([magic, *array.shape], dtype=">u4").tobytes()
    return header + array.tobytes()


def _write(folder, name, payload, compress):
    if compress:
        with gzip.open(folder / f"{name}.gz", "wb") as stream:
            stream.write(payload)
    else:
        (folder / name).write_bytes(payload)


@pytest.fixture
def tiny_images():
    # 3 images of 28 x 28 whose pixels run over the whole byte range.
    return (np.arange(3 * 784) % 256).astype(np.uint8).reshape(3, 28, 28)


@pytest.mark.parametrize("compress", [True, False])
@pytest.mark.parametrize(
    "kind, stem", [("train", "train"), ("test", "t10k")], ids=["train", "test"]
)
def test_load_mnist_reads_idx_files(tmp_path, tiny_images, compress, kind, stem):
    _write(
        tmp_path, f"{stem}-images-idx3-ubyte", _idx_bytes(tiny_images, 0x803), compress
    )
    _write(
        tmp_path, f"{stem}-labels-idx1-ubyte", _idx_bytes([7, 0, 9], 0x801), compress
    )

    X, y = load_mnist(tmp_path, kind, return_labels=True)

    assert X.shape == (3, 784)
    assert X.dtype == np.float32
    np.testing.assert_allclose(X, tiny_images.reshape(3, 784) / 255.0, rtol=1e-6)
    assert X.min() == 0.0 and X.max() == 1.0
    np.testing.assert_array_equal(y, [7, 0, 9])
    assert y.dtype == np.int64
    np.testing.assert_array_equal(load_mnist(str(tmp_path), kind), X)


def test_load_mnist_accepts_the_dotted_file_names(tmp_path, tiny_images):
    _write(tmp_path, "train-images.idx3-ubyte", _idx_bytes(tiny_images, 0x803), True)

    assert load_mnist(tmp_path).shape == (3, 784)


def test_load_mnist_prefers_nothing_over_a_wrong_kind(tmp_path, tiny_images):
    _write(tmp_path, "train-images-idx3-ubyte", _idx_bytes(tiny_images, 0x803), True)

    with pytest.raises(FileNotFoundError, match="t10k-images-idx3-ubyte.gz"):
        load_mnist(tmp_path, "test")


def test_load_mnist_missing_folder_says_where_files_come_from(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist.*MNIST DATABASE"):
        load_mnist(tmp_path / "nowhere")


def test_load_mnist_missing_labels_names_the_files(tmp_path, tiny_images):
    _write(tmp_path, "train-images-idx3-ubyte", _idx_bytes(tiny_images, 0x803), False)

    assert load_mnist(tmp_path).shape == (3, 784)
    with pytest.raises(
        FileNotFoundError, match="No MNIST labels file.*train-labels-idx1-ubyte.gz"
    ):
        load_mnist(tmp_path, return_labels=True)


@pytest.mark.parametrize("compress", [True, False])
def test_load_mnist_rejects_a_wrong_magic_number(tmp_path, tiny_images, compress):
    # A labels file saved under the images' name.
    _write(tmp_path, "train-images-idx3-ubyte", _idx_bytes([1, 2], 0x801), compress)

    with pytest.raises(
        ValueError, match="magic number 0x00000801, expected 0x00000803"
    ):
        load_mnist(tmp_path)


def test_load_mnist_spots_a_compressed_file_without_its_suffix(tmp_path, tiny_images):
    payload = gzip.compress(_idx_bytes(tiny_images, 0x803))
    (tmp_path / "train-images-idx3-ubyte").write_bytes(payload)

    with pytest.raises(ValueError, match="without its .gz suffix"):
        load_mnist(tmp_path)


def test_load_mnist_rejects_a_truncated_file(tmp_path, tiny_images):
    payload = _idx_bytes(tiny_images, 0x803)[:-10]
    _write(tmp_path, "train-images-idx3-ubyte", payload, False)

    with pytest.raises(ValueError, match="truncated or corrupt"):
        load_mnist(tmp_path)


def test_load_mnist_rejects_a_broken_gzip_file(tmp_path):
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(b"not gzip at all")

    with pytest.raises(ValueError, match="Could not read"):
        load_mnist(tmp_path)


def test_load_mnist_rejects_images_and_labels_of_different_counts(
    tmp_path, tiny_images
):
    _write(tmp_path, "train-images-idx3-ubyte", _idx_bytes(tiny_images, 0x803), True)
    _write(tmp_path, "train-labels-idx1-ubyte", _idx_bytes([1, 2], 0x801), True)

    with pytest.raises(ValueError, match="3 images but 2 labels"):
        load_mnist(tmp_path, return_labels=True)


def test_load_mnist_rejects_an_unknown_kind(tmp_path):
    with pytest.raises(ValueError, match="kind must be 'train' or 'test', got 'valid'"):
        load_mnist(tmp_path, "valid")


def test_load_digits_pixels_scales_to_unit_interval():
    X, y = load_digits_pixels(return_labels=True)

    assert X.shape == (1797, 64) and X.dtype == np.float32
    assert X.min() == 0.0 and X.max() == 1.0
    # Counts 0-16 become multiples of 1/16.
    np.testing.assert_allclose(X * 16, np.round(X * 16), atol=1e-5)
    assert set(np.unique(y)) == set(range(10))
    np.testing.assert_array_equal(load_digits_pixels(), X)


@pytest.mark.slow
@pytest.mark.skipif(not REAL_MNIST.is_dir(), reason="real MNIST files not present")
def test_load_mnist_real_files():
    X, y = load_mnist(REAL_MNIST, "train", return_labels=True)
    X_test, y_test = load_mnist(REAL_MNIST, "test", return_labels=True)

    assert X.shape == (60_000, 784) and X_test.shape == (10_000, 784)
    assert X.min() == 0.0 and X.max() == 1.0
    # Known facts of MNIST: the label counts, and the mean pixel value.
    np.testing.assert_array_equal(
        np.bincount(y), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    )
    assert np.bincount(y_test).sum() == 10_000
    assert 0.13 < X.mean() < 0.131

    splits = load_mnist_splits(REAL_MNIST, return_labels=True)
    assert splits.X_train.shape == (50_000, 784)
    assert splits.X_validation.shape == (10_000, 784)
    np.testing.assert_array_equal(splits.X_validation[0], X[50_000])
    np.testing.assert_array_equal(splits.y_test, y_test)
