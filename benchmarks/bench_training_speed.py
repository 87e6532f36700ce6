"""Training speed of GANSampler against a plain PyTorch loop.

The same networks (same initial weights), the same training rows, batch size,
optimizer settings and the same k-step algorithm are trained through
``GANSampler.fit`` and through a minimal hand-written loop. The two alternate
epoch by epoch (A B A B ...), the plain loop's epochs being run from a
callback between GANSampler's, so that a slow spell on a shared machine hits
both sides alike. Each side's figure is the median of its per-epoch wall
times, first epochs excluded (they pay for allocation warm-up).

Also measured: rows per second of ``sample``, seconds of ``score`` (the
Parzen window) at the paper's scale, and seconds per epoch as the number of
rows and of features grows. The results are written as a Markdown table.

Usage::

    python benchmarks/bench_training_speed.py                 # CPU, 2 threads
    python benchmarks/bench_training_speed.py --device cuda   # GPU figures
    python benchmarks/bench_training_speed.py --quick         # a smoke run

MNIST is read from the IDX files in ``--mnist-dir`` (pixels / 255); nothing
is downloaded.

OpenMP threads wait passively (``OMP_WAIT_POLICY=PASSIVE``) unless the
environment says otherwise: on a machine whose cores are shared with other
work, spinning threads that wait for a descheduled partner made every epoch
of both sides several times slower and the timings erratic.
"""

# The environment is set before the other imports (hence E402 below): the
# OpenMP runtime reads it once, when torch loads it.
# ruff: noqa: E402
import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse
import copy
import datetime
import gzip
import math
import platform
import statistics
import struct
import sys
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits
from skorch.callbacks import Callback
from torch import nn

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))

from sklearn_gan import GANSampler, parzen_log_likelihood

DEFAULT_MNIST_DIR = Path("/work/shared/data/mnist")
DEFAULT_OUTPUT = REPOSITORY / "benchmarks" / "results" / "training_speed.md"

# The paper's MNIST networks and optimizer (Goodfellow et al., 2014, and the
# released code): G 100 -> 1200 -> 1200 -> 784 sigmoid, D two maxout layers of
# 240 units x 5 pieces with dropout, SGD at 0.1 with momentum 0.5, batch 100.
PAPER_SETTINGS = {
    "noise_dim": 100,
    "batch_size": 100,
    "k": 1,
    "scaling": None,
    "optimizer_generator": torch.optim.SGD,
    "optimizer_discriminator": torch.optim.SGD,
    "lr_g": 0.1,
    "lr_d": 0.1,
    "optimizer_generator__momentum": 0.5,
    "optimizer_discriminator__momentum": 0.5,
    "generator__hidden_units": (1200, 1200),
    "generator__output_activation": "sigmoid",
    "generator__init_scale": 0.05,
    "discriminator__hidden_units": (240, 240),
    "discriminator__n_pieces": 5,
    "discriminator__input_dropout": 0.2,
    "discriminator__dropout": 0.5,
    "discriminator__init_scale": 0.005,
}

# GANSampler's defaults; the plain loop reads the sizes it needs from here.
DEFAULT_SETTINGS = {"noise_dim": 32, "batch_size": 64, "k": 1}


# ----------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------


def read_idx_images(path):
    """Images of an IDX file (gzip) as a float64 array of rows in [0, 1]."""
    with gzip.open(path, "rb") as stream:
        magic, n_images, n_rows, n_columns = struct.unpack(">IIII", stream.read(16))
        if magic != 2051:
            raise ValueError(
                f"{path} is not an IDX image file: its magic number is {magic}, "
                "expected 2051."
            )
        pixels = np.frombuffer(stream.read(), dtype=np.uint8)
    expected = n_images * n_rows * n_columns
    if pixels.size != expected:
        raise ValueError(
            f"{path} holds {pixels.size} pixels, expected {expected} for "
            f"{n_images} images of {n_rows}x{n_columns}."
        )
    return pixels.reshape(n_images, n_rows * n_columns) / 255.0


