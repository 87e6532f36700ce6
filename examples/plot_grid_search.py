"""
=====================================================
Tuning ``k`` and the learning rates by grid search
=====================================================

:class:`~sklearn_gan.GANSampler` is scored by the Parzen-window
log-likelihood of held-out rows, the evaluation of Goodfellow et al. (2014),
so scikit-learn's :class:`~sklearn.model_selection.GridSearchCV` can tune it
without labels. Here the search varies ``k`` (discriminator updates per
generator update) and the two learning rates on the 8 x 8 digits of
scikit-learn, and draws the held-out score of every candidate as a heatmap.

The budget is kept small (a few epochs, one train/test split) so that the
example runs in a minute or two on a CPU; the scores are those of short
trainings, useful to compare candidates, not to report.
"""

# %%
# The data
# --------
# 1,797 images of 64 pixels, scaled to [0, 1] as in the paper's MNIST
# protocol. No labels are used.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, ShuffleSplit

from sklearn_gan import GANSampler, parzen_score, select_bandwidth
from sklearn_gan.plotting import plot_sample_grid

X = load_digits().data / 16.0
print(X.shape)

# %%
# The search
# ----------
# One split holds out a quarter of the rows for scoring. Each candidate
# trains for a few epochs; ``GANSampler.score`` (the mean Parzen
# log-likelihood of the held-out rows, in nats) ranks them. A candidate whose
# training diverged would score NaN with ``error_score=np.nan`` and rank last.
gan = GANSampler(
    max_epochs=4,
    batch_size=64,
    n_parzen_samples=2000,
    verbose=0,
    random_state=0,
)
learning_rates = [5e-4, 2e-3, 8e-3]
param_grid = {"k": [1, 2], "lr_g": learning_rates, "lr_d": learning_rates}
search = GridSearchCV(
    gan,
    param_grid,
    cv=ShuffleSplit(n_splits=1, test_size=0.25, random_state=0),
    error_score=np.nan,
)
search.fit(X)
print("best parameters:", search.best_params_)
print(f"best held-out Parzen log-likelihood: {search.best_score_:.1f} nats")

# %%
# The scores as a heatmap
# -----------------------
# One panel per ``k``: the generator's learning rate across, the
# discriminator's down; lighter is better. Scores span orders of magnitude
# (a poor generator's rows lie far from every test row), so the colours stop
# at the lower quartile and the numbers give the exact values.
results = search.cv_results_
scores = np.asarray(results["mean_test_score"], dtype=float)
n_rates = len(learning_rates)
vmin, vmax = np.nanquantile(scores, 0.25), np.nanmax(scores)

fig, axes = plt.subplots(1, 2, figsize=(9, 4), constrained_layout=True)
for ax, k in zip(axes, param_grid["k"], strict=True):
    table = np.full((n_rates, n_rates), np.nan)
    for index, params in enumerate(results["params"]):
        if params["k"] == k:
            row = learning_rates.index(params["lr_d"])
            column = learning_rates.index(params["lr_g"])
            table[row, column] = scores[index]
    image = ax.imshow(table, cmap="viridis", vmin=vmin, vmax=vmax)
    for (row, column), value in np.ndenumerate(table):
        color = "black" if value > (vmin + vmax) / 2 else "white"
        ax.text(column, row, f"{value:.3g}", ha="center", va="center", color=color)
    labels = [f"{rate:g}" for rate in learning_rates]
    ax.set_xticks(range(n_rates), labels)
    ax.set_yticks(range(n_rates), labels)
    ax.set_xlabel("lr_g")
    ax.set_ylabel("lr_d")
    ax.set_title(f"k = {k}")
fig.colorbar(
    image, ax=axes, extend="min", label="held-out Parzen log-likelihood (nats)"
)
plt.show()

# %%
# What the best score means
# -------------------------
# ``GridSearchCV`` refitted the best candidate on all rows. After so few
# epochs the Parzen estimate can favour a generator that draws nearly the
# same blurry digit every time over one that draws varied but rough digits.
# Two checks tell them apart: the spread of the samples, relative to the
# data's (near 0 for a collapsed generator, near 1 for one that varies like
# the data), and the score of a window placed on the mean image alone, the
# score of a fully collapsed generator.
varying = X.std(axis=0) > 0
samples = search.best_estimator_.sample(2000, random_state=0)
spread = np.mean(samples.std(axis=0)[varying] / X.std(axis=0)[varying])
print(f"sample spread relative to the data: {spread:.2f}")

train, test = next(search.cv.split(X))
mean_image = X[train].mean(axis=0, keepdims=True)
bandwidth = select_bandwidth(X[train], mean_image, bandwidths=np.logspace(-2, 0.5, 40))
reference = parzen_score(X[test], mean_image, bandwidth)
print(f"window on the mean image only: {reference.mean:.1f} nats")

plot_sample_grid(np.clip(samples[:32], 0.0, 1.0), image_shape=(8, 8), n_cols=8)
plt.show()

# %%
# With budgets this short, read the heatmap as a screen of which settings
# train at all, not as a verdict. A search with longer trainings, for
# example successive halving with ``resource="max_epochs"``, ranks
# generators better: ``benchmarks/bench_grid_search_digits.py`` runs one and
# scores its winner on rows the search never saw.
