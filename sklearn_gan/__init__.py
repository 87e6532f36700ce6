"""sklearn_gan: generative adversarial nets as scikit-learn estimators.

The estimator, :class:`GANSampler`, trains a generator and a discriminator as
in Goodfellow et al. (2014) and is scored by the paper's Parzen-window
log-likelihood, so that it fits in pipelines, grid searches and joblib files
like any scikit-learn model.
"""

from . import datasets, presets
from ._conv import DCGANDiscriminator, DCGANGenerator
from ._exceptions import DivergenceError, DivergenceWarning, ModeCollapseWarning
from ._gan import GANSampler
from ._networks import Maxout, MaxoutDiscriminator, MLPGenerator
from ._parzen import (
    ParzenScore,
    default_bandwidths,
    parzen_log_likelihood,
    parzen_score,
    select_bandwidth,
)
from ._persistence import load_safe, save_safe
from ._pipeline import sample_from_pipeline
from ._schedules import LinearMomentumRamp, PerUpdateLRDecay, SigmoidOutputBiasFromData

__version__ = "0.1.0"

__all__ = [
    "DCGANDiscriminator",
    "DCGANGenerator",
    "DivergenceError",
    "DivergenceWarning",
    "GANSampler",
    "LinearMomentumRamp",
    "MLPGenerator",
    "Maxout",
    "MaxoutDiscriminator",
    "ModeCollapseWarning",
    "ParzenScore",
    "PerUpdateLRDecay",
    "SigmoidOutputBiasFromData",
    "__version__",
    "datasets",
    "default_bandwidths",
    "load_safe",
    "parzen_log_likelihood",
    "parzen_score",
    "presets",
    "sample_from_pipeline",
    "save_safe",
    "select_bandwidth",
]
