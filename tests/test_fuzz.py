"""Property tests: any input either trains or fails with a documented error.

Hypothesis draws shapes, dtypes, scales, special values and parameters; the
only outcomes allowed are a fitted estimator whose samples and scores are
finite, or one of the errors the API documents (``ValueError`` for bad data
or parameters, ``TypeError`` for sparse input, ``DivergenceError`` when
training diverged). Examples are few and trainings one epoch long.
"""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from scipy import sparse

from sklearn_gan import DivergenceError, GANSampler

DTYPES = [np.float64, np.float32, np.float16, np.int64, np.int8, np.uint8, np.bool_]
FUZZ_SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)


@st.composite
def data_sets(draw):
    n_rows = draw(st.integers(0, 40))
    n_features = draw(st.sampled_from([1, 2, 3, 4, 1, 2, 0]))
    seed = draw(st.integers(0, 2**16))
    scale = draw(st.sampled_from([0.0, 1e-9, 1.0, 1e3, 1e9, 1e40, 1e200]))
    offset = draw(st.sampled_from([0.0, -5.0, 1e6, 1e12]))
    dtype = draw(st.sampled_from(DTYPES))
    X = np.random.default_rng(seed).normal(size=(n_rows, n_features))
    X = X * scale + offset
    with np.errstate(over="ignore", invalid="ignore"):
        X = X.astype(dtype)
    special = draw(st.sampled_from([None] * 6 + [np.nan, np.inf, -np.inf]))
    if special is not None and X.size and X.dtype.kind == "f":
        X.flat[draw(st.integers(0, X.size - 1))] = special
    return X


@st.composite
def parameters(draw):
    return {
        "batch_size": draw(st.integers(1, 70)),
        "k": draw(st.integers(1, 3)),
        "noise_dim": draw(st.integers(1, 4)),
        "noise": draw(st.sampled_from(["uniform", "normal"])),
        "scaling": draw(st.sampled_from(["standard", "minmax", None])),
        "validation_fraction": draw(st.sampled_from([0.05, 0.1, 0.5, 0.9])),
        "generator_loss": draw(st.sampled_from(["non_saturating", "minimax"])),
        "lr_g": draw(st.sampled_from([1e-4, 2e-4, 1e-2, 10.0])),
        "lr_d": draw(st.sampled_from([1e-4, 2e-4, 1e-2, 10.0])),
    }


def _small_gan(params):
    return GANSampler(
        max_epochs=1,
        verbose=0,
        random_state=0,
        n_parzen_samples=200,
        generator__hidden_units=(8,),
        discriminator__hidden_units=(8,),
        **params,
    )


@FUZZ_SETTINGS
@given(
    X=data_sets(),
    params=parameters(),
    as_sparse=st.sampled_from([False, False, False, False, True]),
)
def test_fit_either_trains_to_finite_output_or_fails_as_documented(
    X, params, as_sparse
):
    gan = _small_gan(params)
    if as_sparse and X.ndim == 2 and X.size:
        X = sparse.csr_matrix(X.astype(np.float64))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            gan.fit(X)
        except (ValueError, TypeError, DivergenceError) as error:
            event(f"fit raised {type(error).__name__}")
            assert str(error)
            if isinstance(error, TypeError):
                assert sparse.issparse(X)
            if isinstance(error, DivergenceError):
                # Fitted all the same, with the last finite weights.
                assert np.isfinite(gan.bandwidth_)
            return

        event("fit trained")
        rows = gan.sample(7, random_state=0)
        assert rows.shape == (7, X.shape[1])
        assert np.isfinite(rows).all()
        assert np.isfinite(gan.score(X))
        assert np.isfinite(gan.bandwidth_) and gan.bandwidth_ > 0


@pytest.fixture(scope="module")
def fitted():
    X = np.random.default_rng(0).normal(size=(50, 3))
    return _small_gan({}).fit(X)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    n_samples=st.one_of(
        st.integers(-5, 300),
        st.floats(-3, 300),
        st.just(float("nan")),
        st.sampled_from([np.int64(3), np.uint8(2), np.float64(4.0), True, "5", None]),
    )
)
def test_sample_sizes_give_the_exact_shape_or_a_value_error(fitted, n_samples):
    is_count = isinstance(n_samples, (int, np.integer)) and not isinstance(
        n_samples, (bool, np.bool_)
    )
    if is_count and n_samples >= 0:
        rows = fitted.sample(n_samples, random_state=0)
        assert rows.shape == (n_samples, 3)
        assert np.isfinite(rows).all()
    else:
        with pytest.raises(ValueError, match="n_samples must be a non-negative"):
            fitted.sample(n_samples, random_state=0)


@settings(max_examples=20, deadline=None, derandomize=True)
@given(
    n_rows=st.integers(0, 30),
    n_features=st.integers(1, 5),
    scale=st.sampled_from([1e-6, 1.0, 1e8]),
)
def test_score_after_fit_is_finite_or_a_value_error(fitted, n_rows, n_features, scale):
    X = np.random.default_rng(n_rows).normal(size=(n_rows, n_features)) * scale
    if n_features != 3 or n_rows == 0:
        with pytest.raises(ValueError, match="features|sample"):
            fitted.score_samples(X)
    else:
        log_density = fitted.score_samples(X)
        assert log_density.shape == (n_rows,)
        assert np.isfinite(log_density).all()
