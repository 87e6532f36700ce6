"""Tests of sklearn_gan.plotting: training curves and sample grids."""

import subprocess
import sys

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from sklearn.base import clone  # noqa: E402
from skorch.history import History  # noqa: E402

from sklearn_gan import GANSampler, ParzenScore  # noqa: E402
from sklearn_gan.callbacks import ParzenScoring  # noqa: E402
from sklearn_gan.plotting import plot_history, plot_sample_grid  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def fitted_gan():
    X = np.random.default_rng(0).normal(size=(120, 2))
    return GANSampler(
        max_epochs=3,
        generator__hidden_units=(16,),
        discriminator__hidden_units=(16,),
        n_parzen_samples=200,
        verbose=0,
        random_state=0,
    ).fit(X)


def _history(n_epochs, **extra):
    """A GANSampler-like history with made-up, distinct values."""
    return [
        {
            "epoch": epoch,
            "loss_d": 1.0 + epoch,
            "loss_g": 2.0 + epoch,
            "d_real": 0.9 - 0.01 * epoch,
            "d_fake": 0.1 + 0.01 * epoch,
            **{key: values[epoch - 1] for key, values in extra.items()},
        }
        for epoch in range(1, n_epochs + 1)
    ]


def _lines(ax):
    return {line.get_label(): line for line in ax.get_lines()}


def test_plot_history_draws_the_estimators_curves(fitted_gan):
    axes = plot_history(fitted_gan)

    assert [ax.get_title() for ax in axes] == ["Losses", "Discriminator outputs"]
    history = fitted_gan.history_
    losses, outputs = _lines(axes[0]), _lines(axes[1])
    np.testing.assert_array_equal(losses["D loss"].get_xdata(), [1, 2, 3])
    np.testing.assert_allclose(losses["D loss"].get_ydata(), history[:, "loss_d"])
    np.testing.assert_allclose(losses["G loss"].get_ydata(), history[:, "loss_g"])
    np.testing.assert_allclose(outputs["mean D(x)"].get_ydata(), history[:, "d_real"])
    np.testing.assert_allclose(
        outputs["mean D(G(z))"].get_ydata(), history[:, "d_fake"]
    )


def test_plot_history_draws_the_equilibrium_lines():
    axes = plot_history(_history(2))

    equilibrium = _lines(axes[0])["D loss at equilibrium"]
    np.testing.assert_allclose(equilibrium.get_ydata(), 2 * np.log(2))
    np.testing.assert_allclose(_lines(axes[1])["D = 1/2"].get_ydata(), 0.5)


@pytest.mark.parametrize(
    ("generator_loss", "equilibrium"),
    [("non_saturating", np.log(2)), ("minimax", -np.log(2))],
)
def test_plot_history_draws_the_generators_equilibrium_for_an_estimator(
    fitted_gan, generator_loss, equilibrium
):
    gan = clone(fitted_gan).set_params(generator_loss=generator_loss)
    gan.history_ = fitted_gan.history_

    line = _lines(plot_history(gan)[0])["G loss at equilibrium"]

    np.testing.assert_allclose(line.get_ydata(), equilibrium)


def test_plot_history_of_a_bare_history_has_no_generator_equilibrium():
    assert "G loss at equilibrium" not in _lines(plot_history(_history(2))[0])


@pytest.mark.parametrize("history_type", [list, History])
def test_plot_history_accepts_a_history(history_type):
    axes = plot_history(history_type(_history(4)))

    np.testing.assert_allclose(_lines(axes[0])["D loss"].get_ydata(), [2, 3, 4, 5])


def test_plot_history_adds_a_parzen_panel_for_the_epochs_scored():
    scores = [None, -3.0, None, -2.5]
    axes = plot_history(_history(4, valid_parzen=scores))

    assert len(axes) == 3
    assert axes[2].get_title() == "Parzen log-likelihood"
    line = _lines(axes[2])["valid_parzen"]
    np.testing.assert_array_equal(line.get_xdata(), [2, 4])
    np.testing.assert_allclose(line.get_ydata(), [-3.0, -2.5])
    assert not axes[2].collections, "plain numbers have no error band"


def test_plot_history_skips_epochs_without_a_finite_parzen_score():
    scores = [np.nan, -3.0, -np.inf, -2.5, np.nan]
    axes = plot_history(_history(5, valid_parzen=scores))

    line = _lines(axes[2])["valid_parzen"]
    np.testing.assert_array_equal(line.get_xdata(), [2, 4])
    np.testing.assert_allclose(line.get_ydata(), [-3.0, -2.5])


