"""Device handling of GANSampler's training loop.

These tests time nothing: they check the structure that makes training fast,
namely that the data reaches the device once per fit, that minibatches are
gathered from that tensor rather than collated row by row, that an epoch's
host-device synchronisations do not grow with its number of batches, and
that skorch's callbacks and history still see every batch.
"""

import collections
import math
import warnings

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback

from sklearn_gan import DivergenceError, GANSampler

requires_cuda = pytest.mark.skipif(
    not torch.cuda.is_available(), reason="needs a CUDA device"
)

# Tensor methods that copy a value to the host (a synchronisation on a GPU).
_HOST_READS = ("item", "cpu", "tolist", "numpy", "__bool__", "__float__", "__int__")

_SMALL_NETWORKS = {
    "generator__hidden_units": (8,),
    "discriminator__hidden_units": (8,),
    "discriminator__n_pieces": 2,
    "noise_dim": 4,
    "n_parzen_samples": 200,
    "verbose": 0,
    "random_state": 0,
}


def _make_gan(**params):
    return GANSampler(
        **{"max_epochs": 2, "batch_size": 16, **_SMALL_NETWORKS, **params}
    )


def _rows(n_rows, n_features=3, seed=0):
    return np.random.default_rng(seed).normal(size=(n_rows, n_features))


def _n_train(n_rows, validation_fraction=0.1):
    return n_rows - max(1, round(validation_fraction * n_rows))


class _Recorder(Callback):
    """Keeps what the training loop hands to callbacks."""

    def initialize(self):
        self.events_ = collections.Counter()
        self.gradient_names_ = []
        self.gradients_present_ = []
        self.probabilities_ = []
        return self

    def on_batch_begin(self, net, batch=None, training=None, **kwargs):
        self.events_["batch_begin"] += 1

    def on_batch_end(self, net, batch=None, training=None, **kwargs):
        self.events_["batch_end"] += 1
        self.events_.update(f"step:{name}" for name in kwargs)
        self.probabilities_.append(
            [
                torch.sigmoid(kwargs[name]).mean().item()
                for name in ("logits_real", "logits_fake")
            ]
        )

    def on_grad_computed(self, net, named_parameters, batch=None, **kwargs):
        self.events_["grad_computed"] += 1
        parameters = list(named_parameters)
        self.gradient_names_.append([name for name, _ in parameters])
        self.gradients_present_.append(
            all(parameter.grad is not None for _, parameter in parameters)
        )


class _PoisonLastBatch(Callback):
    """Sets one weight to ``value`` after the last update of a given epoch."""

    def __init__(self, epoch, n_batches, value):
        self.epoch = epoch
        self.n_batches = n_batches
        self.value = value

    def on_batch_end(self, net, **kwargs):
        last = len(net.history[-1]["batches"]) == self.n_batches
        if len(net.history) == self.epoch and last:
            with torch.no_grad():
                net.generator_.output.weight[0, 0] = self.value


def _spy_training_tensor(monkeypatch):
    made = []
    original = GANSampler._to_training_tensor

    def spy(self, X):
        tensor = original(self, X)
        made.append(tensor)
        return tensor

    monkeypatch.setattr(GANSampler, "_to_training_tensor", spy)
    return made


def _count_host_reads_per_epoch(monkeypatch, gan, X):
    """Calls of each host-reading Tensor method inside ``run_gan_epoch``."""
    counts = collections.Counter()
    inside_epoch = [False]

    def counting(name, original):
        def method(self, *args, **kwargs):
            if inside_epoch[0]:
                counts[name] += 1
            return original(self, *args, **kwargs)

        return method

    for name in _HOST_READS:
        monkeypatch.setattr(
            torch.Tensor, name, counting(name, getattr(torch.Tensor, name))
        )
    original_epoch = GANSampler.run_gan_epoch

    def epoch(self, data):
        inside_epoch[0] = True
        try:
            return original_epoch(self, data)
        finally:
            inside_epoch[0] = False

    monkeypatch.setattr(GANSampler, "run_gan_epoch", epoch)
    gan.fit(X)
    monkeypatch.undo()
    return {name: count / gan.max_epochs for name, count in counts.items()}


