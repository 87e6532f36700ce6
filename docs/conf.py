"""Sphinx configuration of the sklearn_gan documentation.

The build runs offline: no intersphinx inventories are fetched, and the
gallery examples use only data shipped with scikit-learn. Build it from the
repository root with ``make docs``.
"""

import re
import sys
from pathlib import Path

import torch

DOCS = Path(__file__).resolve().parent
# Document the package of this checkout, installed or not.
sys.path.insert(0, str(DOCS.parent))

import sklearn_gan  # noqa: E402

# The examples train small networks, which one CPU thread runs as fast as
# several; with more threads than free cores, torch's threads spend most of
# their time waiting on one another (ten times the CPU time, measured on a
# shared 2-core machine).
torch.set_num_threads(1)

project = "sklearn_gan"
author = "the sklearn_gan developers"
copyright = author
release = sklearn_gan.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "**.ipynb_checkpoints"]

# -- API reference -----------------------------------------------------------

autosummary_generate = True
autodoc_default_options = {"members": True, "member-order": "groupwise"}
autodoc_typehints = "none"
# Show defaults as written (generator=MLPGenerator), not as their repr.
autodoc_preserve_defaults = True
# The autosummary templates list the members; numpydoc renders the sections.
numpydoc_show_class_members = False
numpydoc_xref_param_type = False

# -- Pages that may not exist yet ------------------------------------------

# Pages of the user guide written separately. Until a page's file exists, it
# is dropped from the toctree of index.rst, and the substitution that links to
# it (|parzen-page| and so on) reads as plain text instead of a dangling link.
OPTIONAL_PAGES = {
    "parzen": "Parzen-window evaluation",
    "model_selection": "Model selection",
    "paper": "Reproducing the paper",
}
MISSING_PAGES = [name for name in OPTIONAL_PAGES if not (DOCS / f"{name}.rst").exists()]

rst_epilog = "".join(
    f".. |{name}-page| replace:: "
    + (title if name in MISSING_PAGES else f":doc:`{title} </{name}>`")
    + "\n"
    for name, title in OPTIONAL_PAGES.items()
)


def _drop_missing_pages(app, docname, source):
    if docname == "index" and MISSING_PAGES:
        pattern = rf"^   ({'|'.join(MISSING_PAGES)})\n"
        source[0] = re.sub(pattern, "", source[0], flags=re.MULTILINE)


# In "ndarray of shape (n_samples, n_features_in_)", reStructuredText reads
# the trailing underscore as a link to a target called n_features_in; escape
# it in every shape of every docstring, before numpydoc parses the sections.
_SHAPE = re.compile(r"shape \(([^)]*)\)")
_TRAILING_UNDERSCORE = re.compile(r"(?<![`\\])\b([A-Za-z]\w*)_(?=[,)\s]|$)")


def _escape_shapes(app, what, name, obj, options, lines):
    for index, line in enumerate(lines):
        if not line.lstrip().startswith((">>>", "...")):
            lines[index] = _SHAPE.sub(
                lambda shape: shape[0].replace(
                    shape[1], _TRAILING_UNDERSCORE.sub(r"\1\\_", shape[1])
                ),
                line,
            )


def setup(app):
    app.connect("source-read", _drop_missing_pages)
    # Before numpydoc's own handler, which runs at the default priority 500.
    app.connect("autodoc-process-docstring", _escape_shapes, priority=400)


# -- Example gallery ---------------------------------------------------------

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # Every examples/plot_*.py is run during the build.
    "filename_pattern": r"/plot_",
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("sklearn_gan",),
    "backreferences_dir": "gen_modules/backreferences",
    "abort_on_example_error": True,
    "download_all_examples": False,
    "remove_config_comments": True,
    "show_memory": False,
    "image_scrapers": ("matplotlib",),
}

# -- HTML output -------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"sklearn_gan {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_static_path = []
html_show_sourcelink = False
