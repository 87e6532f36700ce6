"""Gaussian Parzen-window log-likelihood, the evaluation of the 2014 GAN paper.

A Parzen window with an isotropic Gaussian kernel of width ``sigma`` placed on
``m`` centres ``c_i`` gives every query row ``x`` of ``d`` features the
log-density

    log p(x) = logsumexp_i(-||x - c_i||^2 / (2 sigma^2)) - log(m)
               - d * log(sigma * sqrt(2 pi)).

Squared distances come from one matrix product per block and the sum is a
numerically stable log-sum-exp, so no ``n x m x d`` tensor is ever built: the
query rows and the centres are both cut into blocks whose distance matrix fits
in ``memory_budget`` bytes, and partial sums over centre blocks are merged with
``logaddexp``. Several bandwidths share each distance block.

A distance from a matrix product, ``||x||^2 + ||c||^2 - 2 x.c``, loses about
``d * eps * (||x|| + ||c||)^2`` to cancellation, which ``1 / (2 sigma^2)``
amplifies: for a query lying on a centre and a small bandwidth that is far more
than the float64 log-sum-exp itself loses. In float64, rows where this bound is
not negligible against the result get a second pass in which the terms that
carry the sum (those within a safe margin of the largest) are recomputed from
explicit differences, so that the default path stays exact to rounding.

For a single bandwidth, where usually only a few centres near each row carry
its sum, the float64 path first screens with float32 matrix products (about
twice as fast), whose rounding is bounded: every centre that could matter is
kept and its distance computed exactly. When too many centres matter for that
to pay, it uses float64 matrix products as above.
"""

import math
import numbers
import warnings
from dataclasses import dataclass

import numpy as np
import torch
from sklearn.utils import check_array

__all__ = [
    "ParzenScore",
    "default_bandwidths",
    "parzen_log_likelihood",
    "parzen_score",
    "select_bandwidth",
]

#: Default memory budget, in bytes, for the distance blocks of one evaluation.
DEFAULT_MEMORY_BUDGET = 256 * 2**20

_TORCH_DTYPES = {"float64": torch.float64, "float32": torch.float32}

# Bytes held per (query row, centre) pair of a block: the distance block; the
# kernel values and, when several bandwidths share the block, a packed copy
# of the terms narrower kernels still need with their int64 indices; and the
# comparison mask of the refinement pass, which may also hold two int64
# indices per pair.
_PAIR_BYTES = 8
_WORK_PAIR_BYTES = 16
_MASK_PAIR_BYTES = 1
_INDEX_PAIR_BYTES = 16

# Below this many rows per block the matrix products lose efficiency, so past
# it the centres are split instead of the rows.
_MIN_BLOCK_ROWS = 256

# Relative error, against max(|log p(x)|, 1), that the float64 path accepts
# from the matrix-product distances before it recomputes the dominant terms.
_REFINE_TOLERANCE = 1e-11

# Terms more than this many nats (plus log m) below a row's largest term add
# less than exp(-50) to its sum all together.
_NEGLIGIBLE_NATS = 50.0

# Rows per chunk when squaring and summing the centres.
_NORM_CHUNK_ROWS = 512

# Blocks narrower than four times this many terms are not packed further.
_MIN_KEPT_TERMS = 16

_UNIT_ROUNDOFF = float(np.finfo(np.float64).eps) / 2
_UNIT_ROUNDOFF_FLOAT32 = float(np.finfo(np.float32).eps) / 2
# Largest squared norm of a row or centre that the float32 screening can take:
# its products sum terms of up to about four times this.
_FLOAT32_SAFE_SQUARED_NORM = float(np.finfo(np.float32).max) / 8

# Exact distances from explicit differences cost tens of times a pair of the
# matrix product; past this share of pairs needing them, screening by float32
# distances does not pay and the float64 products are used instead.
_SCREEN_MAX_SHARE = 0.01


