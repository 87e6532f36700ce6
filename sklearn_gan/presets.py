"""Ready-made GANSampler configurations.

- :func:`goodfellow2014_mnist`: the MNIST experiment of Goodfellow et al.
  (2014), as configured in the code released with the paper;
- :func:`dcgan`: a convolutional generator and discriminator for images, in
  the family that Radford, Metz and Chintala (2016) found to train stably.

Each function returns an unfitted :class:`~sklearn_gan.GANSampler`; keyword
arguments override any of its settings, routed ones included, so that a
preset is a starting point for ``GridSearchCV`` like any estimator.
:class:`SimultaneousGANSampler` is the ``GANSampler`` that updates both
players from one forward pass, as the paper's released code did.
"""

import numpy as np
import torch

from ._conv import DCGANDiscriminator, DCGANGenerator, _check_image_shape
from ._gan import GANSampler
from ._networks import MaxoutDiscriminator, MLPGenerator
from ._schedules import LinearMomentumRamp, PerUpdateLRDecay, SigmoidOutputBiasFromData

__all__ = ["SimultaneousGANSampler", "dcgan", "goodfellow2014_mnist"]

#: The paper's Parzen bandwidth grid for MNIST pixels in [0, 1].
PAPER_BANDWIDTHS = np.logspace(-1, 0, 10)


def goodfellow2014_mnist(*, updates="simultaneous", **overrides):
    """The 2014 paper's MNIST experiment as a GANSampler.

    Networks, optimizers and schedules follow the configuration released with
    the paper; the Notes list what the paper leaves open and where training
    here differs from that code.

    - Generator: 100 noise inputs, uniform on ``[-sqrt(3), sqrt(3)]``, two
      hidden layers of 1,200 ReLU units, 784 sigmoid outputs; weights uniform
      in ``[-0.05, 0.05]``, hidden biases zero, and output biases set at the
      start of training so that ``sigmoid(bias)`` is each pixel's mean over the
      training rows (:class:`~sklearn_gan.SigmoidOutputBiasFromData`).
    - Discriminator: two maxout layers of 240 units with 5 pieces each, one
      sigmoid output (returned as a logit); weights uniform in
      ``[-0.005, 0.005]``; dropout 0.2 on the input and 0.5 before each later
      layer.
    - Training: SGD with momentum for both players, minibatches of 100,
      ``k=1``, the non-saturating generator loss; each learning rate is
      divided by 1.000004 after every update of its optimizer, down to 1e-6
      (:class:`~sklearn_gan.PerUpdateLRDecay`), and the momentum rises
      linearly from 0.5 in epoch 1 to 0.7 in epoch 250
      (:class:`~sklearn_gan.LinearMomentumRamp`).
    - Data: pixels already in [0, 1] (``scaling=None``). The Parzen bandwidth
      is chosen from the paper's grid ``numpy.logspace(-1, 0, 10)`` on 2% of
      the rows passed to :meth:`~sklearn_gan.GANSampler.fit` (1,000 of the
      paper's 50,000 training rows, as many as its validation rows).

    Parameters
    ----------
    updates : {"simultaneous", "alternating"}, default="simultaneous"
        ``"simultaneous"`` updates both players from one forward pass, as the
        released code did (:class:`SimultaneousGANSampler`); ``"alternating"``
        updates the discriminator, then the generator against the updated
        discriminator, as Algorithm 1 of the paper and ``GANSampler`` do.
        With this recipe the two differ in practice: see the Notes.
    **overrides : dict
        Any :class:`~sklearn_gan.GANSampler` parameter, routed ones included,
        for example ``max_epochs=50``, ``generator__hidden_units=(256, 256)``
        or ``callbacks=[...]`` (which replaces the three schedule callbacks:
        include them again to keep the paper's schedule).

    Returns
    -------
    gan : SimultaneousGANSampler or GANSampler
        Unfitted; fit it on rows of 784 pixels in [0, 1].

    See Also
    --------
    sklearn_gan.datasets.load_mnist : Reads the MNIST files.
    dcgan : A convolutional alternative.

    Notes
    -----
    The released code differs from the paper's Algorithm 1 in how the two
    players move: it computes both players' gradients from one forward pass
    over a real minibatch and a generated one, and updates both networks
    together (a simultaneous ``k = 1``), which ``updates="simultaneous"``
    reproduces. Algorithm 1, and ``GANSampler``, alternate: one
    discriminator update, then one generator update on fresh noise against
    the updated discriminator. With the released learning rates the
    difference shows early: on 20,000 MNIST rows, after 6 epochs with the
    same seed, the alternating discriminator had won outright (mean
    D(G(z)) 0.004, the generator collapsed onto nearly one image) while the
    simultaneous one still gave the generator a signal (mean D(G(z)) 0.08).

    The released discriminator loss is the *mean* of the cross-entropies on
    the real and the generated halves; ``GANSampler``'s is their *sum*. With
    SGD, half the loss at rate 0.1 is the same update as the whole loss at
    rate 0.05, so the discriminator's rate here is 0.05 (``lr_d``) and the
    generator's 0.1 (``lr_g``): the same steps as the released code's 0.1 on
    both.

    Choices the paper leaves open, made here:

    - epochs: the released code has no stopping rule; ``max_epochs=100`` by
      default, far fewer than the paper trained (pass more if time allows);
    - momentum: PyTorch's SGD applies the learning rate to the velocity
      (``v = m v + g; w -= lr v``) where the released code applied it to the
      gradient (``v = m v - lr g; w += v``); the two coincide at a constant
      rate and differ negligibly while the rate decays by 4e-6 per update;
    - the noise prior: one revision of the released configuration draws it
      uniformly on ``[-sqrt(3), sqrt(3)]`` (used here); an earlier default of
      the same code was a standard normal (``noise="normal"``);
    - the output bias uses the mean of the training rows, clipped to
      ``[1e-7, 1 - 1e-7]`` so that pixels always 0 get a large finite bias;
    - shuffling: every epoch visits the training rows in a new random order.

    References
    ----------
    .. [1] I. Goodfellow, J. Pouget-Abadie, M. Mirza, B. Xu, D. Warde-Farley,
       S. Ozair, A. Courville and Y. Bengio, "Generative Adversarial Nets",
       Advances in Neural Information Processing Systems 27, 2014.

    Examples
    --------
    >>> from sklearn_gan import presets
    >>> gan = presets.goodfellow2014_mnist(max_epochs=5, random_state=0)
    >>> type(gan).__name__
    'SimultaneousGANSampler'
    >>> gan.noise_dim, gan.batch_size, gan.lr_g, gan.lr_d
    (100, 100, 0.1, 0.05)
    >>> gan.get_params()["generator__hidden_units"]
    (1200, 1200)
    """
    params = {
        "generator": MLPGenerator,
        "generator__hidden_units": (1200, 1200),
        "generator__output_activation": "sigmoid",
        "generator__init_scale": 0.05,
        "discriminator": MaxoutDiscriminator,
        "discriminator__hidden_units": (240, 240),
        "discriminator__n_pieces": 5,
        "discriminator__input_dropout": 0.2,
        "discriminator__dropout": 0.5,
        "discriminator__init_scale": 0.005,
        "noise_dim": 100,
        "noise": "uniform",
        "k": 1,
        "generator_loss": "non_saturating",
        "optimizer_generator": torch.optim.SGD,
        "optimizer_discriminator": torch.optim.SGD,
        "lr_g": 0.1,
        "lr_d": 0.05,
        "optimizer_generator__momentum": 0.5,
        "optimizer_discriminator__momentum": 0.5,
        "batch_size": 100,
        "max_epochs": 100,
        "scaling": None,
        "validation_fraction": 0.02,
        "bandwidths": PAPER_BANDWIDTHS.copy(),
        "callbacks": [
            ("output_bias", SigmoidOutputBiasFromData(clip=1e-7)),
            ("lr_decay", PerUpdateLRDecay(decay_factor=1.000004, min_lr=1e-6)),
            (
                "momentum_ramp",
                LinearMomentumRamp(
                    initial_momentum=0.5,
                    final_momentum=0.7,
                    start_epoch=1,
                    saturate_epoch=250,
                ),
            ),
        ],
    }
    params.update(overrides)
    if updates == "simultaneous":
        return SimultaneousGANSampler(**params)
    if updates == "alternating":
        return GANSampler(**params)
    raise ValueError(
        f"updates must be 'simultaneous' or 'alternating', got {updates!r}."
    )


