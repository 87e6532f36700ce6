"""A file format for GANSampler that loading cannot turn into running code.

``pickle`` and ``joblib`` files can run arbitrary code while they load, so
they must only be loaded from trusted sources. :func:`save_safe` writes a
fitted or unfitted :class:`~sklearn_gan.GANSampler` into a directory as two
files that hold data only:

``estimator.json``
    The parameters, the fitted attributes (scaler statistics, ``bandwidth_``,
    seeds, feature names, history) and the classes that the estimator is
    built from, by their import names.
``weights.pt``
    The state dictionaries of both networks and both optimizers, written by
    ``torch.save`` and read back by ``torch.load(weights_only=True)``, which
    restores tensors and plain containers but no other objects.

:func:`load_safe` rebuilds classes only from an allow-list: the package's
networks and estimator, torch's optimizers and scikit-learn's scalers, and
the classes the caller passes as ``trusted_classes``. No module named in the
file is imported.
"""

import importlib
import json
import numbers
import warnings
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from skorch.exceptions import DeviceWarning
from skorch.history import History

from ._gan import GANSampler
from ._networks import Maxout, MaxoutDiscriminator, MLPGenerator
from ._parzen import ParzenScore

__all__ = ["load_safe", "save_safe"]

FORMAT_NAME = "sklearn_gan.safe"
FORMAT_VERSION = 1
METADATA_FILE = "estimator.json"
WEIGHTS_FILE = "weights.pt"

# Key that marks a JSON object as an encoded value rather than a plain dict.
_KIND = "__kind__"

# Attributes of a fitted estimator that the weights file or the rebuilt
# estimator hold, or that skorch recreates on initialisation.
_NOT_STORED = {
    "generator_",
    "discriminator_",
    "optimizer_generator_",
    "optimizer_discriminator_",
    "criterion_",
    "callbacks_",
    "history_",
    "prefixes_",
    "cuda_dependent_attributes_",
    "initialized_",
    "virtual_params_",
    "init_context_",
}
_STATE_DICTS = (
    "generator_",
    "discriminator_",
    "optimizer_generator_",
    "optimizer_discriminator_",
)


def save_safe(estimator, directory):
    """Save a GANSampler as JSON and weights that load without running code.

    Parameters
    ----------
    estimator : GANSampler
        Fitted or unfitted estimator. Its parameters must be plain values
        (numbers, strings, None, lists, tuples, dicts, arrays) or importable
        classes; callbacks, ready-made modules and random generators cannot
        be stored safely and raise a ``TypeError`` naming the parameter.
    directory : str or path-like
        Directory to write ``estimator.json`` and, for a fitted estimator,
        ``weights.pt`` into; created if missing, files in it are replaced.

    See Also
    --------
    load_safe : Load what this function saved.

    Notes
    -----
    Weights are saved from the CPU, so a model trained on a GPU loads on a
    machine without one. ``pickle`` and ``joblib`` keep everything, callbacks
    included, but their files can run code when loaded: load them only from
    trusted sources, and use this format for files from anywhere else.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> from sklearn_gan import GANSampler, load_safe, save_safe
    >>> X = np.random.default_rng(0).normal(size=(100, 2))
    >>> gan = GANSampler(max_epochs=1, verbose=0, random_state=0).fit(X)
    >>> with tempfile.TemporaryDirectory() as directory:
    ...     save_safe(gan, directory)
    ...     loaded = load_safe(directory)
    >>> bool(np.array_equal(loaded.sample(5, random_state=0),
    ...                     gan.sample(5, random_state=0)))
    True
    """
    if not isinstance(estimator, GANSampler):
        raise TypeError(
            "save_safe stores GANSampler estimators, got "
            f"{type(estimator).__name__}. Use joblib.dump for other objects."
        )
    params = {
        name: _encode(value, f"parameter '{name}'")
        for name, value in estimator.get_params(deep=False).items()
    }
    fitted = estimator.__sklearn_is_fitted__()
    metadata = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "sklearn_gan_version": _package_version(),
        "estimator_class": _encode(type(estimator), "the estimator's class"),
        "params": params,
        "fitted": fitted,
    }
    if fitted:
        metadata["attributes"] = {
            name: _encode(value, f"fitted attribute '{name}'")
            for name, value in sorted(vars(estimator).items())
            if name.endswith("_")
            and not name.startswith("_")
            and name not in _NOT_STORED
        }
        metadata["history"] = _encode(list(estimator.history_), "the history")

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    text = json.dumps(metadata, indent=1, allow_nan=True)
    (directory / METADATA_FILE).write_text(text, encoding="utf-8")
    weights_path = directory / WEIGHTS_FILE
    if fitted:
        states = {
            name: _to_cpu(getattr(estimator, name).state_dict())
            for name in _STATE_DICTS
        }
        torch.save(states, weights_path)
    elif weights_path.exists():
        weights_path.unlink()