@dataclass(frozen=True)
class ParzenScore:
    """Mean Parzen-window log-likelihood with its standard error.

    The paper reports its MNIST result as "225 ± 2": the mean log-density of
    the test rows and the standard error of that mean over the rows.

    Attributes
    ----------
    mean : float
        Mean log-density of the scored rows, in nats.
    std_error : float
        Standard error of the mean, ``std(ddof=1) / sqrt(n_samples)``
        (0.0 for a single row).
    n_samples : int
        Number of rows scored.
    bandwidth : float
        Kernel width used.

    See Also
    --------
    parzen_score : Compute one.

    Examples
    --------
    >>> from sklearn_gan import ParzenScore
    >>> str(ParzenScore(mean=225.04, std_error=1.98, n_samples=10000, bandwidth=0.2))
    '225.04 ± 1.98 nats (n=10000, sigma=0.2)'
    """

    mean: float
    std_error: float
    n_samples: int
    bandwidth: float

    def __str__(self):
        return (
            f"{self.mean:.2f} ± {self.std_error:.2f} nats "
            f"(n={self.n_samples}, sigma={self.bandwidth:.3g})"
        )


def parzen_log_likelihood(
    X,
    centers,
    bandwidth,
    *,
    memory_budget=DEFAULT_MEMORY_BUDGET,
    dtype="float64",
    device=None,
):
    """Log-density of each row of ``X`` under a Gaussian Parzen window.

    The window places an isotropic Gaussian of standard deviation
    ``bandwidth`` on every row of ``centers`` (for a GAN: rows drawn from the
    generator) and averages them. The computation is exact up to floating
    point rounding and never holds more than about ``memory_budget`` bytes of
    intermediate values besides centred copies of ``centers`` (in float64,
    and in float32 for screening).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Query rows.
    centers : array-like of shape (n_centers, n_features)
        Kernel centres.
    bandwidth : float
        Standard deviation of the Gaussian kernel, in the units of ``X``.
        Must be positive and finite.
    memory_budget : int, default=268435456
        Bytes that the blocks of pairwise distances may take (256 MiB by
        default). Results do not depend on it beyond rounding.
    dtype : {"float64", "float32"}, default="float64"
        Precision of the distances and the log-sum-exp. ``"float64"`` agrees
        with a direct evaluation on explicit differences to about 1e-12
        relative, for any bandwidth. ``"float32"`` computes distances and
        sums in single precision (merging blocks in float64) and is faster on
        GPUs. Its error, measured, is up to about
        ``3e-7 * d * (spread / bandwidth)**2 + 1e-7`` nats, ``spread`` being
        the data's per-feature standard deviation: on MNIST at the selected
        bandwidth a median of 5e-7 and a largest of 4e-4 relative (see the
        user guide), but it grows quickly for bandwidths small against the
        spread.
    device : str, torch.device or None, default=None
        Where to compute. ``None`` uses CUDA when available, else the CPU.

    Returns
    -------
    log_density : ndarray of shape (n_samples,)
        ``log p(x)`` of each row in nats, in float64. It is finite for finite
        input: a row far from every centre gets a very negative value, never
        ``-inf``.

    Raises
    ------
    ValueError
        When the inputs are invalid, or when a log-density is too negative to
        be represented in float64 (squared distances over ``2 * bandwidth**2``
        beyond about 1e308).

    See Also
    --------
    parzen_score : Mean and standard error of these values.
    select_bandwidth : Choose ``bandwidth`` on validation rows.
    sklearn.neighbors.KernelDensity : scikit-learn's tree-based estimate.

    Notes
    -----
    For ``n`` rows, ``m`` centres and ``d`` features the cost is one
    ``n x d`` by ``d x m`` matrix product plus a few passes over the ``n x m``
    distances, computed block by block. ``KernelDensity.score_samples``
    returns the same values (exactly only with ``leaf_size`` at least the
    number of centres, see the user guide).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gan import parzen_log_likelihood
    >>> centers = np.zeros((1, 2))
    >>> parzen_log_likelihood(np.array([[0.0, 0.0]]), centers, bandwidth=1.0)
    array([-1.83787707])
    """
    if np.ndim(bandwidth) != 0:
        raise ValueError(
            "bandwidth must be a single positive number, got an array of shape "
            f"{np.shape(bandwidth)}. To compare several bandwidths use "
            "select_bandwidth(..., return_scores=True)."
        )
    X, centers = _check_pair(X, centers)
    bandwidths = _check_bandwidths([bandwidth])
    return _log_likelihood_grid(
        X, centers, bandwidths, memory_budget=memory_budget, dtype=dtype, device=device
    )[:, 0]


