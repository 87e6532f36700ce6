import math
import pickle

import numpy as np
import pytest
import torch

from sklearn_gan import DCGANDiscriminator, DCGANGenerator, GANSampler, presets
from sklearn_gan.datasets import load_digits_pixels


@pytest.mark.parametrize(
    "image_shape, start_grid",
    [
        ((1, 8, 8), (4, 4)),
        ((1, 28, 28), (7, 7)),
        ((3, 32, 32), (4, 4)),
        ((1, 30, 30), (8, 8)),
        ((2, 5, 7), (5, 7)),
        ((12, 20), (6, 10)),
        ((1, 3, 3), (3, 3)),
    ],
)
def test_networks_map_flat_rows_of_any_image_size(image_shape, start_grid):
    n_features = math.prod(image_shape)
    generator = DCGANGenerator(
        noise_dim=6, n_features=n_features, image_shape=image_shape, base_channels=4
    )
    discriminator = DCGANDiscriminator(
        n_features=n_features, image_shape=image_shape, base_channels=4
    )

    images = generator(torch.randn(3, 6))
    logits = discriminator(images)

    assert generator.start_shape[1:] == start_grid
    assert images.shape == (3, n_features)
    assert 0 <= float(images.min()) and float(images.max()) <= 1  # sigmoid
    assert logits.shape == (3,)
    assert torch.isfinite(logits).all()


@pytest.mark.parametrize(
    "activation, low, high", [("tanh", -1, 1), ("linear", -np.inf, np.inf)]
)
def test_generator_output_activation(activation, low, high):
    generator = DCGANGenerator(
        noise_dim=4,
        n_features=64,
        image_shape=(8, 8),
        base_channels=4,
        output_activation=activation,
    )

    images = generator(torch.randn(5, 4))

    assert low <= float(images.min()) and float(images.max()) <= high
    if activation == "linear":
        assert float(images.min()) < 0 or float(images.max()) > 1


def test_channel_widths_halve_down_to_base_channels():
    generator = DCGANGenerator(noise_dim=4, n_features=32 * 32, image_shape=(32, 32))
    transposed = [
        layer
        for layer in generator.upsample
        if isinstance(layer, torch.nn.ConvTranspose2d)
    ]

    assert generator.start_shape == (256, 4, 4)
    assert [layer.out_channels for layer in transposed] == [128, 64, 64]

    discriminator = DCGANDiscriminator(n_features=32 * 32, image_shape=(32, 32))
    convolutions = [
        layer for layer in discriminator.features if isinstance(layer, torch.nn.Conv2d)
    ]
    assert [layer.out_channels for layer in convolutions] == [8, 16, 32, 64]
    # Batch norm on every convolution but the first.
    norms = [
        layer
        for layer in discriminator.features
        if isinstance(layer, torch.nn.BatchNorm2d)
    ]
    assert len(norms) == 3


def test_explicit_layer_counts():
    generator = DCGANGenerator(
        noise_dim=4, n_features=64, image_shape=(8, 8), n_upsamplings=3, base_channels=2
    )
    discriminator = DCGANDiscriminator(
        n_features=64, image_shape=(8, 8), n_downsamplings=0, base_channels=2
    )

    assert generator.start_shape == (8, 1, 1)
    assert generator(torch.randn(2, 4)).shape == (2, 64)
    assert discriminator(torch.rand(2, 64)).shape == (2,)


@pytest.mark.parametrize("n_upsamplings", [None, 3])
def test_a_training_batch_of_one_row(n_upsamplings):
    # The last minibatch of an epoch may hold a single row; with 3
    # upsamplings of an 8 x 8 image the generator starts from a 1 x 1 grid.
    generator = DCGANGenerator(
        noise_dim=4,
        n_features=64,
        image_shape=(8, 8),
        base_channels=4,
        n_upsamplings=n_upsamplings,
    )
    discriminator = DCGANDiscriminator(
        n_features=64, image_shape=(8, 8), base_channels=4, n_downsamplings=3
    )

    images = generator(torch.randn(1, 4))
    logits = discriminator(images)

    assert images.shape == (1, 64) and logits.shape == (1,)
    assert torch.isfinite(images).all() and torch.isfinite(logits).all()


