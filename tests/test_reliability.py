"""GANSampler under bad input, divergence, interruption, saving and reseeding."""

import copy
import json
import pickle
import sys
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from scipy import sparse
from sklearn.base import clone
from skorch.callbacks import Callback, EpochTimer
from skorch.exceptions import DeviceWarning
from torch import nn

from sklearn_gan import (
    DivergenceError,
    DivergenceWarning,
    GANSampler,
    ModeCollapseWarning,
    load_safe,
    save_safe,
)
from sklearn_gan._gan import _batch_bounds, _TrainingProgressBar

SMALL_NETWORKS = {
    "generator__hidden_units": (16,),
    "discriminator__hidden_units": (16,),
    "n_parzen_samples": 500,
}


def small_gan(**params):
    settings = {"max_epochs": 1, "verbose": 0, "random_state": 0, **SMALL_NETWORKS}
    settings.update(params)
    return GANSampler(**settings)


def normal_data(n_rows=100, n_features=2, seed=0):
    return np.random.default_rng(seed).normal(size=(n_rows, n_features))


def module_state(module):
    return {name: value.clone() for name, value in module.state_dict().items()}


def same_state(first, second):
    return first.keys() == second.keys() and all(
        torch.equal(first[name], second[name]) for name in first
    )


@pytest.fixture(scope="module")
def fitted():
    return small_gan().fit(normal_data())


# Networks used by the tests below; module-level so that they pickle.


class BatchNormGenerator(nn.Module):
    def __init__(self, noise_dim, n_features, hidden_units=8):
        super().__init__()
        self.hidden = nn.Sequential(
            nn.Linear(noise_dim, hidden_units),
            nn.BatchNorm1d(hidden_units),
            nn.ReLU(),
        )
        self.output = nn.Linear(hidden_units, n_features)

    def forward(self, noise):
        return self.output(self.hidden(noise))


class BatchNormDiscriminator(nn.Module):
    def __init__(self, n_features, hidden_units=8):
        super().__init__()
        self.hidden = nn.Sequential(
            nn.Linear(n_features, hidden_units),
            nn.BatchNorm1d(hidden_units),
            nn.LeakyReLU(0.2),
        )
        self.output = nn.Linear(hidden_units, 1)

    def forward(self, rows):
        return self.output(self.hidden(rows)).squeeze(1)


BATCH_NORM_NETWORKS = {
    "generator": BatchNormGenerator,
    "discriminator": BatchNormDiscriminator,
    "generator__hidden_units": 8,
    "discriminator__hidden_units": 8,
}


class PointGenerator(nn.Module):
    """A generator collapsed by construction: every noise vector -> one row."""

    def __init__(self, noise_dim, n_features, hidden_units=None):
        super().__init__()
        self.output = nn.Parameter(torch.zeros(n_features))

    def forward(self, noise):
        return self.output.expand(len(noise), -1)


class ZeroGeneratorAtEnd(Callback):
    """Collapses the trained generator onto its output bias, one point."""

    def on_train_end(self, net, **kwargs):
        with torch.no_grad():
            net.generator_.output.weight.zero_()


class InterruptAt(Callback):
    """Raises KeyboardInterrupt, as Ctrl-C would, after batch ``at``."""

    def __init__(self, at=3):
        self.at = at

    def initialize(self):
        self.batches_ = 0
        self.generator_state_ = None
        return self

    def on_batch_end(self, net, **kwargs):
        self.batches_ += 1
        if self.batches_ == self.at:
            self.generator_state_ = module_state(net.generator_)
            raise KeyboardInterrupt


# ----------------------------------------------------------------------
# Malformed input: a scikit-learn-style error with a remedy, before training
# ----------------------------------------------------------------------


def _with_value(value):
    X = normal_data()
    X[5, 1] = value
    return X


def _frame_with(column):
    frame = pd.DataFrame(normal_data(), columns=["a", "b"])
    frame["c"] = column
    return frame


