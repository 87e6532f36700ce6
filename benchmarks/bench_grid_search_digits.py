"""Tune GANSampler on scikit-learn's digits; report on rows the search never saw.

The 1,797 digits (8 x 8 pixels, scaled to [0, 1]) are split once into
training and test rows. A successive-halving grid search, with the number of
epochs as its resource, cross-validates candidates on the training rows only
and refits the best on all of them; then the best candidate, the default
``GANSampler`` and two reference windows are scored on the test rows by the
Parzen log-likelihood (bandwidth chosen on the estimator's own held-out
training rows, never on the test rows).

Writes ``benchmarks/results/grid_search_digits.md``. Run from the repository
root::

    python benchmarks/bench_grid_search_digits.py          # 10 minutes on 2 cores
    python benchmarks/bench_grid_search_digits.py --quick  # a dry run
"""

import argparse
import os
import platform
import time
import warnings
from pathlib import Path

import numpy as np
import sklearn
import torch
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import HalvingGridSearchCV, KFold, train_test_split

import sklearn_gan
from sklearn_gan import GANSampler, ModeCollapseWarning, parzen_score, select_bandwidth

RESULTS = Path(__file__).parent / "results" / "grid_search_digits.md"

PARAM_GRID = {
    "k": [1, 2],
    "lr_g": [2e-4, 1e-3],
    "lr_d": [2e-4, 1e-3],
    "generator__hidden_units": [(128, 128), (256, 256)],
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="tiny budget, to check the script"
    )
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    warnings.simplefilter("ignore", ModeCollapseWarning)
    run_start = time.perf_counter()

    X = load_digits().data / 16.0
    X_train, X_test = train_test_split(X, test_size=0.25, random_state=0)
    if args.quick:
        budget = {"min_resources": 1, "max_resources": 3, "factor": 3}
        n_parzen_samples, default_epochs = 500, 2
    else:
        budget = {"min_resources": 11, "max_resources": 99, "factor": 3}
        n_parzen_samples, default_epochs = 10000, 100

    base = GANSampler(n_parzen_samples=n_parzen_samples, verbose=0, random_state=0)
    search = HalvingGridSearchCV(
        base,
        PARAM_GRID,
        resource="max_epochs",
        cv=KFold(n_splits=2, shuffle=True, random_state=0),
        error_score=np.nan,
        n_jobs=args.n_jobs,
        **budget,
    )
    start = time.perf_counter()
    search.fit(X_train)
    search_seconds = time.perf_counter() - start

    rows = []
    best = search.best_estimator_
    rows.append(("best of the search", best, search.best_params_))
    start = time.perf_counter()
    default = clone(base).set_params(max_epochs=default_epochs).fit(X_train)
    default_seconds = time.perf_counter() - start
    rows.append(("default GANSampler", default, {"max_epochs": default_epochs}))
    same_budget = clone(base).set_params(max_epochs=best.max_epochs).fit(X_train)
    rows.append(
        ("default, search's epoch budget", same_budget, {"max_epochs": best.max_epochs})
    )

    scored = [
        (
            name,
            parzen_score(X_test, model.parzen_centers(), model.bandwidth_),
            params,
            spread_ratio(model.sample(2000, random_state=0), X_test),
        )
        for name, model, params in rows
    ]
    references = reference_windows(X_train, X_test)
    total_seconds = time.perf_counter() - run_start

    report = format_report(
        args,
        search,
        scored,
        references,
        search_seconds=search_seconds,
        default_seconds=default_seconds,
        total_seconds=total_seconds,
        n_train=len(X_train),
        n_test=len(X_test),
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report)
    print(report)


def spread_ratio(samples, X):
    """Mean per-pixel standard deviation of samples over that of the data."""
    varying = X.std(axis=0) > 0
    return float(np.mean(samples.std(axis=0)[varying] / X.std(axis=0)[varying]))


