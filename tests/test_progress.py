"""Tests of what GANSampler prints while it trains, by verbose level."""

import multiprocessing
import pickle
import threading

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from sklearn_gan import GANSampler

# 100 rows: 90 train after the default 10 % hold-out, in 3 batches of 32.
N_ROWS, BATCH_SIZE, N_BATCHES = 100, 32, 3


@pytest.fixture
def X():
    return np.random.default_rng(0).normal(size=(N_ROWS, 2))


def _gan(verbose, **params):
    defaults = {
        "max_epochs": 2,
        "batch_size": BATCH_SIZE,
        "generator__hidden_units": (8,),
        "discriminator__hidden_units": (8,),
        "n_parzen_samples": 100,
        "random_state": 0,
    }
    return GANSampler(verbose=verbose, **{**defaults, **params})


def _has_progress_bar(text):
    return "epoch 1:" in text and "batch" in text


def test_verbose_0_prints_nothing(X, capfd):
    _gan(verbose=0).fit(X)

    out, err = capfd.readouterr()
    assert out == ""
    assert err == ""


def test_verbose_1_prints_the_epoch_table_and_no_bar(X, capfd):
    _gan(verbose=1).fit(X)

    out, err = capfd.readouterr()
    header = out.splitlines()[0].split()
    assert header == ["epoch", "d_fake", "d_real", "loss_d", "loss_g", "dur"]
    assert [line.split()[0] for line in out.splitlines()[2:4]] == ["1", "2"]
    assert "Parzen log-likelihood of 10 held-out rows" in out
    assert not _has_progress_bar(err)


def test_verbose_2_shows_a_bar_per_epoch_on_stderr(X, capfd):
    _gan(verbose=2).fit(X)

    out, err = capfd.readouterr()
    assert f"epoch 1:   0%|          | 0/{N_BATCHES}" in err
    assert f"epoch 2:   0%|          | 0/{N_BATCHES}" in err
    # The bar stays on stderr and is erased, so the table is clean.
    assert "\r" not in out
    assert "|" not in out
    assert out.splitlines()[0].split()[0] == "epoch"


def test_progress_bar_is_silent_outside_the_main_thread(X, capfd):
    gan, errors = _gan(verbose=2), []

    def fit():
        try:
            gan.fit(X)
        except Exception as error:  # noqa: BLE001 - reported by the assert
            errors.append(error)

    thread = threading.Thread(target=fit)
    thread.start()
    thread.join()

    assert errors == []
    assert len(gan.history_) == 2
    out, err = capfd.readouterr()
    assert not _has_progress_bar(err)
    assert "loss_d" in out, "the epoch table is still printed"


def test_progress_bar_is_silent_in_a_worker_process(X, capfd, monkeypatch):
    # What multiprocessing reports inside a joblib, dask or pool worker.
    monkeypatch.setattr(multiprocessing, "parent_process", lambda: object())

    _gan(verbose=2).fit(X)

    _, err = capfd.readouterr()
    assert not _has_progress_bar(err)


def test_grid_search_in_parallel_workers_runs_with_verbose_2(X, capfd):
    search = GridSearchCV(
        _gan(verbose=2, max_epochs=1), {"k": [1, 2]}, cv=2, n_jobs=2
    ).fit(X)

    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    # Worker processes started during this test inherit the captured stderr,
    # so a bar of theirs would show here; only the final refit, in this
    # process, draws one.
    _, err = capfd.readouterr()
    assert err.count("epoch 1:   0%") == 1


def test_estimator_trained_with_a_bar_pickles_and_trains_on(X, capfd):
    gan = _gan(verbose=2).fit(X)

    restored = pickle.loads(pickle.dumps(gan))
    restored.partial_fit(X)
    clone(gan).fit(X)

    assert len(restored.history_) == 4
    _, err = capfd.readouterr()
    assert "epoch 4:   0%" in err
