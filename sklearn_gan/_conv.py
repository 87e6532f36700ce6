"""Convolutional generator and discriminator for images given as flat rows.

``GANSampler`` works on two-dimensional arrays, one image per row, so both
networks here take and return flattened rows and reshape them inside, from an
``image_shape`` given as a routed parameter::

    GANSampler(
        generator=DCGANGenerator,
        discriminator=DCGANDiscriminator,
        generator__image_shape=(1, 28, 28),
        discriminator__image_shape=(1, 28, 28),
    )

The layer geometry is computed from the image size, so any size works: the
generator starts from a small grid, doubles it with each transposed
convolution and crops the result to the requested size; the discriminator
halves the grid with each strided convolution.
"""

import math
import numbers

from torch import nn
from torch.nn import functional as F

__all__ = ["DCGANDiscriminator", "DCGANGenerator"]

# By default the generator's grid is halved (going backwards from the image)
# while both sides stay at least 4 pixels long, which puts its starting grid
# between 4 and 7 pixels a side (7 for MNIST's 28). The discriminator goes one
# step further, down to 2 or 3 pixels a side, for one more layer of features.
_MIN_GENERATOR_SIDE = 4
_MIN_DISCRIMINATOR_SIDE = 2

_OUTPUT_ACTIVATIONS = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "linear": nn.Identity}


class DCGANGenerator(nn.Module):
    """Generator of transposed convolutions, returning flattened images.

    ``noise -> linear -> (channels, h, w) grid -> [transposed convolution,
    batch norm, ReLU] * n_upsamplings -> 3 x 3 convolution -> crop ->
    output activation -> flatten``. Each transposed convolution (kernel 4,
    stride 2) doubles the grid and halves the channels, as in Radford et al.
    (2016).

    Parameters
    ----------
    noise_dim : int
        Size of a noise vector; set by ``GANSampler`` from its ``noise_dim``.
    n_features : int
        Size of a generated row, ``channels * height * width``; set by
        ``GANSampler`` from the data.
    image_shape : tuple of int, default=(1, 28, 28)
        ``(channels, height, width)`` or ``(height, width)`` of one image.
    base_channels : int, default=64
        Channels after the last upsampling; the starting grid has
        ``base_channels * 2 ** (n_upsamplings - 1)``.
    n_upsamplings : int or None, default=None
        Number of transposed convolutions. ``None`` halves the image size
        while both sides stay at least 4 pixels: 2 for 28 x 28 (a 7 x 7
        start), 1 for 8 x 8.
    output_activation : {"sigmoid", "tanh", "linear"}, default="sigmoid"
        ``"sigmoid"`` for pixels in [0, 1], ``"tanh"`` for [-1, 1].

    Attributes
    ----------
    image_shape : tuple of int
        ``(channels, height, width)``.
    start_shape : tuple of int
        ``(channels, height, width)`` of the first grid.

    See Also
    --------
    DCGANDiscriminator : Its adversary.
    sklearn_gan.presets.dcgan : Both, in a GANSampler.

    References
    ----------
    .. [1] A. Radford, L. Metz and S. Chintala, "Unsupervised Representation
       Learning with Deep Convolutional Generative Adversarial Networks",
       International Conference on Learning Representations, 2016.

    Examples
    --------
    >>> import torch
    >>> from sklearn_gan import DCGANGenerator
    >>> generator = DCGANGenerator(noise_dim=16, n_features=784, base_channels=8)
    >>> generator.start_shape
    (16, 7, 7)
    >>> generator(torch.zeros(5, 16)).shape
    torch.Size([5, 784])
    """

    def __init__(
        self,
        noise_dim,
        n_features,
        image_shape=(1, 28, 28),
        base_channels=64,
        n_upsamplings=None,
        output_activation="sigmoid",
    ):
        super().__init__()
        self.image_shape = _check_image_shape(image_shape)
        _check_n_features(n_features, self.image_shape, "generator")
        _check_positive_int(base_channels, "base_channels")
        if output_activation not in _OUTPUT_ACTIVATIONS:
            raise ValueError(
                f"output_activation must be one of {tuple(_OUTPUT_ACTIVATIONS)}, "
                f"got {output_activation!r}."
            )
        channels, height, width = self.image_shape
        n_upsamplings = _n_halvings(
            height, width, n_upsamplings, "n_upsamplings", _MIN_GENERATOR_SIDE
        )

        # Channels of the starting grid and after each upsampling: halved at
        # each step down to base_channels.
        widths = [
            base_channels * 2 ** max(n_upsamplings - 1 - step, 0)
            for step in range(n_upsamplings + 1)
        ]
        start_height = math.ceil(height / 2**n_upsamplings)
        start_width = math.ceil(width / 2**n_upsamplings)
        self.start_shape = (widths[0], start_height, start_width)

        self.project = nn.Sequential(
            nn.Linear(noise_dim, math.prod(self.start_shape), bias=False),
            nn.Unflatten(1, self.start_shape),
            _BatchNorm2d(widths[0]),
            nn.ReLU(),
        )
        layers = []
        for in_channels, out_channels in zip(widths[:-1], widths[1:], strict=True):
            layers += [
                nn.ConvTranspose2d(
                    in_channels, out_channels, 4, stride=2, padding=1, bias=False
                ),
                _BatchNorm2d(out_channels),
                nn.ReLU(),
            ]
        self.upsample = nn.Sequential(*layers)
        self.to_image = nn.Conv2d(widths[-1], channels, 3, padding=1)
        self.activation = _OUTPUT_ACTIVATIONS[output_activation]()

    def forward(self, noise):
        """Map noise of shape ``(batch, noise_dim)`` to flat images."""
        # (batch, noise_dim) -> (batch, c0, h0, w0)
        grid = self.project(noise)
        # -> (batch, base_channels, h0 * 2**n, w0 * 2**n) -> (batch, channels, ., .)
        images = self.to_image(self.upsample(grid))
        # Centre crop to the requested size when it is not a power-of-two
        # multiple of the starting grid.
        _, height, width = self.image_shape
        top = (images.shape[2] - height) // 2
        left = (images.shape[3] - width) // 2
        images = images[:, :, top : top + height, left : left + width]
        # -> (batch, channels * height * width)
        return self.activation(images).flatten(1)


