"""Time sklearn_gan's Parzen score against scikit-learn's KernelDensity.

The setting is the 2014 GAN paper's MNIST evaluation: pixels in [0, 1], a
Gaussian Parzen window on 10,000 centres (here the first 10,000 training
images stand in for generator samples), its bandwidth chosen on the
validation rows 50,000-51,000 from the paper's grid ``logspace(-1, 0, 10)``,
and the 10,000 test images scored. Each method runs in a child process of
its own, so that its peak memory can be measured (the child's peak resident
size after the call, less its resident size just before it), and every
method's log-densities are compared with an exact float64 reference computed
from explicit differences (``scipy.spatial.distance.cdist``).

Run from the repository root::

    python benchmarks/bench_parzen.py            # the paper's scale, minutes
    python benchmarks/bench_parzen.py --quick    # 1,000 centres, 500 queries

The Markdown table goes to ``benchmarks/results/parzen.md`` (``--output``).
"""

import argparse
import datetime
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

BENCHMARKS = Path(__file__).resolve().parent
REPOSITORY = BENCHMARKS.parent
sys.path.insert(0, str(REPOSITORY))
sys.path.insert(0, str(BENCHMARKS))

import _mnist  # noqa: E402

# A log-density counts as in disagreement with the reference when it differs
# by more than this, relative to max(|reference|, 1).
DISAGREEMENT_RTOL = 1e-6

PAPER_GRID = np.logspace(-1, 0, 10)
VALIDATION_ROWS = slice(50_000, 51_000)

