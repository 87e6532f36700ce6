import copy
import pickle
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from sklearn.base import clone

from sklearn_gan import (
    GANSampler,
    LinearMomentumRamp,
    Maxout,
    MaxoutDiscriminator,
    MLPGenerator,
    PerUpdateLRDecay,
    SigmoidOutputBiasFromData,
    presets,
)
from sklearn_gan.presets import SimultaneousGANSampler

# Small networks for the tests that exercise the schedule, not the sizes.
SMALL = {
    "generator__hidden_units": (16,),
    "discriminator__hidden_units": (8,),
    "noise_dim": 4,
    "n_parzen_samples": 100,
    "verbose": 0,
    "random_state": 0,
}


@pytest.fixture
def pixels():
    # Rows of 784 "pixels" in [0, 1] with a different mean per pixel and a
    # border that is always 0, as in MNIST.
    rng = np.random.default_rng(0)
    X = rng.random((150, 784)) * np.linspace(0.05, 0.95, 784)
    X[:, :28] = 0.0
    return X


def _schedule(gan, name):
    return dict(gan.callbacks_)[name]


def test_mnist_preset_networks_match_the_paper(pixels):
    gan = presets.goodfellow2014_mnist(
        max_epochs=0, n_parzen_samples=100, verbose=0, random_state=0
    ).fit(pixels)
    generator, discriminator = gan.generator_, gan.discriminator_

    assert isinstance(generator, MLPGenerator)
    linears = [m for m in generator.modules() if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [
        (100, 1200),
        (1200, 1200),
        (1200, 784),
    ]
    assert sum(isinstance(m, torch.nn.ReLU) for m in generator.modules()) == 2
    assert generator.output_activation == "sigmoid"
    for layer in linears:
        assert float(layer.weight.abs().max()) <= 0.05
        assert float(layer.weight.abs().max()) > 0.049  # uniform, not smaller
    for layer in linears[:-1]:
        assert float(layer.bias.abs().max()) == 0.0

    # sigmoid(output bias) is each pixel's mean over the training rows (2%
    # of the rows were held out), pixels that are always 0 clipped to 1e-7.
    bias_mean = torch.sigmoid(generator.output.bias.double()).detach().numpy()
    np.testing.assert_allclose(bias_mean[:28], 1e-7, rtol=1e-3)
    np.testing.assert_allclose(bias_mean[28:], pixels.mean(axis=0)[28:], atol=0.02)

    assert isinstance(discriminator, MaxoutDiscriminator)
    maxouts = [m for m in discriminator.modules() if isinstance(m, Maxout)]
    assert [(m.linear.in_features, m.out_features, m.n_pieces) for m in maxouts] == [
        (784, 240, 5),
        (240, 240, 5),
    ]
    assert discriminator.output.in_features == 240
    assert discriminator.output.out_features == 1
    for layer in [m.linear for m in maxouts] + [discriminator.output]:
        assert float(layer.weight.abs().max()) <= 0.005
        assert float(layer.weight.abs().max()) > 0.0049
    dropouts = [m.p for m in discriminator.modules() if isinstance(m, torch.nn.Dropout)]
    assert dropouts == [0.2, 0.5, 0.5]


def test_output_bias_is_the_logit_of_the_training_mean(pixels):
    generator = MLPGenerator(
        noise_dim=4, n_features=784, hidden_units=(8,), output_activation="sigmoid"
    )
    net = SimpleNamespace(generator_=generator, scaler_=None)
    callback = SigmoidOutputBiasFromData(clip=1e-7).initialize()

    callback.on_train_begin(net, X=pixels)

    mean = np.clip(pixels.mean(axis=0), 1e-7, 1 - 1e-7)
    np.testing.assert_allclose(callback.bias_, np.log(mean / (1 - mean)), rtol=1e-12)
    np.testing.assert_allclose(
        torch.sigmoid(generator.output.bias.double()).detach().numpy(),
        mean,
        rtol=1e-5,
    )
    # With near-zero weights, the first samples are about the mean image.
    with torch.no_grad():
        for parameter in generator.parameters():
            if parameter is not generator.output.bias:
                parameter.zero_()
    np.testing.assert_allclose(
        generator(torch.zeros(1, 4)).detach().numpy()[0], mean, rtol=1e-4
    )


def test_mnist_preset_settings():
    gan = presets.goodfellow2014_mnist()

    assert isinstance(gan, GANSampler)
    assert gan.noise_dim == 100 and gan.noise == "uniform"
    assert gan.batch_size == 100 and gan.k == 1
    assert gan.scaling is None
    assert gan.generator_loss == "non_saturating"
    assert gan.optimizer_generator is torch.optim.SGD
    assert gan.optimizer_discriminator is torch.optim.SGD
    # 0.05 on the summed discriminator loss is the released code's 0.1 on
    # the loss averaged over the real and generated halves.
    assert (gan.lr_g, gan.lr_d) == (0.1, 0.05)
    np.testing.assert_allclose(gan.bandwidths, np.logspace(-1, 0, 10))
    assert gan.validation_fraction == 0.02
    names = [name for name, _ in gan.callbacks]
    assert names == ["output_bias", "lr_decay", "momentum_ramp"]
    decay = dict(gan.callbacks)["lr_decay"]
    assert (decay.decay_factor, decay.min_lr) == (1.000004, 1e-6)
    ramp = dict(gan.callbacks)["momentum_ramp"]
    assert (ramp.initial_momentum, ramp.final_momentum) == (0.5, 0.7)
    assert (ramp.start_epoch, ramp.saturate_epoch) == (1, 250)


def test_mnist_preset_overrides_and_clone():
    gan = presets.goodfellow2014_mnist(max_epochs=7, generator__hidden_units=(64,))
    copy = clone(gan)

    assert gan.max_epochs == 7
    assert copy.get_params()["generator__hidden_units"] == (64,)
    assert copy.get_params()["optimizer_discriminator__momentum"] == 0.5
    assert [name for name, _ in copy.callbacks] == [name for name, _ in gan.callbacks]
    assert copy.callbacks[1][1] is not gan.callbacks[1][1]


def test_fresh_presets_do_not_share_callbacks():
    first, second = presets.goodfellow2014_mnist(), presets.goodfellow2014_mnist()

    assert first.callbacks[0][1] is not second.callbacks[0][1]


def test_preset_optimizers_at_the_start(pixels):
    gan = presets.goodfellow2014_mnist(max_epochs=0, **SMALL).fit(pixels)

    for optimizer, lr in (
        (gan.optimizer_generator_, 0.1),
        (gan.optimizer_discriminator_, 0.05),
    ):
        assert isinstance(optimizer, torch.optim.SGD)
        assert optimizer.param_groups[0]["lr"] == lr
        assert optimizer.param_groups[0]["momentum"] == 0.5


@pytest.mark.parametrize("k", [1, 2])
def test_learning_rates_decay_after_every_update(pixels, k):
    # 147 training rows in batches of 50: 3 discriminator updates an epoch.
    updates = "simultaneous" if k == 1 else "alternating"
    gan = presets.goodfellow2014_mnist(
        updates=updates, max_epochs=2, batch_size=50, k=k, **SMALL
    )
    gan.fit(pixels)
    decay = _schedule(gan, "lr_decay")

    n_discriminator = 6
    n_generator = 6 if k == 1 else 4  # every 2nd batch and each epoch's last
    assert decay.n_updates_ == {
        "generator": n_generator,
        "discriminator": n_discriminator,
    }
    assert gan.optimizer_generator_.param_groups[0]["lr"] == pytest.approx(
        0.1 / 1.000004**n_generator, rel=1e-12
    )
    assert gan.optimizer_discriminator_.param_groups[0]["lr"] == pytest.approx(
        0.05 / 1.000004**n_discriminator, rel=1e-12
    )


def test_learning_rate_decay_continues_on_warm_start(pixels):
    gan = presets.goodfellow2014_mnist(
        max_epochs=1, batch_size=50, warm_start=True, **SMALL
    )
    gan.fit(pixels)
    gan.fit(pixels)

    assert _schedule(gan, "lr_decay").n_updates_["generator"] == 6
    assert gan.optimizer_generator_.param_groups[0]["lr"] == pytest.approx(
        0.1 / 1.000004**6, rel=1e-12
    )
    assert gan.optimizer_discriminator_.param_groups[0]["momentum"] == pytest.approx(
        0.5 + 0.2 / 249
    )


def test_learning_rate_floor():
    decay = PerUpdateLRDecay(decay_factor=1.000004, min_lr=1e-6)

    assert decay.learning_rate_after(0, 0.1) == 0.1
    assert decay.learning_rate_after(500, 0.1) == pytest.approx(0.1 / 1.000004**500)
    # 0.1 / 1.000004 ** n reaches 1e-6 after about 2.9 million updates.
    assert decay.learning_rate_after(2_800_000, 0.1) > 1e-6
    assert decay.learning_rate_after(3_000_000, 0.1) == 1e-6


@pytest.mark.parametrize(
    "epoch, momentum",
    [(1, 0.5), (2, 0.5 + 0.2 / 249), (125.5, 0.6), (250, 0.7), (1000, 0.7)],
)
def test_momentum_ramp_values(epoch, momentum):
    ramp = LinearMomentumRamp(initial_momentum=0.5, final_momentum=0.7)

    assert ramp.momentum_at(epoch) == pytest.approx(momentum)


def test_momentum_ramp_reaches_both_optimizers(pixels):
    gan = presets.goodfellow2014_mnist(
        max_epochs=3,
        batch_size=75,
        callbacks=[
            ("momentum_ramp", LinearMomentumRamp(start_epoch=1, saturate_epoch=3)),
        ],
        **SMALL,
    ).fit(pixels)

    # The third epoch ran at the final momentum.
    for optimizer in (gan.optimizer_generator_, gan.optimizer_discriminator_):
        assert optimizer.param_groups[0]["momentum"] == pytest.approx(0.7)
    # The callbacks given replace the preset's: no decay here.
    assert gan.optimizer_generator_.param_groups[0]["lr"] == 0.1
    assert gan.optimizer_discriminator_.param_groups[0]["lr"] == 0.05


def test_schedules_drive_only_the_players_named(pixels):
    gan = presets.goodfellow2014_mnist(
        max_epochs=1,
        batch_size=50,
        callbacks=[
            ("decay", PerUpdateLRDecay(decay_factor=2.0, players=("discriminator",))),
            (
                "ramp",
                LinearMomentumRamp(
                    initial_momentum=0.9, saturate_epoch=1, players=("generator",)
                ),
            ),
        ],
        **SMALL,
    ).fit(pixels)

    assert gan.optimizer_generator_.param_groups[0]["lr"] == 0.1
    assert gan.optimizer_discriminator_.param_groups[0]["lr"] == 0.05 / 2**3
    assert gan.optimizer_generator_.param_groups[0]["momentum"] == 0.7
    assert gan.optimizer_discriminator_.param_groups[0]["momentum"] == 0.5


def test_momentum_ramp_needs_a_momentum_optimizer(pixels):
    # GANSampler's default optimizers are Adam, which has no momentum.
    gan = GANSampler(max_epochs=1, callbacks=[LinearMomentumRamp()], **SMALL)

    with pytest.raises(TypeError, match="needs optimizers with a momentum setting"):
        gan.fit(pixels)


def test_output_bias_is_set_only_on_a_fresh_fit(pixels):
    gan = presets.goodfellow2014_mnist(max_epochs=1, warm_start=True, **SMALL)
    gan.fit(pixels)
    initial_bias = _schedule(gan, "output_bias").bias_
    trained_bias = gan.generator_.output.bias.detach().clone()

    gan.set_params(max_epochs=0).fit(pixels)

    # Training moved the bias, and the continued fit did not reset it.
    assert not np.allclose(trained_bias.numpy(), initial_bias)
    assert torch.equal(gan.generator_.output.bias.detach(), trained_bias)
    refit = clone(gan).set_params(warm_start=False).fit(pixels)
    np.testing.assert_allclose(
        refit.generator_.output.bias.detach().numpy(),
        _schedule(refit, "output_bias").bias_,
        rtol=1e-6,
    )


def test_output_bias_callback_checks_its_generator_and_data(pixels):
    conv = presets.dcgan(
        (28, 28),
        max_epochs=0,
        generator__base_channels=2,
        discriminator__base_channels=2,
        callbacks=[SigmoidOutputBiasFromData()],
        n_parzen_samples=50,
        verbose=0,
    )
    with pytest.raises(TypeError, match="needs a generator whose last layer"):
        conv.fit(pixels)

    with pytest.raises(ValueError, match=r"data in \[0, 1\].*scaling='minmax'"):
        presets.goodfellow2014_mnist(max_epochs=0, **SMALL).fit(pixels * 255)

    minmax = presets.goodfellow2014_mnist(max_epochs=0, scaling="minmax", **SMALL)
    minmax.fit(pixels * 255)
    assert np.all(np.isfinite(_schedule(minmax, "output_bias").bias_))


@pytest.mark.parametrize(
    "callback, message",
    [
        (PerUpdateLRDecay(decay_factor=0.5), "decay_factor must be"),
        (PerUpdateLRDecay(min_lr=-1), "min_lr must be"),
        (PerUpdateLRDecay(players="generator"), "players must be"),
        (LinearMomentumRamp(players=("critic",)), "players must be"),
        (LinearMomentumRamp(start_epoch=5, saturate_epoch=2), "saturate_epoch"),
        (LinearMomentumRamp(final_momentum=1.5), "final_momentum must be"),
        (SigmoidOutputBiasFromData(clip=0.7), "clip must be"),
    ],
)
def test_callbacks_validate_their_settings(callback, message):
    with pytest.raises(ValueError, match=message):
        callback.initialize()


def test_dcgan_preset_settings():
    gan = presets.dcgan((8, 8), lr_g=1e-3)

    assert gan.generator__image_shape == (1, 8, 8)
    assert gan.discriminator__image_shape == (1, 8, 8)
    assert gan.optimizer_generator__betas == (0.5, 0.999)
    assert gan.lr_g == 1e-3 and gan.lr_d == 2e-4
    assert gan.scaling is None


def test_mnist_preset_update_rule():
    assert type(presets.goodfellow2014_mnist()) is SimultaneousGANSampler
    assert type(presets.goodfellow2014_mnist(updates="alternating")) is GANSampler
    assert isinstance(presets.goodfellow2014_mnist(), GANSampler)
    with pytest.raises(ValueError, match="updates must be 'simultaneous' or"):
        presets.goodfellow2014_mnist(updates="both")


def test_simultaneous_step_takes_both_gradients_before_either_update(pixels):
    # Without dropout or momentum, one step is plain gradient descent from a
    # single forward pass; an alternating step would give G its gradient
    # from the updated D.
    gan = SimultaneousGANSampler(
        discriminator__input_dropout=0.0,
        discriminator__dropout=0.0,
        optimizer_generator=torch.optim.SGD,
        optimizer_discriminator=torch.optim.SGD,
        lr_g=0.5,
        lr_d=0.3,
        max_epochs=0,
        scaling=None,
        **SMALL,
    ).fit(pixels)
    generator, discriminator = (
        copy.deepcopy(gan.generator_),
        copy.deepcopy(gan.discriminator_),
    )
    batch = torch.as_tensor(pixels[:10], dtype=torch.float32)

    torch.manual_seed(3)
    step = gan.train_step_discriminator(batch)
    loss_g = gan.train_step_generator(10)["loss_g"]

    # The same step by hand, from the networks as they were.
    torch.manual_seed(3)
    logits_fake = discriminator(generator(gan.draw_noise(10)))
    loss_d = gan.get_loss_discriminator(discriminator(batch), logits_fake)
    expected_loss_g = gan.get_loss_generator(logits_fake)
    d_gradients = torch.autograd.grad(
        loss_d, list(discriminator.parameters()), retain_graph=True
    )
    g_gradients = torch.autograd.grad(expected_loss_g, list(generator.parameters()))

    assert float(step["loss_d"]) == pytest.approx(float(loss_d), rel=1e-6)
    assert float(loss_g) == pytest.approx(float(expected_loss_g), rel=1e-6)
    for before, after, gradient in zip(
        discriminator.parameters(),
        gan.discriminator_.parameters(),
        d_gradients,
        strict=True,
    ):
        torch.testing.assert_close(after.detach(), before.detach() - 0.3 * gradient)
    for before, after, gradient in zip(
        generator.parameters(), gan.generator_.parameters(), g_gradients, strict=True
    ):
        torch.testing.assert_close(after.detach(), before.detach() - 0.5 * gradient)
    assert not hasattr(gan, "_pending_loss_g")


def test_simultaneous_sampler_needs_k_1(pixels):
    with pytest.raises(ValueError, match="so k must be 1, got 2"):
        SimultaneousGANSampler(k=2, **SMALL).fit(pixels)


def test_simultaneous_sampler_fits_clones_and_pickles(pixels):
    gan = presets.goodfellow2014_mnist(max_epochs=1, batch_size=50, **SMALL)
    gan.fit(pixels)

    restored = pickle.loads(pickle.dumps(gan))
    np.testing.assert_array_equal(restored.sample(3, 1), gan.sample(3, 1))
    assert type(clone(gan)) is SimultaneousGANSampler
    # One generator update per minibatch, recorded as with GANSampler.
    assert all("loss_g" in row for row in gan.history_[-1]["batches"])
    assert _schedule(gan, "lr_decay").n_updates_ == {
        "generator": 3,
        "discriminator": 3,
    }
