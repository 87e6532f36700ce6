"""The release cases C01-C14: small inputs drawn from faults users reported.

Each test states the case it stands for and asserts the value that must come
out. Networks are kept small and trainings short wherever the case does not
name a size, so that the whole file runs in well under a minute.
"""

import importlib
import io
import json
import os
import pickle
import subprocess
import sys
import warnings
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
import torch.serialization
from scipy import sparse
from scipy.special import logsumexp
from sklearn.base import clone
from sklearn.exceptions import FitFailedWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from skorch.callbacks import Callback
from skorch.exceptions import DeviceWarning

import sklearn_gan._gan as gan_module
from sklearn_gan import (
    DivergenceError,
    GANSampler,
    parzen_log_likelihood,
    select_bandwidth,
)

REPOSITORY = Path(__file__).resolve().parents[1]
SMALL_NETWORKS = {
    "generator__hidden_units": (16,),
    "discriminator__hidden_units": (16,),
    "n_parzen_samples": 500,
}


def small_gan(**params):
    """GS of the cases: a short, seeded, silent fit with small networks."""
    settings = {"max_epochs": 1, "verbose": 0, "random_state": 0, **SMALL_NETWORKS}
    settings.update(params)
    return GANSampler(**settings)


def normal_data(n_rows=200, n_features=2, seed=0):
    return np.random.default_rng(seed).normal(size=(n_rows, n_features))


def all_weights_finite(gan):
    return all(
        bool(torch.isfinite(parameter).all())
        for module in (gan.generator_, gan.discriminator_)
        for parameter in module.parameters()
    )


def generator_weights(gan):
    return [parameter.detach().clone() for parameter in gan.generator_.parameters()]


def same_tensors(first, second):
    return len(first) == len(second) and all(
        torch.equal(a, b) for a, b in zip(first, second, strict=True)
    )


def same_params(first, second):
    """Equal parameters; skorch's default callbacks are compared by content."""
    first, second = first.get_params(), second.get_params()
    if first.keys() != second.keys():
        return False
    for key, value in first.items():
        other = second[key]
        if isinstance(value, Callback):
            if type(value) is not type(other) or vars(value) != vars(other):
                return False
        elif value != other:
            return False
    return True


