"""Tests of the Parzen-window evaluation against direct computations."""

import json
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch
from scipy.special import logsumexp

from sklearn_gan import (
    ParzenScore,
    default_bandwidths,
    parzen_log_likelihood,
    parzen_score,
    select_bandwidth,
)
from sklearn_gan._parzen import _log_likelihood_grid, _plan_blocks

REPOSITORY = Path(__file__).resolve().parents[1]

# Agreement asked of the float64 path: relative, with an absolute floor for
# log-densities that happen to lie near 0.
RTOL = 1e-9
ATOL = 1e-9

BANDWIDTHS = [1e-4, 1e-3, 1e-2, 0.1, 0.5, 1.0, 10.0]


@pytest.fixture(autouse=True)
def one_torch_thread():
    # These problems are small: one thread is as fast, and it does not stall
    # in thread synchronisation when other processes crowd the cores.
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def reference_log_density(X, centers, bandwidth, row_chunk=64):
    """log p(x) from explicit differences, in float64, a few rows at a time."""
    X = np.asarray(X, dtype=np.float64)
    centers = np.asarray(centers, dtype=np.float64)
    n_features = X.shape[1]
    out = np.empty(len(X))
    for start in range(0, len(X), row_chunk):
        difference = X[start : start + row_chunk, None, :] - centers[None, :, :]
        sq_dist = np.einsum("ijk,ijk->ij", difference, difference)
        out[start : start + row_chunk] = logsumexp(
            -sq_dist / (2 * bandwidth**2), axis=1
        )
    return (
        out
        - math.log(len(centers))
        - n_features * math.log(bandwidth * math.sqrt(2 * math.pi))
    )


def make_case(kind, n_features, rng):
    """Query rows and centres of one of the hard kinds of input."""
    centers = rng.normal(size=(120, n_features))
    if kind == "random":
        X = rng.normal(size=(40, n_features))
    elif kind == "on_centers":
        X = centers[:40].copy()
    elif kind == "near_centers":
        X = centers[:40] + 1e-5 * rng.normal(size=(40, n_features))
    elif kind == "offset":
        # A large common offset, queries close to centres: the worst case
        # for distances taken from matrix products.
        centers = centers + 1e6
        X = centers[:40] + 1e-3 * rng.normal(size=(40, n_features))
    elif kind == "far":
        X = rng.normal(size=(40, n_features)) + 1e3
    elif kind == "clustered":
        # Wide data (spread 100) with tight clusters: each query sits on or
        # near a centre that has neighbours a few 1e-3 away, so that several
        # terms count and all of them need exact distances.
        centers = 100 * centers
        neighbours = np.repeat(centers[:20], 3, axis=0)
        neighbours += 2e-3 * rng.normal(size=neighbours.shape) / math.sqrt(n_features)
        centers = np.vstack([centers, neighbours])
        X = np.vstack(
            [centers[:20], centers[:20] + 1e-3 * rng.normal(size=(20, n_features))]
        )
    elif kind == "duplicated_centers":
        centers = np.repeat(centers[:3], 40, axis=0)
        X = np.vstack([centers[:20], rng.normal(size=(20, n_features))])
    else:
        raise AssertionError(kind)
    return X, centers


KINDS = [
    "random",
    "on_centers",
    "near_centers",
    "offset",
    "far",
    "clustered",
    "duplicated_centers",
]