def load_mnist(mnist_dir, n_rows):
    train = read_idx_images(Path(mnist_dir) / "train-images.idx3-ubyte.gz")
    test = read_idx_images(Path(mnist_dir) / "t10k-images.idx3-ubyte.gz")
    return train[:n_rows], test


def tile_with_noise(X, factor, seed=0):
    """``X`` repeated ``factor`` times, each copy after the first jittered."""
    rng = np.random.default_rng(seed)
    copies = [X] + [
        X + rng.normal(scale=0.05 * X.std(), size=X.shape) for _ in range(factor - 1)
    ]
    return np.concatenate(copies)


# ----------------------------------------------------------------------
# The two sides of the comparison
# ----------------------------------------------------------------------


class PlainGANLoop:
    """Algorithm 1 written directly in PyTorch, as a user would.

    The data sits on the device as one tensor and minibatches are gathered
    from it; noise is drawn on the device; per-batch losses stay on the
    device and are read once per epoch. Nothing else is recorded.
    """

    def __init__(self, train_rows, settings, initial_states, optimizers, device):
        self.device = torch.device(device)
        self.data = torch.as_tensor(
            np.asarray(train_rows, dtype=np.float32), device=self.device
        )
        self.generator, self.discriminator = build_networks(
            self.data.shape[1], settings, initial_states, self.device
        )
        optimizer_class, options = optimizers["generator"]
        self.optimizer_g = optimizer_class(self.generator.parameters(), **options)
        optimizer_class, options = optimizers["discriminator"]
        self.optimizer_d = optimizer_class(self.discriminator.parameters(), **options)
        self.criterion = nn.BCEWithLogitsLoss()
        self.batch_size = settings["batch_size"]
        self.k = settings["k"]
        self.noise_dim = settings["noise_dim"]
        self.epoch_losses = []

    def noise(self, n_rows):
        bound = math.sqrt(3.0)
        noise = torch.empty(n_rows, self.noise_dim, device=self.device)
        return noise.uniform_(-bound, bound)

    def run_epoch(self):
        generator, discriminator, criterion = (
            self.generator,
            self.discriminator,
            self.criterion,
        )
        data, batch_size = self.data, self.batch_size
        n_batches = math.ceil(len(data) / batch_size)
        generator.train()
        discriminator.train()
        order = torch.randperm(len(data), device=self.device)
        losses_d, losses_g = [], []

        for index in range(n_batches):
            real = data[order[index * batch_size : (index + 1) * batch_size]]

            with torch.no_grad():
                fake = generator(self.noise(len(real)))
            logits_real = discriminator(real)
            logits_fake = discriminator(fake)
            loss_d = criterion(logits_real, torch.ones_like(logits_real)) + criterion(
                logits_fake, torch.zeros_like(logits_fake)
            )
            self.optimizer_d.zero_grad(set_to_none=True)
            loss_d.backward()
            self.optimizer_d.step()
            losses_d.append(loss_d.detach())

            if (index + 1) % self.k == 0 or index == n_batches - 1:
                discriminator.requires_grad_(False)
                logits = discriminator(generator(self.noise(len(real))))
                loss_g = criterion(logits, torch.ones_like(logits))
                self.optimizer_g.zero_grad(set_to_none=True)
                loss_g.backward()
                discriminator.requires_grad_(True)
                self.optimizer_g.step()
                losses_g.append(loss_g.detach())

        # one device-to-host copy per epoch
        means = torch.stack(
            [torch.stack(losses_d).mean(), torch.stack(losses_g).mean()]
        )
        self.epoch_losses.append(means.tolist())