class DCGANDiscriminator(nn.Module):
    """Discriminator of strided convolutions on flattened images.

    ``row -> (channels, height, width) -> [convolution (kernel 4, stride 2),
    batch norm, leaky ReLU] * n_downsamplings -> linear -> one logit``. The
    first convolution has no batch normalisation, as in Radford et al.
    (2016).

    Parameters
    ----------
    n_features : int
        Size of a row, ``channels * height * width``; set by ``GANSampler``
        from the data.
    image_shape : tuple of int, default=(1, 28, 28)
        ``(channels, height, width)`` or ``(height, width)`` of one image.
    base_channels : int, default=64
        Channels of the last convolution; the first has
        ``base_channels / 2 ** (n_downsamplings - 1)``.
    n_downsamplings : int or None, default=None
        Number of strided convolutions. ``None`` halves the image while both
        sides stay at least 2 pixels: 3 for 28 x 28 (down to 3 x 3), 2 for
        8 x 8 (down to 2 x 2). With 0, one 3 x 3 convolution
        keeps the image's size.
    negative_slope : float, default=0.2
        Slope of the leaky ReLUs for negative inputs.
    batch_norm : bool, default=True
        Normalise every convolution's output but the first.
    dropout : float, default=0.0
        Dropout rate before the final linear layer.

    See Also
    --------
    DCGANGenerator : Its adversary.

    Examples
    --------
    >>> import torch
    >>> from sklearn_gan import DCGANDiscriminator
    >>> discriminator = DCGANDiscriminator(
    ...     n_features=64, image_shape=(1, 8, 8), base_channels=8
    ... )
    >>> discriminator(torch.zeros(5, 64)).shape
    torch.Size([5])
    """

    def __init__(
        self,
        n_features,
        image_shape=(1, 28, 28),
        base_channels=64,
        n_downsamplings=None,
        negative_slope=0.2,
        batch_norm=True,
        dropout=0.0,
    ):
        super().__init__()
        self.image_shape = _check_image_shape(image_shape)
        _check_n_features(n_features, self.image_shape, "discriminator")
        _check_positive_int(base_channels, "base_channels")
        channels, height, width = self.image_shape
        n_downsamplings = _n_halvings(
            height, width, n_downsamplings, "n_downsamplings", _MIN_DISCRIMINATOR_SIDE
        )

        layers = []
        in_channels = channels
        if n_downsamplings == 0:
            layers += [
                nn.Conv2d(in_channels, base_channels, 3, padding=1),
                nn.LeakyReLU(negative_slope),
            ]
            in_channels = base_channels
        for step in range(n_downsamplings):
            out_channels = max(1, base_channels // 2 ** (n_downsamplings - 1 - step))
            layers.append(
                nn.Conv2d(
                    in_channels,
                    out_channels,
                    4,
                    stride=2,
                    padding=1,
                    bias=not (batch_norm and step > 0),
                )
            )
            if batch_norm and step > 0:
                layers.append(_BatchNorm2d(out_channels))
            layers.append(nn.LeakyReLU(negative_slope))
            in_channels = out_channels
            # A kernel-4, stride-2, padding-1 convolution floors each side's half.
            height, width = height // 2, width // 2
        self.features = nn.Sequential(*layers)
        self.dropout = nn.Dropout(dropout)
        self.output = nn.Linear(in_channels * height * width, 1)

    def forward(self, x):
        """Map flat images of shape ``(batch, n_features)`` to one logit each."""
        # (batch, channels * height * width) -> (batch, channels, height, width)
        images = x.view(-1, *self.image_shape)
        # -> (batch, base_channels, height / 2**n, width / 2**n) -> (batch,)
        features = self.features(images).flatten(1)
        return self.output(self.dropout(features)).squeeze(1)


class _BatchNorm2d(nn.BatchNorm2d):
    """Batch normalisation that also takes a minibatch of one value a channel.

    A training batch of one row (the last of an epoch, say) on a 1 x 1 grid
    has no spread to normalise by; it is normalised with the running
    statistics instead of failing.
    """

    def forward(self, x):
        if self.training and x.numel() == x.shape[1]:
            return F.batch_norm(
                x,
                self.running_mean,
                self.running_var,
                self.weight,
                self.bias,
                training=False,
                eps=self.eps,
            )
        return super().forward(x)


def _check_image_shape(image_shape):
    """``(channels, height, width)`` from a 2- or 3-tuple of positive ints."""
    try:
        shape = tuple(image_shape)
    except TypeError:
        shape = None
    if (
        shape is None
        or len(shape) not in (2, 3)
        or not all(
            isinstance(side, numbers.Integral)
            and not isinstance(side, bool)
            and side > 0
            for side in shape
        )
    ):
        raise ValueError(
            "image_shape must be (channels, height, width) or (height, width) "
            f"with positive integers, got {image_shape!r}."
        )
    if len(shape) == 2:
        shape = (1, *shape)
    return tuple(int(side) for side in shape)


def _check_n_features(n_features, image_shape, role):
    expected = math.prod(image_shape)
    if n_features != expected:
        raise ValueError(
            f"The data has {n_features} columns but image_shape={image_shape} "
            f"makes {expected} pixels. Pass {role}__image_shape matching the "
            "data (channels * height * width columns, channel-major)."
        )


def _check_positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")


def _n_halvings(height, width, requested, name, min_side):
    if requested is None:
        shortest = min(height, width)
        halvings = 0
        while shortest // 2 >= min_side:
            shortest //= 2
            halvings += 1
        return halvings
    if (
        isinstance(requested, bool)
        or not isinstance(requested, numbers.Integral)
        or requested < 0
    ):
        raise ValueError(f"{name} must be a non-negative integer, got {requested!r}.")
    if min(height, width) < 2**requested:
        raise ValueError(
            f"{name}={requested} halves a {height} x {width} image below one "
            f"pixel; pass at most {int(math.log2(min(height, width)))}."
        )
    return int(requested)