def parzen_score(X, centers, bandwidth, **kwargs):
    """Mean Parzen-window log-likelihood of ``X`` and its standard error.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Query rows, for example held-out test data.
    centers : array-like of shape (n_centers, n_features)
        Kernel centres, for example generator samples.
    bandwidth : float
        Standard deviation of the Gaussian kernel, in the units of ``X``.
    **kwargs
        ``memory_budget``, ``dtype`` and ``device``, passed to
        :func:`parzen_log_likelihood`.

    Returns
    -------
    score : ParzenScore
        Mean log-density in nats, its standard error
        ``std(ddof=1) / sqrt(n_samples)``, the number of rows and the
        bandwidth.

    See Also
    --------
    parzen_log_likelihood : The log-density of each row.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gan import parzen_score
    >>> rng = np.random.default_rng(0)
    >>> result = parzen_score(rng.normal(size=(100, 2)), rng.normal(size=(500, 2)), 0.5)
    >>> round(result.mean, 2), round(result.std_error, 2)
    (-2.82, 0.07)
    """
    log_density = parzen_log_likelihood(X, centers, bandwidth, **kwargs)
    return _summarise(log_density, bandwidth)


def default_bandwidths(X, n_bandwidths=26):
    """Candidate bandwidths scaled to the spread of ``X``.

    The grid is geometric, ten candidates a decade, from 1/100 to about 3.2
    times the root mean per-feature standard deviation of ``X``, so that it
    follows the data's units: scaling ``X`` by any factor scales the grid by
    the same factor. For MNIST pixels in [0, 1] (spread about 0.26) it runs
    from about 0.0026 to 0.82, around the bandwidth of about 0.2 that the
    paper's grid ``logspace(-1, 0, 10)`` selects there.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Rows whose spread sets the scale, usually the real validation rows.
    n_bandwidths : int, default=26
        Number of candidates.

    Returns
    -------
    bandwidths : ndarray of shape (n_bandwidths,)
        Increasing positive bandwidths.

    See Also
    --------
    select_bandwidth : Choose among them.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gan import default_bandwidths
    >>> grid = default_bandwidths(np.array([[0.0], [2.0]]), n_bandwidths=3)
    >>> np.round(grid, 4)
    array([0.0141, 0.2515, 4.4721])
    """
    if (
        not isinstance(n_bandwidths, numbers.Integral)
        or isinstance(n_bandwidths, bool)
        or n_bandwidths < 1
    ):
        raise ValueError(
            f"n_bandwidths must be a positive integer, got {n_bandwidths!r}."
        )
    X = check_array(X, dtype=np.float64)
    spread = math.sqrt(float(np.mean(np.var(X, axis=0, ddof=1 if len(X) > 1 else 0))))
    if not spread > 0 or not math.isfinite(spread):
        # All rows identical (a single row, say): fall back to the rows'
        # magnitude so the grid still lives in the data's units.
        spread = float(np.sqrt(np.mean(X**2))) or 1.0
    return spread * np.logspace(-2, 0.5, int(n_bandwidths))