class InterleavedTiming(Callback):
    """Times GANSampler's epochs and runs a plain-loop epoch after each.

    The plain loop starts from the weights GANSampler starts from, trains on
    the rows GANSampler trains on and builds its optimizers with the classes
    and settings of GANSampler's (all taken at ``on_train_begin``).
    Alternating single epochs (GANSampler, plain, GANSampler, ...) exposes
    both sides to the same load on a shared machine. A GANSampler epoch is
    timed from this callback's ``on_epoch_begin`` to its ``on_epoch_end``:
    the loop, the per-epoch history and divergence check and the other
    callbacks' batch hooks are inside; the plain epoch run here is not.
    """

    def __init__(self, settings, device, with_plain=True):
        self.settings = settings
        self.device = device
        self.with_plain = with_plain

    def initialize(self):
        self.gansampler_ = {"wall": [], "cpu": []}
        self.plain_ = {"wall": [], "cpu": []}
        self.plain_loop_ = None
        self.n_train_ = None
        self.setup_seconds_ = 0.0
        self.epoch_started_ = None
        return self

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self.n_train_ = len(X)
        if self.with_plain:
            started = time.perf_counter()
            # the rows exactly as GANSampler's networks see them
            rows = X if net.scaler_ is None else net.scaler_.transform(X)
            initial_states = {
                name: copy.deepcopy(getattr(net, name).state_dict())
                for name in ("generator_", "discriminator_")
            }
            optimizers = {
                player: (type(optimizer), dict(optimizer.defaults))
                for player, optimizer in (
                    ("generator", net.optimizer_generator_),
                    ("discriminator", net.optimizer_discriminator_),
                )
            }
            self.plain_loop_ = PlainGANLoop(
                rows, self.settings, initial_states, optimizers, self.device
            )
            self.setup_seconds_ = time.perf_counter() - started

    def on_epoch_begin(self, net, **kwargs):
        _synchronize_device(self.device)
        self.epoch_started_ = (time.perf_counter(), time.process_time())

    def on_epoch_end(self, net, **kwargs):
        _record_since(self.epoch_started_, self.gansampler_, self.device)
        if self.plain_loop_ is not None:
            started = (time.perf_counter(), time.process_time())
            self.plain_loop_.run_epoch()
            _record_since(started, self.plain_, self.device)


def _record_since(started, record, device):
    _synchronize_device(device)
    record["wall"].append(time.perf_counter() - started[0])
    record["cpu"].append(time.process_time() - started[1])


def run_gansampler(X, settings, *, epochs, device, seed, with_plain=True):
    timing = InterleavedTiming(settings, device, with_plain=with_plain)
    gan = GANSampler(
        max_epochs=epochs,
        device=device,
        verbose=0,
        random_state=seed,
        callbacks=[("timing", timing)],
        **settings,
    )
    started = time.perf_counter()
    gan.fit(X)
    total = time.perf_counter() - started
    return {
        "estimator": gan,
        "gansampler": timing.gansampler_,
        "plain": timing.plain_,
        "history_dur": np.asarray(gan.history_[:, "dur"]),
        "outside_epochs": total
        - sum(timing.gansampler_["wall"])
        - sum(timing.plain_["wall"])
        - timing.setup_seconds_,
        "n_train": timing.n_train_,
    }


def build_networks(n_features, settings, initial_states, device):
    """The networks GANSampler builds, with its initial weights."""
    # An unfitted GANSampler with the same settings names the module classes
    # and their routed arguments.
    twin = GANSampler(**settings)
    generator = twin.generator(
        noise_dim=settings["noise_dim"],
        n_features=n_features,
        **twin.get_params_for("generator"),
    )
    discriminator = twin.discriminator(
        n_features=n_features, **twin.get_params_for("discriminator")
    )
    generator.load_state_dict(initial_states["generator_"])
    discriminator.load_state_dict(initial_states["discriminator_"])
    return generator.to(device), discriminator.to(device)


def _synchronize_device(device):
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize(device)


# ----------------------------------------------------------------------
# Measurements
# ----------------------------------------------------------------------