def load_safe(directory, *, trusted_classes=()):
    """Load a GANSampler saved by :func:`save_safe`, running no code from it.

    Parameters
    ----------
    directory : str or path-like
        Directory that :func:`save_safe` wrote.
    trusted_classes : iterable of type, default=()
        Classes besides the allow-list that the file may name: custom
        generators, discriminators or optimizers, or a subclass of
        GANSampler. The allow-list holds GANSampler, MLPGenerator,
        MaxoutDiscriminator, Maxout, every optimizer in ``torch.optim`` and
        scikit-learn's StandardScaler and MinMaxScaler.

    Returns
    -------
    estimator : GANSampler
        The estimator, fitted if it was saved fitted. Its generator samples
        the same rows as the saved one for the same ``random_state``. A
        model saved with ``device="cuda"`` loads on the CPU, with a
        ``DeviceWarning``, where CUDA is not available.

    Raises
    ------
    ValueError
        When the directory holds no such file, or the file names a class
        outside the allow-list and ``trusted_classes``.

    See Also
    --------
    save_safe : Write the files this function reads.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> from sklearn_gan import GANSampler, load_safe, save_safe
    >>> gan = GANSampler(k=2, lr_d=1e-3, generator__hidden_units=(16, 16))
    >>> with tempfile.TemporaryDirectory() as directory:
    ...     save_safe(gan, directory)
    ...     loaded = load_safe(directory)
    >>> loaded.get_params()["generator__hidden_units"]
    (16, 16)
    """
    directory = Path(directory)
    metadata_path = directory / METADATA_FILE
    if not metadata_path.is_file():
        raise ValueError(
            f"{directory} holds no {METADATA_FILE}: pass a directory written by "
            "sklearn_gan.save_safe."
        )
    metadata = json.loads(metadata_path.read_text(encoding="utf-8"))
    if (
        not isinstance(metadata, dict)
        or metadata.get("format") != FORMAT_NAME
        or metadata.get("format_version") != FORMAT_VERSION
    ):
        raise ValueError(
            f"{metadata_path} is not a sklearn_gan safe file of format version "
            f"{FORMAT_VERSION}. Save the model again with sklearn_gan.save_safe."
        )

    allowed = _allow_list(trusted_classes)
    estimator_class = _decode(metadata["estimator_class"], allowed)
    if not (
        isinstance(estimator_class, type) and issubclass(estimator_class, GANSampler)
    ):
        raise ValueError(
            f"{metadata_path} names {estimator_class!r} as its estimator, which "
            "is not a GANSampler."
        )
    params = {
        name: _decode(value, allowed) for name, value in metadata["params"].items()
    }
    params["device"] = _available_device(params.get("device", "auto"))
    estimator = estimator_class(**params)
    if not metadata.get("fitted"):
        return estimator

    for name, value in metadata["attributes"].items():
        setattr(estimator, name, _decode(value, allowed))
    # Building the networks draws initial weights from torch's global random
    # state; they are overwritten below, and the caller's state is kept.
    with torch.random.fork_rng(devices=[]):
        estimator.initialize()
    states = torch.load(directory / WEIGHTS_FILE, map_location="cpu", weights_only=True)
    for name in _STATE_DICTS:
        getattr(estimator, name).load_state_dict(states[name])
    estimator.history_ = History(_decode(metadata["history"], allowed))
    return estimator


def _allow_list(trusted_classes):
    classes = [
        GANSampler,
        MLPGenerator,
        MaxoutDiscriminator,
        Maxout,
        StandardScaler,
        MinMaxScaler,
        ParzenScore,
    ]
    classes += [
        value
        for value in vars(torch.optim).values()
        if isinstance(value, type) and issubclass(value, torch.optim.Optimizer)
    ]
    for cls in trusted_classes:
        if not isinstance(cls, type):
            raise TypeError(
                f"trusted_classes must hold classes, got {cls!r}; pass the class "
                "itself, for example trusted_classes=[MyGenerator]."
            )
        classes.append(cls)
    return {_class_name(cls): cls for cls in classes}


def _class_name(cls):
    return f"{cls.__module__}:{cls.__qualname__}"


