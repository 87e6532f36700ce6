"""The sklearn-gan command line."""

import json
import subprocess
import sys

import joblib
import numpy as np
import pytest

from sklearn_gan import GANSampler
from sklearn_gan._cli import main


@pytest.fixture(scope="module")
def fitted_output(tmp_path_factory):
    output = tmp_path_factory.mktemp("gan-output")
    status = main(
        ["fit", "--max-epochs", "2", "--output", str(output), "--verbose", "0"]
    )
    assert status == 0
    return output


def test_fit_on_digits_writes_model_scores_and_picture(fitted_output, capsys):
    model = joblib.load(fitted_output / "model.joblib")
    assert isinstance(model, GANSampler)
    assert model.n_features_in_ == 64

    report = json.loads((fitted_output / "scores.json").read_text())
    assert report["data"] == "scikit-learn's digits"
    assert report["n_train"] + report["n_test"] == 1797
    scores = report["test_log_likelihood_nats"]
    assert set(scores) >= {"GANSampler", "Parzen window on training rows"}
    assert any(name.startswith("Gaussian mixture") for name in scores)
    assert all(np.isfinite(value["mean"]) for value in scores.values())

    png = (fitted_output / "samples.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_fit_prints_the_scores_beside_the_baselines(tmp_path, capsys):
    rows = np.random.default_rng(0).normal(size=(80, 2))
    data = tmp_path / "rows.csv"
    np.savetxt(data, rows, delimiter=",", header="x,y", comments="")
    status = main(
        [
            "fit",
            str(data),
            "--max-epochs",
            "1",
            "--output",
            str(tmp_path / "out"),
            "--verbose",
            "0",
        ]
    )
    out = capsys.readouterr().out
    assert status == 0
    assert "Training on" in out and "64 rows of 2 features" in out
    for name in ("GANSampler", "Parzen window on training rows", "Gaussian mixture"):
        assert name in out
    assert (tmp_path / "out" / "samples.png").exists()


@pytest.mark.parametrize("suffix", [".csv", ".npy"])
def test_sample_writes_rows(fitted_output, tmp_path, suffix):
    target = tmp_path / f"rows{suffix}"
    status = main(
        [
            "sample",
            str(fitted_output / "model.joblib"),
            "-n",
            "7",
            "-o",
            str(target),
            "--random-state",
            "1",
        ]
    )
    assert status == 0
    rows = np.load(target) if suffix == ".npy" else np.loadtxt(target, delimiter=",")
    assert rows.shape == (7, 64)


def test_score_prints_the_mean_and_standard_error(fitted_output, tmp_path, capsys):
    data = tmp_path / "test.npy"
    np.save(data, np.random.default_rng(0).random((10, 64)))
    assert main(["score", str(fitted_output / "model.joblib"), str(data)]) == 0
    assert "Parzen log-likelihood of 10 rows:" in capsys.readouterr().out


def test_errors_are_reported_without_a_traceback(tmp_path, capsys):
    assert main(["fit", str(tmp_path / "missing.csv")]) == 1
    assert "no such file" in capsys.readouterr().err
    bad = tmp_path / "rows.json"
    bad.write_text("{}")
    assert main(["fit", str(bad)]) == 1
    assert ".csv file of numbers" in capsys.readouterr().err


def test_python_dash_m_runs_the_command_line():
    result = subprocess.run(
        [sys.executable, "-m", "sklearn_gan", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "fit" in result.stdout and "sample" in result.stdout