def compare(name, X, settings, *, runs, epochs, device, warmup_epochs=1):
    """GANSampler fits with plain-loop epochs interleaved; per-epoch medians."""
    timed = {"gansampler": {"wall": [], "cpu": []}, "plain": {"wall": [], "cpu": []}}
    durs, outside, per_fit = [], [], []
    for run in range(runs):
        result = run_gansampler(X, settings, epochs=epochs, device=device, seed=run)
        per_fit.append((result["gansampler"]["wall"], result["plain"]["wall"]))
        for side, record in timed.items():
            for clock in ("wall", "cpu"):
                record[clock].extend(result[side][clock][warmup_epochs:])
        durs.extend(result["history_dur"][warmup_epochs:])
        outside.append(result["outside_epochs"])
        print(
            f"  {name} run {run + 1}/{runs}: GANSampler "
            f"{np.round(result['gansampler']['wall'], 3)} s, plain "
            f"{np.round(result['plain']['wall'], 3)} s",
            flush=True,
        )
    medians = {
        (side, clock): statistics.median(timed[side][clock])
        for side in timed
        for clock in ("wall", "cpu")
    }
    pair_ratios = np.asarray(timed["gansampler"]["wall"]) / np.asarray(
        timed["plain"]["wall"]
    )
    return {
        "name": name,
        "n_train": result["n_train"],
        "n_features": X.shape[1],
        "batches": math.ceil(result["n_train"] / settings["batch_size"]),
        "gansampler": medians["gansampler", "wall"],
        "plain": medians["plain", "wall"],
        "ratio": medians["gansampler", "wall"] / medians["plain", "wall"],
        "pair_ratio": float(np.median(pair_ratios)),
        "pair_quartiles": np.percentile(pair_ratios, [25, 75]),
        "per_fit": per_fit,
        "cpu_ratio": medians["gansampler", "cpu"] / medians["plain", "cpu"],
        "history_dur": statistics.median(durs),
        "outside_epochs": statistics.median(outside),
        "n_epochs_timed": len(timed["gansampler"]["wall"]),
        "estimator": result["estimator"],
    }


def sampling_speed(gan, n_rows, repeats=3):
    gan.sample(min(n_rows, 1000), random_state=0)
    seconds = []
    for repeat in range(repeats):
        started = time.perf_counter()
        gan.sample(n_rows, random_state=repeat)
        seconds.append(time.perf_counter() - started)
    return n_rows / statistics.median(seconds)


def parzen_cost(gan, X_test, device):
    """Seconds of ``score`` and of the bare Parzen window at paper scale."""
    started = time.perf_counter()
    centers = gan.parzen_centers()
    generate_seconds = time.perf_counter() - started

    started = time.perf_counter()
    gan.score(X_test)
    score_seconds = time.perf_counter() - started

    started = time.perf_counter()
    parzen_log_likelihood(X_test, centers, gan.bandwidth_, device=device)
    window_seconds = time.perf_counter() - started
    return {
        "n_queries": len(X_test),
        "n_centers": len(centers),
        "n_features": X_test.shape[1],
        "score": score_seconds,
        "window": window_seconds,
        "generate": generate_seconds,
    }


def epoch_seconds(X, settings, *, epochs, device):
    """Median seconds of a GANSampler epoch after the first, and train rows."""
    result = run_gansampler(
        X,
        {**settings, "n_parzen_samples": 1000},
        epochs=epochs,
        device=device,
        seed=0,
        with_plain=False,
    )
    wall = result["gansampler"]["wall"]
    return float(np.median(wall[1:] if epochs > 1 else wall)), result["n_train"]


def row_scaling(X, factors, *, epochs, device):
    rows = []
    for factor in factors:
        data = tile_with_noise(X, factor)
        seconds, n_train = epoch_seconds(
            data, DEFAULT_SETTINGS, epochs=epochs, device=device
        )
        rows.append({"rows": len(data), "n_train": n_train, "seconds": seconds})
        print(f"  rows {len(data)}: {seconds:.3f} s per epoch", flush=True)
    return rows


def feature_scaling(n_rows, feature_counts, *, epochs, device):
    rng = np.random.default_rng(0)
    rows = []
    for n_features in feature_counts:
        data = rng.normal(size=(n_rows, n_features))
        seconds, n_train = epoch_seconds(
            data, DEFAULT_SETTINGS, epochs=epochs, device=device
        )
        rows.append({"features": n_features, "n_train": n_train, "seconds": seconds})
        print(f"  features {n_features}: {seconds:.3f} s per epoch", flush=True)
    return rows


