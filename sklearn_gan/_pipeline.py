"""Sampling from a pipeline that ends in a generative model."""

import numpy as np
from sklearn import get_config
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

__all__ = ["sample_from_pipeline"]


def sample_from_pipeline(pipeline, n_samples, random_state=None):
    """Draw rows from a pipeline's final step, in the units of its input.

    The final step (a :class:`~sklearn_gan.GANSampler` or any estimator with
    a ``sample`` method) generates rows in the space it was fitted in, the
    output of the steps before it. Those rows are mapped back through the
    ``inverse_transform`` of each preceding step, last step first, so that
    they look like the ``X`` given to ``pipeline.fit``.

    Parameters
    ----------
    pipeline : sklearn.pipeline.Pipeline
        A fitted pipeline whose final step can ``sample`` and whose other
        steps can ``inverse_transform`` (``"passthrough"`` steps are skipped).
    n_samples : int
        Number of rows to draw.
    random_state : int, RandomState instance or None, default=None
        Passed to the final step's ``sample``.

    Returns
    -------
    X : ndarray or DataFrame of shape (n_samples, n_features_in_)
        Generated rows in the units of the pipeline's input. A pandas
        DataFrame when the pipeline's transformers were set to pandas output
        (``pipeline.set_output(transform="pandas")``, or the global
        ``transform_output`` setting), with the column names seen in ``fit``
        when there were any, and ``x0, x1, ...`` otherwise.

    Raises
    ------
    ValueError
        When a step before the last has no ``inverse_transform``, naming the
        step, or when the final step cannot ``sample``.

    Notes
    -----
    The rows are exact images of the final step's samples only for
    invertible steps (scalers, ``QuantileTransformer``, ``PowerTransformer``,
    a ``PCA`` keeping every component). A ``PCA`` that keeps fewer components
    maps them back onto the subspace of the kept ones; a
    ``QuantileTransformer`` clips them to the range seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import MinMaxScaler
    >>> from sklearn_gan import GANSampler, sample_from_pipeline
    >>> X = np.random.default_rng(0).normal(loc=50.0, size=(200, 2))
    >>> pipeline = make_pipeline(
    ...     MinMaxScaler(),
    ...     GANSampler(max_epochs=2, n_parzen_samples=200, verbose=0, random_state=0),
    ... ).fit(X)
    >>> rows = sample_from_pipeline(pipeline, 4, random_state=0)
    >>> rows.shape
    (4, 2)
    >>> bool(np.all((rows > 40) & (rows < 60)))
    True
    """
    if not isinstance(pipeline, Pipeline):
        raise TypeError(
            "sample_from_pipeline expects a fitted sklearn.pipeline.Pipeline, "
            f"got {type(pipeline).__name__}. For a single estimator, call its "
            "sample method directly."
        )
    final_name, final_step = pipeline.steps[-1]
    if not hasattr(final_step, "sample"):
        raise ValueError(
            f"The final step '{final_name}' ({type(final_step).__name__}) has no "
            "sample method: end the pipeline with a generative model such as "
            "GANSampler."
        )
    check_is_fitted(final_step)

    # Check the whole way back before drawing any rows.
    transformers = [
        (name, step)
        for name, step in pipeline.steps[:-1]
        if step is not None and step != "passthrough"
    ]
    for name, step in transformers:
        if not hasattr(step, "inverse_transform"):
            raise ValueError(
                f"Cannot map samples back through step '{name}' "
                f"({type(step).__name__}): it has no inverse_transform. Use an "
                "invertible transformer there (a scaler, QuantileTransformer, "
                "PowerTransformer, PCA), or sample from pipeline[-1] and work "
                f"in the output space of '{name}'."
            )

    rows = final_step.sample(n_samples, random_state=random_state)
    if len(rows) == 0:
        # Transformers refuse empty input; only the width has to come back.
        width = transformers[0][1].n_features_in_ if transformers else rows.shape[1]
        rows = np.empty((0, width))
    for _, step in reversed(transformers):
        if len(rows) == 0:
            break
        rows = step.inverse_transform(rows)
    rows = np.asarray(rows)

    if _output_container(pipeline, [step for _, step in transformers]) != "pandas":
        return rows
    import pandas

    columns = getattr(pipeline, "feature_names_in_", None)
    if columns is None:
        columns = [f"x{index}" for index in range(rows.shape[1])]
    return pandas.DataFrame(rows, columns=list(columns))


def _output_container(pipeline, transformers):
    """The container ("default", "pandas", ...) chosen for transform output."""
    try:
        # Read where set_output stores it; scikit-learn has no public getter.
        from sklearn.utils._set_output import _get_output_config
    except ImportError:  # pragma: no cover - a future scikit-learn
        return get_config()["transform_output"]
    for estimator in (pipeline, *transformers):
        container = _get_output_config("transform", estimator)["dense"]
        if container != "default":
            return container
    return "default"
