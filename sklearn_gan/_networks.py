"""Default generator and discriminator networks, in the 2014 paper's family.

The paper's generator is a stack of ReLU layers; its discriminator a stack of
maxout layers with dropout, ending in one logit. Both classes here take the
sizes that only the data can tell (``n_features``, and ``noise_dim`` for the
generator) as constructor arguments, which ``GANSampler`` fills in at fit time,
and every other size as a routed parameter (``generator__hidden_units=...``).
"""

import torch
from torch import nn

__all__ = ["MLPGenerator", "Maxout", "MaxoutDiscriminator"]


class MLPGenerator(nn.Module):
    """Generator of fully connected ReLU layers.

    Maps noise vectors to data rows: ``noise_dim -> hidden_units... -> n_features``.

    Parameters
    ----------
    noise_dim : int
        Size of a noise vector; set by ``GANSampler`` from its ``noise_dim``.
    n_features : int
        Size of a generated row; set by ``GANSampler`` from the data.
    hidden_units : tuple of int, default=(128, 128)
        Width of each hidden ReLU layer.
    output_activation : {"linear", "sigmoid"}, default="linear"
        ``"linear"`` suits standardised data (``GANSampler``'s default
        ``scaling="standard"``); ``"sigmoid"`` suits data in [0, 1], such as
        pixels, with ``scaling="minmax"`` or ``None``.
    init_scale : float or None, default=None
        If given, every weight is drawn uniformly from
        ``[-init_scale, init_scale]`` and biases start at zero, as in the
        paper's released code (0.05). ``None`` keeps PyTorch's default.

    Examples
    --------
    >>> import torch
    >>> from sklearn_gan import MLPGenerator
    >>> generator = MLPGenerator(noise_dim=4, n_features=3, hidden_units=(8,))
    >>> generator(torch.zeros(5, 4)).shape
    torch.Size([5, 3])
    """

    def __init__(
        self,
        noise_dim,
        n_features,
        hidden_units=(128, 128),
        output_activation="linear",
        init_scale=None,
    ):
        super().__init__()
        if output_activation not in ("linear", "sigmoid"):
            raise ValueError(
                "output_activation must be 'linear' or 'sigmoid', got "
                f"{output_activation!r}."
            )
        layers = []
        width = noise_dim
        for units in hidden_units:
            layers += [nn.Linear(width, units), nn.ReLU()]
            width = units
        self.hidden = nn.Sequential(*layers)
        self.output = nn.Linear(width, n_features)
        self.output_activation = output_activation
        if init_scale is not None:
            _init_uniform(self, init_scale)

    def forward(self, noise):
        # (batch, noise_dim) -> (batch, n_features)
        out = self.output(self.hidden(noise))
        if self.output_activation == "sigmoid":
            out = torch.sigmoid(out)
        return out


class Maxout(nn.Module):
    """Maxout layer: the maximum over ``n_pieces`` affine maps.

    Parameters
    ----------
    in_features : int
        Size of an input row.
    out_features : int
        Number of maxout units.
    n_pieces : int, default=5
        Affine pieces per unit (the paper used 5 on MNIST).

    Examples
    --------
    >>> import torch
    >>> from sklearn_gan import Maxout
    >>> Maxout(3, 2, n_pieces=4)(torch.zeros(6, 3)).shape
    torch.Size([6, 2])
    """

    def __init__(self, in_features, out_features, n_pieces=5):
        super().__init__()
        self.out_features = out_features
        self.n_pieces = n_pieces
        self.linear = nn.Linear(in_features, out_features * n_pieces)

    def forward(self, x):
        # (batch, in) -> (batch, out * pieces) -> (batch, out, pieces) -> (batch, out)
        pieces = self.linear(x).view(-1, self.out_features, self.n_pieces)
        return pieces.amax(dim=2)


class MaxoutDiscriminator(nn.Module):
    """Discriminator of maxout layers with dropout, returning one logit a row.

    ``sigmoid(logit)`` is D(x), the estimated probability that a row came from
    the data rather than from the generator; working with the logit keeps the
    losses numerically stable.

    Parameters
    ----------
    n_features : int
        Size of a data row; set by ``GANSampler`` from the data.
    hidden_units : tuple of int, default=(128, 128)
        Maxout units in each hidden layer.
    n_pieces : int, default=5
        Affine pieces per maxout unit.
    input_dropout : float, default=0.1
        Dropout rate on the input rows (the paper used 0.2 on MNIST's 784
        pixels; a few tabular columns call for less).
    dropout : float, default=0.5
        Dropout rate before every later layer.
    init_scale : float or None, default=None
        If given, weights are drawn uniformly from ``[-init_scale,
        init_scale]`` and biases start at zero (the paper's code used 0.005).

    Examples
    --------
    >>> import torch
    >>> from sklearn_gan import MaxoutDiscriminator
    >>> MaxoutDiscriminator(n_features=3, hidden_units=(8,))(torch.zeros(5, 3)).shape
    torch.Size([5])
    """

    def __init__(
        self,
        n_features,
        hidden_units=(128, 128),
        n_pieces=5,
        input_dropout=0.1,
        dropout=0.5,
        init_scale=None,
    ):
        super().__init__()
        layers = [nn.Dropout(input_dropout)]
        width = n_features
        for index, units in enumerate(hidden_units):
            if index > 0:
                layers.append(nn.Dropout(dropout))
            layers.append(Maxout(width, units, n_pieces=n_pieces))
            width = units
        layers.append(nn.Dropout(dropout))
        self.hidden = nn.Sequential(*layers)
        self.output = nn.Linear(width, 1)
        if init_scale is not None:
            _init_uniform(self, init_scale)

    def forward(self, x):
        # (batch, n_features) -> (batch, hidden) -> (batch,)
        return self.output(self.hidden(x)).squeeze(1)


def _init_uniform(network, scale):
    """Weights uniform in [-scale, scale] and zero biases, as the paper's code."""
    for module in network.modules():
        if isinstance(module, nn.Linear):
            nn.init.uniform_(module.weight, -scale, scale)
            nn.init.zeros_(module.bias)