def _encode(value, where):
    """``value`` as JSON-ready data, or a TypeError that names ``where``."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, torch.device):
        return str(value)
    if isinstance(value, type):
        return {_KIND: "class", "name": _importable_name(value, where)}
    if isinstance(value, tuple):
        return {_KIND: "tuple", "items": [_encode(item, where) for item in value]}
    if isinstance(value, list):
        return [_encode(item, where) for item in value]
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value) or _KIND in value:
            raise TypeError(
                f"save_safe cannot store {where}: a dict whose keys are not all "
                f"strings, or that holds the key {_KIND!r}."
            )
        return {key: _encode(item, where) for key, item in value.items()}
    if isinstance(value, np.ndarray):
        return _encode_array(value, where)
    if isinstance(value, ParzenScore):
        return {
            _KIND: "object",
            "class": _encode(type(value), where),
            "fields": _encode(asdict(value), where),
        }
    if isinstance(value, (StandardScaler, MinMaxScaler)):
        state = {
            name: item
            for name, item in vars(value).items()
            if name.endswith("_") and not name.startswith("_")
        }
        return {
            _KIND: "estimator",
            "class": _encode(type(value), where),
            "params": _encode(value.get_params(deep=False), where),
            "attributes": _encode(state, where),
        }
    raise TypeError(
        f"save_safe cannot store {where}, a {type(value).__name__}: the safe "
        "format holds numbers, strings, None, lists, tuples, dicts, arrays and "
        "importable classes. Set it to such a value (for example "
        "set_params(callbacks=None), an int random_state, or a network class "
        "with routed parameters instead of a ready module) before saving, or "
        "use joblib.dump for files that only trusted users load."
    )


def _encode_array(array, where):
    if array.dtype.kind in "biuf":
        data = array.tolist()
    elif array.dtype.kind in "OU" and all(isinstance(item, str) for item in array.flat):
        data = [str(item) for item in array.flat]
    else:
        raise TypeError(
            f"save_safe cannot store {where}, an array of dtype {array.dtype}: "
            "only numeric and string arrays are supported."
        )
    return {
        _KIND: "ndarray",
        "dtype": array.dtype.str if array.dtype.kind != "O" else "object",
        "shape": list(array.shape),
        "data": data,
    }


def _importable_name(cls, where):
    name = _class_name(cls)
    try:
        found = importlib.import_module(cls.__module__)
        for part in cls.__qualname__.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError):
        found = None
    if found is not cls:
        raise TypeError(
            f"save_safe cannot store {where}: its class {name} cannot be imported "
            "by that name (classes defined in __main__, in a function or in a "
            "notebook cell cannot). Move it into an importable module."
        )
    return name


def _decode(value, allowed):
    if isinstance(value, list):
        return [_decode(item, allowed) for item in value]
    if not isinstance(value, dict):
        return value
    kind = value.get(_KIND)
    if kind is None:
        return {key: _decode(item, allowed) for key, item in value.items()}
    if kind == "tuple":
        return tuple(_decode(item, allowed) for item in value["items"])
    if kind == "class":
        return _resolve_class(value["name"], allowed)
    if kind == "ndarray":
        dtype = object if value["dtype"] == "object" else np.dtype(value["dtype"])
        return np.asarray(value["data"], dtype=dtype).reshape(value["shape"])
    if kind == "object":
        cls = _decode_class(value["class"], allowed, (ParzenScore,))
        return cls(**_decode(value["fields"], allowed))
    if kind == "estimator":
        cls = _decode_class(value["class"], allowed, (StandardScaler, MinMaxScaler))
        estimator = cls(**_decode(value["params"], allowed))
        for name, item in _decode(value["attributes"], allowed).items():
            setattr(estimator, name, item)
        return estimator
    raise ValueError(f"Unknown kind of stored value {kind!r}; the file is damaged.")


def _decode_class(value, allowed, expected):
    cls = _decode(value, allowed)
    if cls not in expected:
        raise ValueError(
            f"The saved model stores a {cls!r} where one of {expected} belongs; "
            "the file is damaged or was not written by save_safe."
        )
    return cls


def _resolve_class(name, allowed):
    if name not in allowed:
        raise ValueError(
            f"The saved model names the class {name}, which load_safe does not "
            "trust by default. If you trust it, import it and pass it as "
            "load_safe(directory, trusted_classes=[TheClass])."
        )
    return allowed[name]


def _available_device(device):
    if isinstance(device, str) and device.startswith("cuda"):
        if not torch.cuda.is_available():
            warnings.warn(
                f"The model was saved with device={device!r}, but CUDA is not "
                "available here: loading it on the CPU.",
                DeviceWarning,
                stacklevel=3,
            )
            return "cpu"
    return device


def _to_cpu(state):
    if isinstance(state, torch.Tensor):
        return state.detach().cpu()
    if isinstance(state, dict):
        return {key: _to_cpu(value) for key, value in state.items()}
    if isinstance(state, (list, tuple)):
        return type(state)(_to_cpu(value) for value in state)
    return state


def _package_version():
    from . import __version__

    return __version__
