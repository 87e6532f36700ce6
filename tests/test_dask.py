"""A grid search spread over the processes of a local dask cluster."""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from sklearn_gan import GANSampler
from sklearn_gan.callbacks import GANEarlyStopping, ParzenScoring

distributed = pytest.importorskip("distributed")
joblib = pytest.importorskip("joblib")


@pytest.fixture(scope="module")
def client():
    # Worker processes, as on a real cluster: everything sent to them has to
    # pickle, and they import sklearn_gan themselves. Every server listens
    # on the loopback interface only; the dashboard is off.
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def make_search(n_jobs=None):
    estimator = GANSampler(
        max_epochs=2,
        n_parzen_samples=300,
        generator__hidden_units=(16,),
        discriminator__hidden_units=(16,),
        callbacks=[ParzenScoring(n_samples=100), GANEarlyStopping(patience=5)],
        verbose=0,
        random_state=0,
    )
    grid = {"k": [1, 2], "lr_g": [1e-3]}
    return GridSearchCV(estimator, grid, cv=2, n_jobs=n_jobs, error_score="raise")


def test_cluster_listens_on_loopback_only(client):
    addresses = [client.scheduler.address, *client.scheduler_info()["workers"]]
    assert len(addresses) == 3
    for address in addresses:
        assert address.startswith("tcp://127.0.0.1:")


def test_dask_search_matches_the_local_one(client):
    X = np.random.default_rng(0).normal(size=(200, 2))
    local = make_search(n_jobs=1).fit(X)

    distributed_search = make_search(n_jobs=-1)
    with distributed.get_task_stream(client) as stream:
        with joblib.parallel_config(backend="dask"):
            distributed_search.fit(X)

    # The candidates' fits ran on the workers, not in this process.
    assert len(stream.data) > 0
    assert_array_equal(
        distributed_search.cv_results_["mean_test_score"],
        local.cv_results_["mean_test_score"],
    )
    assert distributed_search.best_params_ == local.best_params_
    assert_array_equal(
        distributed_search.best_estimator_.sample(10, random_state=0),
        local.best_estimator_.sample(10, random_state=0),
    )


def test_a_fitted_estimator_comes_back_from_a_worker(client):
    X = np.random.default_rng(1).normal(size=(100, 2))
    estimator = clone(make_search().estimator)
    pickle.dumps(estimator)

    fitted = client.submit(estimator.fit, X).result()

    assert fitted.sample(4, random_state=0).shape == (4, 2)
    assert np.isfinite(fitted.score(X))
