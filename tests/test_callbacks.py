"""Parzen scoring, early stopping and checkpoints for GANSampler."""

import math
import pickle
from copy import deepcopy

import numpy as np
import pytest
import torch
from numpy.testing import assert_array_equal
from sklearn.base import clone
from skorch.callbacks import Callback, EarlyStopping

from sklearn_gan import GANSampler, select_bandwidth
from sklearn_gan.callbacks import GANCheckpoint, GANEarlyStopping, ParzenScoring

PARTS = ("generator_", "discriminator_")
OPTIMIZERS = ("optimizer_generator_", "optimizer_discriminator_")


@pytest.fixture
def X():
    return np.random.default_rng(0).normal(size=(200, 2))


def small_gan(**params):
    settings = {
        "max_epochs": 3,
        "n_parzen_samples": 300,
        "generator__hidden_units": (16,),
        "discriminator__hidden_units": (16,),
        "verbose": 0,
        "random_state": 0,
    }
    settings.update(params)
    return GANSampler(**settings)


class ScriptedScore(Callback):
    """Records a given value per epoch, as a scoring callback would."""

    def __init__(self, values, name="scripted"):
        self.values = values
        self.name = name

    def on_epoch_end(self, net, **kwargs):
        net.history.record(self.name, self.values[len(net.history) - 1])


class StateRecorder(Callback):
    """Keeps a copy of the networks and optimizers at the end of every epoch."""

    def initialize(self):
        self.states_ = []
        self.valid_ = None
        return self

    def on_epoch_end(self, net, dataset_valid=None, **kwargs):
        self.valid_ = dataset_valid
        self.states_.append(
            {
                name: deepcopy(getattr(net, name).state_dict())
                for name in PARTS + OPTIMIZERS
            }
        )


def assert_same_state(net, state):
    for name in PARTS:
        current = getattr(net, name).state_dict()
        assert current.keys() == state[name].keys()
        for key, tensor in current.items():
            assert torch.equal(tensor, state[name][key]), f"{name}.{key} differs"
    for name in OPTIMIZERS:
        current = getattr(net, name).state_dict()
        assert current["param_groups"] == state[name]["param_groups"]
        for index, moments in current["state"].items():
            for key, value in moments.items():
                assert torch.equal(value, state[name]["state"][index][key]), (
                    f"{name} state {index}.{key} differs"
                )


def differs_from(net, state):
    return any(
        not torch.equal(tensor, state[name][key])
        for name in PARTS
        for key, tensor in getattr(net, name).state_dict().items()
    )


# ---------------------------------------------------------------------------
# ParzenScoring
# ---------------------------------------------------------------------------


def test_parzen_scoring_records_a_score_and_best_flags(X):
    gan = small_gan(max_epochs=4, callbacks=[ParzenScoring(n_samples=300)]).fit(X)

    scores = np.array(gan.history_[:, "valid_parzen"])
    flags = gan.history_[:, "valid_parzen_best"]
    assert scores.shape == (4,)
    assert np.all(np.isfinite(scores))
    running_best = np.maximum.accumulate(scores)
    expected_flags = [True] + list(scores[1:] > running_best[:-1])
    assert flags == expected_flags


@pytest.mark.parametrize("every", [1, 2, 3])
def test_parzen_scoring_every_few_epochs(X, every):
    scoring = ParzenScoring(every=every, n_samples=200)
    gan = small_gan(max_epochs=6, callbacks=[scoring]).fit(X)

    scores = np.array(gan.history_[:, "valid_parzen"])
    checked = np.arange(1, 7) % every == 0
    assert np.all(np.isfinite(scores[checked]))
    assert np.all(np.isnan(scores[~checked]))
    assert not any(np.array(gan.history_[:, "valid_parzen_best"])[~checked])
    assert scoring.best_score_ == np.max(scores[checked])