def dcgan(image_shape, **overrides):
    """Convolutional GAN for images, given as flattened rows.

    A :class:`~sklearn_gan.DCGANGenerator` (transposed convolutions with
    batch normalisation and ReLU, sigmoid output) against a
    :class:`~sklearn_gan.DCGANDiscriminator` (strided convolutions with leaky
    ReLU), both trained with Adam at rate 2e-4 and ``beta1 = 0.5``, the
    settings of Radford et al. (2016). The paper of 2014 used convolutional
    networks for CIFAR-10; this family is the one that later proved to train
    stably.

    Parameters
    ----------
    image_shape : tuple of int
        ``(channels, height, width)`` or ``(height, width)`` of one image;
        the rows given to ``fit`` must have ``channels * height * width``
        columns, channel-major (as ``images.reshape(len(images), -1)`` gives
        for an array of shape ``(n, channels, height, width)``).
    **overrides : dict
        Any :class:`~sklearn_gan.GANSampler` parameter, routed ones included,
        for example ``generator__base_channels=32`` or ``max_epochs=10``.

    Returns
    -------
    gan : GANSampler
        Unfitted; fit it on pixels in [0, 1] (``scaling=None`` by default;
        pass ``scaling="minmax"`` for other ranges).

    See Also
    --------
    goodfellow2014_mnist : The paper's fully connected networks.

    References
    ----------
    .. [1] A. Radford, L. Metz and S. Chintala, "Unsupervised Representation
       Learning with Deep Convolutional Generative Adversarial Networks",
       International Conference on Learning Representations, 2016.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gan import presets
    >>> X = np.random.default_rng(0).random((64, 64))
    >>> gan = presets.dcgan((1, 8, 8), max_epochs=1, verbose=0, random_state=0)
    >>> gan.fit(X).sample(2, random_state=0).shape
    (2, 64)
    """
    image_shape = _check_image_shape(image_shape)
    params = {
        "generator": DCGANGenerator,
        "generator__image_shape": image_shape,
        "discriminator": DCGANDiscriminator,
        "discriminator__image_shape": image_shape,
        "noise_dim": 64,
        "noise": "normal",
        "optimizer_generator": torch.optim.Adam,
        "optimizer_discriminator": torch.optim.Adam,
        "lr_g": 2e-4,
        "lr_d": 2e-4,
        "optimizer_generator__betas": (0.5, 0.999),
        "optimizer_discriminator__betas": (0.5, 0.999),
        "batch_size": 64,
        "scaling": None,
    }
    params.update(overrides)
    return GANSampler(**params)


