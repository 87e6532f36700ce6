"""Table 1 of Goodfellow et al. (2014) on MNIST, and the same table on digits.

The paper rates its MNIST generator by a Gaussian Parzen window on 10,000 of
its samples: the bandwidth is chosen from ``logspace(-1, 0, 10)`` on the first
1,000 validation rows (rows 50,000-51,000 of the training file), and the
score is the mean log-likelihood of the 10,000 test images, with its standard
error. This script applies that protocol to

- the paper's networks and schedule (``presets.goodfellow2014_mnist``), for
  as many epochs as the time budget allows;
- a convolutional generator and discriminator (``presets.dcgan``);
- anchors measured in the same run: a Parzen window on 10,000 training
  images, one on 10,000 k-means centroids, and a diagonal Gaussian mixture,

and writes ``benchmarks/results/paper_mnist.md`` with the figures
``paper_mnist_neighbours.png`` (samples beside their nearest training image)
and ``paper_mnist_memorisation.png`` (distances to the nearest training row,
samples against held-out rows). The same table on scikit-learn's 8 x 8 digits,
where several hundred epochs take minutes, goes to ``paper_digits.md``.

Usage::

    python benchmarks/bench_paper.py                 # both data sets
    python benchmarks/bench_paper.py --dataset digits
    python benchmarks/bench_paper.py --time-budget-minutes 10 --epochs 50
    python benchmarks/bench_paper.py --quick         # a smoke run, minutes

The MNIST files are read from ``--mnist-path``; nothing is downloaded.
"""

import argparse
import contextlib
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.cluster import MiniBatchKMeans
from sklearn.mixture import GaussianMixture
from skorch.callbacks import Callback

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sklearn_gan import parzen_score, presets, select_bandwidth  # noqa: E402
from sklearn_gan.datasets import load_digits_pixels, load_mnist_splits  # noqa: E402
from sklearn_gan.plotting import (  # noqa: E402
    plot_memorisation,
    plot_nearest_neighbours,
)

RESULTS = Path(__file__).resolve().parent / "results"
PAPER_GRID = np.logspace(-1, 0, 10)
# A finer grid for the 8 x 8 digits, whose best bandwidths lie near 0.1.
DIGITS_GRID = np.logspace(-2, 0, 21)

# Table 1 of the paper (MNIST, nats, standard error over test examples).
PAPER_ROWS = [
    ("DBN (paper, Table 1)", "138 ± 2"),
    ("Stacked CAE (paper, Table 1)", "121 ± 1.6"),
    ("Deep GSN (paper, Table 1)", "214 ± 1.1"),
    ("Adversarial nets (paper, Table 1)", "225 ± 2"),
]

SEED = 0