BAD_INPUTS = {
    "nan": (lambda: _with_value(np.nan), ValueError, "contains NaN.*imput"),
    "inf": (
        lambda: _with_value(np.inf),
        ValueError,
        "contains infinity.*Replace or drop",
    ),
    "minus inf": (lambda: _with_value(-np.inf), ValueError, "contains infinity"),
    "1-D": (
        lambda: normal_data()[:, 0],
        ValueError,
        "Expected 2D array.*Reshape your data",
    ),
    "3-D": (
        lambda: normal_data(100, 4).reshape(100, 2, 2),
        ValueError,
        "dim 3.*Reshape X to one row per sample",
    ),
    "no rows": (
        lambda: np.empty((0, 2)),
        ValueError,
        r"0 sample\(s\).*at least one row",
    ),
    "no columns": (
        lambda: np.empty((50, 0)),
        ValueError,
        r"0 feature\(s\).*at least one column",
    ),
    "one row": (lambda: normal_data(1), ValueError, "at least 2 rows to train on"),
    "object strings": (
        lambda: np.array([["a", 1.0]] * 20, dtype=object),
        ValueError,
        "could not convert.*encode text",
    ),
    "unicode strings": (
        lambda: np.array([["x", "y"]] * 20),
        ValueError,
        "could not convert.*encode text",
    ),
    "complex": (
        lambda: normal_data() + 1j,
        ValueError,
        "Complex data not supported.*real and imaginary",
    ),
    "string column": (
        lambda: _frame_with(["u", "v"] * 50),
        ValueError,
        r"numeric columns; \['c'\].*OneHotEncoder",
    ),
    "categorical column": (
        lambda: _frame_with(pd.Categorical(["u", "v"] * 50)),
        ValueError,
        r"numeric columns; \['c'\]",
    ),
    "datetime column": (
        lambda: _frame_with(pd.date_range("2024-01-01", periods=100)),
        ValueError,
        r"numeric columns; \['c'\]",
    ),
    "complex column": (
        lambda: _frame_with(np.ones(100) * 1j),
        ValueError,
        "Complex data not supported",
    ),
    "values whose squares overflow": (
        lambda: normal_data() * 1e200,
        ValueError,
        "overflow float64.*Rescale X",
    ),
    "sparse": (
        lambda: sparse.csr_matrix(normal_data()),
        TypeError,
        "sparse input.*toarray",
    ),
}


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_malformed_input_is_rejected_before_training(name):
    make, error, message = BAD_INPUTS[name]
    gan = small_gan()
    with pytest.raises(error, match=f"(?s){message}"):
        gan.fit(make())
    assert not hasattr(gan, "generator_")
    assert not hasattr(gan, "scaler_")


def test_unscaled_values_beyond_float32_are_rejected():
    gan = small_gan(scaling=None)
    with pytest.raises(ValueError, match="beyond float32.*scaling='standard'"):
        gan.fit(normal_data() * 1e39)
    assert not hasattr(gan, "generator_")
    # Scaled, the same values are fine.
    assert np.isfinite(small_gan().fit(normal_data() * 1e39).sample(5)).all()


@pytest.mark.parametrize(
    "n_rows, validation_fraction", [(2, 0.1), (3, 0.9), (10, 0.9), (10, 0.95)]
)
def test_too_few_training_rows_name_the_split(n_rows, validation_fraction):
    gan = small_gan(validation_fraction=validation_fraction)
    with pytest.raises(ValueError, match="lower validation_fraction") as info:
        gan.fit(normal_data(n_rows))
    assert "test_size" not in str(info.value)


@pytest.mark.parametrize(
    "method", ["score", "score_samples"], ids=["score", "score_samples"]
)
def test_other_feature_counts_after_fit_raise(fitted, method):
    with pytest.raises(ValueError, match="expecting 2 features.*columns seen in fit"):
        getattr(fitted, method)(normal_data(n_features=3))
    with pytest.raises(ValueError, match="Expected 2D array"):
        getattr(fitted, method)(np.zeros(2))


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int32, np.float16, np.float32])
def test_dense_numeric_dtypes_are_accepted(dtype):
    X = np.abs(normal_data() * 10).astype(dtype)
    gan = small_gan().fit(X)
    rows = gan.sample(10, random_state=0)
    assert rows.dtype == np.float64
    assert np.isfinite(rows).all()


def test_dataframe_of_mixed_numeric_dtypes_is_accepted():
    frame = pd.DataFrame(
        {
            "flag": [True, False] * 50,
            "count": pd.array(range(100), dtype="Int64"),
            "value": normal_data()[:, 0].astype(np.float32),
        }
    )
    gan = small_gan().fit(frame)
    assert list(gan.feature_names_in_) == ["flag", "count", "value"]
    assert np.isfinite(gan.score(frame))