def select_bandwidth(
    X_valid,
    centers,
    bandwidths=None,
    *,
    return_scores=False,
    memory_budget=DEFAULT_MEMORY_BUDGET,
    dtype="float64",
    device=None,
):
    """Choose the Parzen bandwidth with the best mean log-likelihood.

    This is the paper's protocol: evaluate a grid of bandwidths on validation
    rows that took no part in training and keep the one with the highest mean
    log-likelihood. The distances are computed once, block by block, and
    shared by all candidates.

    Parameters
    ----------
    X_valid : array-like of shape (n_samples, n_features)
        Validation rows, held out from training.
    centers : array-like of shape (n_centers, n_features)
        Kernel centres (generator samples).
    bandwidths : array-like of shape (n_bandwidths,), default=None
        Candidates. ``None`` uses :func:`default_bandwidths` of ``X_valid``:
        the grid then depends only on the real rows, so that every model
        scored on the same rows is offered the same candidates, as with the
        paper's fixed grid.
    return_scores : bool, default=False
        Also return the mean validation log-likelihood of every candidate.
    memory_budget, dtype, device
        As in :func:`parzen_log_likelihood`.

    Returns
    -------
    bandwidth : float
        The candidate with the highest mean log-likelihood on ``X_valid``
        (the smallest such candidate in a tie).
    scores : ndarray of shape (n_bandwidths,)
        Only when ``return_scores=True``: the mean log-likelihood of each
        candidate, in the order of ``bandwidths``.

    Warns
    -----
    UserWarning
        When the best of more than two candidates is at either end of the
        grid: the optimum may lie outside it, so pass a wider ``bandwidths``.

    See Also
    --------
    default_bandwidths : The default grid.
    parzen_score : Score test rows with the chosen bandwidth.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gan import select_bandwidth
    >>> rng = np.random.default_rng(0)
    >>> centers, X_valid = rng.normal(size=(1000, 2)), rng.normal(size=(200, 2))
    >>> best = select_bandwidth(X_valid, centers, bandwidths=[0.05, 0.2, 0.5, 2.0])
    >>> float(best)
    0.5
    """
    X_valid, centers = _check_pair(X_valid, centers, query_name="X_valid")
    if bandwidths is None:
        bandwidths = default_bandwidths(X_valid)
    bandwidths = _check_bandwidths(bandwidths)
    log_density = _log_likelihood_grid(
        X_valid,
        centers,
        bandwidths,
        memory_budget=memory_budget,
        dtype=dtype,
        device=device,
    )
    scores = log_density.mean(axis=0)
    best = int(np.argmax(scores))
    if len(bandwidths) > 2 and best in (0, len(bandwidths) - 1):
        warnings.warn(
            f"The best Parzen bandwidth, {bandwidths[best]:.3g}, is at the "
            f"{'lower' if best == 0 else 'upper'} end of the candidate grid "
            f"[{bandwidths[0]:.3g}, {bandwidths[-1]:.3g}]; the optimum may lie "
            "outside it. Pass a wider grid as `bandwidths`.",
            UserWarning,
            stacklevel=2,
        )
    bandwidth = float(bandwidths[best])
    if return_scores:
        return bandwidth, scores
    return bandwidth


def _summarise(log_density, bandwidth):
    n_samples = len(log_density)
    std_error = (
        float(np.std(log_density, ddof=1) / math.sqrt(n_samples))
        if n_samples > 1
        else 0.0
    )
    return ParzenScore(
        mean=float(np.mean(log_density)),
        std_error=std_error,
        n_samples=n_samples,
        bandwidth=float(bandwidth),
    )


def _check_pair(X, centers, query_name="X"):
    # float32 input stays float32 here; blocks are converted one at a time,
    # so a large float32 X is never copied whole.
    X = check_array(X, dtype=(np.float64, np.float32), input_name=query_name)
    centers = check_array(centers, dtype=(np.float64, np.float32), input_name="centers")
    if X.shape[1] != centers.shape[1]:
        raise ValueError(
            f"{query_name} has {X.shape[1]} features but centers have "
            f"{centers.shape[1]}; score rows of the same kind as the centres."
        )
    return X, centers


def _check_bandwidths(bandwidths):
    bandwidths = np.asarray(bandwidths, dtype=np.float64).ravel()
    if bandwidths.size == 0 or not np.all(np.isfinite(bandwidths) & (bandwidths > 0)):
        raise ValueError(
            f"Parzen bandwidths must be positive finite numbers, got {bandwidths}."
        )
    return bandwidths


def _check_memory_budget(memory_budget):
    if (
        not isinstance(memory_budget, numbers.Real)
        or isinstance(memory_budget, bool)
        or not memory_budget >= 1
        or not math.isfinite(memory_budget)
    ):
        raise ValueError(
            f"memory_budget must be a positive number of bytes, got {memory_budget!r}."
        )
    return int(memory_budget)


def _resolve_dtype(dtype):
    name = str(dtype).removeprefix("torch.")
    if name not in _TORCH_DTYPES:
        try:
            name = np.dtype(dtype).name
        except TypeError:
            pass
    if name not in _TORCH_DTYPES:
        raise ValueError(f"dtype must be 'float64' or 'float32', got {dtype!r}.")
    return _TORCH_DTYPES[name]


