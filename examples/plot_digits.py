"""
=======================================
Handwritten digits from a GAN
=======================================

This example trains :class:`~sklearn_gan.GANSampler` on the 8 x 8 images of
handwritten digits shipped with scikit-learn and draws new ones. Each
generated image is shown beside the training image closest to it, which tells
whether the generator invents digits or copies the ones it was shown.
"""

# %%
# The data
# --------
# 1,797 images of 64 grey levels from 0 to 16, scaled to [0, 1]. A quarter is
# kept aside as a test set.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neighbors import NearestNeighbors

from sklearn_gan import GANSampler
from sklearn_gan.plotting import plot_sample_grid

X = load_digits().data / 16.0
X_train, X_test = train_test_split(X, test_size=0.25, random_state=0)

# %%
# Training
# --------
# A generator of two ReLU layers of 256 units against a discriminator of two
# maxout layers of 256 units, both trained by Adam. The discriminator's
# learning rate is half the generator's, which keeps it from winning the game
# too early. One hundred epochs take well under a minute on a laptop's CPU.
gan = GANSampler(
    max_epochs=100,
    generator__hidden_units=(256, 256),
    discriminator__hidden_units=(256, 256),
    lr_g=1e-3,
    lr_d=5e-4,
    n_parzen_samples=5000,
    verbose=0,
    random_state=0,
)
gan.fit(X_train)
print(f"Parzen log-likelihood of the test digits: {gan.score(X_test):.1f} nats")

# %%
# Real digits, generated digits and their nearest training images
# ---------------------------------------------------------------
# The networks work on standardised pixels and :meth:`~GANSampler.sample`
# maps their output back to the pixel scale, where a few values fall
# slightly outside [0, 1]; they are clipped for display.
n_images = 40
generated = np.clip(gan.sample(n_images, random_state=0), 0, 1)
neighbours = NearestNeighbors(n_neighbors=1).fit(X_train)
_, nearest = neighbours.kneighbors(generated)

fig, axes = plt.subplots(1, 3, figsize=(12, 3.6))
plot_sample_grid(X_test[:n_images], (8, 8), n_cols=8, ax=axes[0])
plot_sample_grid(generated, (8, 8), n_cols=8, ax=axes[1])
plot_sample_grid(X_train[nearest[:, 0]], (8, 8), n_cols=8, ax=axes[2])
axes[0].set_title("Test digits")
axes[1].set_title("Generated digits")
axes[2].set_title("Nearest training image of each")
fig.tight_layout()
plt.show()

# %%
# Invented or copied?
# -------------------
# A generator that memorised its training set would produce images much
# closer to a training image than new digits are. The distance from each
# generated image to its nearest training image is compared with the same
# distance for the test digits, which the model never saw.
generated_many = np.clip(gan.sample(1000, random_state=1), 0, 1)
generated_distance = neighbours.kneighbors(generated_many)[0][:, 0]
test_distance = neighbours.kneighbors(X_test)[0][:, 0]

fig, ax = plt.subplots(figsize=(6, 3.5))
bins = np.linspace(0, max(generated_distance.max(), test_distance.max()), 40)
ax.hist(test_distance, bins=bins, alpha=0.6, density=True, label="test digits")
ax.hist(generated_distance, bins=bins, alpha=0.6, density=True, label="generated")
ax.set_xlabel("distance to the nearest training image")
ax.set_ylabel("density")
ax.legend()
fig.tight_layout()
plt.show()

print(
    f"median distance to the training set: test digits "
    f"{np.median(test_distance):.2f}, generated {np.median(generated_distance):.2f}"
)

# %%
# The generated digits lie farther from their nearest training image than
# real, unseen digits do, so the generator has not stored its training set.
# Part of the gap is the grain visible in the generated strokes, which a
# small fully connected generator trained for a minute does not smooth out.