def test_constant_and_near_constant_columns_train_and_sample():
    rng = np.random.default_rng(0)
    X = np.column_stack(
        [rng.normal(size=100), np.full(100, 5.0), 3.0 + 1e-9 * rng.normal(size=100)]
    )
    gan = small_gan().fit(X)
    rows = gan.sample(200, random_state=0)

    assert np.isfinite(rows).all()
    assert np.isfinite(gan.score(X))
    # The constant column is not rescaled: rows stay near its value.
    assert np.abs(rows[:, 1] - 5.0).max() < 1.0
    # The near-constant column keeps its tiny scale.
    assert np.abs(rows[:, 2] - 3.0).max() < 1e-7


@pytest.mark.parametrize("scaling", ["standard", "minmax"])
def test_huge_offsets_and_scales_come_back_in_the_data_units(scaling):
    X = 1e6 * normal_data(200) + 1e9
    gan = small_gan(scaling=scaling).fit(X)
    rows = gan.sample(500, random_state=0)

    assert np.isfinite(rows).all()
    assert np.abs(rows.mean(axis=0) - 1e9).max() < 5e6
    assert rows.std(axis=0).max() < 1e7
    assert np.isfinite(gan.score(X))


@pytest.mark.parametrize("scale", [1e20, 1e39, 1e100])
def test_scores_of_huge_scales_differ_by_the_change_of_units_alone(scale):
    # Under the standard scaling, training does not see the units, so that
    # log-densities in X * scale are those in X less n_features * log(scale).
    X = normal_data()
    reference = small_gan().fit(X)
    scaled = small_gan().fit(X * scale)

    np.testing.assert_allclose(
        scaled.sample(20, random_state=0) / scale,
        reference.sample(20, random_state=0),
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        scaled.score(X * scale) + 2 * np.log(scale), reference.score(X), rtol=1e-9
    )


# ----------------------------------------------------------------------
# Small data and the last minibatch
# ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "n_rows, batch_size, sizes",
    [(17, 8, [8, 9]), (9, 8, [9]), (16, 8, [8, 8]), (2, 8, [2]), (3, 1, [1, 1, 1])],
)
def test_batch_bounds_join_a_trailing_single_row(n_rows, batch_size, sizes):
    bounds = _batch_bounds(n_rows, batch_size)
    assert [stop - start for start, stop in bounds] == sizes
    assert bounds[0][0] == 0 and bounds[-1][1] == n_rows


@pytest.mark.parametrize("k", [1, 2])
def test_batch_norm_networks_train_when_one_row_is_left_over(k):
    # 19 rows: 2 held out, 17 = 2 * 8 + 1 to train on.
    gan = small_gan(
        **BATCH_NORM_NETWORKS,
        batch_size=8,
        k=k,
        max_epochs=2,
    ).fit(normal_data(19))

    assert gan.history[:, "batches", :, "train_batch_size"] == [[8, 9], [8, 9]]
    assert np.isfinite(gan.sample(1, random_state=0)).all()
    assert np.isfinite(gan.sample(50, random_state=0)).all()
    bar = _TrainingProgressBar()
    assert bar._get_batches_per_epoch(gan, np.zeros((17, 2)), None) == 2


# ----------------------------------------------------------------------
# Divergence
# ----------------------------------------------------------------------


def test_divergence_raises_and_keeps_the_last_finite_weights():
    X = normal_data()
    initial = small_gan(max_epochs=0).fit(X)
    gan = small_gan(lr_g=1e30, lr_d=1e30, max_epochs=3)
    with pytest.raises(DivergenceError, match="epoch 1, batch 1.*lr_g, lr_d") as info:
        gan.fit(X)

    assert info.value.epoch == 1 and info.value.batch == 1
    assert len(gan.history) == 1
    assert same_state(module_state(gan.generator_), module_state(initial.generator_))
    assert np.isfinite(gan.bandwidth_)
    assert np.isfinite(gan.sample(500, random_state=0)).all()
    assert np.isfinite(gan.score(X))


def test_divergence_can_warn_instead():
    gan = small_gan(lr_g=1e30, lr_d=1e30, max_epochs=3, on_divergence="warn")
    with pytest.warns(DivergenceWarning, match="diverged.*smaller"):
        gan.fit(normal_data())
    assert np.isfinite(gan.sample(500, random_state=0)).all()