@pytest.mark.parametrize("network", [DCGANGenerator, DCGANDiscriminator])
def test_columns_must_match_the_image_shape(network):
    kwargs = {"noise_dim": 4} if network is DCGANGenerator else {}
    with pytest.raises(ValueError, match=r"64 columns but image_shape=\(1, 28, 28\)"):
        network(n_features=64, image_shape=(1, 28, 28), **kwargs)


@pytest.mark.parametrize("image_shape", [(8,), (1, 0, 8), (1, 2, 3, 4), (8.0, 8), 8])
def test_invalid_image_shape(image_shape):
    with pytest.raises(ValueError, match="image_shape must be"):
        DCGANDiscriminator(n_features=64, image_shape=image_shape)


def test_too_many_halvings():
    with pytest.raises(ValueError, match="n_upsamplings=4 halves a 8 x 8 image"):
        DCGANGenerator(noise_dim=4, n_features=64, image_shape=(8, 8), n_upsamplings=4)
    with pytest.raises(ValueError, match="n_downsamplings must be a non-negative"):
        DCGANDiscriminator(n_features=64, image_shape=(8, 8), n_downsamplings=-1)


def test_dcgan_preset_trains_on_digits():
    # 270 training rows in batches of 64 leave a last batch of 14.
    X = load_digits_pixels()[:300]
    gan = presets.dcgan(
        (8, 8),
        max_epochs=3,
        generator__base_channels=8,
        discriminator__base_channels=8,
        n_parzen_samples=500,
        verbose=0,
        random_state=0,
    )

    gan.fit(X)
    samples = gan.sample(50, random_state=0)

    assert gan.generator__image_shape == (1, 8, 8)
    assert isinstance(gan.generator_, DCGANGenerator)
    assert samples.shape == (50, 64)
    assert samples.min() >= 0 and samples.max() <= 1
    assert len(gan.history_) == 3
    assert np.isfinite(gan.history_[-1]["loss_d"])
    assert np.isfinite(gan.score(load_digits_pixels()[600:700]))
    assert gan.history_[-1]["batches"][-1]["train_batch_size"] == 14
    np.testing.assert_array_equal(samples, gan.sample(50, random_state=0))

    restored = pickle.loads(pickle.dumps(gan))
    np.testing.assert_array_equal(restored.sample(5, random_state=1), gan.sample(5, 1))


def test_gan_sampler_takes_the_shape_as_routed_parameters():
    # 65 training rows in batches of 64: the one row left over joins the
    # batch before it, since batch normalisation cannot train on one row.
    X = load_digits_pixels()[:72]

    def fit(max_epochs):
        return GANSampler(
            generator=DCGANGenerator,
            discriminator=DCGANDiscriminator,
            generator__image_shape=(1, 8, 8),
            generator__base_channels=8,
            discriminator__image_shape=(1, 8, 8),
            discriminator__base_channels=8,
            scaling=None,
            max_epochs=max_epochs,
            n_parzen_samples=200,
            verbose=0,
            random_state=0,
        ).fit(X)

    untrained, trained = fit(0), fit(1)

    assert trained.sample(4).shape == (4, 64)
    assert trained.history_[-1, "batches", :, "train_batch_size"] == [65]
    # Same seed, so the same initial weights; one epoch moved them.
    assert not torch.equal(
        untrained.generator_.to_image.weight, trained.generator_.to_image.weight
    )


def test_gan_sampler_reports_a_shape_mismatch():
    gan = presets.dcgan((1, 28, 28), max_epochs=1, verbose=0)

    with pytest.raises(ValueError, match="Pass generator__image_shape matching"):
        gan.fit(load_digits_pixels()[:50])