def tensors_in(value, seen=None):
    """Every tensor reachable from ``value``: attributes, containers, modules."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, torch.Tensor):
        yield value
    elif isinstance(value, torch.nn.Module):
        yield from value.state_dict().values()
    elif isinstance(value, torch.optim.Optimizer):
        yield from tensors_in(value.state_dict(), seen)
    elif isinstance(value, dict):
        for item in value.values():
            yield from tensors_in(item, seen)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from tensors_in(item, seen)
    elif hasattr(value, "__dict__") and not isinstance(value, type):
        yield from tensors_in(vars(value), seen)


# ----------------------------------------------------------------------
# C01: learning rates of 10, unscaled data of 1e6, divergence in a search
# ----------------------------------------------------------------------


@pytest.mark.parametrize("on_divergence", ["raise", "warn"])
def test_c01_learning_rate_of_ten(on_divergence):
    gan = small_gan(lr_g=10, lr_d=10, max_epochs=3, on_divergence=on_divergence)
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        try:
            gan.fit(normal_data())
        except DivergenceError as error:
            assert "lr_g" in str(error) and "smaller" in str(error)

    assert all_weights_finite(gan)
    assert np.isfinite(gan.sample(1000, random_state=0)).all()
    assert np.isfinite(gan.score(normal_data(seed=1)))


def test_c01_unscaled_values_of_a_million():
    X = normal_data() * 1e6
    gan = small_gan(scaling=None, max_epochs=2, on_divergence="warn")
    with pytest.warns(UserWarning, match="scaling=None.*StandardScaler"):
        gan.fit(X)

    assert all_weights_finite(gan)
    assert np.isfinite(gan.sample(1000, random_state=0)).all()
    assert np.isfinite(gan.score(X))


def test_c01_diverged_candidate_neither_crashes_nor_wins_a_search():
    search = GridSearchCV(
        small_gan(),
        [
            {"lr_g": [2e-4], "lr_d": [2e-4]},
            {"lr_g": [10.0], "lr_d": [10.0]},
            {"lr_g": [1e30], "lr_d": [1e30]},
        ],
        cv=2,
        error_score=np.nan,
    )
    with pytest.warns(FitFailedWarning, match="diverged"):
        search.fit(normal_data())

    scores = search.cv_results_["mean_test_score"]
    assert np.isfinite(scores[:2]).all()
    assert np.isnan(scores[2])
    assert search.best_params_ == {"lr_g": 2e-4, "lr_d": 2e-4}
    assert np.isfinite(search.best_estimator_.sample(100, random_state=0)).all()


# ----------------------------------------------------------------------
# C02: fewer rows than a batch, three rows, one row
# ----------------------------------------------------------------------


def test_c02_thirty_rows_with_batch_size_64_update_the_weights():
    X = normal_data(30)
    untrained = small_gan(batch_size=64, max_epochs=0).fit(X)
    trained = small_gan(batch_size=64, max_epochs=2).fit(X)

    assert trained.history[:, "train_batch_count"] == [1, 1]
    assert not same_tensors(generator_weights(untrained), generator_weights(trained))
    assert not torch.equal(
        untrained.discriminator_.output.weight, trained.discriminator_.output.weight
    )


def test_c02_three_rows_train():
    gan = small_gan(max_epochs=2).fit(normal_data(3))

    assert len(gan.history) == 2
    assert gan.history[:, "batches", :, "train_batch_size"] == [[2], [2]]
    assert np.isfinite(gan.sample(10, random_state=0)).all()


@pytest.mark.parametrize("n_rows", [1, 2])
def test_c02_one_or_two_rows_give_a_clear_error(n_rows):
    with pytest.raises(ValueError, match="at least 2 rows to train on") as info:
        small_gan().fit(normal_data(n_rows))
    assert "test_size" not in str(info.value)
    assert "Pass more rows" in str(info.value)


# ----------------------------------------------------------------------
# C03: sample sizes
# ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def fitted_gan():
    return small_gan(batch_size=64).fit(normal_data())


@pytest.mark.parametrize("n_samples", [1, 7, 63, 64, 65, 10_001, np.int64(5)])
def test_c03_sample_has_the_exact_shape(fitted_gan, n_samples):
    rows = fitted_gan.sample(n_samples, random_state=0)
    assert rows.shape == (n_samples, 2)
    assert rows.dtype == np.float64
    assert np.isfinite(rows).all()


def test_c03_zero_samples_give_an_empty_array_with_the_columns(fitted_gan):
    rows = fitted_gan.sample(0)
    assert rows.shape == (0, 2)
    assert rows.dtype == np.float64


@pytest.mark.parametrize("n_samples", [-3, 2.5, True, "5", None])
def test_c03_invalid_sample_sizes_raise(fitted_gan, n_samples):
    with pytest.raises(ValueError, match="n_samples must be a non-negative integer"):
        fitted_gan.sample(n_samples)


def test_c03_two_million_rows_are_drawn_in_bounded_blocks():
    gan = small_gan(generator__hidden_units=(4,), noise_dim=2).fit(normal_data())
    block_sizes = []
    hook = gan.generator_.register_forward_pre_hook(
        lambda module, args: block_sizes.append(len(args[0]))
    )
    try:
        rows = gan.sample(2_000_000, random_state=0)
    finally:
        hook.remove()

    block = gan_module._SAMPLE_BLOCK_ROWS
    assert rows.shape == (2_000_000, 2)
    assert np.isfinite(rows).all()
    assert sum(block_sizes) == 2_000_000
    assert max(block_sizes) <= block
    assert len(block_sizes) == -(-2_000_000 // block)


# ----------------------------------------------------------------------
# C04: a model trained on a GPU, loaded where CUDA is missing
# ----------------------------------------------------------------------


def _pickled_as_if_on_cuda(gan):
    """Pickle ``gan`` with every tensor storage tagged as living on cuda:0.

    This is what a model fitted on a GPU writes; without a map to the CPU,
    loading such storages where CUDA is missing fails.
    """
    original = torch.serialization.location_tag
    torch.serialization.location_tag = lambda storage: "cuda:0"
    try:
        return pickle.dumps(gan)
    finally:
        torch.serialization.location_tag = original


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_c04_the_storages_of_the_simulated_gpu_pickle_need_cuda():
    original = torch.serialization.location_tag
    torch.serialization.location_tag = lambda storage: "cuda:0"
    try:
        buffer = io.BytesIO()
        torch.save(torch.ones(3), buffer)
    finally:
        torch.serialization.location_tag = original
    buffer.seek(0)
    with pytest.raises(RuntimeError, match="CUDA"):
        torch.load(buffer, weights_only=True)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
@pytest.mark.parametrize("device", ["cuda", "auto"])
def test_c04_gpu_pickle_loads_on_the_cpu(device):
    X = normal_data()
    gan = small_gan().fit(X)
    expected_rows = gan.sample(20, random_state=0)
    expected_score = gan.score(X)
    gan.device = device
    blob = _pickled_as_if_on_cuda(gan)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = pickle.loads(blob)
    other = [w for w in caught if not issubclass(w.category, DeviceWarning)]
    assert other == []

    assert str(loaded.device) in ("cpu", "auto")
    assert all(tensor.device.type == "cpu" for tensor in tensors_in(loaded))
    assert np.array_equal(loaded.sample(20, random_state=0), expected_rows)
    assert loaded.score(X) == expected_score


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_c04_fit_on_cuda_then_load_in_a_process_without_cuda(tmp_path):
    X = normal_data()
    gan = small_gan(device="cuda").fit(X)
    assert gan.generator_.output.weight.device.type == "cuda"
    path = tmp_path / "gan.joblib"
    joblib.dump(gan, path)
    np.save(tmp_path / "X.npy", X)
    script = (
        "import json, sys, warnings, joblib, numpy as np, torch\n"
        "assert not torch.cuda.is_available()\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        f"    gan = joblib.load({str(path)!r})\n"
        "print(json.dumps(sorted({w.category.__name__ for w in caught})))\n"
        "assert str(gan.device) == 'cpu'\n"
        "for module in (gan.generator_, gan.discriminator_):\n"
        "    assert all(t.device.type == 'cpu' for t in module.state_dict().values())\n"
        "X = np.load(sys.argv[1])\n"
        "assert np.isfinite(gan.sample(100, random_state=0)).all()\n"
        "assert np.isfinite(gan.score(X))\n"
    )
    environment = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    environment["PYTHONPATH"] = str(REPOSITORY)
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "X.npy")],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    categories = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(categories) <= {"DeviceWarning"}


# ----------------------------------------------------------------------
# C05: reproducibility and the global random states
# ----------------------------------------------------------------------


def test_c05_same_seed_same_rows_whatever_the_global_seeds():
    X = normal_data()
    np.random.seed(1)  # noqa: NPY002 (the global state is the subject)
    torch.manual_seed(1)
    first = small_gan(random_state=0).fit(X).sample(100)
    np.random.seed(2)  # noqa: NPY002 (the global state is the subject)
    torch.manual_seed(2)
    second = small_gan(random_state=0).fit(X).sample(100)
    other_seed = small_gan(random_state=1).fit(X).sample(100)

    assert np.array_equal(first, second)
    assert not np.allclose(first, other_seed)


def test_c05_fit_sample_and_score_leave_the_global_random_states_alone():
    X = normal_data()
    numpy_state = np.random.get_state()  # noqa: NPY002
    torch_state = torch.get_rng_state()

    gan = small_gan().fit(X)
    gan.sample(50)
    gan.sample(50, random_state=3)
    gan.score(X)

    after = np.random.get_state()  # noqa: NPY002
    assert all(np.array_equal(a, b) for a, b in zip(numpy_state, after, strict=True))
    assert torch.equal(torch_state, torch.get_rng_state())


# ----------------------------------------------------------------------
# C06: parameters, clone, set_params
# ----------------------------------------------------------------------


def test_c06_get_params_clone_and_set_params():
    X = normal_data()
    gan = small_gan(k=2, lr_d=1e-3, lr_g=2e-4)
    keys_before = set(gan.get_params())
    gan.fit(X)
    assert set(gan.get_params()) == keys_before

    copy = clone(gan)
    assert not hasattr(copy, "generator_")
    assert not hasattr(copy, "bandwidth_")
    assert same_params(copy, gan)

    gan.set_params(lr_d=1e-5)
    assert gan.optimizer_discriminator_.param_groups[0]["lr"] == 1e-5
    gan.fit(X)
    assert gan.optimizer_discriminator_.param_groups[0]["lr"] == 1e-5
    assert gan.optimizer_generator_.param_groups[0]["lr"] == 2e-4


# ----------------------------------------------------------------------
# C07: grid search without y, pipeline
# ----------------------------------------------------------------------


def test_c07_grid_search_without_y_and_a_pipeline():
    X = normal_data(90)
    search = GridSearchCV(
        small_gan(max_epochs=2),
        {"k": [1, 2], "lr_d": [1e-4, 1e-3], "lr_g": [1e-4, 1e-3]},
        cv=3,
        error_score="raise",
    ).fit(X)

    scores = search.cv_results_["mean_test_score"]
    assert scores.shape == (8,)
    assert np.isfinite(scores).all()
    assert search.best_estimator_.sample(10, random_state=0).shape == (10, 2)

    pipeline = Pipeline([("scale", StandardScaler()), ("gan", small_gan())])
    assert np.isfinite(pipeline.fit(X).score(X))


# ----------------------------------------------------------------------
# C08: DataFrames and feature names
# ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def frame():
    return pd.DataFrame(normal_data(120, 3), columns=["a", "b", "c"])


def test_c08_dataframe_fit_sets_feature_names(frame):
    gan = small_gan().fit(frame)
    assert list(gan.feature_names_in_) == ["a", "b", "c"]
    assert gan.sample(5, random_state=0).shape == (5, 3)
    assert np.isfinite(gan.score(frame))


def test_c08_pandas_output_pipeline(frame):
    scaler = StandardScaler().set_output(transform="pandas")
    pipeline = make_pipeline(scaler, small_gan()).fit(frame)
    assert list(pipeline[-1].feature_names_in_) == ["a", "b", "c"]
    assert np.isfinite(pipeline.score(frame))
    with pytest.raises(ValueError, match="feature names should match"):
        pipeline.score(frame[["c", "a", "b"]])


@pytest.mark.parametrize(
    "change",
    [
        lambda data: data[["c", "a", "b"]],
        lambda data: data.rename(columns={"a": "z"}),
    ],
    ids=["reordered", "renamed"],
)
def test_c08_reordered_or_renamed_columns_raise(frame, change):
    gan = small_gan().fit(frame)
    with pytest.raises(
        ValueError, match="(?s)feature names should match.*in the same order, for"
    ):
        gan.score(change(frame))


def test_c08_an_array_after_a_dataframe_warns(frame):
    gan = small_gan().fit(frame)
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        gan.score(frame.to_numpy())


# ----------------------------------------------------------------------
# C09: dtypes
# ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "dtype", [np.float64, np.float32, np.float16, np.int64, np.bool_]
)
def test_c09_dense_dtypes_are_cast_to_float64(dtype):
    rng = np.random.default_rng(0)
    X = (rng.normal(size=(100, 3)) * 3).astype(dtype)
    rows = small_gan().fit(X).sample(20, random_state=0)
    rows_of_cast = small_gan().fit(X.astype(np.float64)).sample(20, random_state=0)

    assert rows.dtype == np.float64
    assert rows.shape == (20, 3)
    assert np.array_equal(rows, rows_of_cast)


@pytest.mark.parametrize("format", ["csr", "csc", "coo"])
def test_c09_sparse_input_is_rejected(format):
    X = sparse.random(100, 3, density=0.5, format=format, random_state=0)
    with pytest.raises(TypeError, match="sparse input.*toarray"):
        small_gan().fit(X)


# ----------------------------------------------------------------------
# C10: warm start
# ----------------------------------------------------------------------


def test_c10_cold_refit_equals_one_fresh_fit():
    X = normal_data()
    gan = small_gan(max_epochs=2).fit(X).fit(X)
    fresh = small_gan(max_epochs=2).fit(X)

    assert len(gan.history) == 2
    assert same_tensors(generator_weights(gan), generator_weights(fresh))


def test_c10_warm_start_continues_both_players():
    X = normal_data()
    gan = small_gan(max_epochs=2, warm_start=True).fit(X)
    optimizers = (gan.optimizer_generator_, gan.optimizer_discriminator_)
    steps = [
        optimizer.state[optimizer.param_groups[0]["params"][0]]["step"].item()
        for optimizer in optimizers
    ]
    gan.fit(X)

    assert len(gan.history) == 4
    # The same optimizers, with their Adam moments and step counts, carried
    # on: steps started again from zero would not have doubled.
    assert (gan.optimizer_generator_, gan.optimizer_discriminator_) == optimizers
    assert [
        optimizer.state[optimizer.param_groups[0]["params"][0]]["step"].item()
        for optimizer in optimizers
    ] == [2 * step for step in steps]
    assert steps[0] > 0 and steps[1] > 0


def test_c10_warm_start_on_other_features_raises():
    gan = small_gan(warm_start=True).fit(normal_data())
    with pytest.raises(ValueError, match="expecting 2 features.*warm_start=False"):
        gan.fit(normal_data(n_features=3))


# ----------------------------------------------------------------------
# C11: NaN and infinity
# ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, message", [(np.nan, "contains NaN"), (np.inf, "contains infinity")]
)
def test_c11_non_finite_values_raise_before_training(value, message):
    X = normal_data(100)
    X[17, 1] = value
    gan = small_gan()
    with pytest.raises(ValueError, match=message):
        gan.fit(X)
    assert not hasattr(gan, "generator_")

    fitted = small_gan().fit(normal_data(100))
    with pytest.raises(ValueError, match=message):
        fitted.score(X[15:20])


# ----------------------------------------------------------------------
# C12: Parzen scoring against a chunked float64 reference (light version)
# ----------------------------------------------------------------------


def test_c12_blocked_parzen_equals_a_float64_reference():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 50))
    centers = rng.normal(size=(400, 50))
    bandwidth = 0.8
    blocked = parzen_log_likelihood(X, centers, bandwidth, memory_budget=2**16)

    squared = ((X[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
    reference = (
        logsumexp(-squared / (2 * bandwidth**2), axis=1)
        - np.log(len(centers))
        - 50 * np.log(bandwidth * np.sqrt(2 * np.pi))
    )
    np.testing.assert_allclose(blocked, reference, rtol=1e-10)


# ----------------------------------------------------------------------
# C13: two modes
# ----------------------------------------------------------------------


def _two_modes(n_rows, seed):
    rng = np.random.default_rng(seed)
    centres = np.array([[-4.0, 0.0], [4.0, 0.0]])
    return centres[rng.integers(0, 2, n_rows)] + 0.5 * rng.normal(size=(n_rows, 2))


@pytest.mark.slow
def test_c13_both_modes_are_covered_and_a_collapse_scores_far_lower():
    X = _two_modes(400, seed=0)
    X_test = _two_modes(1000, seed=1)
    betas = (0.5, 0.999)
    gan = small_gan(
        max_epochs=100,
        lr_g=5e-3,
        lr_d=5e-3,
        generator__hidden_units=(32, 32),
        discriminator__hidden_units=(32, 32),
        optimizer_generator__betas=betas,
        optimizer_discriminator__betas=betas,
        n_parzen_samples=2000,
    ).fit(X)

    rows = gan.sample(2000, random_state=0)
    left = np.mean(rows[:, 0] < 0)
    assert 0.1 <= left <= 0.9

    collapsed = pickle.loads(pickle.dumps(gan))
    with torch.no_grad():
        collapsed.generator_.output.weight.zero_()
    # The collapsed generator gets its own best bandwidth, chosen on the test
    # rows themselves, which favours it.
    collapsed.bandwidth_ = select_bandwidth(X_test, collapsed.parzen_centers())
    assert np.ptp(collapsed.sample(100, random_state=0), axis=0).max() == 0
    assert gan.score(X_test) > collapsed.score(X_test) + 2.0


# ----------------------------------------------------------------------
# C14: parallel search, pickling
# ----------------------------------------------------------------------


def test_c14_parallel_and_serial_searches_agree():
    X = normal_data(90)
    grid = {"k": [1, 2]}
    serial = GridSearchCV(small_gan(random_state=0), grid, cv=3, n_jobs=1).fit(X)
    parallel = GridSearchCV(small_gan(random_state=0), grid, cv=3, n_jobs=2).fit(X)

    assert np.array_equal(
        serial.cv_results_["mean_test_score"], parallel.cv_results_["mean_test_score"]
    )
    assert np.isfinite(parallel.cv_results_["mean_test_score"]).all()


def test_c14_fitted_and_unfitted_estimators_pickle():
    unfitted = GANSampler()
    restored = pickle.loads(pickle.dumps(unfitted))
    assert same_params(restored, unfitted)

    X = normal_data()
    fitted = small_gan().fit(X)
    restored = pickle.loads(pickle.dumps(fitted))
    assert np.array_equal(
        restored.sample(30, random_state=0), fitted.sample(30, random_state=0)
    )


def test_c14_every_default_class_is_importable_by_name():
    for name, value in GANSampler().get_params().items():
        if isinstance(value, type):
            module = importlib.import_module(value.__module__)
            assert getattr(module, value.__qualname__) is value, name
