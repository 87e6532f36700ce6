"""GANSampler's estimator contract, training algorithm, sampling and scoring."""

import math

import joblib
import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_gan import (
    GANSampler,
    MaxoutDiscriminator,
    MLPGenerator,
    parzen_log_likelihood,
)

# Checks of scikit-learn's common suite that cannot pass, each with its reason.
EXPECTED_FAILED_CHECKS = {
    "check_do_not_raise_errors_in_init_or_set_params": (
        "the constructor takes **kwargs for skorch's routed parameters, and the "
        "check passes a parameter literally named 'kwargs'"
    ),
}


def small_gan(**params):
    defaults = dict(max_epochs=2, n_parzen_samples=300, verbose=0, random_state=0)
    return GANSampler(**{**defaults, **params})


@pytest.fixture
def X():
    return np.random.default_rng(0).normal(size=(120, 3))


@parametrize_with_checks(
    [GANSampler(max_epochs=1, n_parzen_samples=100, verbose=0, random_state=0)],
    expected_failed_checks=lambda estimator: EXPECTED_FAILED_CHECKS,
)
def test_scikit_learn_common_checks(estimator, check):
    check(estimator)


def test_get_params_clone_round_trip():
    gan = GANSampler(k=3, lr_g=1e-3, generator__hidden_units=(16,), verbose=0)
    params = gan.get_params(deep=False)
    assert params["k"] == 3
    assert params["generator__hidden_units"] == (16,)
    twin = clone(gan)
    assert twin.get_params(deep=False) == params
    assert not hasattr(twin, "generator_")


def test_no_new_parameters_after_fit(X):
    gan = small_gan(k=2, lr_d=1e-3, lr_g=2e-4)
    before = set(gan.get_params())
    gan.fit(X)
    assert set(gan.get_params()) == before


def test_routed_parameters_reach_networks_and_optimizers(X):
    gan = small_gan(
        generator__hidden_units=(7, 5),
        discriminator__hidden_units=(6,),
        discriminator__n_pieces=2,
        optimizer_discriminator__weight_decay=0.01,
        optimizer_generator=torch.optim.SGD,
        optimizer_generator__momentum=0.5,
        lr_g=0.03,
        lr_d=0.002,
    ).fit(X)
    assert [m.out_features for m in gan.generator_.modules() if hasattr(m, "weight")][
        :2
    ] == [7, 5]
    assert gan.discriminator_.hidden[1].n_pieces == 2
    assert gan.optimizer_discriminator_.param_groups[0]["weight_decay"] == 0.01
    assert gan.optimizer_discriminator_.param_groups[0]["lr"] == 0.002
    assert isinstance(gan.optimizer_generator_, torch.optim.SGD)
    assert gan.optimizer_generator_.param_groups[0]["momentum"] == 0.5
    assert gan.optimizer_generator_.param_groups[0]["lr"] == 0.03


def test_set_params_learning_rate_reaches_fitted_optimizer(X):
    gan = small_gan(lr_d=1e-3).fit(X)
    gan.set_params(lr_d=1e-5)
    assert gan.optimizer_discriminator_.param_groups[0]["lr"] == 1e-5
    gan.fit(X)
    assert gan.optimizer_discriminator_.param_groups[0]["lr"] == 1e-5


def test_misspelt_parameter_is_reported_with_a_suggestion(X):
    with pytest.raises(ValueError, match="Did you mean 'lr_g'"):
        GANSampler(lr_gen=0.1, verbose=0).fit(X)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_k_discriminator_steps_per_generator_step(X, k):
    # 108 training rows in batches of 10: 11 D steps an epoch.
    gan = small_gan(k=k, batch_size=10, max_epochs=1).fit(X)
    batches = gan.history_[-1]["batches"]
    generator_steps = [i for i, row in enumerate(batches) if "loss_g" in row]
    assert len(batches) == 11
    expected = [i for i in range(11) if (i + 1) % k == 0]
    if expected[-1:] != [10]:
        expected.append(10)  # a pending group of D steps ends the epoch with G's
    assert generator_steps == expected


