"""Docstrings of the public API: present, in step with signatures, with examples.

Every public name of ``sklearn_gan`` and of its public modules is checked with
numpydoc's validator, and so is every public method that a public class
defines itself (methods inherited from skorch or torch are theirs to
document). The doctests themselves run through ``--doctest-modules``.
"""

import inspect
import re
from pathlib import Path

import numpydoc.validate
import pytest
from skorch.callbacks import Callback
from torch import nn

import sklearn_gan
import sklearn_gan.callbacks
import sklearn_gan.plotting

# The package, the modules it lists in __all__ (datasets, presets), and the
# modules imported by name (callbacks, plotting).
PUBLIC_MODULES = (
    sklearn_gan,
    *(
        getattr(sklearn_gan, name)
        for name in sklearn_gan.__all__
        if inspect.ismodule(getattr(sklearn_gan, name))
    ),
    sklearn_gan.callbacks,
    sklearn_gan.plotting,
)

# Parameters documented, none documented that does not exist, in the order of
# the signature; and a docstring at all.
SIGNATURE_CHECKS = {"GL08", "PR01", "PR02", "PR03"}
# Classes and functions also need an Examples section.
EXAMPLE_CHECKS = {"EX01"}

# Deliberate departures, each with the reason it is accepted.
EXEMPTIONS = {
    ("sklearn_gan.presets.SimultaneousGANSampler", "PR01"): (
        "a GANSampler with another update rule: its parameters are GANSampler's, "
        "documented there and linked from its docstring"
    ),
    ("sklearn_gan.ParzenScore", "PR01"): (
        "a frozen dataclass: its constructor arguments are its fields, "
        "documented under Attributes"
    ),
    ("sklearn_gan.DivergenceError", "PR01"): (
        "raised by GANSampler, not built by users; its fields are documented "
        "under Attributes"
    ),
    ("sklearn_gan.DivergenceError", "EX01"): "no example written yet",
    ("sklearn_gan.DivergenceWarning", "EX01"): "no example written yet",
    ("sklearn_gan.ModeCollapseWarning", "EX01"): "no example written yet",
    ("sklearn_gan.GANSampler.initialize_optimizer", "PR01"): (
        "skorch's hook signature; skorch deprecated `triggered_directly`"
    ),
}


def _is_framework_hook(cls, name):
    """Methods that skorch or torch call with arguments they document.

    A callback's ``initialize`` and ``on_*`` hooks receive skorch's arguments,
    and a module's ``forward`` is called as ``module(input)``, with its input
    and output described by the class's own docstring.
    """
    if issubclass(cls, Callback):
        return name == "initialize" or name.startswith("on_")
    return issubclass(cls, nn.Module) and name == "forward"


def _public_objects():
    """Import paths of public names, with the checks that apply to each."""
    for module in PUBLIC_MODULES:
        for name in module.__all__:
            obj = getattr(module, name)
            if name.startswith("__") or inspect.ismodule(obj):
                continue
            path = f"{module.__name__}.{name}"
            yield path, SIGNATURE_CHECKS | EXAMPLE_CHECKS
            if not inspect.isclass(obj):
                continue
            for member_name, member in vars(obj).items():
                if member_name.startswith("_") or _is_framework_hook(obj, member_name):
                    continue
                if inspect.isfunction(member) or isinstance(
                    member, classmethod | staticmethod | property
                ):
                    yield f"{path}.{member_name}", SIGNATURE_CHECKS


PUBLIC_OBJECTS = dict(_public_objects())


@pytest.mark.parametrize("path", sorted(PUBLIC_OBJECTS))
def test_docstring_matches_signature(path):
    result = numpydoc.validate.validate(path)
    errors = [
        f"{code}: {message}"
        for code, message in result["errors"]
        if code in PUBLIC_OBJECTS[path] and (path, code) not in EXEMPTIONS
    ]
    assert not errors, f"{path} docstring:\n" + "\n".join(errors)


@pytest.mark.parametrize(("path", "code"), sorted(EXEMPTIONS))
def test_exemption_is_still_needed(path, code):
    # An exemption that no longer matches an error hides nothing and must go.
    assert path in PUBLIC_OBJECTS, f"{path} is not a public name any more"
    codes = {found for found, _ in numpydoc.validate.validate(path)["errors"]}
    assert code in codes, f"{path} passes {code} now: remove its exemption"


def test_every_public_name_is_in_the_api_reference():
    api = (Path(__file__).parents[1] / "docs" / "api.rst").read_text()
    listed = set(re.findall(r"^   (\w+)$", api, flags=re.MULTILINE))
    listed |= set(re.findall(r"^\.\. automodule:: ([\w.]+)$", api, re.MULTILINE))
    missing = []
    for module in PUBLIC_MODULES:
        if module.__name__ not in listed and module is not sklearn_gan:
            missing.append(module.__name__)
        for name in module.__all__:
            obj = getattr(module, name)
            if name.startswith("__") or inspect.ismodule(obj):
                continue
            if name not in listed:
                missing.append(f"{module.__name__}.{name}")
    assert not missing, (
        f"{missing} are public but not in docs/api.rst: add each function or "
        "class to the autosummary list of its section, and each module as an "
        "automodule."
    )