def test_plot_history_draws_the_scores_of_parzen_scoring():
    X = np.random.default_rng(0).normal(size=(120, 2))
    gan = GANSampler(
        max_epochs=4,
        generator__hidden_units=(16,),
        discriminator__hidden_units=(16,),
        callbacks=[ParzenScoring(every=2, n_samples=100)],
        n_parzen_samples=100,
        verbose=0,
        random_state=0,
    ).fit(X)

    line = _lines(plot_history(gan)[2])["valid_parzen"]

    np.testing.assert_array_equal(line.get_xdata(), [2, 4])
    np.testing.assert_allclose(line.get_ydata(), gan.history_[:, "valid_parzen"][1::2])


def test_plot_history_shades_the_standard_error_of_parzen_scores():
    scores = [
        ParzenScore(mean=-3.0, std_error=0.2, n_samples=50, bandwidth=0.3),
        ParzenScore(mean=-2.0, std_error=0.1, n_samples=50, bandwidth=0.3),
    ]
    axes = plot_history(_history(2, valid_parzen=scores))

    np.testing.assert_allclose(
        _lines(axes[2])["valid_parzen"].get_ydata(), [-3.0, -2.0]
    )
    (band,) = axes[2].collections
    vertices = band.get_paths()[0].vertices
    np.testing.assert_allclose(vertices[:, 1].min(), -3.2)
    np.testing.assert_allclose(vertices[:, 1].max(), -1.9)


def test_plot_history_reads_another_parzen_key():
    history = _history(2, test_score=[-4.0, -3.0])

    assert len(plot_history(history)) == 2
    axes = plot_history(history, parzen_key="test_score")
    np.testing.assert_allclose(_lines(axes[2])["test_score"].get_ydata(), [-4, -3])


def test_plot_history_draws_on_given_axes():
    fig, given = plt.subplots(1, 2)

    axes = plot_history(_history(3), ax=given)

    assert list(axes) == list(given)
    assert all(ax.figure is fig for ax in axes)


@pytest.mark.parametrize("n_axes", [1, 3])
def test_plot_history_rejects_the_wrong_number_of_axes(n_axes):
    _, given = plt.subplots(1, n_axes)

    with pytest.raises(ValueError, match=rf"needs 2 panels .* but {n_axes} Axes"):
        plot_history(_history(3), ax=given)


def test_plot_history_asks_for_a_fit_first():
    with pytest.raises(ValueError, match="has no history_: fit it"):
        plot_history(GANSampler())


@pytest.mark.parametrize(
    ("history", "match"),
    [
        ([], "no epochs to plot"),
        ([1.0, 2.0], "a list of one dict per epoch; got list"),
        (3, "a list of one dict per epoch; got int"),
        ([{"epoch": 1, "loss_d": 1.0}], "no 'loss_g' in epoch 1"),
    ],
)
def test_plot_history_rejects_what_is_not_a_gan_history(history, match):
    with pytest.raises(ValueError, match=match):
        plot_history(history)


def test_plot_sample_grid_tiles_the_rows():
    rows = np.arange(6 * 4, dtype=float).reshape(6, 4)

    ax = plot_sample_grid(rows, (2, 2), n_cols=3)

    canvas = ax.get_images()[0].get_array()
    # Two grid rows and three columns of 2 x 2 tiles, one pixel apart.
    assert canvas.shape == (2 * 3 + 1, 3 * 3 + 1)
    np.testing.assert_array_equal(canvas[1:3, 1:3], rows[0].reshape(2, 2))
    np.testing.assert_array_equal(canvas[4:6, 7:9], rows[5].reshape(2, 2))


def test_plot_sample_grid_rejects_rows_of_the_wrong_size():
    with pytest.raises(ValueError, match=r"shape \(n_rows, 64\).* got \(3, 63\)"):
        plot_sample_grid(np.zeros((3, 63)), (8, 8))


def test_importing_the_package_leaves_matplotlib_alone():
    code = (
        "import sys, sklearn_gan, sklearn_gan.plotting; "
        "print('matplotlib' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_plotting_without_matplotlib_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)

    with pytest.raises(ImportError, match=r"pip install 'sklearn-gan\[plot\]'"):
        plot_history(_history(2))
