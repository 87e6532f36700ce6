"""The ``sklearn-gan`` command line: fit, sample and score from the shell.

``sklearn-gan fit`` trains a GANSampler on a CSV or ``.npy`` file, or on
scikit-learn's digits when no file is given, saves it with joblib, prints its
held-out Parzen log-likelihood beside two baselines measured in the same run
and writes a PNG of generated rows. ``sample`` and ``score`` use a saved model.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import joblib
import numpy as np
from sklearn.datasets import load_digits
from sklearn.mixture import GaussianMixture
from sklearn.model_selection import train_test_split

from ._gan import GANSampler
from ._parzen import _summarise, parzen_score, select_bandwidth

__all__ = ["main"]

# The main job's defaults: long enough to learn digits, a few minutes on 2 cores.
_DEFAULT_EPOCHS = 300
_GAUSSIAN_MIXTURE_COMPONENTS = (1, 5, 10, 20)


def main(argv=None):
    """Run the ``sklearn-gan`` command line.

    Parameters
    ----------
    argv : list of str or None, default=None
        Arguments without the program name; ``None`` reads ``sys.argv``.

    Returns
    -------
    status : int
        0 on success, 1 after an error that was reported on stderr.
    """
    parser = _build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (OSError, ValueError) as error:
        print(f"sklearn-gan: error: {error}", file=sys.stderr)
        return 1


def _build_parser():
    parser = argparse.ArgumentParser(
        prog="sklearn-gan",
        description="Train generative adversarial nets (Goodfellow et al., 2014) "
        "and sample from them.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    fit = commands.add_parser(
        "fit",
        help="train a GANSampler and report its held-out Parzen score",
        description="Train on DATA (CSV or .npy, one row per sample), or on "
        "scikit-learn's digits (pixels scaled to [0, 1]) when DATA is omitted.",
    )
    fit.add_argument("data", nargs="?", help="CSV or .npy file; default: digits")
    fit.add_argument("--output", default="gan-output", help="folder for results")
    fit.add_argument("--max-epochs", type=int, default=_DEFAULT_EPOCHS)
    fit.add_argument("--batch-size", type=int, default=64)
    fit.add_argument("--k", type=int, default=1, help="D steps per G step")
    fit.add_argument("--lr-g", type=float, default=None)
    fit.add_argument("--lr-d", type=float, default=None)
    fit.add_argument(
        "--test-size", type=float, default=0.2, help="share of rows held out"
    )
    fit.add_argument("--random-state", type=int, default=0)
    fit.add_argument("--device", default="auto")
    fit.add_argument("--verbose", type=int, default=1, help="0, 1 or 2")
    fit.set_defaults(run=_run_fit)

    sample = commands.add_parser("sample", help="draw rows from a saved model")
    sample.add_argument("model", help="a model.joblib written by `fit`")
    sample.add_argument("-n", "--n-samples", type=int, default=100)
    sample.add_argument("-o", "--output", required=True, help="a .csv or .npy path")
    sample.add_argument("--random-state", type=int, default=None)
    sample.set_defaults(run=_run_sample)

    score = commands.add_parser(
        "score", help="Parzen log-likelihood of a file's rows under a saved model"
    )
    score.add_argument("model", help="a model.joblib written by `fit`")
    score.add_argument("data", help="CSV or .npy file with the model's columns")
    score.set_defaults(run=_run_score)
    return parser


def _run_fit(args):
    started = time.perf_counter()
    X, name, image_shape = _load_training_data(args.data)
    X_train, X_test = train_test_split(
        X, test_size=args.test_size, random_state=args.random_state
    )
    print(
        f"Training on {name}: {len(X_train)} rows of {X.shape[1]} features, "
        f"{len(X_test)} rows held out for testing."
    )
    overrides = {
        key: value
        for key, value in {"lr_g": args.lr_g, "lr_d": args.lr_d}.items()
        if value is not None
    }
    gan = GANSampler(
        max_epochs=args.max_epochs,
        batch_size=args.batch_size,
        k=args.k,
        device=args.device,
        verbose=args.verbose,
        random_state=args.random_state,
        **overrides,
    )
    gan.fit(X_train)
    gan_score = _summarise(gan.score_samples(X_test), gan.bandwidth_)
    baselines = _baselines(X_train, X_test, args.random_state)
    elapsed = time.perf_counter() - started

    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    joblib.dump(gan, output / "model.joblib")
    scores = {"GANSampler": gan_score, **baselines}
    report = {
        "data": name,
        "n_train": len(X_train),
        "n_test": len(X_test),
        "n_features": int(X.shape[1]),
        "max_epochs": args.max_epochs,
        "epochs_run": len(gan.history_),
        "seconds": round(elapsed, 1),
        "test_log_likelihood_nats": {
            key: {"mean": value.mean, "std_error": value.std_error}
            for key, value in scores.items()
        },
    }
    (output / "scores.json").write_text(json.dumps(report, indent=2) + "\n")
    picture = _write_picture(gan, X_test, image_shape, output, args.random_state)

    print(f"\nParzen log-likelihood of the {len(X_test)} test rows (nats, ± s.e.):")
    for key, value in scores.items():
        print(f"  {key:<34} {value.mean:9.2f} ± {value.std_error:.2f}")
    print(f"\nModel: {output / 'model.joblib'}; scores: {output / 'scores.json'}")
    if picture:
        print(f"Samples: {picture}")
    print(f"Done in {elapsed:.0f} s.")
    return 0


def _run_sample(args):
    gan = _load_model(args.model)
    rows = gan.sample(args.n_samples, random_state=args.random_state)
    _save_rows(rows, Path(args.output))
    print(f"Wrote {len(rows)} rows to {args.output}.")
    return 0


def _run_score(args):
    gan = _load_model(args.model)
    X = _read_rows(Path(args.data))
    result = _summarise(gan.score_samples(X), gan.bandwidth_)
    print(f"Parzen log-likelihood of {len(X)} rows: {result}")
    return 0


def _load_training_data(path):
    if path is None:
        digits = load_digits()
        return digits.data / 16.0, "scikit-learn's digits", digits.images.shape[1:]
    X = _read_rows(Path(path))
    side = int(round(np.sqrt(X.shape[1])))
    image_shape = (side, side) if side * side == X.shape[1] else None
    return X, str(path), image_shape


def _read_rows(path):
    if not path.exists():
        raise OSError(f"no such file: {path}")
    if path.suffix == ".npy":
        X = np.load(path, allow_pickle=False)
    elif path.suffix in (".csv", ".txt"):
        X = _read_csv(path)
    else:
        raise ValueError(
            f"cannot read {path}: give a .csv file of numbers (an optional header "
            "line is skipped) or a .npy array."
        )
    return np.atleast_2d(X) if X.ndim == 1 and X.size else X


def _read_csv(path):
    with path.open() as handle:
        first = handle.readline()
    try:
        np.array(first.strip().split(","), dtype=float)
        skip = 0
    except ValueError:
        skip = 1  # a header line of column names
    return np.loadtxt(path, delimiter=",", skiprows=skip, ndmin=2)


def _save_rows(rows, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".npy":
        np.save(path, rows)
    elif path.suffix == ".csv":
        np.savetxt(path, rows, delimiter=",", fmt="%.8g")
    else:
        raise ValueError(f"cannot write {path}: use a .csv or .npy file name.")


def _load_model(path):
    # joblib files can run code when loaded: the docs say to load only files
    # from trusted sources.
    model = joblib.load(path)
    if not isinstance(model, GANSampler):
        raise ValueError(f"{path} holds a {type(model).__name__}, not a GANSampler.")
    return model


def _baselines(X_train, X_test, random_state):
    """Parzen window on training rows and a Gaussian mixture, on the same split."""
    X_fit, X_valid = train_test_split(X_train, test_size=0.1, random_state=random_state)
    bandwidth = select_bandwidth(X_valid, X_fit)
    parzen = parzen_score(X_test, X_fit, bandwidth)

    best = None
    for n_components in _GAUSSIAN_MIXTURE_COMPONENTS:
        if n_components > len(X_fit):
            break
        mixture = GaussianMixture(
            n_components=n_components,
            covariance_type="full",
            reg_covar=1e-3,
            random_state=random_state,
        ).fit(X_fit)
        valid = mixture.score(X_valid)
        if best is None or valid > best[0]:
            best = (valid, mixture)
    mixture = best[1]
    mixture_score = _summarise(mixture.score_samples(X_test), float("nan"))
    return {
        "Parzen window on training rows": parzen,
        f"Gaussian mixture ({mixture.n_components} components)": mixture_score,
    }


def _write_picture(gan, X_test, image_shape, output, random_state):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no picture written.")
        return None

    from .plotting import plot_sample_grid

    samples = gan.sample(64, random_state=random_state)
    if image_shape is not None:
        fig, (left, right) = plt.subplots(1, 2, figsize=(10, 5.4))
        plot_sample_grid(np.clip(samples, 0, None), image_shape, n_cols=8, ax=left)
        plot_sample_grid(np.clip(X_test[:64], 0, None), image_shape, n_cols=8, ax=right)
        left.set_title("Generated by GANSampler")
        right.set_title("Held-out data")
    else:
        fig, ax = plt.subplots(figsize=(5.5, 5))
        more = gan.sample(len(X_test), random_state=random_state)
        ax.scatter(X_test[:, 0], X_test[:, -1], s=8, alpha=0.6, label="held-out data")
        ax.scatter(more[:, 0], more[:, -1], s=8, alpha=0.6, label="generated")
        ax.set_xlabel("first column")
        ax.set_ylabel("last column")
        ax.legend()
    path = output / "samples.png"
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