def test_divergence_in_a_later_epoch_keeps_the_weights_of_the_one_before():
    X = normal_data(200)
    sgd = {
        "optimizer_generator": torch.optim.SGD,
        "optimizer_discriminator": torch.optim.SGD,
        "lr_g": 10.0,
        "lr_d": 10.0,
    }
    one_epoch = small_gan(max_epochs=1, **sgd).fit(X)
    gan = small_gan(max_epochs=5, on_divergence="warn", **sgd)
    with pytest.warns(DivergenceWarning, match="epoch 2"):
        gan.fit(X)

    assert same_state(module_state(gan.generator_), module_state(one_epoch.generator_))
    assert same_state(
        module_state(gan.discriminator_), module_state(one_epoch.discriminator_)
    )


def test_sample_refuses_rows_that_overflow(fitted):
    gan = copy.deepcopy(fitted)
    with torch.no_grad():
        # Finite, but far beyond what float32 sums can hold.
        gan.generator_.output.weight.fill_(3e38)
        gan.generator_.output.bias.fill_(3e38)
    with pytest.raises(DivergenceError, match="NaN or infinite values in 20 of 20"):
        gan.sample(20, random_state=0)


# ----------------------------------------------------------------------
# Mode collapse
# ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"max_epochs": 1},
        {"max_epochs": 3},
        {"max_epochs": 2, "generator__init_scale": 0.05},
        {"max_epochs": 2, "scaling": "minmax"},
        {"max_epochs": 2, "generator__hidden_units": (128, 128)},
    ],
)
def test_healthy_short_fits_do_not_warn_of_collapse(params):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ModeCollapseWarning)
        gan = small_gan(**params).fit(normal_data(200))
    assert gan.spread_ratio_ > 0


def test_a_generator_that_collapsed_during_fit_warns():
    gan = small_gan(callbacks=[ZeroGeneratorAtEnd()])
    with pytest.warns(ModeCollapseWarning, match="collapsed onto a few points"):
        gan.fit(normal_data(200))
    assert gan.spread_ratio_ < 1e-12


def test_a_generator_collapsed_from_the_start_warns():
    gan = small_gan(generator=PointGenerator, max_epochs=2)
    with pytest.warns(ModeCollapseWarning, match="collapsed"):
        gan.fit(normal_data(200))
    rows = gan.sample(50, random_state=0)
    assert np.ptp(rows, axis=0).max() == 0


# ----------------------------------------------------------------------
# Interruption
# ----------------------------------------------------------------------


def test_keyboard_interrupt_keeps_a_usable_estimator():
    X = normal_data(200)
    interrupt = InterruptAt(at=6)
    gan = small_gan(batch_size=50, max_epochs=10, callbacks=[("stop", interrupt)])
    gan.fit(X)

    # 180 training rows make 4 batches an epoch: the interrupt came in
    # batch 2 of epoch 2.
    assert len(gan.history) == 2
    assert "loss_d" in gan.history[0] and "loss_d" not in gan.history[1]
    assert len(gan.history[-1]["batches"]) == 2
    assert same_state(module_state(gan.generator_), interrupt.generator_state_)
    assert np.isfinite(gan.bandwidth_)
    assert np.isfinite(gan.score(X))

    restored = pickle.loads(pickle.dumps(gan))
    assert np.array_equal(
        restored.sample(30, random_state=0), gan.sample(30, random_state=0)
    )
    assert gan.history[:, "loss_d"] == [gan.history[0]["loss_d"]]


# ----------------------------------------------------------------------
# Persistence
# ----------------------------------------------------------------------


def _round_trip(gan, method, tmp_path):
    if method == "pickle":
        return pickle.loads(pickle.dumps(gan))
    if method == "joblib":
        joblib.dump(gan, tmp_path / "gan.joblib")
        return joblib.load(tmp_path / "gan.joblib")
    if method == "deepcopy":
        return copy.deepcopy(gan)
    save_safe(gan, tmp_path / "safe")
    return load_safe(tmp_path / "safe")