class SimultaneousGANSampler(GANSampler):
    """GANSampler whose two players update together from one forward pass.

    On every minibatch, one batch of noise is drawn and one forward pass
    computes D's logits on the real rows and on the generated ones; both
    players' gradients come from those logits (D's loss and G's loss), and
    then both optimizers step. This is how the code released with Goodfellow
    et al. (2014) trained, whereas ``GANSampler`` alternates as the paper's
    Algorithm 1 does (G steps against the freshly updated D, on new noise).
    Only ``k=1`` is meaningful here.

    Every parameter, attribute and method is that of
    :class:`~sklearn_gan.GANSampler`; callbacks see one ``on_batch_end`` per
    minibatch, with ``loss_g`` in its arguments, as they do there.

    See Also
    --------
    goodfellow2014_mnist : The paper's MNIST experiment, which uses this.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gan.presets import SimultaneousGANSampler
    >>> X = np.random.default_rng(0).normal(size=(200, 2))
    >>> gan = SimultaneousGANSampler(max_epochs=2, verbose=0, random_state=0)
    >>> gan.fit(X).sample(3, random_state=0).shape
    (3, 2)
    """

    def fit(self, X, y=None, **fit_params):
        self._check_single_step()
        return super().fit(X, y, **fit_params)

    def partial_fit(self, X, y=None, classes=None, **fit_params):
        self._check_single_step()
        return super().partial_fit(X, y, classes, **fit_params)

    fit.__doc__ = GANSampler.fit.__doc__
    partial_fit.__doc__ = GANSampler.partial_fit.__doc__

    def train_step_discriminator(self, batch):
        """Update both players from one forward pass over ``batch``.

        Parameters
        ----------
        batch : torch.Tensor of shape (batch_size, n_features)
            Real rows in the networks' space.

        Returns
        -------
        step : dict of torch.Tensor
            ``loss_d``, ``logits_real`` and ``logits_fake``, detached, on the
            device; G's loss is handed out by :meth:`train_step_generator`.
        """
        with self._autocast():
            fake = self.generator_(self.draw_noise(len(batch)))
            logits_real = self.discriminator_(batch).float()
            logits_fake = self.discriminator_(fake).float()
            loss_d = self.get_loss_discriminator(logits_real, logits_fake)
            loss_g = self.get_loss_generator(logits_fake)

        # Both gradients before either network moves.
        for module, loss, keep in (
            (self.discriminator_, loss_d, True),
            (self.generator_, loss_g, False),
        ):
            parameters = [p for p in module.parameters() if p.requires_grad]
            gradients = torch.autograd.grad(loss, parameters, retain_graph=keep)
            for parameter, gradient in zip(parameters, gradients, strict=True):
                parameter.grad = gradient
            self.notify(
                "on_grad_computed",
                named_parameters=list(module.named_parameters()),
                batch=batch if module is self.discriminator_ else None,
                training=True,
            )
        self.optimizer_discriminator_.step()
        self.optimizer_generator_.step()

        # Handed to train_step_generator, which runs next and drops it, so
        # that no stray tensor stays on the estimator (or in its pickles).
        self._pending_loss_g = loss_g.detach()
        return {
            "loss_d": loss_d.detach(),
            "logits_real": logits_real.detach(),
            "logits_fake": logits_fake.detach(),
        }

    def train_step_generator(self, n_rows, device=None):
        """Report G's loss: G was updated with D in the same step.

        Parameters
        ----------
        n_rows : int
            Ignored; G's minibatch was the one D saw.
        device : torch.device or None, default=None
            Ignored, as ``n_rows``.

        Returns
        -------
        step : dict of torch.Tensor
            ``loss_g`` of the last step.
        """
        loss_g = self._pending_loss_g
        del self._pending_loss_g
        return {"loss_g": loss_g}

    def _check_single_step(self):
        if self.k != 1:
            raise ValueError(
                "SimultaneousGANSampler updates both players on every minibatch, "
                f"so k must be 1, got {self.k!r}. Use GANSampler to give the "
                "discriminator several updates per generator update."
            )
