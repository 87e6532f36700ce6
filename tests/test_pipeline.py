"""GANSampler at the end of a Pipeline, and sample_from_pipeline."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import config_context
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import PCA
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import (
    MinMaxScaler,
    Normalizer,
    QuantileTransformer,
    StandardScaler,
)

from sklearn_gan import GANSampler, sample_from_pipeline


@pytest.fixture
def X():
    # Columns far from zero and of different spreads, so that rows left in a
    # scaler's units would be easy to tell from rows in the data's units.
    rng = np.random.default_rng(0)
    return rng.normal(loc=[1000.0, -50.0, 3.0], scale=[5.0, 0.5, 1.0], size=(200, 3))


def small_gan(**params):
    settings = {
        "max_epochs": 2,
        "n_parzen_samples": 500,
        "generator__hidden_units": (16,),
        "discriminator__hidden_units": (16,),
        "verbose": 0,
        "random_state": 0,
    }
    settings.update(params)
    return GANSampler(**settings)


TRANSFORMERS = {
    "standard": StandardScaler(),
    "minmax": MinMaxScaler(),
    "quantile": QuantileTransformer(n_quantiles=50),
    "pca": PCA(n_components=3),
}


@pytest.mark.parametrize("name", TRANSFORMERS)
def test_samples_come_back_through_the_inverse_transform(X, name):
    pipeline = make_pipeline(TRANSFORMERS[name], small_gan()).fit(X)

    rows = sample_from_pipeline(pipeline, 300, random_state=0)

    assert isinstance(rows, np.ndarray)
    assert rows.shape == (300, 3)
    # scikit-learn's own Pipeline.inverse_transform is the reference.
    generated = pipeline[-1].sample(300, random_state=0)
    assert_array_equal(rows, pipeline[:-1].inverse_transform(generated))
    # In the data's units: near each column's centre, not near zero.
    assert np.all(np.abs(rows.mean(axis=0) - X.mean(axis=0)) < 10 * X.std(axis=0))


def test_steps_are_inverted_last_first(X):
    pipeline = Pipeline(
        [
            ("standard", StandardScaler()),
            ("pca", PCA(n_components=3)),
            ("minmax", MinMaxScaler()),
            ("gan", small_gan()),
        ]
    ).fit(X)

    rows = sample_from_pipeline(pipeline, 50, random_state=1)

    expected = pipeline["gan"].sample(50, random_state=1)
    for name in ("minmax", "pca", "standard"):
        expected = pipeline[name].inverse_transform(expected)
    assert_allclose(rows, expected, rtol=0, atol=0)


def test_same_seed_same_rows_other_seed_other_rows(X):
    pipeline = make_pipeline(StandardScaler(), small_gan()).fit(X)

    first = sample_from_pipeline(pipeline, 20, random_state=3)
    again = sample_from_pipeline(pipeline, 20, random_state=3)
    other = sample_from_pipeline(pipeline, 20, random_state=4)

    assert_array_equal(first, again)
    assert not np.allclose(first, other)


def test_passthrough_steps_are_skipped(X):
    pipeline = Pipeline(
        [("nothing", "passthrough"), ("scale", StandardScaler()), ("gan", small_gan())]
    ).fit(X)

    rows = sample_from_pipeline(pipeline, 10, random_state=0)

    expected = pipeline["scale"].inverse_transform(
        pipeline["gan"].sample(10, random_state=0)
    )
    assert_array_equal(rows, expected)


@pytest.mark.parametrize(
    "step, kind",
    [
        (Normalizer(), "Normalizer"),
        (
            ColumnTransformer([("scale", StandardScaler(), [0, 1, 2])]),
            "ColumnTransformer",
        ),
    ],
)
def test_a_step_without_inverse_is_named_in_the_error(X, step, kind):
    pipeline = Pipeline(
        [("scale", StandardScaler()), ("lossy", step), ("gan", small_gan())]
    ).fit(X)

    with pytest.raises(
        ValueError, match=rf"step 'lossy' \({kind}\).*inverse_transform"
    ):
        sample_from_pipeline(pipeline, 5)


def test_a_final_step_that_cannot_sample_is_named(X):
    pipeline = make_pipeline(StandardScaler(), PCA(n_components=2)).fit(X)

    with pytest.raises(ValueError, match=r"final step 'pca' \(PCA\).*sample"):
        sample_from_pipeline(pipeline, 5)


def test_only_pipelines_are_accepted(X):
    gan = small_gan().fit(X)

    with pytest.raises(TypeError, match="expects a fitted.*Pipeline, got GANSampler"):
        sample_from_pipeline(gan, 5)


def test_an_unfitted_pipeline_raises_not_fitted(X):
    pipeline = make_pipeline(StandardScaler(), small_gan())

    with pytest.raises(NotFittedError):
        sample_from_pipeline(pipeline, 5)


def test_zero_samples_have_the_input_width(X):
    pipeline = make_pipeline(StandardScaler(), PCA(n_components=2), small_gan())
    pipeline.fit(X)

    rows = sample_from_pipeline(pipeline, 0)

    assert rows.shape == (0, 3)


@pytest.mark.parametrize("n_samples", [-1, 2.5])
def test_sample_size_is_checked_by_the_final_step(X, n_samples):
    pipeline = make_pipeline(StandardScaler(), small_gan()).fit(X)

    with pytest.raises(ValueError, match="n_samples"):
        sample_from_pipeline(pipeline, n_samples)


@pytest.mark.parametrize("name", ["standard", "quantile", "pca"])
def test_pandas_output_gives_a_frame_with_the_original_columns(X, name):
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    pipeline = make_pipeline(TRANSFORMERS[name], small_gan())
    pipeline.set_output(transform="pandas")
    pipeline.fit(frame)

    rows = sample_from_pipeline(pipeline, 40, random_state=0)

    assert isinstance(rows, pd.DataFrame)
    assert list(rows.columns) == ["a", "b", "c"]
    assert rows.shape == (40, 3)
    assert_array_equal(rows.index, np.arange(40))
    assert_array_equal(
        rows.to_numpy(),
        pipeline[:-1].inverse_transform(pipeline[-1].sample(40, random_state=0)),
    )
    assert_array_equal(
        pipeline[-1].feature_names_in_, pipeline[0].get_feature_names_out()
    )


def test_global_pandas_output_without_column_names(X):
    with config_context(transform_output="pandas"):
        pipeline = make_pipeline(StandardScaler(), small_gan()).fit(X)
        rows = sample_from_pipeline(pipeline, 5, random_state=0)

    assert isinstance(rows, pd.DataFrame)
    assert list(rows.columns) == ["x0", "x1", "x2"]


def test_a_frame_without_pandas_output_gives_an_array(X):
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    pipeline = make_pipeline(StandardScaler(), small_gan()).fit(frame)

    rows = sample_from_pipeline(pipeline, 5, random_state=0)

    assert isinstance(rows, np.ndarray)
    assert rows.shape == (5, 3)


def test_pipeline_score_is_the_parzen_score_after_the_transformers(X):
    pipeline = make_pipeline(StandardScaler(), small_gan()).fit(X)

    score = pipeline.score(X)

    assert np.isfinite(score)
    assert score == pipeline[-1].score(pipeline[0].transform(X))


def test_grid_search_over_a_pipeline(X):
    pipeline = make_pipeline(StandardScaler(), small_gan())
    grid = {
        "gansampler__k": [1, 2],
        "gansampler__generator__hidden_units": [(8,), (16,)],
    }
    search = GridSearchCV(pipeline, grid, cv=2, error_score="raise").fit(X)

    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    rows = sample_from_pipeline(search.best_estimator_, 7, random_state=0)
    assert rows.shape == (7, 3)