@pytest.mark.filterwarnings("ignore:The best Parzen bandwidth")
def test_parzen_score_equals_a_window_on_the_generator_samples(X):
    recorder = StateRecorder()
    scoring = ParzenScoring(n_samples=400, random_state=7)
    gan = small_gan(callbacks=[scoring, recorder]).fit(X)

    X_valid = np.asarray(recorder.valid_)
    assert len(X_valid) == 20  # validation_fraction=0.1 of 200 rows
    centers = gan.sample(400, random_state=7)
    bandwidth, scores = select_bandwidth(X_valid, centers, return_scores=True)
    assert gan.history_[-1, "valid_parzen"] == pytest.approx(scores.max(), abs=1e-9)
    assert scoring.bandwidth_ == bandwidth


def test_parzen_scoring_leaves_training_unchanged(X):
    plain = small_gan().fit(X)
    scored = small_gan(callbacks=[ParzenScoring(n_samples=200)]).fit(X)

    for name in PARTS:
        for key, tensor in getattr(plain, name).state_dict().items():
            assert torch.equal(tensor, getattr(scored, name).state_dict()[key])
    assert_array_equal(
        plain.sample(10, random_state=0), scored.sample(10, random_state=0)
    )


def test_parzen_scoring_name_and_bandwidths(X):
    scoring = ParzenScoring(name="parzen", bandwidths=[0.2, 0.5, 1.0], n_samples=200)
    gan = small_gan(max_epochs=1, callbacks=[scoring]).fit(X)

    assert np.isfinite(gan.history_[-1, "parzen"])
    assert scoring.bandwidth_ in (0.2, 0.5, 1.0)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"every": 0}, "'every' parameter of ParzenScoring must be a positive"),
        ({"n_samples": 2.5}, "'n_samples' parameter of ParzenScoring must be"),
    ],
)
def test_parzen_scoring_rejects_bad_settings(X, params, message):
    gan = small_gan(callbacks=[ParzenScoring(**params)])
    with pytest.raises(ValueError, match=message):
        gan.fit(X)


def test_parzen_scoring_needs_validation_rows(X):
    scoring = ParzenScoring(n_samples=50)
    gan = small_gan(max_epochs=1, callbacks=[scoring]).fit(X)

    with pytest.raises(ValueError, match="needs held-out rows.*GANSampler"):
        scoring.on_epoch_end(gan, dataset_train=X, dataset_valid=None)


def test_parzen_scoring_rates_non_finite_samples_minus_infinity(X):
    scoring = ParzenScoring(n_samples=50)
    gan = small_gan(max_epochs=1, scaling=None, callbacks=[scoring]).fit(X)
    best_before = scoring.best_score_
    with torch.no_grad():
        gan.generator_.output.bias.fill_(math.inf)

    scoring.on_epoch_end(gan, dataset_train=X, dataset_valid=X[:20])

    assert gan.history_[-1, "valid_parzen"] == -math.inf
    assert gan.history_[-1, "valid_parzen_best"] is False
    assert scoring.best_score_ == best_before


def test_parzen_scoring_keeps_the_best_score_across_warm_starts(X):
    scoring = ParzenScoring(n_samples=200)
    gan = small_gan(max_epochs=2, warm_start=True, callbacks=[scoring]).fit(X)
    best_of_first_fit = scoring.best_score_
    gan.fit(X)

    scores = gan.history_[:, "valid_parzen"]
    assert len(scores) == 4
    assert scoring.best_score_ == max(scores)
    assert best_of_first_fit == max(scores[:2])


# ---------------------------------------------------------------------------
# GANEarlyStopping
# ---------------------------------------------------------------------------


def test_early_stopping_restores_both_networks_and_optimizers(X):
    recorder = StateRecorder()
    stopper = GANEarlyStopping(monitor="scripted", patience=10, sink=print)
    gan = small_gan(
        max_epochs=4, callbacks=[ScriptedScore([1.0, 3.0, 2.0, 0.0]), recorder, stopper]
    ).fit(X)

    assert len(gan.history_) == 4
    assert stopper.best_epoch_ == 2
    assert differs_from(gan, recorder.states_[-1])
    assert_same_state(gan, recorder.states_[1])