def reference_windows(X_train, X_test):
    """Parzen windows that need no generator, to put the scores in scale."""
    X_fit, X_valid = train_test_split(X_train, test_size=0.1, random_state=0)
    windows = {
        "window on the training rows themselves": X_fit,
        "window on the training mean only (a collapsed generator)": X_fit.mean(
            axis=0, keepdims=True
        ),
    }
    results = {}
    for name, centers in windows.items():
        bandwidth = select_bandwidth(
            X_valid, centers, bandwidths=np.logspace(-2, 0.5, 40)
        )
        results[name] = parzen_score(X_test, centers, bandwidth)
    return results


def format_report(
    args,
    search,
    scored,
    references,
    *,
    search_seconds,
    default_seconds,
    total_seconds,
    n_train,
    n_test,
):
    results = search.cv_results_
    last = np.asarray(results["iter"]) == search.n_iterations_ - 1
    n_failed = int(np.isnan(np.asarray(results["mean_test_score"], float)).sum())
    lines = [
        "# Grid search on scikit-learn's digits",
        "",
        "Written by `benchmarks/bench_grid_search_digits.py`"
        + (" in `--quick` mode (not a result)" if args.quick else "")
        + ". Digits scaled to [0, 1]; "
        f"{n_train} training rows, {n_test} test rows (`train_test_split`, "
        "`test_size=0.25`, `random_state=0`). Scores are mean Parzen "
        "log-likelihoods of the test rows in nats, ± their standard error; "
        "each estimator chose its bandwidth on its own held-out training rows.",
        "",
        "## Search",
        "",
        f'`HalvingGridSearchCV` with `resource="max_epochs"`, '
        f"{search.n_candidates_[0]} candidates, "
        f"2-fold cross-validation on the training rows only, epochs per "
        f"iteration {search.n_resources_}, candidates per iteration "
        f"{search.n_candidates_}; {n_failed} failed fits scored NaN. "
        f"Grid: `{PARAM_GRID}`. Time: {search_seconds:.0f} s with "
        f"`n_jobs={args.n_jobs}`, the refit of the best candidate on all "
        "training rows included.",
        "",
        "Candidates of the last iteration (cross-validated on training rows):",
        "",
        "| parameters | mean CV score (nats) |",
        "|---|---|",
    ]
    for params, score in zip(
        np.asarray(results["params"])[last],
        np.asarray(results["mean_test_score"])[last],
        strict=True,
    ):
        lines.append(f"| `{params}` | {score:.2f} |")
    lines += [
        "",
        f"Best parameters: `{search.best_params_}`.",
        "",
        "## Test rows",
        "",
        "| estimator | parameters | test Parzen log-likelihood "
        "| sample spread / data |",
        "|---|---|---|---|",
    ]
    for name, score, params, ratio in scored:
        lines.append(
            f"| {name} | `{params}` | {score.mean:.2f} ± {score.std_error:.2f} "
            f"(σ={score.bandwidth:.3g}) | {ratio:.2f} |"
        )
    lines += [
        "",
        f"The default fit took {default_seconds:.0f} s; the whole run "
        f"{total_seconds:.0f} s.",
        "",
        "References, no generator involved (σ chosen on held-out training rows):",
        "",
        "| window | test Parzen log-likelihood |",
        "|---|---|",
    ]
    for name, score in references.items():
        lines.append(
            f"| {name} | {score.mean:.2f} ± {score.std_error:.2f} "
            f"(σ={score.bandwidth:.3g}) |"
        )
    lines += [
        "",
        '"Sample spread / data" is the mean per-pixel standard deviation of '
        "2,000 generated rows over that of the test rows: near 1 for a "
        "generator that spreads like the data, near 0 for a collapsed one.",
        "",
        "## Machine",
        "",
        f"{platform.platform()}, {os.cpu_count()} CPU cores shared with other "
        f"jobs, torch {torch.__version__} ({torch.get_num_threads()} threads), "
        f"scikit-learn {sklearn.__version__}, sklearn_gan "
        f"{sklearn_gan.__version__}.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