# ----------------------------------------------------------------------
# Report
# ----------------------------------------------------------------------


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine_description(device):
    lines = [
        f"- date: {datetime.date.today().isoformat()}",
        f"- machine: {platform.platform()}, {cpu_model()}, "
        f"{os.cpu_count()} logical CPUs visible",
        f"- python {platform.python_version()}, torch {torch.__version__}, "
        f"numpy {np.__version__}",
        f"- torch threads: {torch.get_num_threads()} (set with torch.set_num_threads), "
        f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}",
        "- load average (1, 5, 15 min) at the end: "
        + ", ".join(f"{value:.1f}" for value in os.getloadavg()),
        f"- device: {device}",
    ]
    if torch.device(device).type == "cuda":
        lines.append(f"- GPU: {torch.cuda.get_device_name(device)}")
    return lines


def write_report(
    path,
    *,
    device,
    args,
    comparisons,
    sampling,
    parzen,
    rows,
    features,
    mixed_precision,
):
    lines = [
        f"# Training speed ({device})",
        "",
        "Written by `benchmarks/bench_training_speed.py` "
        f"(`{' '.join(sys.argv[1:]) or 'no arguments'}`).",
        "",
        *machine_description(device),
        "",
        "## GANSampler against a plain PyTorch loop",
        "",
        "Same networks and initial weights, same training rows, batch size, "
        "optimizer and k; noise drawn on the device in both; per-batch losses "
        "kept on the device and read once per epoch in both. Epochs alternate "
        "(GANSampler, plain, GANSampler, ...): every epoch of a GANSampler fit "
        "is followed by one plain-loop epoch, run from a callback on the same "
        f"rows. {args.mnist_runs} fits on MNIST, {args.digits_runs} on digits; "
        "the first epoch of each side in every fit is left out (allocation "
        "warm-up). 'ratio' is the median "
        "GANSampler epoch over the median plain epoch (wall time); 'paired' "
        "the median of the ratios of neighbouring epochs, with their "
        "interquartile range, the spread a single epoch's timing has on this "
        "machine; 'CPU' the same as "
        "'ratio' in process CPU time. `dur` is skorch's `EpochTimer` column "
        "of `history_` for the same epochs. 'outside epochs' is the rest of "
        "`fit`: validation, set-up, and the Parzen bandwidth choice on "
        "`n_parzen_samples=10000` generated rows.",
        "",
        "Beyond the plain loop, a GANSampler epoch runs skorch's callbacks "
        "(four notifications per batch), records `train_batch_size` and, at "
        "the epoch's end, per-batch `loss_d`, `loss_g`, `d_real` and `d_fake` "
        "in `history_`, copies the weights and optimizer state so that a "
        "diverged epoch can be undone, and checks losses and weights for "
        "NaN or infinity.",
        "",
        "| data | networks | train rows | batches/epoch | epochs timed | "
        "GANSampler s/epoch | plain s/epoch | ratio | paired | CPU | `dur` s | "
        "outside epochs s |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for item in comparisons:
        lines.append(
            f"| {item['name']} | {item['networks']} | {item['n_train']:,} | "
            f"{item['batches']} | {item['n_epochs_timed']} | "
            f"{item['gansampler']:.3f} | {item['plain']:.3f} | "
            f"**{item['ratio']:.3f}** | {item['pair_ratio']:.3f} "
            f"({item['pair_quartiles'][0]:.2f}–{item['pair_quartiles'][1]:.2f}) | "
            f"{item['cpu_ratio']:.3f} | {item['history_dur']:.3f} | "
            f"{item['outside_epochs']:.2f} |"
        )
    lines += ["", "Wall seconds of every epoch, warm-up included, fit by fit:", ""]
    for item in comparisons:
        for number, (ours, plain) in enumerate(item["per_fit"], start=1):
            lines.append(
                f"- {item['name']}, fit {number}: GANSampler "
                + " ".join(f"{value:.3f}" for value in ours)
                + "; plain "
                + " ".join(f"{value:.3f}" for value in plain)
            )
    if mixed_precision is not None:
        lines += [
            "",
            "With `mixed_precision=True` (bfloat16 autocast), GANSampler alone, "
            f"paper networks, {mixed_precision['n_train']:,} training rows: "
            f"**{mixed_precision['seconds']:.3f} s per epoch** (median after the "
            "first epoch).",
        ]
    lines += [
        "",
        "## Sampling",
        "",
        "`sample(n)` of the fitted estimators above: noise on the device, the "
        "generator in evaluation mode without gradients, blocks of 16,384 "
        "rows copied to the host and mapped back to the data's units; median "
        "of 3 calls.",
        "",
        "| networks | rows drawn | rows/s |",
        "|---|---:|---:|",
    ]
    for name, n_rows, rate in sampling:
        lines.append(f"| {name} | {n_rows:,} | {rate:,.0f} |")
    lines += [
        "",
        "## Parzen window at the paper's scale",
        "",
        f"`score` of {parzen['n_queries']:,} MNIST test rows against "
        f"{parzen['n_centers']:,} generated centres in {parzen['n_features']} "
        "dimensions (float64): "
        f"**{parzen['score']:.2f} s**, of which drawing the centres with the "
        f"paper generator takes {parzen['generate']:.2f} s and "
        f"`parzen_log_likelihood` alone {parzen['window']:.2f} s.",
        "",
        "## Scaling (GANSampler, default networks, batch 64)",
        "",
        "Seconds per epoch are the median over the epochs after the first "
        f"({args.scaling_epochs} epochs a fit), as `history_[:, 'dur']` gives "
        "them; divided by the training rows they give the training time per "
        "row. Rows: the digits data tiled with jitter (10 % held out as "
        "usual).",
        "",
        "| rows | train rows | s/epoch | ms per 1,000 train rows |",
        "|---:|---:|---:|---:|",
    ]
    for item in rows:
        lines.append(
            f"| {item['rows']:,} | {item['n_train']:,} | {item['seconds']:.3f} | "
            f"{1000 * 1000 * item['seconds'] / item['n_train']:.1f} |"
        )
    lines += [
        "",
        f"Features: {args.feature_rows:,} standard-normal rows.",
        "",
        "| features | train rows | s/epoch | ms per 1,000 train rows |",
        "|---:|---:|---:|---:|",
    ]
    for item in features:
        lines.append(
            f"| {item['features']} | {item['n_train']:,} | {item['seconds']:.3f} | "
            f"{1000 * 1000 * item['seconds'] / item['n_train']:.1f} |"
        )
    lines.append("")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))
    print(f"wrote {path}")