@pytest.mark.parametrize("method", ["pickle", "joblib", "deepcopy", "safe"])
@pytest.mark.parametrize("stage", ["fit", "sample", "score"])
def test_round_trips_sample_exactly_what_the_original_does(stage, method, tmp_path):
    X = normal_data()
    gan = small_gan().fit(X)
    if stage == "sample":
        gan.sample(10)
    elif stage == "score":
        gan.score(X)

    loaded = _round_trip(gan, method, tmp_path)
    assert np.array_equal(
        loaded.sample(40, random_state=7), gan.sample(40, random_state=7)
    )
    # The unseeded stream goes on from the same position.
    assert np.array_equal(loaded.sample(40), gan.sample(40))
    assert loaded.score(X) == gan.score(X)
    assert loaded.bandwidth_ == gan.bandwidth_


@pytest.mark.parametrize("method", ["pickle", "safe"])
def test_warm_start_after_a_round_trip_continues_identically(method, tmp_path):
    X = normal_data()
    gan = small_gan(warm_start=True, max_epochs=2).fit(X)
    loaded = _round_trip(gan, method, tmp_path)
    gan.fit(X)
    loaded.fit(X)

    assert len(loaded.history) == 4
    assert same_state(module_state(loaded.generator_), module_state(gan.generator_))
    assert same_state(
        loaded.optimizer_discriminator_.state_dict()["state"][0],
        gan.optimizer_discriminator_.state_dict()["state"][0],
    )


def test_clone_of_a_fitted_estimator_refits_to_the_same_model():
    X = normal_data()
    gan = small_gan().fit(X)
    twin = clone(gan)
    assert not hasattr(twin, "bandwidth_")
    twin.fit(X)
    assert np.array_equal(twin.sample(20), small_gan().fit(X).sample(20))
    assert twin.bandwidth_ == gan.bandwidth_


# ----------------------------------------------------------------------
# The safe format
# ----------------------------------------------------------------------


@pytest.mark.parametrize("scaling", ["standard", "minmax", None])
def test_safe_format_round_trip(scaling, tmp_path):
    frame = pd.DataFrame(normal_data(n_features=3), columns=["a", "b", "c"])
    gan = small_gan(
        scaling=scaling,
        k=2,
        optimizer_generator__betas=(0.5, 0.999),
        bandwidths=np.array([0.1, 0.3, 1.0]),
    ).fit(frame)
    save_safe(gan, tmp_path)

    metadata = json.loads((tmp_path / "estimator.json").read_text())
    assert metadata["params"]["generator"] == {
        "__kind__": "class",
        "name": "sklearn_gan._networks:MLPGenerator",
    }
    loaded = load_safe(tmp_path)

    assert type(loaded) is GANSampler
    assert loaded.get_params()["optimizer_generator__betas"] == (0.5, 0.999)
    assert list(loaded.feature_names_in_) == ["a", "b", "c"]
    assert loaded.validation_score_ == gan.validation_score_
    assert list(loaded.history) == list(gan.history)
    assert np.array_equal(
        loaded.sample(100, random_state=1), gan.sample(100, random_state=1)
    )
    assert loaded.score(frame) == gan.score(frame)
    if scaling is not None:
        assert type(loaded.scaler_) is type(gan.scaler_)
        assert np.array_equal(
            loaded.scaler_.transform(frame.to_numpy()),
            gan.scaler_.transform(frame.to_numpy()),
        )


def test_safe_format_of_an_unfitted_estimator(tmp_path):
    gan = GANSampler(k=3, generator__hidden_units=(8, 8), random_state=4)
    save_safe(gan, tmp_path)
    loaded = load_safe(tmp_path)
    assert not hasattr(loaded, "bandwidth_")
    assert not (tmp_path / "weights.pt").exists()
    assert loaded.k == 3 and loaded.random_state == 4
    assert loaded.get_params()["generator__hidden_units"] == (8, 8)


def test_safe_format_trusts_only_listed_classes(tmp_path):
    X = normal_data(40)
    gan = small_gan(**BATCH_NORM_NETWORKS).fit(X)
    save_safe(gan, tmp_path)

    with pytest.raises(ValueError, match="BatchNormGenerator.*trusted_classes"):
        load_safe(tmp_path)
    loaded = load_safe(
        tmp_path, trusted_classes=[BatchNormGenerator, BatchNormDiscriminator]
    )
    assert np.array_equal(
        loaded.sample(20, random_state=0), gan.sample(20, random_state=0)
    )