@pytest.mark.parametrize("max_epochs", [1, 3])
def test_training_data_reaches_the_device_once_per_fit(monkeypatch, max_epochs):
    made = _spy_training_tensor(monkeypatch)
    gan = _make_gan(max_epochs=max_epochs).fit(_rows(60))

    assert len(made) == 1
    (data,) = made
    assert data.device == next(gan.generator_.parameters()).device
    assert data.dtype == torch.float32
    assert data.is_contiguous()
    assert data.shape == (_n_train(60), 3)


def test_warm_start_fit_moves_the_data_again_once(monkeypatch):
    made = _spy_training_tensor(monkeypatch)
    gan = _make_gan(warm_start=True, max_epochs=1)
    gan.fit(_rows(60))
    gan.fit(_rows(60, seed=1))

    assert len(made) == 2
    assert len(gan.history_) == 2


def test_training_data_is_scaled_for_the_networks():
    X = _rows(80) * 50.0 + 7.0
    gan = _make_gan().fit(X)
    data = gan._to_training_tensor(X).numpy()

    np.testing.assert_allclose(data, gan.scaler_.transform(X), rtol=1e-6, atol=1e-6)


def test_minibatches_are_gathered_without_skorch_datasets(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the training loop must not build datasets or loaders")

    monkeypatch.setattr(GANSampler, "get_dataset", refuse)
    monkeypatch.setattr(GANSampler, "get_iterator", refuse)
    monkeypatch.setattr(torch.utils.data.DataLoader, "__init__", refuse)
    gan = _make_gan().fit(_rows(60))

    assert len(gan.history_) == 2


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"k": 3},
        {"generator_loss": "minimax", "noise": "normal"},
        {"mixed_precision": True},
    ],
)
def test_host_reads_per_epoch_do_not_grow_with_batches(monkeypatch, params):
    # SGD, because torch's single-tensor Adam reads its step counter, a CPU
    # tensor, with .item() on every step: no device synchronisation, but it
    # would hide ours.
    settings = {
        "optimizer_generator": torch.optim.SGD,
        "optimizer_discriminator": torch.optim.SGD,
        "lr_g": 0.01,
        "lr_d": 0.01,
        **params,
    }
    few = _count_host_reads_per_epoch(monkeypatch, _make_gan(**settings), _rows(40))
    many = _count_host_reads_per_epoch(monkeypatch, _make_gan(**settings), _rows(400))

    assert math.ceil(_n_train(40) / 16) == 3
    assert math.ceil(_n_train(400) / 16) == 23
    assert few == many
    # the epoch's statistics in one copy, the weights' finiteness in one read
    assert sum(many.values()) <= 4


def test_history_records_epoch_duration_and_batch_sizes():
    n_rows, batch_size, max_epochs = 75, 16, 3
    gan = _make_gan(batch_size=batch_size, max_epochs=max_epochs).fit(_rows(n_rows))
    n_train = _n_train(n_rows)
    n_batches = math.ceil(n_train / batch_size)

    durations = gan.history_[:, "dur"]
    assert len(durations) == max_epochs
    assert all(isinstance(value, float) and value > 0 for value in durations)
    for epoch in gan.history_:
        sizes = [row["train_batch_size"] for row in epoch["batches"]]
        assert sizes == [batch_size] * (n_batches - 1) + [n_train % batch_size]
        assert epoch["train_batch_count"] == n_batches
    seconds_per_row = np.asarray(durations) / n_train
    assert np.all(np.isfinite(seconds_per_row))