def test_early_stopping_stops_after_patience_checks(X):
    values = [1.0, 3.0, 2.0, 0.0] + [5.0] * 6
    stopper = GANEarlyStopping(monitor="scripted", patience=2, sink=print)
    gan = small_gan(max_epochs=10, callbacks=[ScriptedScore(values), stopper]).fit(X)

    assert len(gan.history_) == 4
    assert stopper.best_epoch_ == 2
    assert stopper.best_score_ == 3.0


def test_early_stopping_skips_epochs_without_a_check(X):
    values = [1.0, math.nan, 0.5, math.nan, 0.2, math.nan, 9.0, 9.0]
    stopper = GANEarlyStopping(monitor="scripted", patience=2, sink=print)
    gan = small_gan(max_epochs=8, callbacks=[ScriptedScore(values), stopper]).fit(X)

    # Misses at epochs 3 and 5; epochs 2 and 4 are no checks.
    assert len(gan.history_) == 5
    assert stopper.best_epoch_ == 1


def test_relative_threshold_on_negative_scores(X):
    # A relative threshold of 1% of |-10| asks for at least -9.9 to improve.
    values = [-10.0, -10.05, -9.95, -9.8]
    stopper = GANEarlyStopping(
        monitor="scripted", patience=5, threshold=0.01, threshold_mode="rel"
    )
    small_gan(max_epochs=4, callbacks=[ScriptedScore(values), stopper]).fit(X)

    assert stopper.best_epoch_ == 4
    assert stopper.misses_ == 0


def test_early_stopping_on_the_parzen_score(X, capsys):
    recorder = StateRecorder()
    stopper = GANEarlyStopping(patience=1)
    gan = small_gan(
        max_epochs=8,
        lr_g=1e-2,
        lr_d=1e-2,
        callbacks=[ParzenScoring(n_samples=200), recorder, stopper],
        verbose=1,
    ).fit(X)

    scores = gan.history_[:, "valid_parzen"]
    best = int(np.argmax(scores)) + 1
    assert stopper.best_epoch_ == best
    assert_same_state(gan, recorder.states_[best - 1])
    # With patience=1 a stop comes right after a miss, so the best epoch is
    # an earlier one and restoring it is not a no-op.
    assert len(scores) < 8
    assert best < len(scores)
    assert differs_from(gan, recorder.states_[-1])
    output = capsys.readouterr().out
    assert "Stopping since valid_parzen has not improved in the last check." in output
    assert f"Restoring the networks and optimizers of epoch {best}" in output


def test_early_stopping_names_a_missing_monitor(X):
    gan = small_gan(callbacks=[GANEarlyStopping(monitor="valid_parzen")])
    with pytest.raises(KeyError, match="'valid_parzen', which epoch 1 did not record"):
        gan.fit(X)


def test_early_stopping_rejects_bad_patience(X):
    gan = small_gan(callbacks=[ScriptedScore([1.0] * 3), GANEarlyStopping(patience=0)])
    with pytest.raises(ValueError, match="'patience' parameter of GANEarlyStopping"):
        gan.fit(X)


def test_restored_state_continues_with_warm_start(X):
    stopper = GANEarlyStopping(monitor="scripted", patience=10, sink=print)
    values = [1.0, 3.0, 2.0, 0.0, 0.0, 0.0]
    gan = small_gan(
        max_epochs=3, warm_start=True, callbacks=[ScriptedScore(values), stopper]
    ).fit(X)
    steps = int(gan.optimizer_generator_.state_dict()["state"][0]["step"])

    gan.fit(X)

    # 180 training rows in batches of 64: three generator steps an epoch.
    # The first fit was restored to epoch 2; the second, started from there,
    # to its best epoch, the first it ran.
    later_steps = int(gan.optimizer_generator_.state_dict()["state"][0]["step"])
    assert (steps, later_steps) == (6, 9)
    assert stopper.best_epoch_ == 4
    assert len(gan.history_) == 6


def test_skorch_early_stopping_reads_the_parzen_key(X):
    stopper = EarlyStopping(monitor="valid_parzen", lower_is_better=False, patience=1)
    gan = small_gan(
        max_epochs=6, callbacks=[ParzenScoring(n_samples=200), stopper]
    ).fit(X)

    scores = gan.history_[:, "valid_parzen"]
    assert len(scores) <= 6
    assert stopper.best_epoch_ == int(np.argmax(scores)) + 1