class TimeBudget(Callback):
    """Stop training at the end of the epoch after which the next would overrun.

    Raising ``KeyboardInterrupt`` from a callback is how skorch's own
    ``EarlyStopping`` ends training; the fit keeps the weights reached.
    """

    def __init__(self, seconds):
        self.seconds = seconds

    def on_train_begin(self, net, **kwargs):
        self.start_ = time.perf_counter()

    def on_epoch_end(self, net, **kwargs):
        elapsed = time.perf_counter() - self.start_
        if elapsed + net.history[-1]["dur"] > self.seconds:
            # The epoch table prints after this callback, so say which epoch.
            log(
                f"stopping after epoch {len(net.history)} ({elapsed / 60:.1f} min): "
                "another would pass the time budget"
            )
            raise KeyboardInterrupt


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--dataset", choices=["mnist", "digits", "both"], default="both"
    )
    parser.add_argument("--mnist-path", default="/work/shared/data/mnist")
    parser.add_argument(
        "--epochs",
        type=int,
        default=100,
        help="most epochs of the paper preset on MNIST",
    )
    parser.add_argument(
        "--conv-epochs",
        type=int,
        default=20,
        help="most epochs of the conv GAN on MNIST",
    )
    parser.add_argument(
        "--time-budget-minutes",
        type=float,
        default=16.0,
        help="MNIST training time of the three GANs together (half to the preset "
        "as released, a quarter each to alternating updates and the conv GAN)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch intra-op threads; on a CPU shared with other work, one "
        "thread ran several times faster than two",
    )
    parser.add_argument("--quick", action="store_true", help="tiny smoke run")
    parser.add_argument("--output-dir", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    torch.set_num_threads(args.threads)
    output = args.output_dir / "quick" if args.quick else args.output_dir
    output.mkdir(parents=True, exist_ok=True)
    if args.dataset in ("digits", "both"):
        run_digits(args, output)
    if args.dataset in ("mnist", "both"):
        run_mnist(args, output)


# ----------------------------------------------------------------------
# The two experiments
# ----------------------------------------------------------------------


def run_mnist(args, output):
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    splits = load_mnist_splits(args.mnist_path)
    X_train, X_test = splits.X_train, splits.X_test
    X_valid = splits.X_validation[:1000]
    # Rows that take part in nothing, for the memorisation histogram.
    X_unseen = splits.X_validation[1000:2000]
    n_samples, n_centroids = 10_000, 10_000
    budget = args.time_budget_minutes * 60
    epochs, conv_epochs = args.epochs, args.conv_epochs
    if args.quick:
        X_train, X_test = X_train[:5000], X_test[:1000]
        n_samples, n_centroids, budget = 2000, 500, 60
        epochs, conv_epochs = 1, 1
    log(f"MNIST: {len(X_train)} training rows, {len(X_test)} test rows")

    rows = []
    rows.append(
        anchor_parzen(
            f"Parzen window on {n_samples:,} training images",
            subsample(X_train, n_samples),
            X_valid,
            X_test,
            PAPER_GRID,
        )
    )
    rows.append(
        anchor_kmeans(X_train, n_centroids, X_valid, X_test, PAPER_GRID, batch=10_000)
    )
    rows.append(
        anchor_mixture(
            subsample(X_train, 10_000),
            X_valid,
            X_test,
            components=(50,),
            reg_covars=(0.001, 0.003, 0.01),
        )
    )

    # Half the training time to the preset as released (simultaneous
    # updates), a quarter each to Algorithm 1's alternating updates and to
    # the convolutional networks.
    gans = {
        "paper networks, simultaneous": (
            "GAN, paper networks and schedule, simultaneous updates as released "
            "(goodfellow2014_mnist)",
            presets.goodfellow2014_mnist(
                max_epochs=epochs, verbose=1, random_state=SEED
            ),
            budget / 2,
        ),
        "paper networks, alternating": (
            "GAN, the same with alternating updates "
            "(goodfellow2014_mnist(updates='alternating'))",
            presets.goodfellow2014_mnist(
                updates="alternating", max_epochs=epochs, verbose=1, random_state=SEED
            ),
            budget / 4,
        ),
        "convolutional": (
            "GAN, convolutional (dcgan, base_channels=32)",
            presets.dcgan(
                (1, 28, 28),
                max_epochs=conv_epochs,
                generator__base_channels=32,
                discriminator__base_channels=32,
                validation_fraction=0.02,
                verbose=1,
                random_state=SEED,
            ),
            budget / 4,
        ),
    }
    for name, gan, seconds in gans.values():
        row, _ = train_and_score(
            name, gan, X_train, X_valid, X_test, PAPER_GRID, n_samples, seconds
        )
        rows.append(row)

    models = {label: gan for label, (_, gan, _) in gans.items()}

    figures = draw_figures(models, X_train, X_unseen, (28, 28), output, "paper_mnist")
    write_report(
        output / "paper_mnist.md",
        title="Table 1 of Goodfellow et al. (2014) on MNIST",
        protocol=(
            f"Training rows 0-{len(X_train):,} of the MNIST training file, pixels "
            "in [0, 1]; Parzen bandwidth chosen from the paper's grid "
            "`logspace(-1, 0, 10)` on validation rows 50,000-51,000; "
            f"{n_samples:,} samples (or centres) per model; score = mean "
            f"log-likelihood of the {len(X_test):,} test images ± its standard "
            "error. The GANs hold 2% of the training rows out of training for "
            "their own bandwidth choice; the scores below do not use it."
        ),
        rows=rows,
        paper_rows=PAPER_ROWS,
        figures=figures,
        seconds=time.perf_counter() - started,
        load=(load_before, os.getloadavg()[0]),
        args=args,
    )


def run_digits(args, output):
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    X = load_digits_pixels()
    X = X[np.random.default_rng(SEED).permutation(len(X))]
    X_train, X_valid, X_test = X[:1197], X[1197:1497], X[1497:]
    epochs, conv_epochs = (20, 10) if args.quick else (750, 250)
    log(f"digits: {len(X_train)} training rows, {len(X_test)} test rows")

    rows = [
        anchor_parzen(
            f"Parzen window on all {len(X_train):,} training images",
            X_train,
            X_valid,
            X_test,
            DIGITS_GRID,
        ),
        anchor_kmeans(X_train, 240, X_valid, X_test, DIGITS_GRID, batch=1197),
        anchor_mixture(
            X_train,
            X_valid,
            X_test,
            components=(5, 10, 20),
            reg_covars=(0.001, 0.003, 0.01),
        ),
    ]

    # The paper's discriminator, a narrower generator, smaller minibatches:
    # 1,197 rows make only a dozen batches of 100 an epoch.
    rows_and_models = {}
    for updates in ("simultaneous", "alternating"):
        gan = presets.goodfellow2014_mnist(
            updates=updates,
            max_epochs=epochs,
            batch_size=50,
            generator__hidden_units=(512, 512),
            bandwidths=DIGITS_GRID,
            verbose=0,
            random_state=SEED,
        )
        row, _ = train_and_score(
            f"GAN, paper recipe with G 100-512-512-64, batch 50, {updates} updates",
            gan,
            X_train,
            X_valid,
            X_test,
            DIGITS_GRID,
            10_000,
            None,
        )
        rows_and_models[f"paper recipe, {updates}"] = (row, gan)
    conv_gan = presets.dcgan(
        (1, 8, 8),
        max_epochs=conv_epochs,
        generator__base_channels=32,
        discriminator__base_channels=32,
        batch_size=32,
        validation_fraction=0.02,
        bandwidths=DIGITS_GRID,
        verbose=0,
        random_state=SEED,
    )
    conv_row, _ = train_and_score(
        "GAN, convolutional (dcgan, base_channels=32, batch 32)",
        conv_gan,
        X_train,
        X_valid,
        X_test,
        DIGITS_GRID,
        10_000,
        None,
    )
    rows_and_models["convolutional"] = (conv_row, conv_gan)
    rows += [row for row, _ in rows_and_models.values()]

    models = {label: gan for label, (_, gan) in rows_and_models.items()}
    figures = draw_figures(models, X_train, X_valid, (8, 8), output, "paper_digits")
    write_report(
        output / "paper_digits.md",
        title="The protocol of Table 1 on scikit-learn's digits",
        protocol=(
            "The 1,797 digits of `sklearn.datasets.load_digits`, pixels divided "
            "by 16, shuffled with seed 0: 1,197 training rows, 300 validation "
            "rows on which each Parzen bandwidth is chosen from "
            "`logspace(-2, 0, 21)`, 300 test rows scored. 10,000 samples (or "
            "all centres) per model; score = mean test log-likelihood ± its "
            "standard error. The GANs hold 2% of the training rows out of "
            "training for their own bandwidth choice; the scores below do not "
            "use it."
        ),
        rows=rows,
        paper_rows=[],
        figures=figures,
        seconds=time.perf_counter() - started,
        load=(load_before, os.getloadavg()[0]),
        args=args,
    )


# ----------------------------------------------------------------------
# Models and their scores
# ----------------------------------------------------------------------


def anchor_parzen(name, centres, X_valid, X_test, grid):
    started = time.perf_counter()
    row = score_centres(name, centres, X_valid, X_test, grid)
    row["seconds"] = time.perf_counter() - started
    row["notes"] = f"{len(centres):,} centres"
    return row


def anchor_kmeans(X_train, n_clusters, X_valid, X_test, grid, batch):
    started = time.perf_counter()
    kmeans = MiniBatchKMeans(
        n_clusters=n_clusters,
        init="random",
        batch_size=batch,
        n_init=1,
        max_iter=5,
        random_state=SEED,
    ).fit(X_train)
    fit_seconds = time.perf_counter() - started
    name = f"Parzen window on {n_clusters:,} k-means centroids"
    row = score_centres(name, kmeans.cluster_centers_, X_valid, X_test, grid)
    row["seconds"] = time.perf_counter() - started
    row["notes"] = (
        f"MiniBatchKMeans on {len(X_train):,} rows, random init, "
        f"{kmeans.n_steps_} steps ({fit_seconds:.0f} s)"
    )
    return row


def anchor_mixture(X_fit, X_valid, X_test, components, reg_covars):
    started = time.perf_counter()
    best = None
    for n_components in components:
        for reg_covar in reg_covars:
            mixture = GaussianMixture(
                n_components=n_components,
                covariance_type="diag",
                reg_covar=reg_covar,
                max_iter=100,
                random_state=SEED,
            ).fit(X_fit)
            valid = float(np.mean(mixture.score_samples(X_valid)))
            if best is None or valid > best[0]:
                best = (valid, mixture, n_components, reg_covar)
    _, mixture, n_components, reg_covar = best
    edge = " (grid's end)" if reg_covar in (min(reg_covars), max(reg_covars)) else ""
    log_density = mixture.score_samples(X_test)
    return {
        "name": "Gaussian mixture, diagonal covariances",
        "mean": float(np.mean(log_density)),
        "std_error": float(np.std(log_density, ddof=1) / np.sqrt(len(log_density))),
        "bandwidth": None,
        "seconds": time.perf_counter() - started,
        "notes": (
            f"{n_components} components, reg_covar={reg_covar}{edge} (chosen on the "
            f"validation rows from {list(components)} x {list(reg_covars)}; "
            f"fit on {len(X_fit):,} training rows)"
        ),
    }


def train_and_score(name, gan, X_train, X_valid, X_test, grid, n_samples, budget):
    started = time.perf_counter()
    if budget is not None:
        callbacks = list(gan.callbacks or []) + [("time_budget", TimeBudget(budget))]
        gan.set_params(callbacks=callbacks)
    log(f"training: {name}")
    gan.fit(X_train)
    fit_seconds = time.perf_counter() - started
    samples = gan.sample(n_samples, random_state=SEED + 1)
    row = score_centres(name, samples, X_valid, X_test, grid)
    last = gan.history_[-1]
    n_updates = sum(len(epoch["batches"]) for epoch in gan.history_)
    row["seconds"] = time.perf_counter() - started
    row["notes"] = (
        f"{len(gan.history_)} epochs ({n_updates:,} discriminator updates) in "
        f"{fit_seconds / 60:.1f} min; last epoch: D(x) {last['d_real']:.2f}, "
        f"D(G(z)) {last['d_fake']:.2f}"
    )
    return row, fit_seconds


def score_centres(name, centres, X_valid, X_test, grid):
    with warnings.catch_warnings():
        # A best bandwidth at an end of the grid is flagged in the table.
        warnings.simplefilter("ignore", UserWarning)
        bandwidth = select_bandwidth(X_valid, centres, grid)
    score = parzen_score(X_test, centres, bandwidth)
    log(f"{name}: {score}")
    return {
        "name": name,
        "mean": score.mean,
        "std_error": score.std_error,
        "bandwidth": bandwidth,
        "at_grid_edge": bandwidth in (grid[0], grid[-1]),
    }


# ----------------------------------------------------------------------
# Figures and the report
# ----------------------------------------------------------------------


def draw_figures(models, X_train, X_unseen, image_shape, output, stem):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n_models = len(models)
    figure, axes = plt.subplots(
        1, n_models, figsize=(6.5 * n_models, 5.2), layout="constrained"
    )
    for ax, (label, gan) in zip(np.atleast_1d(axes), models.items(), strict=True):
        plot_nearest_neighbours(
            gan.sample(24, random_state=SEED + 2), X_train, image_shape, n_cols=4, ax=ax
        )
        ax.set_title(f"{label}: generated (left), nearest training image (right)")
    neighbours = output / f"{stem}_neighbours.png"
    figure.savefig(neighbours, dpi=110)
    plt.close(figure)

    figure, axes = plt.subplots(
        1, n_models, figsize=(6 * n_models, 3.8), layout="constrained", sharey=True
    )
    n_rows = min(1000, len(X_unseen))
    for ax, (label, gan) in zip(np.atleast_1d(axes), models.items(), strict=True):
        plot_memorisation(
            gan.sample(n_rows, random_state=SEED + 3), X_train, X_unseen[:n_rows], ax=ax
        )
        ax.set_title(f"{label}: {n_rows:,} samples vs {n_rows:,} held-out rows")
    memorisation = output / f"{stem}_memorisation.png"
    figure.savefig(memorisation, dpi=110)
    plt.close(figure)
    return [neighbours, memorisation]


def write_report(
    path, *, title, protocol, rows, paper_rows, figures, seconds, load, args
):
    lines = [
        f"# {title}",
        "",
        "Written by `benchmarks/bench_paper.py"
        + (" --quick" if args.quick else "")
        + "`.",
        "",
        protocol,
        "",
        "| model | test log-likelihood (nats) | bandwidth | notes |",
        "|---|---|---|---|",
    ]
    for row in rows:
        bandwidth = "-" if row["bandwidth"] is None else f"{row['bandwidth']:.3g}"
        if row.get("at_grid_edge"):
            bandwidth += " (grid's end)"
        lines.append(
            f"| {row['name']} | {row['mean']:.1f} ± {row['std_error']:.1f} | "
            f"{bandwidth} | {row['notes']}; {row['seconds']:.0f} s |"
        )
    for name, value in paper_rows:
        lines.append(f"| {name} | {value} | - | quoted, not measured here |")
    lines += [
        "",
        f"Whole run: {seconds / 60:.1f} min on {hardware()}, "
        f"{torch.get_num_threads()} torch thread(s); load average "
        f"{load[0]:.1f} at the start and {load[1]:.1f} at the end (the cores were "
        "shared with other work, so times are upper bounds). "
        f"Python {platform.python_version()}, torch {torch.__version__}.",
        "",
    ]
    for figure in figures:
        lines += [f"![{figure.stem}]({figure.name})", ""]
    path.write_text("\n".join(lines))
    log(f"wrote {path}")


def hardware():
    model = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} CPU cores ({model}), no GPU"


def subsample(X, n_rows):
    if len(X) <= n_rows:
        return X
    rows = np.random.default_rng(SEED).choice(len(X), n_rows, replace=False)
    return X[np.sort(rows)]


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


if __name__ == "__main__":
    main()