def test_safe_format_imports_nothing_the_file_names(tmp_path):
    save_safe(small_gan(), tmp_path)
    path = tmp_path / "estimator.json"
    metadata = json.loads(path.read_text())
    metadata["params"]["generator"]["name"] = "sklearn_gan_untrusted_module:Evil"
    path.write_text(json.dumps(metadata))

    with pytest.raises(ValueError, match="does not trust"):
        load_safe(tmp_path)
    assert "sklearn_gan_untrusted_module" not in sys.modules


class _Payload:
    def __reduce__(self):
        return (print, ("this must never run",))


def test_safe_format_weights_load_no_objects(tmp_path, capsys):
    save_safe(small_gan().fit(normal_data(40)), tmp_path)
    torch.save({"generator_": _Payload()}, tmp_path / "weights.pt")
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        load_safe(tmp_path)
    assert "must never run" not in capsys.readouterr().out


@pytest.mark.parametrize(
    "params, name",
    [
        ({"callbacks": [EpochTimer()]}, "callbacks"),
        ({"random_state": np.random.RandomState(0)}, "random_state"),
        ({"generator": BatchNormGenerator(4, 2)}, "generator"),
    ],
)
def test_safe_format_refuses_what_it_cannot_store(params, name, tmp_path):
    with pytest.raises(TypeError, match=f"cannot store parameter '{name}'"):
        save_safe(small_gan(**params), tmp_path)


def test_safe_format_refuses_classes_that_cannot_be_imported(tmp_path):
    class LocalGenerator(BatchNormGenerator):
        pass

    with pytest.raises(TypeError, match="cannot be imported.*importable module"):
        save_safe(small_gan(generator=LocalGenerator), tmp_path)


def test_safe_format_rejects_other_objects_and_directories(tmp_path):
    with pytest.raises(TypeError, match="stores GANSampler"):
        save_safe(object(), tmp_path)
    with pytest.raises(ValueError, match="holds no estimator.json"):
        load_safe(tmp_path / "missing")
    (tmp_path / "estimator.json").write_text(json.dumps({"format": "other"}))
    with pytest.raises(ValueError, match="not a sklearn_gan safe file"):
        load_safe(tmp_path)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_safe_format_saved_for_cuda_loads_on_the_cpu(tmp_path):
    gan = small_gan().fit(normal_data(40))
    gan.device = "cuda"
    save_safe(gan, tmp_path)
    gan.device = "cpu"
    with pytest.warns(DeviceWarning, match="loading it on the CPU"):
        loaded = load_safe(tmp_path)
    assert loaded.device == "cpu"
    assert loaded.generator_.output.weight.device.type == "cpu"
    assert np.array_equal(
        loaded.sample(10, random_state=0), gan.sample(10, random_state=0)
    )


def test_safe_loading_leaves_the_global_torch_state_alone(tmp_path):
    save_safe(small_gan().fit(normal_data(40)), tmp_path)
    state = torch.get_rng_state()
    load_safe(tmp_path)
    assert torch.equal(state, torch.get_rng_state())


# ----------------------------------------------------------------------
# Reproducibility
# ----------------------------------------------------------------------


def test_same_seed_gives_the_same_training_history():
    X = normal_data()
    first = small_gan(max_epochs=2).fit(X)
    second = small_gan(max_epochs=2).fit(X)
    assert first.history[:, "loss_d"] == second.history[:, "loss_d"]
    assert first.history[:, "loss_g"] == second.history[:, "loss_g"]


def test_unseeded_sample_calls_draw_new_rows_from_a_seeded_stream(fitted):
    gan = copy.deepcopy(fitted)
    twin = copy.deepcopy(fitted)
    first, second = gan.sample(20), gan.sample(20)
    assert not np.allclose(first, second)
    assert np.array_equal(twin.sample(20), first)
    assert np.array_equal(twin.sample(20), second)


@pytest.mark.parametrize(
    "make_state",
    [lambda: 5, lambda: np.random.RandomState(5), lambda: np.random.default_rng(5)],
    ids=["int", "RandomState", "Generator"],
)
def test_sample_seeds_of_every_kind_reproduce(fitted, make_state):
    first = fitted.sample(30, random_state=make_state())
    second = fitted.sample(30, random_state=make_state())
    assert np.array_equal(first, second)