@pytest.mark.parametrize("bandwidth", BANDWIDTHS)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("n_features", [2, 30])
def test_matches_reference(kind, n_features, bandwidth):
    rng = np.random.default_rng(0)
    X, centers = make_case(kind, n_features, rng)

    result = parzen_log_likelihood(X, centers, bandwidth, device="cpu")

    expected = reference_log_density(X, centers, bandwidth)
    assert result.dtype == np.float64
    assert np.all(np.isfinite(result))
    np.testing.assert_allclose(result, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("bandwidth", [1e-4, 0.1])
def test_far_queries_are_finite_and_very_negative(bandwidth):
    rng = np.random.default_rng(1)
    centers = rng.normal(size=(50, 5))
    X = rng.normal(size=(10, 5)) + 1e4

    result = parzen_log_likelihood(X, centers, bandwidth)

    assert np.all(np.isfinite(result))
    # Every squared distance is about 5 * 1e8.
    assert np.all(result < -1e8 / bandwidth**2)
    np.testing.assert_allclose(
        result, reference_log_density(X, centers, bandwidth), rtol=RTOL
    )


def test_one_centre_one_row_closed_form():
    result = parzen_log_likelihood([[1.0, 2.0, 2.0]], [[0.0, 0.0, 0.0]], 2.0)

    expected = -9 / 8 - 3 * math.log(2.0 * math.sqrt(2 * math.pi))
    np.testing.assert_allclose(result, [expected], rtol=1e-14)


@pytest.fixture
def no_screening():
    # With TF32-like float32 products allowed, single bandwidths take the
    # float64 matrix products instead of the float32 screening.
    previous = torch.get_float32_matmul_precision()
    torch.set_float32_matmul_precision("high")
    yield
    torch.set_float32_matmul_precision(previous)


@pytest.mark.parametrize("bandwidth", BANDWIDTHS)
@pytest.mark.parametrize("kind", KINDS)
def test_matches_reference_without_screening(kind, bandwidth, no_screening):
    rng = np.random.default_rng(0)
    X, centers = make_case(kind, 30, rng)

    result = parzen_log_likelihood(X, centers, bandwidth, device="cpu")

    expected = reference_log_density(X, centers, bandwidth)
    np.testing.assert_allclose(result, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("bandwidth", [1e-3, 0.3, 3.0])
def test_screening_and_its_fallback_agree_with_float64_products(bandwidth):
    # 600 rows: a first block that decides on screening and more after it;
    # at the widest bandwidth too many terms count and screening gives up.
    rng = np.random.default_rng(16)
    centers = rng.normal(size=(500, 8))
    X = np.vstack([centers[:300], rng.normal(size=(300, 8))])

    screened = parzen_log_likelihood(X, centers, bandwidth, memory_budget=2**22)
    previous = torch.get_float32_matmul_precision()
    torch.set_float32_matmul_precision("high")
    try:
        plain = parzen_log_likelihood(X, centers, bandwidth, memory_budget=2**22)
    finally:
        torch.set_float32_matmul_precision(previous)

    np.testing.assert_allclose(screened, plain, rtol=1e-12)
    np.testing.assert_allclose(
        screened, reference_log_density(X, centers, bandwidth), rtol=RTOL
    )


@pytest.mark.parametrize("bandwidth", [1e-4, 1e-3, 1e-2])
def test_screening_keeps_the_nearest_of_almost_equidistant_centres(bandwidth):
    # 200 centres on a shell around the first query, their squared distances
    # 1e-6 apart, and 200 more far away so that the centring cannot bring the
    # query near the origin: float32 products then misorder the shell, but
    # narrow kernels make the true nearest centre worth many nats more than
    # the next.
    rng = np.random.default_rng(17)
    n_features = 30
    x = np.full(n_features, 3.0)
    directions = rng.normal(size=(200, n_features))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    radii = np.sqrt(1.0 + 1e-6 * rng.permutation(200))
    shell = x + radii[:, None] * directions
    far = -x + rng.normal(size=(200, n_features))
    centers = np.vstack([shell, far])
    # Other rows near the far centres keep the screening worth its while.
    X = np.vstack([x, far[:199] + 0.01 * rng.normal(size=(199, n_features))])

    result = parzen_log_likelihood(X, centers, bandwidth)

    np.testing.assert_allclose(
        result, reference_log_density(X, centers, bandwidth), rtol=RTOL
    )


@pytest.mark.parametrize("kind", ["random", "on_centers", "duplicated_centers"])
def test_grid_matches_reference_for_every_bandwidth(kind):
    # Enough centres that narrow kernels work on packed blocks.
    rng = np.random.default_rng(2)
    X, centers = make_case(kind, 4, rng)
    centers = np.vstack([centers, rng.normal(size=(400, 4))])
    bandwidths = np.logspace(-4, 1, 21)

    grid = _log_likelihood_grid(
        X, centers, bandwidths, memory_budget=2**24, dtype="float64", device="cpu"
    )

    for column, bandwidth in enumerate(bandwidths):
        np.testing.assert_allclose(
            grid[:, column],
            reference_log_density(X, centers, bandwidth),
            rtol=RTOL,
            atol=ATOL,
        )


@pytest.mark.parametrize("memory_budget", [1500, 3000, 20_000])
@pytest.mark.parametrize("n_bandwidths", [1, 5])
@pytest.mark.parametrize("kind", ["random", "on_centers"])
def test_results_do_not_depend_on_block_size(memory_budget, n_bandwidths, kind):
    rng = np.random.default_rng(3)
    X, centers = make_case(kind, 3, rng)
    bandwidths = np.logspace(-3, 0, n_bandwidths)

    small = _log_likelihood_grid(
        X,
        centers,
        bandwidths,
        memory_budget=memory_budget,
        dtype="float64",
        device="cpu",
    )
    large = _log_likelihood_grid(
        X, centers, bandwidths, memory_budget=2**30, dtype="float64", device="cpu"
    )

    np.testing.assert_allclose(small, large, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("memory_budget", [1500, 3000])
def test_tiny_budgets_split_both_rows_and_centres(memory_budget):
    row_step, center_step = _plan_blocks(
        n_rows=40,
        n_centers=120,
        n_features=3,
        pair_bytes=24,
        memory_budget=memory_budget,
    )

    assert 1 <= row_step < 40
    assert 1 <= center_step < 120
    assert row_step * (center_step * 24 + 16 * 3) <= memory_budget


def test_blocks_of_paper_scale_fit_a_few_hundred_megabytes():
    # 20,000 test rows, 10,000 centres, 784 pixels, the default budget.
    row_step, center_step = _plan_blocks(
        n_rows=20_000,
        n_centers=10_000,
        n_features=784,
        pair_bytes=8,
        memory_budget=256 * 2**20,
    )

    assert center_step == 10_000
    assert 1_000 <= row_step < 20_000
    assert row_step * (center_step * 8 + 16 * 784) <= 256 * 2**20


@pytest.mark.parametrize("n_features", [2, 10, 50])
@pytest.mark.parametrize("bandwidth", [0.05, 0.3, 1.0, 10.0])
def test_float32_error_is_within_the_documented_bound(n_features, bandwidth):
    rng = np.random.default_rng(4)
    centers = rng.normal(size=(300, n_features))
    X = rng.normal(size=(100, n_features))

    single = parzen_log_likelihood(X, centers, bandwidth, dtype="float32")

    exact = reference_log_density(X, centers, bandwidth)
    # The user guide quotes about 3e-7 * d * (spread / bandwidth)^2 nats from
    # the distances plus about 1e-7 from the sums; the spread here is 1.
    bound = 1e-6 * n_features / bandwidth**2 + 1e-6
    assert single.dtype == np.float64
    assert np.max(np.abs(single - exact)) <= bound


@pytest.mark.parametrize("dtype", ["float32", np.float32, torch.float32])
def test_dtype_spellings(dtype):
    rng = np.random.default_rng(5)
    X, centers = rng.normal(size=(5, 3)), rng.normal(size=(7, 3))

    result = parzen_log_likelihood(X, centers, 0.5, dtype=dtype)

    expected = parzen_log_likelihood(X, centers, 0.5, dtype="float32")
    np.testing.assert_array_equal(result, expected)


def test_float32_input_is_scored_like_its_float64_copy():
    rng = np.random.default_rng(6)
    X = rng.normal(size=(30, 4)).astype(np.float32)
    centers = rng.normal(size=(50, 4)).astype(np.float32)

    result = parzen_log_likelihood(X, centers, 0.3)

    expected = reference_log_density(X.astype(np.float64), centers, 0.3)
    np.testing.assert_allclose(result, expected, rtol=RTOL)


def test_parzen_score_matches_direct_computation():
    rng = np.random.default_rng(7)
    X, centers = rng.normal(size=(60, 3)), rng.normal(size=(90, 3))

    score = parzen_score(X, centers, 0.4)

    values = reference_log_density(X, centers, 0.4)
    mean = values.sum() / len(values)
    std_error = math.sqrt(
        ((values - mean) ** 2).sum() / (len(values) - 1) / len(values)
    )
    assert isinstance(score, ParzenScore)
    assert score.n_samples == 60
    assert score.bandwidth == 0.4
    np.testing.assert_allclose(score.mean, mean, rtol=RTOL)
    np.testing.assert_allclose(score.std_error, std_error, rtol=1e-7)


def test_parzen_score_of_one_row_has_zero_standard_error():
    score = parzen_score([[0.0]], [[0.0], [1.0]], 1.0)

    assert score.n_samples == 1
    assert score.std_error == 0.0


def test_parzen_score_passes_options_on():
    rng = np.random.default_rng(8)
    X, centers = rng.normal(size=(10, 3)), rng.normal(size=(20, 3))

    score = parzen_score(X, centers, 0.5, dtype="float32", memory_budget=500)

    expected = parzen_log_likelihood(X, centers, 0.5, dtype="float32").mean()
    np.testing.assert_allclose(score.mean, expected, rtol=1e-6)


def test_select_bandwidth_takes_the_best_mean_validation_score():
    rng = np.random.default_rng(9)
    centers, X_valid = rng.normal(size=(300, 2)), rng.normal(size=(100, 2))
    bandwidths = [0.03, 0.1, 0.2, 0.3, 0.5, 1.0, 3.0]

    best, scores = select_bandwidth(
        X_valid, centers, bandwidths, return_scores=True, memory_budget=3000
    )

    expected = [reference_log_density(X_valid, centers, b).mean() for b in bandwidths]
    np.testing.assert_allclose(scores, expected, rtol=RTOL)
    assert best == bandwidths[int(np.argmax(expected))]
    assert bandwidths[0] < best < bandwidths[-1]


@pytest.mark.parametrize("factor", [1e-3, 1e3])
def test_selected_bandwidth_follows_the_data_scale(factor):
    rng = np.random.default_rng(10)
    centers, X_valid = rng.normal(size=(400, 3)), rng.normal(size=(150, 3))

    best = select_bandwidth(X_valid, centers)
    scaled = select_bandwidth(X_valid * factor, centers * factor)

    np.testing.assert_allclose(scaled, best * factor, rtol=1e-12)


def test_default_grid_comes_from_the_validation_rows():
    rng = np.random.default_rng(11)
    X_valid = rng.normal(size=(150, 3))
    # Centres from a collapsed generator: a grid made from their spread
    # would hold only tiny bandwidths.
    centers = 1e-6 * rng.normal(size=(200, 3))

    best, scores = select_bandwidth(X_valid, centers, return_scores=True)

    grid = default_bandwidths(X_valid)
    assert len(scores) == len(grid)
    assert best in grid
    assert best > 0.1


def test_select_bandwidth_warns_at_the_edge_of_the_grid():
    rng = np.random.default_rng(12)
    centers, X_valid = rng.normal(size=(200, 2)), rng.normal(size=(50, 2))

    with pytest.warns(UserWarning, match="upper end of the candidate grid"):
        best = select_bandwidth(X_valid, centers, [1e-3, 2e-3, 4e-3])

    assert best == 4e-3


def test_default_bandwidths_scale_with_the_data():
    rng = np.random.default_rng(13)
    X = rng.uniform(size=(500, 20))

    grid = default_bandwidths(X)
    spread = math.sqrt(np.var(X, axis=0, ddof=1).mean())

    assert grid.shape == (26,)
    np.testing.assert_allclose(grid, spread * np.logspace(-2, 0.5, 26), rtol=1e-12)
    np.testing.assert_allclose(default_bandwidths(X * 1000), grid * 1000, rtol=1e-12)


def test_default_bandwidths_of_identical_rows_use_their_magnitude():
    grid = default_bandwidths(np.full((4, 2), 3.0), n_bandwidths=3)

    np.testing.assert_allclose(grid, 3.0 * np.logspace(-2, 0.5, 3))


@pytest.mark.parametrize("n_bandwidths", [0, -2, 2.5, True])
def test_default_bandwidths_rejects_bad_counts(n_bandwidths):
    with pytest.raises(ValueError, match="n_bandwidths must be a positive integer"):
        default_bandwidths(np.ones((3, 2)), n_bandwidths=n_bandwidths)


@pytest.mark.parametrize("bandwidth", [0.0, -1.0, np.nan, np.inf])
def test_rejects_bad_bandwidths(bandwidth):
    with pytest.raises(ValueError, match="bandwidths must be positive finite"):
        parzen_log_likelihood(np.zeros((2, 2)), np.zeros((3, 2)), bandwidth)


def test_rejects_several_bandwidths_at_once():
    with pytest.raises(ValueError, match="single positive number.*select_bandwidth"):
        parzen_log_likelihood(np.zeros((2, 2)), np.zeros((3, 2)), [0.1, 0.2])


@pytest.mark.parametrize("memory_budget", [0, -5, np.nan, True, "1GB"])
def test_rejects_bad_memory_budgets(memory_budget):
    with pytest.raises(ValueError, match="memory_budget must be a positive number"):
        parzen_log_likelihood(
            np.zeros((2, 2)), np.zeros((3, 2)), 1.0, memory_budget=memory_budget
        )


@pytest.mark.parametrize("dtype", ["float16", "int64", "double precision"])
def test_rejects_bad_dtypes(dtype):
    with pytest.raises(ValueError, match="dtype must be 'float64' or 'float32'"):
        parzen_log_likelihood(np.zeros((2, 2)), np.zeros((3, 2)), 1.0, dtype=dtype)


def test_rejects_mismatched_features():
    with pytest.raises(ValueError, match="X has 3 features but centers have 2"):
        parzen_log_likelihood(np.zeros((2, 3)), np.zeros((3, 2)), 1.0)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_rejects_non_finite_input(bad):
    X = np.zeros((2, 2))
    X[1, 0] = bad
    with pytest.raises(ValueError, match="NaN|infinity"):
        parzen_log_likelihood(X, np.zeros((3, 2)), 1.0)


def test_overflowing_log_densities_raise():
    with pytest.raises(ValueError, match="too negative to be represented"):
        parzen_log_likelihood([[1e150]], [[-1e150]], 1e-4)


_C12_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import torch
    sys.path.insert(0, sys.argv[1])
    from sklearn_gan import parzen_log_likelihood

    torch.set_num_threads(1)

    def status_bytes(field):
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024

    n_features = int(sys.argv[3])
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20_000, n_features))
    centers = rng.normal(size=(10_000, n_features))
    # Start the thread pools and allocators on a small problem first.
    parzen_log_likelihood(X[:10], centers[:10], 1.0, device="cpu")
    # Writing 5 to clear_refs resets the peak resident size (VmHWM) to the
    # current one, so that VmHWM afterwards is the peak during the call.
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")
    before = status_bytes("VmRSS")
    result = parzen_log_likelihood(X, centers, 1.0, device="cpu")
    extra = status_bytes("VmHWM") - before
    rows = rng.choice(len(X), size=int(sys.argv[2]), replace=False)
    report = {"extra": extra, "rows": rows.tolist()}
    report["values"] = result[rows].tolist()
    json.dump(report, sys.stdout)
    """
)

MEASURES_PEAK_MEMORY = pytest.mark.skipif(
    not os.access("/proc/self/clear_refs", os.W_OK),
    reason="measures peak memory through Linux's /proc/self/clear_refs",
)


def run_c12(n_checked_rows, n_features=50):
    """Score 20,000 rows against 10,000 centres in a child process.

    Returns the peak resident memory the call added (the child's peak
    resident size during the call less its resident size before it; torch's
    CPU allocations escape tracemalloc, not the resident size), and a random
    sample of the values.
    """
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            _C12_SCRIPT,
            str(REPOSITORY),
            str(n_checked_rows),
            str(n_features),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    report = json.loads(completed.stdout)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20_000, n_features))
    centers = rng.normal(size=(10_000, n_features))
    return report, X, centers


@MEASURES_PEAK_MEMORY
def test_c12_large_scoring_has_bounded_memory_and_exact_values():
    report, X, centers = run_c12(n_checked_rows=300)

    assert report["extra"] < 512 * 2**20
    rows = np.asarray(report["rows"])
    expected = reference_log_density(X[rows], centers, 1.0)
    np.testing.assert_allclose(report["values"], expected, rtol=RTOL)


@pytest.mark.slow
@MEASURES_PEAK_MEMORY
def test_c12_every_value_equals_a_chunked_reference():
    report, X, centers = run_c12(n_checked_rows=20_000)

    assert report["extra"] < 512 * 2**20
    rows = np.asarray(report["rows"])
    expected = reference_log_density(X[rows], centers, 1.0, row_chunk=16)
    np.testing.assert_allclose(report["values"], expected, rtol=RTOL)


@pytest.mark.slow
@MEASURES_PEAK_MEMORY
def test_paper_scale_scoring_needs_a_few_hundred_megabytes():
    # 20,000 rows, 10,000 centres, 784 dimensions: the inputs alone take
    # 188 MB; the computation may add the default 256 MiB of blocks, one
    # centred copy of the centres and some slack.
    report, X, centers = run_c12(n_checked_rows=100, n_features=784)

    assert report["extra"] < 512 * 2**20
    rows = np.asarray(report["rows"])
    expected = reference_log_density(X[rows], centers, 1.0, row_chunk=8)
    np.testing.assert_allclose(report["values"], expected, rtol=RTOL)


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("kind", ["random", "on_centers", "offset", "far"])
def test_cuda_matches_reference(kind):
    rng = np.random.default_rng(14)
    X, centers = make_case(kind, 30, rng)
    bandwidths = np.array([1e-4, 1e-2, 0.5, 10.0])

    grid = _log_likelihood_grid(
        X, centers, bandwidths, memory_budget=2**20, dtype="float64", device="cuda"
    )
    single = parzen_log_likelihood(X, centers, 0.5, device="cuda")

    for column, bandwidth in enumerate(bandwidths):
        np.testing.assert_allclose(
            grid[:, column],
            reference_log_density(X, centers, bandwidth),
            rtol=RTOL,
            atol=ATOL,
        )
    np.testing.assert_allclose(
        single, reference_log_density(X, centers, 0.5), rtol=RTOL
    )


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("bandwidth", [0.05, 0.3, 1.0])
def test_cuda_float32_error_is_within_the_documented_bound(bandwidth):
    rng = np.random.default_rng(15)
    centers = rng.normal(size=(3000, 50))
    X = rng.normal(size=(500, 50))

    single = parzen_log_likelihood(
        X, centers, bandwidth, device="cuda", dtype="float32"
    )

    exact = reference_log_density(X, centers, bandwidth)
    assert np.max(np.abs(single - exact)) <= 1e-6 * 50 / bandwidth**2 + 1e-6