def test_history_holds_host_floats_only():
    gan = _make_gan(k=2).fit(_rows(60))

    for epoch in gan.history_:
        for key in ("loss_d", "loss_g", "d_real", "d_fake", "dur"):
            assert type(epoch[key]) is float, key
        for row in epoch["batches"]:
            assert not any(isinstance(value, torch.Tensor) for value in row.values())
            assert set(row) >= {"loss_d", "d_real", "d_fake", "train_batch_size"}
    generator_rows = [row for row in gan.history_[-1]["batches"] if "loss_g" in row]
    # k=2 over 4 batches: G steps after batches 2 and 4
    assert len(generator_rows) == 2


def test_callbacks_see_every_batch_and_both_gradient_steps():
    recorder = _Recorder()
    gan = _make_gan(k=2, callbacks=[("recorder", recorder)]).fit(_rows(60))
    n_batches = math.ceil(_n_train(60) / 16)
    n_generator_steps = math.ceil(n_batches / 2)
    events = recorder.events_

    assert events["batch_begin"] == events["batch_end"] == 2 * n_batches
    assert events["grad_computed"] == 2 * (n_batches + n_generator_steps)
    assert events["step:loss_d"] == 2 * n_batches
    assert events["step:loss_g"] == 2 * n_generator_steps
    generator_names = {name for name, _ in gan.generator_.named_parameters()}
    discriminator_names = {name for name, _ in gan.discriminator_.named_parameters()}
    seen = [set(names) for names in recorder.gradient_names_]
    assert seen.count(discriminator_names) == 2 * n_batches
    assert seen.count(generator_names) == 2 * n_generator_steps
    assert all(recorder.gradients_present_)


def test_batch_means_of_d_are_those_of_the_logits_callbacks_see():
    recorder = _Recorder()
    n_rows, batch_size = 75, 16
    gan = _make_gan(batch_size=batch_size, callbacks=[("recorder", recorder)])
    gan.fit(_rows(n_rows))
    rows = [row for epoch in gan.history_ for row in epoch["batches"]]
    recorded = np.array([[row["d_real"], row["d_fake"]] for row in rows])

    np.testing.assert_allclose(recorded, recorder.probabilities_, rtol=1e-6)
    sizes = [row["train_batch_size"] for row in gan.history_[-1]["batches"]]
    last_epoch = recorded[-len(sizes) :]
    assert gan.history_[-1]["d_real"] == pytest.approx(
        np.average(last_epoch[:, 0], weights=sizes)
    )
    assert gan.history_[-1]["d_fake"] == pytest.approx(
        np.average(last_epoch[:, 1], weights=sizes)
    )
    assert np.all((recorded > 0) & (recorded < 1))


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_weight_after_the_last_update_is_caught(value):
    n_rows, batch_size = 60, 16
    n_batches = math.ceil(_n_train(n_rows) / batch_size)
    poison = _PoisonLastBatch(epoch=2, n_batches=n_batches, value=value)
    gan = _make_gan(max_epochs=3, callbacks=[("poison", poison)])

    with pytest.raises(DivergenceError, match="epoch 2") as caught:
        gan.fit(_rows(n_rows))

    assert caught.value.batch is None
    assert len(gan.history_) == 2
    for module in (gan.generator_, gan.discriminator_):
        for parameter in module.parameters():
            assert torch.isfinite(parameter).all()
    assert np.isfinite(gan.sample(10, random_state=0)).all()


@pytest.mark.parametrize("noise", ["uniform", "normal"])
def test_noise_is_drawn_on_the_given_device_from_the_prior(noise):
    gan = _make_gan(noise=noise, noise_dim=5).fit(_rows(40))
    random = torch.Generator().manual_seed(0)
    draw = gan.draw_noise(20000, generator=random, device=torch.device("cpu"))

    assert draw.shape == (20000, 5)
    assert draw.device.type == "cpu"
    assert abs(float(draw.mean())) < 0.03
    assert abs(float(draw.var()) - 1.0) < 0.03
    if noise == "uniform":
        bound = math.sqrt(3.0)
        assert float(draw.min()) >= -bound and float(draw.max()) <= bound
    again = gan.draw_noise(20000, generator=torch.Generator().manual_seed(0))
    assert torch.equal(draw, again)


