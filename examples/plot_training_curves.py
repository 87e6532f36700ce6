"""
===========================
Reading the training curves
===========================

:class:`~sklearn_gan.GANSampler` records, for every epoch, both players'
losses and the mean of the discriminator's output on real rows, D(x), and on
generated rows, D(G(z)). :func:`~sklearn_gan.plotting.plot_history` draws
them, with the values that the game takes at its optimum: D = 1/2 everywhere
and a discriminator loss of 2 log 2. A scoring callback adds a third curve,
the Parzen log-likelihood of the held-out rows every few epochs.
"""

# %%
# Data and a scoring callback
# ---------------------------
# Three Gaussian blobs of different sizes in the plane.
# :class:`~sklearn_gan.callbacks.ParzenScoring` scores the rows that ``fit``
# holds out under a Parzen window on generated rows, every ``every`` epochs,
# and records the result in the history as ``valid_parzen``. It chooses the
# bandwidth on the same rows, which makes the numbers optimistic but fine
# for following the trend.
import matplotlib.pyplot as plt
from sklearn.datasets import make_blobs

from sklearn_gan import GANSampler
from sklearn_gan.callbacks import ParzenScoring
from sklearn_gan.plotting import plot_history

X, _ = make_blobs(
    n_samples=[500, 300, 200],
    centers=[(-3.0, 0.0), (2.0, 2.0), (2.0, -2.0)],
    cluster_std=[0.6, 0.4, 0.5],
    random_state=0,
)

gan = GANSampler(
    max_epochs=120,
    noise_dim=8,
    generator__hidden_units=(64, 64),
    discriminator__hidden_units=(64, 64),
    discriminator__input_dropout=0.0,
    discriminator__dropout=0.2,
    lr_g=1e-3,
    lr_d=1e-3,
    validation_fraction=0.2,
    n_parzen_samples=2000,
    callbacks=[ParzenScoring(every=5, n_samples=2000)],
    verbose=0,
    random_state=0,
)
gan.fit(X)

# %%
# The curves
# ----------
axes = plot_history(gan)
axes[0].figure.tight_layout()
plt.show()

# %%
# How to read them:
#
# * Within the first epochs D gets ahead: D(x) rises above 1/2, D(G(z)) falls
#   below it, and the generator's loss, ``-log D(G(z))``, jumps up. On harder
#   data D can get so far ahead that D(G(z)) is close to 0, where
#   ``log(1 - D(G(z)))`` would give the generator almost no gradient: that is
#   when the default, non-saturating loss matters.
# * For most of the run D keeps an edge, and its loss stays below the dotted
#   line of the equilibrium. Then the generator catches up: the two means of
#   D close in on 1/2 and both losses on their equilibrium values. Finite
#   networks trained by a few gradient steps need not reach the optimum of
#   the game, and the curves seldom lie exactly on the lines.
# * The Parzen curve is the one that says whether the samples improve. The
#   losses alone cannot: a generator that covers one blob well can leave D
#   near 1/2 for a while.
#
# The history keeps every batch as well; for example the first batch of the
# last epoch:
first_batch = gan.history_[-1, "batches", 0]
print({key: round(float(value), 3) for key, value in first_batch.items()})

# %%
# The samples at the end
# ----------------------
generated = gan.sample(1000, random_state=0)
fig, ax = plt.subplots(figsize=(5, 4))
ax.scatter(*X.T, s=3, c="black", label="data")
ax.scatter(*generated.T, s=3, c="tab:orange", alpha=0.6, label="generated")
ax.set_aspect("equal")
ax.legend(markerscale=3)
ax.set_title(f"After {len(gan.history_)} epochs")
plt.show()

# %%
# The three blobs are there, in about the right proportions, joined by thin
# trails of points. A generator is a continuous map from one connected noise
# space, so it reaches separate blobs only by stretching across the gaps;
# longer training thins the trails but seldom removes them.
