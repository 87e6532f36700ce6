"""GANSampler in scikit-learn's hyperparameter searches, scored by Parzen."""

import pickle
import warnings

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from scipy.stats import loguniform
from sklearn.base import clone
from sklearn.exceptions import FitFailedWarning
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import (
    GridSearchCV,
    HalvingGridSearchCV,
    KFold,
    RandomizedSearchCV,
    cross_val_score,
)

from sklearn_gan import GANSampler


@pytest.fixture
def X():
    return np.random.default_rng(0).normal(size=(200, 2))


def small_gan(**params):
    """A GANSampler small enough for a search of many fits in seconds."""
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


def test_grid_search_without_y_scores_every_candidate(X):
    grid = {"k": [1, 2], "lr_d": [1e-4, 1e-3], "lr_g": [1e-4, 1e-3]}
    search = GridSearchCV(small_gan(), grid, cv=3, error_score="raise").fit(X)

    scores = search.cv_results_["mean_test_score"]
    assert scores.shape == (8,)
    assert np.all(np.isfinite(scores))
    # The candidates trained differently, so their scores differ.
    assert len(np.unique(scores)) == 8
    assert search.best_score_ == scores.max()
    assert search.best_estimator_.sample(5, random_state=0).shape == (5, 2)


def test_grid_search_test_score_is_held_out_parzen_score(X):
    params = {"k": 2, "lr_g": 1e-3}
    cv = KFold(n_splits=2)
    search = GridSearchCV(small_gan(), {"k": [2], "lr_g": [1e-3]}, cv=cv).fit(X)

    for fold, (train, test) in enumerate(cv.split(X)):
        estimator = clone(small_gan()).set_params(**params).fit(X[train])
        expected = estimator.score(X[test])
        assert search.cv_results_[f"split{fold}_test_score"][0] == expected


def test_grid_search_over_routed_network_sizes(X):
    grid = {"generator__hidden_units": [(8,), (32, 32)], "lr_d": [1e-3]}
    search = GridSearchCV(small_gan(), grid, cv=2).fit(X)

    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    best_units = search.best_params_["generator__hidden_units"]
    hidden = search.best_estimator_.generator_.hidden
    widths = tuple(layer.out_features for layer in hidden if hasattr(layer, "weight"))
    assert widths == best_units


def test_randomized_search_reaches_the_optimizers(X):
    distributions = {
        "k": [1, 2, 3],
        "lr_g": loguniform(1e-4, 1e-2),
        "lr_d": loguniform(1e-4, 1e-2),
        "generator__hidden_units": [(8,), (16,)],
    }
    search = RandomizedSearchCV(
        small_gan(), distributions, n_iter=3, cv=2, random_state=0
    ).fit(X)

    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert len(set(search.cv_results_["param_lr_g"])) == 3
    best = search.best_estimator_
    assert best.optimizer_generator_.param_groups[0]["lr"] == pytest.approx(
        search.best_params_["lr_g"]
    )
    assert best.optimizer_discriminator_.param_groups[0]["lr"] == pytest.approx(
        search.best_params_["lr_d"]
    )


def test_parallel_search_gives_the_same_scores_as_a_serial_one(X):
    grid = {"k": [1, 2], "lr_g": [1e-4, 1e-3]}
    serial = GridSearchCV(small_gan(), grid, cv=2, n_jobs=1).fit(X)
    parallel = GridSearchCV(small_gan(), grid, cv=2, n_jobs=2).fit(X)

    assert_array_equal(
        serial.cv_results_["mean_test_score"], parallel.cv_results_["mean_test_score"]
    )
    assert serial.best_params_ == parallel.best_params_


@pytest.mark.filterwarnings("ignore:One or more of the test scores are non-finite")
def test_diverged_candidate_fails_and_never_wins(X):
    # Plain SGD at a learning rate of 10 on unscaled rows of size 1e6 turns
    # the losses to NaN within the first epoch; the standardised candidate
    # trains normally.
    estimator = small_gan(
        optimizer_generator=torch.optim.SGD, optimizer_discriminator=torch.optim.SGD
    )
    grid = [
        {"scaling": [None], "lr_g": [10.0], "lr_d": [10.0]},
        {"scaling": ["standard"], "lr_g": [1e-3], "lr_d": [1e-3]},
    ]
    search = GridSearchCV(estimator, grid, cv=2, error_score=np.nan)
    with pytest.warns(FitFailedWarning, match="DivergenceError"):
        search.fit(X * 1e6)

    scores = search.cv_results_["mean_test_score"]
    assert np.isnan(scores[0])
    assert np.isfinite(scores[1])
    assert search.cv_results_["rank_test_score"][1] == 1
    assert search.best_params_["scaling"] == "standard"
    assert np.all(np.isfinite(search.best_estimator_.sample(50, random_state=0)))


def test_diverged_candidate_raises_with_error_score_raise(X):
    estimator = small_gan(
        scaling=None,
        lr_g=10.0,
        lr_d=10.0,
        optimizer_generator=torch.optim.SGD,
        optimizer_discriminator=torch.optim.SGD,
    )
    search = GridSearchCV(estimator, {"k": [1]}, cv=2, error_score="raise")
    with pytest.raises(RuntimeError, match="diverged"):
        search.fit(X * 1e6)


def test_halving_search_uses_epochs_as_the_resource(X):
    grid = {"lr_g": [1e-4, 1e-3], "lr_d": [1e-4, 1e-3]}
    search = HalvingGridSearchCV(
        small_gan(),
        grid,
        resource="max_epochs",
        min_resources=1,
        max_resources=4,
        factor=2,
        cv=2,
    ).fit(X)

    assert search.n_resources_ == [1, 2, 4]
    assert search.n_candidates_ == [4, 2, 1]
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert search.best_params_["max_epochs"] == 4
    assert len(search.best_estimator_.history_) == 4


def test_cross_val_score_without_y(X):
    scores = cross_val_score(small_gan(), X, cv=2)
    assert scores.shape == (2,)
    assert np.all(np.isfinite(scores))


def test_fitted_search_pickles_and_scores_alike(X):
    search = GridSearchCV(small_gan(), {"k": [1, 2]}, cv=2).fit(X)
    restored = pickle.loads(pickle.dumps(search))

    assert_allclose(restored.score(X), search.score(X), rtol=0, atol=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pickle.dumps(clone(search.estimator))