def test_early_stopping_does_not_pickle_the_best_state(X):
    stopper = GANEarlyStopping(monitor="scripted", patience=10)
    gan = small_gan(callbacks=[ScriptedScore([1.0, 3.0, 2.0]), stopper]).fit(X)
    assert stopper.best_state_ is not None

    restored = pickle.loads(pickle.dumps(gan))

    restored_stopper = dict(restored.callbacks_)["GANEarlyStopping"]
    assert restored_stopper.best_state_ is None
    assert restored_stopper.best_epoch_ == 2
    assert_array_equal(
        restored.sample(5, random_state=0), gan.sample(5, random_state=0)
    )


# ---------------------------------------------------------------------------
# GANCheckpoint
# ---------------------------------------------------------------------------


def test_checkpoint_saves_both_networks_and_optimizers(X, tmp_path):
    checkpoint = GANCheckpoint(monitor="scripted_best", dirname=str(tmp_path))
    scores = ScriptedScore([True, True, False], name="scripted_best")
    gan = small_gan(callbacks=[scores, checkpoint]).fit(X)

    assert gan.history_[:, "event_cp"] == [True, True, False]
    saved = sorted(path.name for path in tmp_path.iterdir())
    assert saved == [
        "discriminator.pt",
        "generator.pt",
        "history.json",
        "optimizer_discriminator.pt",
        "optimizer_generator.pt",
    ]


def test_checkpoint_load_best_restores_the_last_save(X, tmp_path):
    recorder = StateRecorder()
    checkpoint = GANCheckpoint(
        monitor="scripted_best", dirname=str(tmp_path), load_best=True
    )
    scores = ScriptedScore([True, True, False, False], name="scripted_best")
    gan = small_gan(max_epochs=4, callbacks=[scores, recorder, checkpoint]).fit(X)

    assert len(gan.history_) == 4
    assert differs_from(gan, recorder.states_[-1])
    assert_same_state(gan, recorder.states_[1])


def test_checkpoint_files_load_into_another_estimator(X, tmp_path):
    recorder = StateRecorder()
    checkpoint = GANCheckpoint(dirname=str(tmp_path))
    small_gan(callbacks=[ParzenScoring(n_samples=200), recorder, checkpoint]).fit(X)
    last_saved = max(
        epoch
        for epoch, saved in enumerate(
            [row["event_cp"] for row in checkpoint_history(tmp_path)], start=1
        )
        if saved
    )

    other = small_gan(max_epochs=1, random_state=5).fit(X)
    other.load_params(checkpoint=checkpoint)

    assert_same_state(other, recorder.states_[last_saved - 1])
    assert len(other.history_) == last_saved


def checkpoint_history(directory):
    import json

    return json.loads((directory / "history.json").read_text())


def test_checkpoint_with_templated_names(X, tmp_path):
    checkpoint = GANCheckpoint(
        monitor=None,
        dirname=str(tmp_path),
        f_generator="generator_{last_epoch[epoch]}.pt",
        f_discriminator=None,
        f_optimizer_generator=None,
        f_optimizer_discriminator=None,
        f_history=None,
    )
    small_gan(max_epochs=2, callbacks=[checkpoint]).fit(X)

    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "generator_1.pt",
        "generator_2.pt",
    ]


def test_callbacks_clone_and_route_their_parameters(X, tmp_path):
    gan = small_gan(
        callbacks=[
            ("parzen", ParzenScoring()),
            ("stop", GANEarlyStopping()),
            ("save", GANCheckpoint(dirname=str(tmp_path))),
        ],
        callbacks__parzen__n_samples=100,
        callbacks__parzen__every=2,
    )
    copy = clone(gan)

    assert copy.get_params()["callbacks__parzen__every"] == 2
    copy.fit(X)
    parzen = dict(copy.callbacks_)["parzen"]
    assert parzen.n_samples == 100
    assert np.isnan(copy.history_[0, "valid_parzen"])
    pickle.dumps(copy)