@pytest.mark.parametrize(
    "mixed_precision, expected", [(True, torch.bfloat16), (False, torch.float32)]
)
def test_mixed_precision_runs_under_bfloat16_autocast_on_cpu(mixed_precision, expected):
    seen = set()

    class Watch(Callback):
        def on_train_begin(self, net, **kwargs):
            first_layer = net.discriminator_.hidden[1].linear
            first_layer.register_forward_hook(
                lambda module, inputs, output: seen.add(output.dtype)
            )

    gan = _make_gan(mixed_precision=mixed_precision, callbacks=[("watch", Watch())])
    gan.fit(_rows(60))

    assert expected in seen
    assert np.isfinite(gan.history_[:, "loss_d"]).all()
    assert np.isfinite(gan.history_[:, "loss_g"]).all()
    samples = gan.sample(7, random_state=0)
    assert samples.dtype == np.float64
    assert np.isfinite(samples).all()
    # the weights themselves stay in float32
    assert {p.dtype for p in gan.generator_.parameters()} == {torch.float32}


@pytest.mark.slow
def test_compile_trains_both_networks_on_cpu():
    gan = _make_gan(compile=True).fit(_rows(60))

    for module in (gan.generator_, gan.discriminator_):
        assert hasattr(module, "_orig_mod"), "expected a torch.compile wrapper"
    assert np.isfinite(gan.history_[:, "loss_d"]).all()
    assert np.isfinite(gan.history_[:, "loss_g"]).all()
    assert gan.sample(5, random_state=0).shape == (5, 3)
    assert np.isfinite(gan.score(_rows(20, seed=1)))


@pytest.mark.cuda
@requires_cuda
@pytest.mark.parametrize("device", ["cuda", "auto"])
def test_cuda_training_data_reaches_the_gpu_once(monkeypatch, device):
    made = _spy_training_tensor(monkeypatch)
    gan = _make_gan(device=device).fit(_rows(60))

    assert len(made) == 1
    assert made[0].device.type == "cuda"
    assert next(gan.generator_.parameters()).device.type == "cuda"
    assert next(gan.discriminator_.parameters()).device.type == "cuda"
    assert isinstance(gan.sample(5, random_state=0), np.ndarray)


def _cuda_syncs_per_epoch(monkeypatch, n_rows):
    gan = _make_gan(
        device="cuda",
        optimizer_generator=torch.optim.SGD,
        optimizer_discriminator=torch.optim.SGD,
        lr_g=0.01,
        lr_d=0.01,
    )
    syncs = []
    original_epoch = GANSampler.run_gan_epoch

    def epoch(self, data):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            torch.cuda.set_sync_debug_mode("warn")
            try:
                original_epoch(self, data)
            finally:
                torch.cuda.set_sync_debug_mode("default")
        syncs.append(sum("synchroniz" in str(warning.message) for warning in caught))

    monkeypatch.setattr(GANSampler, "run_gan_epoch", epoch)
    gan.fit(_rows(n_rows))
    monkeypatch.undo()
    return syncs


@pytest.mark.cuda
@requires_cuda
def test_cuda_synchronisations_per_epoch_do_not_grow_with_batches(monkeypatch):
    few = _cuda_syncs_per_epoch(monkeypatch, 40)
    many = _cuda_syncs_per_epoch(monkeypatch, 400)

    assert few == many
    assert max(many) <= 4


@pytest.mark.cuda
@requires_cuda
def test_cuda_mixed_precision_trains_and_samples():
    gan = _make_gan(device="cuda", mixed_precision=True).fit(_rows(60))

    assert np.isfinite(gan.history_[:, "loss_d"]).all()
    samples = gan.sample(9, random_state=0)
    assert samples.dtype == np.float64 and samples.shape == (9, 3)
    assert np.isfinite(gan.score(_rows(20, seed=1)))