def test_each_update_changes_only_its_own_network(X):
    gan = small_gan(max_epochs=0).fit(X)
    batch = torch.as_tensor(StandardScaler().fit_transform(X[:16]), dtype=torch.float32)
    generator_before = [p.detach().clone() for p in gan.generator_.parameters()]
    discriminator_before = [p.detach().clone() for p in gan.discriminator_.parameters()]

    gan.train_step_discriminator(batch)
    assert all(
        torch.equal(a, b)
        for a, b in zip(generator_before, gan.generator_.parameters(), strict=True)
    )
    changed_d = [p.detach().clone() for p in gan.discriminator_.parameters()]
    assert not all(
        torch.equal(a, b) for a, b in zip(discriminator_before, changed_d, strict=True)
    )

    gan.train_step_generator(16)
    assert all(
        torch.equal(a, b)
        for a, b in zip(changed_d, gan.discriminator_.parameters(), strict=True)
    )
    assert not all(
        torch.equal(a, b)
        for a, b in zip(generator_before, gan.generator_.parameters(), strict=True)
    )


@pytest.mark.parametrize(
    "generator_loss, expected",
    [
        # -log D(G(z)) with D = sigmoid(logit)
        ("non_saturating", lambda d: -np.log(d).mean()),
        # log(1 - D(G(z)))
        ("minimax", lambda d: np.log(1 - d).mean()),
    ],
)
def test_generator_losses_follow_the_paper(X, generator_loss, expected):
    gan = small_gan(generator_loss=generator_loss, max_epochs=0).fit(X)
    logits = torch.tensor([-2.0, 0.0, 1.5, 4.0])
    d = torch.sigmoid(logits).numpy()
    loss = gan.get_loss_generator(logits).item()
    assert loss == pytest.approx(expected(d), rel=1e-6)


def test_discriminator_loss_is_the_negated_value_function(X):
    gan = small_gan(max_epochs=0).fit(X)
    real, fake = torch.tensor([0.5, 2.0]), torch.tensor([-1.0, 0.3])
    d_real, d_fake = torch.sigmoid(real).numpy(), torch.sigmoid(fake).numpy()
    value = np.log(d_real).mean() + np.log(1 - d_fake).mean()
    assert gan.get_loss_discriminator(real, fake).item() == pytest.approx(-value)


@pytest.mark.parametrize("noise", ["uniform", "normal"])
def test_noise_priors_have_unit_variance(X, noise):
    gan = small_gan(noise=noise, max_epochs=0).fit(X)
    z = gan.draw_noise(20000).numpy()
    assert z.shape == (20000, gan.noise_dim)
    assert z.var() == pytest.approx(1.0, abs=0.03)
    if noise == "uniform":
        assert np.abs(z).max() <= math.sqrt(3)


def test_default_networks_are_the_papers_family(X):
    gan = small_gan(max_epochs=0).fit(X)
    assert isinstance(gan.generator_, MLPGenerator)
    assert isinstance(gan.discriminator_, MaxoutDiscriminator)
    assert any(isinstance(m, torch.nn.ReLU) for m in gan.generator_.modules())
    assert any(isinstance(m, torch.nn.Dropout) for m in gan.discriminator_.modules())


def test_networks_given_as_instances_are_used(X):
    generator = MLPGenerator(noise_dim=4, n_features=3, hidden_units=(9,))
    gan = small_gan(generator=generator, noise_dim=4).fit(X)
    assert gan.generator_ is generator


def test_default_device_is_cuda_when_available_else_cpu(X):
    gan = small_gan(max_epochs=1).fit(X)
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert next(gan.generator_.parameters()).device.type == expected
    assert next(gan.discriminator_.parameters()).device.type == expected
    assert gan.device == "auto"


@pytest.mark.parametrize("scale, offset", [(1.0, 0.0), (1e4, -3e5), (1e-3, 7.0)])
def test_samples_are_in_the_units_of_the_data(scale, offset):
    rng = np.random.default_rng(1)
    X = offset + scale * rng.normal(size=(200, 2))
    gan = small_gan(max_epochs=3).fit(X)
    rows = gan.sample(500, random_state=0)
    assert rows.dtype == np.float64
    assert np.all(np.abs(rows.mean(axis=0) - offset) < 5 * scale)
    assert np.all(rows.std(axis=0) < 5 * scale)


def test_sample_shape_and_reproducibility(X):
    gan = small_gan().fit(X)
    assert gan.sample().shape == (1, 3)
    first = gan.sample(50, random_state=3)
    assert np.array_equal(first, gan.sample(50, random_state=3))
    assert not np.array_equal(first, gan.sample(50, random_state=4))
    assert gan.sample(0).shape == (0, 3)