METHODS = {
    "reference": "exact float64 reference (cdist on explicit differences)",
    "select_paper": "sklearn_gan select_bandwidth, paper grid (10 bandwidths)",
    "select_default": "sklearn_gan select_bandwidth, default grid (26 bandwidths)",
    "sklearn_gan": "sklearn_gan parzen_score (float64, default)",
    "sklearn_gan_one_thread": "sklearn_gan parzen_score, torch.set_num_threads(1)",
    "sklearn_gan_float32": "sklearn_gan parzen_score (dtype='float32')",
    "kde_exact": "KernelDensity(leaf_size=n_centres) (exact setting)",
    "kde_default": "KernelDensity() (default settings)",
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-centers", type=int, default=10_000)
    parser.add_argument("--n-queries", type=int, default=10_000)
    parser.add_argument(
        "--kde-default-queries",
        type=int,
        default=None,
        help="score only this many queries with KernelDensity's defaults "
        "(their time is then reported per query and scaled up)",
    )
    parser.add_argument("--quick", action="store_true", help="1,000 x 500 rows")
    parser.add_argument("--mnist", type=Path, default=_mnist.DEFAULT_DIRECTORY)
    parser.add_argument(
        "--output", type=Path, default=BENCHMARKS / "results" / "parzen.md"
    )
    parser.add_argument("--worker", choices=sorted(METHODS), help=argparse.SUPPRESS)
    parser.add_argument("--bandwidth", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--save", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.n_centers, args.n_queries = 1_000, 500
    if args.worker:
        run_worker(args)
    else:
        run_all(args)


def load(args):
    train = _mnist.load_images("train", args.mnist)
    test = _mnist.load_images("test", args.mnist)
    centers = np.ascontiguousarray(train[: args.n_centers])
    valid = np.ascontiguousarray(train[VALIDATION_ROWS])
    queries = np.ascontiguousarray(test[: args.n_queries])
    del train, test
    return centers, valid, queries


def status_bytes(field):
    """A size from /proc/self/status ("VmRSS", "VmHWM"), in bytes."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"/proc/self/status has no {field} line.")


def reset_peak_resident_size():
    # Writing 5 to clear_refs sets the peak resident size (VmHWM) to the
    # current one, so that VmHWM after a call is the peak during it.
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")


def run_worker(args):
    """Run one method in this process and print its time and memory."""
    import torch
    from scipy.spatial.distance import cdist
    from scipy.special import logsumexp
    from sklearn.neighbors import KernelDensity

    from sklearn_gan import parzen_log_likelihood, select_bandwidth

    centers, valid, queries = load(args)
    n_queries = len(queries)
    if args.worker == "kde_default" and args.kde_default_queries:
        queries = queries[: args.kde_default_queries]
    bandwidth = args.bandwidth

    def reference():
        out = np.empty(len(queries))
        for start in range(0, len(queries), 200):
            sq_dist = cdist(queries[start : start + 200], centers, "sqeuclidean")
            out[start : start + 200] = logsumexp(-sq_dist / (2 * bandwidth**2), axis=1)
        return (
            out
            - math.log(len(centers))
            - centers.shape[1] * math.log(bandwidth * math.sqrt(2 * math.pi))
        )

    def kde(**params):
        model = KernelDensity(bandwidth=bandwidth, **params).fit(centers)
        return model.score_samples(queries)

    def one_thread(function):
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return function()
        finally:
            torch.set_num_threads(threads)

    def select(grid):
        best, scores = select_bandwidth(
            valid, centers, grid, return_scores=True, device="cpu"
        )
        return np.array([best, *scores])

    run = {
        "reference": reference,
        "select_paper": lambda: select(PAPER_GRID),
        "select_default": lambda: select(None),
        "sklearn_gan": lambda: parzen_log_likelihood(
            queries, centers, bandwidth, device="cpu"
        ),
        "sklearn_gan_one_thread": lambda: one_thread(
            lambda: parzen_log_likelihood(queries, centers, bandwidth, device="cpu")
        ),
        "sklearn_gan_float32": lambda: parzen_log_likelihood(
            queries, centers, bandwidth, device="cpu", dtype="float32"
        ),
        "kde_exact": lambda: kde(leaf_size=len(centers)),
        "kde_default": lambda: kde(),
    }[args.worker]

    # Start thread pools and allocators on a small problem first, so that the
    # measured memory is the computation's own.
    parzen_log_likelihood(queries[:5], centers[:5], 0.5, device="cpu")
    KernelDensity().fit(centers[:5]).score_samples(queries[:5])
    reset_peak_resident_size()
    before = status_bytes("VmRSS")
    wall, cpu = time.perf_counter(), time.process_time()
    values = run()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = status_bytes("VmHWM")
    np.save(args.save, values)
    json.dump(
        {
            "seconds": wall,
            "cpu_seconds": cpu,
            "extra_bytes": peak - before,
            "n_scored": len(queries),
            "n_queries": n_queries,
            "torch_threads": torch.get_num_threads(),
        },
        sys.stdout,
    )


def spawn(method, args, bandwidth, directory):
    save = Path(directory) / f"{method}.npy"
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        method,
        "--n-centers",
        str(args.n_centers),
        "--n-queries",
        str(args.n_queries),
        "--mnist",
        str(args.mnist),
        "--save",
        str(save),
    ]
    if bandwidth is not None:
        command += ["--bandwidth", repr(bandwidth)]
    if args.kde_default_queries:
        command += ["--kde-default-queries", str(args.kde_default_queries)]
    print(f"running {METHODS[method]} ...", file=sys.stderr, flush=True)
    completed = subprocess.run(
        command, capture_output=True, text=True, check=False, cwd=REPOSITORY
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{method} failed:\n{completed.stderr}")
    report = json.loads(completed.stdout)
    report["values"] = np.load(save)
    print(
        f"  {report['seconds']:.1f} s, {report['extra_bytes'] / 2**20:.0f} MiB",
        file=sys.stderr,
        flush=True,
    )
    return report


def run_all(args):
    started = datetime.datetime.now(datetime.timezone.utc)
    load_before = os.getloadavg()
    results = {}
    with tempfile.TemporaryDirectory() as directory:
        results["select_paper"] = spawn("select_paper", args, None, directory)
        bandwidth = float(results["select_paper"]["values"][0])
        results["select_default"] = spawn("select_default", args, None, directory)
        for method in [
            "reference",
            "sklearn_gan",
            "sklearn_gan_one_thread",
            "sklearn_gan_float32",
            "kde_exact",
            "kde_default",
        ]:
            results[method] = spawn(method, args, bandwidth, directory)
    load_after = os.getloadavg()
    finished = datetime.datetime.now(datetime.timezone.utc)

    text = report(args, results, bandwidth, started, finished, load_before, load_after)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    print(text)


SCORE_COLUMNS = [
    "method",
    "queries scored",
    "seconds",
    "CPU seconds",
    "peak extra memory (MiB)",
    "largest relative difference",
    "largest absolute difference (nats)",
    "points in disagreement",
    "mean log-likelihood ± s.e.",
    "time over sklearn_gan's",
]
SELECTION_COLUMNS = [
    "method",
    "candidates",
    "chosen bandwidth",
    "best mean validation log-likelihood",
    "seconds",
    "CPU seconds",
    "peak extra memory (MiB)",
]


def table_header(columns):
    return "| " + " | ".join(columns) + " |\n" + "|---" * len(columns) + "|"


def compare(values, reference):
    reference = reference[: len(values)]
    relative = np.abs(values - reference) / np.maximum(np.abs(reference), 1.0)
    return (
        float(relative.max()),
        float(np.abs(values - reference).max()),
        int(np.sum(relative > DISAGREEMENT_RTOL)),
    )


def cpu_model():
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def report(args, results, bandwidth, started, finished, load_before, load_after):
    import sklearn
    import torch

    reference = results["reference"]["values"]
    ours = results["sklearn_gan"]
    rows = []
    for method in [
        "sklearn_gan",
        "sklearn_gan_one_thread",
        "sklearn_gan_float32",
        "kde_exact",
        "kde_default",
        "reference",
    ]:
        result = results[method]
        values = result["values"]
        largest_relative, largest_absolute, n_disagree = compare(values, reference)
        per_query = result["seconds"] / result["n_scored"]
        full_seconds = per_query * result["n_queries"]
        scaled = result["n_scored"] < result["n_queries"]
        speedup = full_seconds / ours["seconds"]
        mean = values.mean()
        std_error = values.std(ddof=1) / math.sqrt(len(values))
        rows.append(
            f"| {METHODS[method]} | {result['n_scored']:,} "
            f"| {result['seconds']:.1f}"
            + (f" ({full_seconds:.0f} for all, scaled)" if scaled else "")
            + f" | {result['cpu_seconds']:.1f} "
            f"| {result['extra_bytes'] / 2**20:.0f} "
            f"| {largest_relative:.1e} | {largest_absolute:.1e} "
            f"| {n_disagree:,} of {len(values):,} "
            f"| {mean:.2f} ± {std_error:.2f} "
            f"| {'—' if method == 'sklearn_gan' else f'{speedup:.1f}x'} |"
        )

    selections = []
    for method in ["select_paper", "select_default"]:
        result = results[method]
        best, scores = result["values"][0], result["values"][1:]
        selections.append(
            f"| {METHODS[method]} | {len(scores)} | {best:.4g} "
            f"| {scores.max():.2f} | {result['seconds']:.1f} "
            f"| {result['cpu_seconds']:.1f} | {result['extra_bytes'] / 2**20:.0f} |"
        )

    float32 = results["sklearn_gan_float32"]["values"]
    float32_relative = np.abs(float32 - reference) / np.maximum(np.abs(reference), 1)

    def ratio(method, measure):
        result = results[method]
        full = result[measure] / result["n_scored"] * result["n_queries"]
        return full / ours[measure]

    wrong_default = compare(results["kde_default"]["values"], reference)
    minutes = (finished - started).total_seconds() / 60

    return f"""# Parzen-window scoring: sklearn_gan against KernelDensity

Generated by `benchmarks/bench_parzen.py`{" --quick" if args.quick else ""} on
{started:%Y-%m-%d} ({started:%H:%M}–{finished:%H:%M} UTC, {minutes:.0f} minutes in
all).

## Machine

- CPU: {cpu_model()}, {os.cpu_count()} logical cores as seen by the process;
  torch intra-op threads: {ours["torch_threads"]}; KernelDensity runs on one thread.
- Python {platform.python_version()}, torch {torch.__version__},
  scikit-learn {sklearn.__version__}, numpy {np.__version__}.
- **The CPU was shared with other processes.** Load average (1, 5, 15 min):
  {load_before[0]:.1f}, {load_before[1]:.1f}, {load_before[2]:.1f} at the start and
  {load_after[0]:.1f}, {load_after[1]:.1f}, {load_after[2]:.1f} at the end, on
  {os.cpu_count()} cores: every method got a varying fraction of the machine, so the
  seconds below are noisy and likely higher than on an idle machine. The CPU
  seconds column (user + system time of the process) is less sensitive to this.

## Setting

The paper's MNIST protocol with real pixels in [0, 1] and 784 dimensions:
{args.n_centers:,} centres (the first training images, standing in for generator
samples), {args.n_queries:,} queries (the first test images), bandwidth
{bandwidth:.4g} chosen by `select_bandwidth` on training rows 50,000–51,000 from
the paper's grid `logspace(-1, 0, 10)`. Every method ran in a child process of
its own; "peak extra memory" is that process's peak resident size during the
call (Linux's VmHWM, reset just before it through /proc/self/clear_refs) less
its resident size just before it, with the data already loaded (0 means that
the call fitted in memory the process already held). A point is
in disagreement when it differs from the exact float64 reference by more than
{DISAGREEMENT_RTOL:g} relative (to max(|reference|, 1)).

{table_header(SCORE_COLUMNS)}
{chr(10).join(rows)}

In wall-clock seconds sklearn_gan (default settings) is
**{ratio("kde_default", "seconds"):.1f}x** faster than KernelDensity with its
default settings and **{ratio("kde_exact", "seconds"):.1f}x** faster than
KernelDensity in its exact setting (`leaf_size` at least the number of
centres); in CPU seconds, {ratio("kde_default", "cpu_seconds"):.1f}x and
{ratio("kde_exact", "cpu_seconds"):.1f}x. KernelDensity's default tree settings
give wrong log-densities at this dimension: {wrong_default[2]:,} of
{len(results["kde_default"]["values"]):,} points, off by up to
{wrong_default[1]:.0f} nats. Its exact setting agrees with the reference.
`KernelDensity.score` would return the *sum* of these values, not their mean.

float32 path: largest relative error {float32_relative.max():.1e}, median
{np.median(float32_relative):.1e} (largest absolute error
{np.abs(float32 - reference).max():.1e} nats) at bandwidth {bandwidth:.4g}.

## Bandwidth selection

On the 1,000 validation rows against the {args.n_centers:,} centres, all
candidates sharing each block of distances:

{table_header(SELECTION_COLUMNS)}
{chr(10).join(selections)}
"""


if __name__ == "__main__":
    main()
