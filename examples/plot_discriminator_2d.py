"""
==============================================
The discriminator's view of a 2-D distribution
==============================================

Figure 1 of Goodfellow et al. (2014) pictures the adversarial game in one
dimension: the data's density, the generator's density and the
discriminator's output D(x), at a few stages of training. This example draws
the same picture in two dimensions, on scikit-learn's "two moons".

At every stage the discriminator is trained to tell real points (D(x) near 1,
blue) from generated ones (D(x) near 0, red). Its best response to a fixed
generator is ``p_data / (p_data + p_g)``, so the colours show where the
generator puts too little mass (blue) or too much (red), and the generator's
points move along D's gradient towards the blue regions. When the two
distributions agree, D can do no better than 1/2 anywhere: the surface turns
pale.
"""

# %%
# Two moons
# ---------
# One thousand points in two interleaved half circles, and a grid over the
# plane on which to evaluate D.
import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import make_moons
from skorch.callbacks import Callback

from sklearn_gan import GANSampler

X, _ = make_moons(n_samples=1000, noise=0.06, random_state=0)

xx, yy = np.meshgrid(np.linspace(-1.6, 2.6, 120), np.linspace(-1.1, 1.6, 80))
grid = np.column_stack([xx.ravel(), yy.ravel()])


# %%
# Snapshots during training
# -------------------------
# A skorch callback runs at the end of every epoch. This one evaluates the
# discriminator on the grid and draws a few hundred generated points at the
# epochs it is given, before training starts (epoch 0) included. D works in
# the standardised space the networks train in, so the grid goes through the
# estimator's ``scaler_`` first; dropout is switched off while it is
# evaluated.
class Snapshots(Callback):
    def __init__(self, epochs, grid, n_samples=400):
        self.epochs = epochs
        self.grid = grid
        self.n_samples = n_samples

    def initialize(self):
        self.snapshots_ = {}
        return self

    def on_train_begin(self, net, **kwargs):
        if 0 in self.epochs:
            self.take(net, 0)

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) in self.epochs:
            self.take(net, len(net.history))

    def take(self, net, epoch):
        device = next(net.discriminator_.parameters()).device
        points = torch.as_tensor(
            net.scaler_.transform(self.grid), dtype=torch.float32, device=device
        )
        net.discriminator_.eval()
        with torch.no_grad():
            d_of_x = torch.sigmoid(net.discriminator_(points)).cpu().numpy()
        net.discriminator_.train()
        self.snapshots_[epoch] = (d_of_x, net.sample(self.n_samples, random_state=0))


# %%
# The networks are small, and the discriminator's dropout is lighter than its
# default: with only two input coordinates, dropping one of them would hide
# most of each point.
epochs = [0, 3, 20, 150]
snapshots = Snapshots(epochs, grid)
gan = GANSampler(
    max_epochs=epochs[-1],
    noise_dim=8,
    generator__hidden_units=(64, 64),
    discriminator__hidden_units=(64, 64),
    discriminator__input_dropout=0.0,
    discriminator__dropout=0.2,
    lr_g=1e-3,
    lr_d=1e-3,
    n_parzen_samples=2000,
    callbacks=[("snapshots", snapshots)],
    verbose=0,
    random_state=0,
)
gan.fit(X)

# %%
# D(x) and the generator's points at four stages
# ----------------------------------------------
fig, axes = plt.subplots(
    1, len(epochs), figsize=(14, 3.6), sharey=True, layout="constrained"
)
for ax, epoch in zip(axes, epochs, strict=True):
    d_of_x, generated = snapshots.snapshots_[epoch]
    surface = ax.contourf(
        xx, yy, d_of_x.reshape(xx.shape), levels=np.linspace(0, 1, 21), cmap="RdBu"
    )
    ax.scatter(*X.T, s=2, c="black", label="data")
    ax.scatter(*generated.T, s=4, c="tab:orange", label="G(z)")
    ax.set_title(f"epoch {epoch}")
    ax.set_xlim(xx.min(), xx.max())
    ax.set_ylim(yy.min(), yy.max())
axes[0].legend(loc="lower left", markerscale=3)
fig.colorbar(surface, ax=axes, label="D(x)")
plt.show()

# %%
# At epoch 0 the generator puts all its points in a small blob and the
# untrained discriminator is nearly flat. Three epochs later the generator's
# points have spread out, and D splits the plane coarsely, confident (blue)
# on the right, where real points outnumber generated ones, and doubtful
# (red) on the left: it is still far from its best response. By epoch 20 the
# generated points cover both moons loosely and D has turned pale over most
# of the data. At the end the points trace both moons and D is close to 1/2
# along them. Away from the data D keeps whatever values training left
# there: the game only constrains D where one of the two distributions has
# mass.
last = gan.history_[-1]
print(f"last epoch: mean D(x) {last['d_real']:.2f}, mean D(G(z)) {last['d_fake']:.2f}")