def parse_arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    parser.add_argument("--mnist-dir", default=str(DEFAULT_MNIST_DIR))
    parser.add_argument(
        "--mnist-rows",
        type=int,
        default=None,
        help="training-file rows used (default 10,000; 50,000 on CUDA)",
    )
    parser.add_argument("--mnist-runs", type=int, default=2, help="fits on MNIST")
    parser.add_argument("--mnist-epochs", type=int, default=6)
    parser.add_argument("--digits-runs", type=int, default=3, help="fits on digits")
    parser.add_argument("--digits-epochs", type=int, default=20)
    parser.add_argument("--scaling-epochs", type=int, default=2)
    parser.add_argument("--feature-rows", type=int, default=10000)
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes, to check the script runs"
    )
    parser.add_argument(
        "--mixed-precision-row",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also time the paper networks with mixed_precision=True "
        "(default: on CUDA only)",
    )
    parser.add_argument("--output", default=None, help="Markdown file to write")
    parser.add_argument(
        "--skip", nargs="*", default=[], choices=["mnist", "digits", "scaling"]
    )
    args = parser.parse_args(argv)
    on_cuda = torch.device(args.device).type == "cuda"
    if args.mnist_rows is None:
        args.mnist_rows = 50000 if on_cuda else 10000
    if args.mixed_precision_row is None:
        args.mixed_precision_row = on_cuda
    # rows drawn when timing sample: enough for a few seconds of work
    args.paper_draw, args.default_draw = (
        (200000, 2000000) if on_cuda else (20000, 200000)
    )
    if args.quick:
        args.mnist_rows, args.mnist_runs, args.digits_runs = 500, 2, 2
        args.mnist_epochs, args.digits_epochs, args.scaling_epochs = 2, 2, 2
        args.feature_rows = 1000
        args.paper_draw, args.default_draw = 2000, 20000
    return args