def test_sample_runs_in_evaluation_mode_without_gradients(X):
    gan = small_gan(max_epochs=1).fit(X)
    seen = {}

    def record(module, inputs, output):
        seen["training"] = module.training
        seen["grad"] = torch.is_grad_enabled()

    gan.generator_.register_forward_hook(record)
    gan.sample(5, random_state=0)
    assert seen == {"training": False, "grad": False}


def test_verbose_prints_one_line_per_epoch(X, capsys):
    small_gan(max_epochs=3, verbose=1).fit(X)
    out = capsys.readouterr().out
    header = out.splitlines()[0]
    for column in ("epoch", "loss_d", "loss_g", "d_real", "d_fake", "dur"):
        assert column in header
    assert [line.split()[0] for line in out.splitlines()[2:5]] == ["1", "2", "3"]
    assert "Parzen log-likelihood of 12 held-out rows" in out


def test_verbose_zero_prints_nothing(X, capsys):
    small_gan(max_epochs=2, verbose=0).fit(X)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ""


def test_history_records_losses_and_discriminator_outputs(X):
    gan = small_gan(max_epochs=2, batch_size=32).fit(X)
    assert len(gan.history_) == 2
    for key in ("loss_d", "loss_g", "d_real", "d_fake", "dur"):
        assert all(np.isfinite(gan.history_[:, key]))
    assert 0 < gan.history_[-1, "d_real"] < 1
    assert gan.history_[-1, "batches", :, "train_batch_size"] == [32, 32, 32, 12]


def test_score_samples_is_the_parzen_window_of_generator_rows(X):
    gan = small_gan().fit(X)
    expected = parzen_log_likelihood(X, gan.parzen_centers(), gan.bandwidth_)
    np.testing.assert_allclose(gan.score_samples(X), expected)
    assert gan.score(X) == pytest.approx(expected.mean())


def test_score_never_tunes_on_its_input(X):
    gan = small_gan().fit(X)
    bandwidth = gan.bandwidth_
    first = gan.score(X[:20])
    gan.score(X * 100)
    assert gan.bandwidth_ == bandwidth
    assert gan.score(X[:20]) == first


def test_bandwidth_is_chosen_on_rows_held_out_from_training(X):
    gan = small_gan(validation_fraction=0.25, max_epochs=1, batch_size=200).fit(X)
    assert gan.history_[-1, "batches", 0, "train_batch_size"] == 90
    assert gan.validation_score_.n_samples == 30
    assert gan.bandwidth_ > 0


def test_dataframe_sets_feature_names(X):
    pandas = pytest.importorskip("pandas")
    frame = pandas.DataFrame(X, columns=["a", "b", "c"])
    gan = small_gan().fit(frame)
    assert list(gan.feature_names_in_) == ["a", "b", "c"]
    assert gan.sample(4).shape == (4, 3)


def test_joblib_round_trip_samples_the_same(X, tmp_path):
    gan = small_gan().fit(X)
    joblib.dump(gan, tmp_path / "gan.joblib")
    loaded = joblib.load(tmp_path / "gan.joblib")
    np.testing.assert_array_equal(
        loaded.sample(20, random_state=5), gan.sample(20, random_state=5)
    )
    assert loaded.score(X) == pytest.approx(gan.score(X))


def test_pipeline_after_a_scaler_fits_and_scores(X):
    pipe = Pipeline([("scale", StandardScaler()), ("gan", small_gan())])
    pipe.fit(X * 50 + 10)
    assert np.isfinite(pipe.score(X * 50 + 10))


def test_grid_search_without_y_picks_the_best_parzen_score(X):
    grid = {"k": [1, 2], "lr_d": [1e-4, 1e-3]}
    search = GridSearchCV(small_gan(), grid, cv=2, error_score="raise").fit(X)
    scores = search.cv_results_["mean_test_score"]
    assert len(scores) == 4 and np.all(np.isfinite(scores))
    assert search.best_index_ == int(np.argmax(scores))
    assert search.best_estimator_.sample(3).shape == (3, 3)


def test_adam_uses_gan_betas_unless_routed(X):
    gan = small_gan(max_epochs=0).fit(X)
    assert gan.optimizer_generator_.param_groups[0]["betas"] == (0.5, 0.999)
    assert gan.optimizer_discriminator_.param_groups[0]["betas"] == (0.5, 0.999)
    routed = small_gan(max_epochs=0, optimizer_generator__betas=(0.9, 0.99)).fit(X)
    assert routed.optimizer_generator_.param_groups[0]["betas"] == (0.9, 0.99)