def _resolve_device(device):
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def _plan_blocks(n_rows, n_centers, n_features, pair_bytes, memory_budget):
    """Rows and centres per block so that one block fits ``memory_budget``."""
    # A row block is held in float64 and in the compute dtype.
    row_bytes = 16 * n_features
    rows = memory_budget // (n_centers * pair_bytes + row_bytes)
    if rows >= min(n_rows, _MIN_BLOCK_ROWS):
        return max(1, min(n_rows, rows)), n_centers
    rows = max(
        1,
        min(n_rows, _MIN_BLOCK_ROWS, memory_budget // (2 * (row_bytes + pair_bytes))),
    )
    centers = (memory_budget - rows * row_bytes) // (rows * pair_bytes)
    return rows, max(1, min(n_centers, centers))


def _log_likelihood_grid(X, centers, bandwidths, *, memory_budget, dtype, device):
    """Log-density of every row of ``X`` for every bandwidth, shape (n, n_bw)."""
    torch_dtype = _resolve_dtype(dtype)
    memory_budget = _check_memory_budget(memory_budget)
    device = _resolve_device(device)
    n_rows, n_features = X.shape
    n_centers = len(centers)
    scales = 1.0 / (2.0 * bandwidths**2)

    # Distances do not change under a shift; centring both sets on the
    # centres' mean keeps the norms, and so the cancellation in
    # ||x||^2 + ||c||^2 - 2 x.c, as small as the data's spread allows, even
    # for data with a large offset (the centring itself is then exact).
    offset = centers.mean(axis=0, dtype=np.float64)
    context = _Context(
        centers=torch.as_tensor(
            np.subtract(centers, offset, dtype=np.float64),
            dtype=torch_dtype,
            device=device,
        ),
        scales=scales,
        memory_budget=memory_budget,
    )
    pair_bytes = _PAIR_BYTES + (_WORK_PAIR_BYTES if len(scales) > 1 else 0)
    row_step, context.center_step = _plan_blocks(
        n_rows, n_centers, n_features, pair_bytes, memory_budget
    )
    context.center_norms = _squared_norms(context.centers, memory_budget)
    screen = (
        torch_dtype == torch.float64
        and len(scales) == 1
        and _float32_products_are_ieee(device)
    )
    if screen:
        context.centers_float32 = context.centers.to(torch.float32)
        context.center_norms_float32 = _squared_norms(
            context.centers_float32, memory_budget
        )

    log_sum = np.empty((n_rows, len(scales)))
    min_sq_dist = np.zeros(n_rows)
    row_norms = np.zeros(n_rows)
    # Rows whose values came out of the screened pass, exact already.
    settled = np.zeros(n_rows, dtype=bool)
    # When screening, a small first block tells cheaply whether it pays.
    first_step = min(row_step, _MIN_BLOCK_ROWS) if screen else row_step
    starts = [0, *range(first_step, n_rows, row_step)]
    with torch.no_grad():
        for start, stop in zip(starts, [*starts[1:], n_rows], strict=True):
            rows = np.subtract(X[start:stop], offset, dtype=np.float64)
            if screen:
                block_sum = _screened_sum(rows, context)
                if block_sum is not None:
                    log_sum[start:stop, 0] = block_sum
                    settled[start:stop] = True
                    continue
                # Too many terms count at this bandwidth for screening to
                # pay; later blocks are likely alike.
                screen = False
                context.centers_float32 = context.center_norms_float32 = None
            block_sum, block_min, block_norms = _sum_over_centers(rows, context)
            log_sum[start:stop] = block_sum
            min_sq_dist[start:stop] = block_min
            row_norms[start:stop] = block_norms

    log_norm = -math.log(n_centers) - n_features * np.log(
        bandwidths * math.sqrt(2 * math.pi)
    )
    log_density = log_sum + log_norm

    if torch_dtype == torch.float64:
        _refine(
            log_density, X, offset, min_sq_dist, row_norms, settled, context, log_norm
        )

    if not np.all(np.isfinite(log_density)):
        raise ValueError(
            "Some Parzen log-densities are too negative to be represented in "
            "float64: squared distances divided by 2 * bandwidth**2 overflow. "
            "Rescale the data (for example with StandardScaler) or use larger "
            "bandwidths."
        )
    return log_density


class _Context:
    """What every block of one evaluation shares."""

    def __init__(self, centers, scales, memory_budget):
        self.centers = centers
        self.scales = scales
        self.memory_budget = memory_budget
        self.center_step = len(centers)
        self.center_norms = None
        self.centers_float32 = None
        self.center_norms_float32 = None


def _squared_norms(tensor, memory_budget):
    # Chunked, so that squaring never doubles the centres' memory, and in
    # chunks small enough to stay in cache.
    step = max(
        1,
        min(
            _NORM_CHUNK_ROWS,
            memory_budget // (4 * tensor.element_size() * tensor.shape[1]),
        ),
    )
    return torch.cat(
        [(chunk * chunk).sum(dim=1) for chunk in torch.split(tensor, step)]
    )


def _sum_over_centers(rows, context, limits=None):
    """Log-sum-exp over all centres for one block of centred query rows.

    Returns ``log sum_i exp(-||x - c_i||^2 * scale)`` for every row and scale,
    the rows' smallest squared distance and their squared norms, all as
    float64 arrays. With ``limits`` (one squared distance per row), the
    distances up to a row's limit are recomputed from explicit differences.
    """
    centers = context.centers
    rows_t = torch.as_tensor(rows, dtype=centers.dtype, device=centers.device)
    row_norms = (rows_t * rows_t).sum(dim=1)
    scales_t = torch.as_tensor(
        context.scales, dtype=torch.float64, device=rows_t.device
    )
    if limits is not None:
        limits = torch.as_tensor(limits, dtype=centers.dtype, device=rows_t.device)

    # One buffer serves every centre block, so that no two blocks coexist.
    buffer = torch.empty(
        len(rows_t) * min(context.center_step, len(centers)),
        dtype=centers.dtype,
        device=centers.device,
    )
    total = min_sq_dist = None
    for start in range(0, len(centers), context.center_step):
        block = centers[start : start + context.center_step]
        sq_dist = buffer[: len(rows_t) * len(block)].view(len(rows_t), len(block))
        # -2 x.c + ||c||^2: the rows' own norms are constant along each row,
        # so they cancel in the differences to the row minimum below and are
        # only added back to that minimum.
        torch.addmm(
            context.center_norms[start : start + len(block)],
            rows_t,
            block.T,
            alpha=-2.0,
            out=sq_dist,
        )
        if limits is None:
            block_min = sq_dist.amin(dim=1)
            sq_dist.sub_(block_min[:, None])
            block_min = (block_min + row_norms).clamp_(min=0.0)
        else:
            sq_dist.add_(row_norms[:, None]).clamp_(min=0.0)
            _replace_by_exact(sq_dist, rows_t, block, limits, context.memory_budget)
            block_min = sq_dist.amin(dim=1)
            sq_dist.sub_(block_min[:, None])

        # Every row of the shifted block holds a 0, so each sum is >= 1.
        partial = _log_sum_exp_scaled(sq_dist, context.scales, len(centers))
        partial -= block_min.to(torch.float64)[:, None] * scales_t
        if total is None:
            total, min_sq_dist = partial, block_min
        else:
            total = torch.logaddexp(total, partial)
            min_sq_dist = torch.minimum(min_sq_dist, block_min)

    def to_numpy(tensor):
        return tensor.to(torch.float64).cpu().numpy()

    return to_numpy(total), to_numpy(min_sq_dist), to_numpy(row_norms)


def _float32_products_are_ieee(device):
    # Screening bounds the rounding of true single-precision products; TF32
    # or bfloat16 products, which torch may substitute when allowed, round
    # far more.
    if torch.get_float32_matmul_precision() != "highest":
        return False
    return device.type != "cuda" or not torch.backends.cuda.matmul.allow_tf32


def _screened_sum(rows, context):
    """Exact log-sum-exp for one bandwidth, screened by float32 distances.

    At most bandwidths only the few centres nearest to a row carry its sum.
    Single-precision matrix products, about twice as fast, find every centre
    whose term can be within ``_NEGLIGIBLE_NATS + log(m)`` nats of a row's
    largest (their rounding is bounded and allowed for), and the squared
    distances to those centres are then computed exactly, from explicit
    differences in float64. Returns ``log sum_i exp(-||x - c_i||^2 * scale)``
    per row as a float64 array, or None when more than
    ``_SCREEN_MAX_SHARE`` of the pairs would need the exact computation.
    """
    centers = context.centers
    device = centers.device
    scale = float(context.scales[0])
    n_features = centers.shape[1]
    rows_t = torch.as_tensor(rows, dtype=torch.float64, device=device)
    row_norms = (rows_t * rows_t).sum(dim=1)
    # Squared norms out of float32's range would overflow the screening
    # products; the float64 path takes such rows.
    largest_norm = max(float(row_norms.max()), float(context.center_norms.max()))
    if not largest_norm < _FLOAT32_SAFE_SQUARED_NORM:
        return None
    rows_float32 = rows_t.to(torch.float32)

    # Rounding the inputs to float32 and the product's own rounding together
    # move a squared distance by at most this (with room to spare).
    max_center_norm = math.sqrt(float(context.center_norms.max()))
    error = (
        (n_features + 8)
        * _UNIT_ROUNDOFF_FLOAT32
        * (row_norms.sqrt() + max_center_norm) ** 2
    )
    margin = (_NEGLIGIBLE_NATS + math.log(len(centers))) / scale

    buffer = torch.empty(
        len(rows_t) * min(context.center_step, len(centers)),
        dtype=torch.float32,
        device=device,
    )
    total = None
    for start in range(0, len(centers), context.center_step):
        block = context.centers_float32[start : start + context.center_step]
        # -2 x.c + ||c||^2, the squared distance less the row's own norm.
        shifted = buffer[: len(rows_t) * len(block)].view(len(rows_t), len(block))
        torch.addmm(
            context.center_norms_float32[start : start + len(block)],
            rows_float32,
            block.T,
            alpha=-2.0,
            out=shifted,
        )
        limit = shifted.amin(dim=1).to(torch.float64) + margin + 2 * error
        row_index, center_index = torch.nonzero(
            shifted <= limit.to(torch.float32)[:, None], as_tuple=True
        )
        if len(row_index) > _SCREEN_MAX_SHARE * shifted.numel():
            return None

        exponent = torch.empty(len(row_index), dtype=torch.float64, device=device)
        step = max(1, context.memory_budget // (4 * 4 * 8 * n_features))
        for pair in range(0, len(row_index), step):
            pair_rows = row_index[pair : pair + step]
            difference = (
                rows_t[pair_rows] - centers[start + center_index[pair : pair + step]]
            )
            exponent[pair : pair + step] = (difference * difference).sum(dim=1)
        exponent.mul_(-scale)

        # Every row keeps at least its nearest centre.
        row_max = torch.full(
            (len(rows_t),), -math.inf, dtype=torch.float64, device=device
        ).scatter_reduce_(0, row_index, exponent, reduce="amax")
        sums = torch.zeros(len(rows_t), dtype=torch.float64, device=device)
        sums.index_add_(0, row_index, (exponent - row_max[row_index]).exp_())
        partial = sums.log_() + row_max
        total = partial if total is None else torch.logaddexp(total, partial)
    return total.cpu().numpy()


def _log_sum_exp_scaled(shifted, scales, n_centers):
    """``log sum_j exp(-shifted[:, j] * s)`` for each scale ``s``, in float64.

    ``shifted`` is non-negative with a 0 in every row, so each sum is at least
    1; the single-scale case works in place.
    """
    if len(scales) == 1:
        shifted.mul_(-float(scales[0])).exp_()
        return shifted.sum(dim=1).to(torch.float64).log_()[:, None]

    order = np.argsort(scales, kind="stable")
    sums = _sum_exp_narrowing(
        shifted, scales[order], _NEGLIGIBLE_NATS + math.log(n_centers)
    )
    result = torch.empty_like(sums)
    result[:, torch.as_tensor(order, device=sums.device)] = sums
    return result.log_()


def _sum_exp_narrowing(values, scales, cutoff):
    """``sum_j exp(-values[:, j] * s)`` for increasing scales ``s``.

    A term whose exponent is below ``-cutoff`` changes no sum by more than
    ``exp(-cutoff)`` relative (each sum holds a term ``exp(0) = 1``), and the
    narrower the kernel the fewer terms are above it. So whenever no row
    needs more than a quarter of the remaining values, the needed ones are
    packed to the left of a narrower block, padded with ``inf`` (whose terms
    are 0), and the narrower kernels work on that.
    """
    sums = torch.empty(
        (len(values), len(scales)), dtype=torch.float64, device=values.device
    )
    for column, scale in enumerate(scales):
        scale = float(scale)
        if values.shape[1] >= 4 * _MIN_KEPT_TERMS:
            needed = values < cutoff / scale
            n_needed = needed.sum(dim=1, dtype=torch.int32)
            if int(n_needed.max()) <= values.shape[1] // 4:
                values = _pack_rows(values, needed, n_needed)
        sums[:, column] = torch.mul(values, -scale).exp_().sum(dim=1)
    return sums


def _pack_rows(values, keep, n_kept):
    """The kept values of each row, left-aligned and padded with ``inf``."""
    row_index, column_index = torch.nonzero(keep, as_tuple=True)
    row_starts = torch.cumsum(n_kept, dim=0) - n_kept
    rank = torch.arange(len(row_index), device=values.device) - row_starts[row_index]
    packed = torch.full(
        (len(values), max(int(n_kept.max()), 1)),
        math.inf,
        dtype=values.dtype,
        device=values.device,
    )
    packed[row_index, rank] = values[row_index, column_index]
    return packed


def _replace_by_exact(sq_dist, rows, block, limits, memory_budget):
    """Recompute the squared distances at or under each row's limit exactly."""
    row_index, center_index = torch.nonzero(sq_dist <= limits[:, None], as_tuple=True)
    # A pair's gathered row and centre, their difference and its square take
    # four float64 vectors: keep them to a quarter of the budget.
    step = max(1, memory_budget // (4 * 4 * 8 * rows.shape[1]))
    for start in range(0, len(row_index), step):
        pair_rows = row_index[start : start + step]
        pair_centers = center_index[start : start + step]
        difference = rows[pair_rows] - block[pair_centers]
        sq_dist[pair_rows, pair_centers] = (difference * difference).sum(dim=1)


def _refine(log_density, X, offset, min_sq_dist, row_norms, settled, context, log_norm):
    """Redo, with exact dominant terms, the rows whose rounding may matter."""
    n_features = X.shape[1]
    n_centers = len(context.centers)
    scales = context.scales
    max_center_norm = math.sqrt(float(context.center_norms.max()))

    # Bound on the rounding of a matrix-product squared distance, per row,
    # and the error it can cause in each log-density.
    sq_dist_error = (
        (n_features + 2) * _UNIT_ROUNDOFF * (np.sqrt(row_norms) + max_center_norm) ** 2
    )
    error = sq_dist_error[:, None] * scales
    needs = error > _REFINE_TOLERANCE * np.maximum(np.abs(log_density), 1.0)
    needs[settled] = False
    rows_to_redo = np.flatnonzero(needs.any(axis=1))
    if len(rows_to_redo) == 0:
        return

    # Terms further than this above a row's smallest squared distance weigh
    # less than exp(-_NEGLIGIBLE_NATS) in total for every bandwidth that
    # needs refining; the widest such kernel (smallest scale) needs the widest
    # margin.
    smallest_scale = np.where(needs[rows_to_redo], scales, np.inf).min(axis=1)
    margin = (_NEGLIGIBLE_NATS + math.log(n_centers)) / smallest_scale
    limits = min_sq_dist[rows_to_redo] + margin + 2 * sq_dist_error[rows_to_redo]

    pair_bytes = (
        _PAIR_BYTES
        + (_WORK_PAIR_BYTES if len(scales) > 1 else 0)
        + _MASK_PAIR_BYTES
        + _INDEX_PAIR_BYTES
    )
    # The exact differences take up to a quarter of the budget besides.
    row_step, context.center_step = _plan_blocks(
        len(rows_to_redo),
        n_centers,
        n_features,
        pair_bytes,
        max(1, context.memory_budget * 3 // 4),
    )
    with torch.no_grad():
        for start in range(0, len(rows_to_redo), row_step):
            index = rows_to_redo[start : start + row_step]
            rows = np.subtract(X[index], offset, dtype=np.float64)
            block_sum, _, _ = _sum_over_centers(
                rows, context, limits=limits[start : start + row_step]
            )
            log_density[index] = block_sum + log_norm
