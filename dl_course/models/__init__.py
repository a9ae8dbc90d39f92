"""Keras model builders, one module per family, and a registry over them.

``build("vgg16", classes=10)`` calls the registered builder; ``available()`` lists names.
Every module in this package is imported with it (``import dl_course`` imports it), so a new
family only needs ``@register`` on its builders, and the custom layers and functions that the
modules register with Keras load from ``.keras`` files (``safe_mode=True``) in any process
that has imported ``dl_course``.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import inspect
import pkgutil
from collections.abc import Callable

_REGISTRY: dict[str, Callable] = {}
_FAMILY: dict[str, str] = {}
_EXAMPLES: dict[str, dict] = {}


def register(name: str | None = None, *, example: dict | None = None):
    """Decorator adding a builder to the registry under ``name`` (default: its function name).

    ``example`` holds small keyword arguments (e.g. a 32×32 input) with which the builder
    runs quickly; tests and ``dl-course check`` build every model with them.
    """

    def wrap(fn: Callable) -> Callable:
        key = name or fn.__name__
        if key in _REGISTRY and _REGISTRY[key].__wrapped__ is not fn:
            raise ValueError(f"model name {key!r} is registered twice")
        checked = _checking_classifier_activation(fn, key)
        _REGISTRY[key] = checked
        _FAMILY[key] = fn.__module__.rsplit(".", 1)[-1]
        _EXAMPLES[key] = dict(example or {})
        return checked

    return wrap


#: Keywords of other libraries and what the builders call them.
KEYWORD_ALIASES = {"num_classes": "classes", "n_classes": "classes", "nb_classes": "classes", "activation": "classifier_activation",
                   "input_size": "input_shape", "shape": "input_shape", "pretrained": "weights"}  # fmt: skip


def _checking_classifier_activation(fn: Callable, key: str) -> Callable:
    """``fn``, refusing before any layer is built an argument it does not take (the error names the
    builder and the keyword meant) and a ``classifier_activation`` Keras does not know (Keras's own
    error names neither the argument nor the builder)."""
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def builder(*args, **kwargs):
        try:
            given = signature.bind_partial(*args, **kwargs).arguments
        except TypeError as error:
            raise TypeError(_argument_help(key, signature, kwargs, error)) from None
        if "classifier_activation" in given:
            from dl_course.models.common import check_activation

            check_activation(given["classifier_activation"], f"{key}: classifier_activation")
        return fn(*args, **kwargs)

    return builder


def _argument_help(key: str, signature: inspect.Signature, kwargs: dict, error: TypeError) -> str:
    """``error`` (from binding the arguments) with the builder's name, the keyword meant, and what it takes."""
    import difflib

    takes = list(signature.parameters)
    unknown = next((k for k in kwargs if k not in signature.parameters), None)
    if unknown is None:
        return f"{key}() {error}; it takes {', '.join(takes)} (give them by keyword)."
    meant = KEYWORD_ALIASES.get(unknown) if KEYWORD_ALIASES.get(unknown) in takes else None
    meant = meant or next(iter(difflib.get_close_matches(unknown, takes, n=1)), None)
    hint = f": did you mean {meant}=?" if meant else "."
    return f"{key}() got an unexpected keyword argument {unknown!r}{hint} {key} takes {', '.join(takes)}."


def _load_all() -> None:
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")


def available(family: str | None = None) -> list[str]:
    """Sorted names of registered builders, optionally only those of one module ``family``."""
    return sorted(k for k in _REGISTRY if family is None or _FAMILY[k] == family)


def examples() -> dict[str, dict]:
    """Each registered builder's small example arguments (see ``register``)."""
    return {k: dict(_EXAMPLES[k]) for k in sorted(_REGISTRY)}


def families() -> dict[str, list[str]]:
    """Registered builder names grouped by module."""
    groups: dict[str, list[str]] = {}
    for key in available():
        groups.setdefault(_FAMILY[key], []).append(key)
    return groups


def get(name: str) -> Callable:
    """The builder registered as ``name``; a ``ValueError`` lists close names otherwise."""
    names = available()
    if not isinstance(name, str):
        raise ValueError(f"model name must be a string such as 'resnet18', got {name!r}; available: {', '.join(names)}.")
    if name not in _REGISTRY:
        import difflib

        close = difflib.get_close_matches(name, names, n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise ValueError(
            f"Unknown model {name!r}.{hint} Available: {', '.join(names)} "
            "(see dl_course.models.available() or `dl-course list`)."
        )
    return _REGISTRY[name]


def build(model: str, /, **kwargs):
    """Build the registered model ``model`` with the builder's keyword arguments (``name=`` included).

    Under a mixed-precision policy the outputs are float32 (``runtime.float32_outputs``).
    """
    from dl_course import runtime

    return runtime.float32_outputs(get(model)(**kwargs))


@contextlib.contextmanager
def shapes_only():
    """Inside it, models get weights with shapes but no values: enough to count them.

    Drawing the initial values is most of the time spent building a large model (under JAX
    every new weight shape first compiles its initializer: AlexNet takes 15–80 s on two
    cores). A model built here serves ``dl_course.costs``, ``count_params()`` and its layers'
    output shapes; its weights get values only when first used (Keras draws them then), so
    build a model outside this scope to train or predict.
    """
    import keras
    from keras.src.backend.common import global_state  # where Keras lists variables to initialise

    pending = list(global_state.get_global_attribute("uninitialized_variables") or [])
    try:
        with keras.StatelessScope(initialize_variables=False):
            yield
    finally:  # the new variables stay without values: no later scope initialises them
        global_state.set_global_attribute("uninitialized_variables", pending)


_load_all()