def main(argv=None):
    args = parse_arguments(argv)
    torch.set_num_threads(args.threads)
    device = args.device
    if torch.device(device).type == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda was given, but torch sees no CUDA device.")
    output = args.output
    if output is None:
        output = DEFAULT_OUTPUT
        if torch.device(device).type == "cuda":
            output = DEFAULT_OUTPUT.with_name("training_speed_cuda.md")
        if args.quick:
            output = Path(output).with_suffix(".quick.md")

    comparisons, sampling = [], []
    parzen = mixed_precision = None
    if "mnist" not in args.skip:
        X_mnist, X_test = load_mnist(args.mnist_dir, args.mnist_rows)
        print(f"MNIST {X_mnist.shape}, paper networks", flush=True)
        result = compare(
            f"MNIST train[:{args.mnist_rows}]",
            X_mnist,
            PAPER_SETTINGS,
            runs=args.mnist_runs,
            epochs=args.mnist_epochs,
            device=device,
        )
        result["networks"] = "paper (G 100-1200-1200-784, D maxout 240x5 x2)"
        comparisons.append(result)
        gan = result["estimator"]
        sampling.append(
            ("paper G", args.paper_draw, sampling_speed(gan, args.paper_draw))
        )
        n_queries = 500 if args.quick else 10000
        parzen = parzen_cost(gan, X_test[:n_queries], device)
        print(f"  Parzen: {parzen}", flush=True)
        if args.mixed_precision_row:
            seconds, n_train = epoch_seconds(
                X_mnist,
                {**PAPER_SETTINGS, "mixed_precision": True},
                epochs=args.mnist_epochs,
                device=device,
            )
            mixed_precision = {"seconds": seconds, "n_train": n_train}
            print(f"  mixed precision: {seconds:.3f} s per epoch", flush=True)

    digits = load_digits().data
    if "digits" not in args.skip:
        print(f"digits {digits.shape}, default networks", flush=True)
        result = compare(
            "digits",
            digits,
            DEFAULT_SETTINGS,
            runs=args.digits_runs,
            epochs=args.digits_epochs,
            device=device,
        )
        result["networks"] = "defaults (G 32-128-128-64, D maxout 128x5 x2)"
        comparisons.append(result)
        rate = sampling_speed(result["estimator"], args.default_draw)
        sampling.append(("default G", args.default_draw, rate))
    for item in comparisons:
        print(
            f"{item['name']}: GANSampler {item['gansampler']:.3f} s/epoch, plain "
            f"{item['plain']:.3f} s/epoch, ratio {item['ratio']:.3f}",
            flush=True,
        )

    rows, features = [], []
    if "scaling" not in args.skip:
        print("scaling with rows", flush=True)
        factors = (1, 2) if args.quick else (1, 10, 100)
        rows = row_scaling(digits, factors, epochs=args.scaling_epochs, device=device)
        print("scaling with features", flush=True)
        feature_counts = (16, 64) if args.quick else (16, 64, 256, 784)
        features = feature_scaling(
            args.feature_rows,
            feature_counts,
            epochs=args.scaling_epochs,
            device=device,
        )

    if parzen is None:
        parzen = {"n_queries": 0, "n_centers": 0, "n_features": 0}
        parzen.update(score=math.nan, window=math.nan, generate=math.nan)
    write_report(
        output,
        device=device,
        args=args,
        comparisons=comparisons,
        sampling=sampling,
        parzen=parzen,
        rows=rows,
        features=features,
        mixed_precision=mixed_precision,
    )


if __name__ == "__main__":
    main()
