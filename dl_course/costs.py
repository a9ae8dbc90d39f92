"""Per-layer cost of a Keras model: output shape, parameters, MACs and connections.

``layer_table(model)`` returns a ``pandas.DataFrame`` with one row per layer and a final
``total`` row. The counts are for **one example** (no batch dimension):

- ``params``: all weights of the layer (``trainable`` holds the trainable part; batch
  normalisation's moving mean and variance are counted in ``params`` only).
- ``macs``: multiply-accumulates of inputs with weights, the quantity papers report as
  "multiplications" or "mult-adds". Biases, activations, batch normalisation (folded into
  the preceding convolution at inference), pooling and additions count 0.
- ``connections``: LeCun et al. (1998): output units × (fan-in + 1 for a bias), counted as
  if the weights were not shared. For a convolution this is ``macs`` plus one per output
  unit with a bias. Recurrent layers (SimpleRNN, LSTM, GRU, Bidirectional) count every time step, as if
  unrolled; embeddings are lookups (0 and 0).

Shapes with an unknown size (variable-length sequences) give ``<NA>`` units, MACs and
connections. A custom layer takes part by defining ``macs(input_shape, output_shape)`` and
``connections(input_shape, output_shape)`` (per-example shapes, tuples without the batch
axis); this module needs no change for it. Layers this module does not know and that
have weights get missing values (``<NA>``), so a gap is visible rather than a wrong 0.
Only ``keras`` is used, so it works under every Keras backend.
"""

from __future__ import annotations

import functools
import math

import keras
import pandas as pd

COLUMNS = (
    "layer",
    "type",
    "kernel",
    "output_shape",
    "units",
    "params",
    "trainable",
    "macs",
    "connections",
)
_COUNTS = ("units", "params", "trainable", "macs", "connections")

_CONV = (keras.layers.Conv1D, keras.layers.Conv2D, keras.layers.Conv3D)
_CONV_T = (keras.layers.Conv1DTranspose, keras.layers.Conv2DTranspose, keras.layers.Conv3DTranspose)
_DEPTHWISE = (keras.layers.DepthwiseConv1D, keras.layers.DepthwiseConv2D)
_SEPARABLE = (keras.layers.SeparableConv1D, keras.layers.SeparableConv2D)
_POOL = (
    keras.layers.MaxPooling1D,
    keras.layers.MaxPooling2D,
    keras.layers.MaxPooling3D,
    keras.layers.AveragePooling1D,
    keras.layers.AveragePooling2D,
    keras.layers.AveragePooling3D,
)
_GLOBAL_POOL = (
    keras.layers.GlobalMaxPooling1D,
    keras.layers.GlobalMaxPooling2D,
    keras.layers.GlobalMaxPooling3D,
    keras.layers.GlobalAveragePooling1D,
    keras.layers.GlobalAveragePooling2D,
    keras.layers.GlobalAveragePooling3D,
)
_NORM = (
    keras.layers.BatchNormalization,
    keras.layers.LayerNormalization,
    keras.layers.GroupNormalization,
)
_RNN = (keras.layers.SimpleRNN, keras.layers.LSTM, keras.layers.GRU)


def _shape(tensors) -> tuple:
    """Per-example shape of a layer's (first) input or output tensor."""
    if isinstance(tensors, (list, tuple)):
        tensors = tensors[0]
    return tuple(tensors.shape[1:])


def _size(shape) -> int:
    return math.prod(int(d) for d in shape)


def _n(weight) -> int:
    return _size(weight.shape)


def _costs(layer, in_shape: tuple, out_shape: tuple) -> tuple:
    """(macs, connections) of one layer for one example; ``None`` when unknown."""
    if callable(getattr(layer, "macs", None)) and callable(getattr(layer, "connections", None)):
        return int(layer.macs(in_shape, out_shape)), int(layer.connections(in_shape, out_shape))
    units = _size(out_shape)
    bias = int(bool(getattr(layer, "use_bias", False)))
    if isinstance(layer, _SEPARABLE):
        # Depthwise stage (no bias) on every input channel, then a 1×1 convolution.
        depth_units = _size(out_shape[:-1]) * layer.pointwise_kernel.shape[-2]
        k = _size(layer.kernel_size)
        fan_in = layer.pointwise_kernel.shape[-2]
        return depth_units * k + units * fan_in, depth_units * k + units * (fan_in + bias)
    if isinstance(layer, _DEPTHWISE):
        fan_in = _size(layer.kernel_size)
    elif isinstance(layer, _CONV_T):
        # Each input unit scatters into kernel × filters outputs (per group).
        macs = (
            _size(in_shape)
            * _size(layer.kernel_size)
            * layer.filters
            // getattr(layer, "groups", 1)
        )
        return macs, macs + units * bias
    elif isinstance(layer, (*_CONV, keras.layers.Dense)):
        fan_in = _size(layer.kernel.shape[:-1])  # kernel_size × in_channels / groups
    elif isinstance(layer, _POOL):
        return 0, units * _size(layer.pool_size)
    elif isinstance(layer, _GLOBAL_POOL):
        return 0, units * _size(in_shape[:-1])
    elif isinstance(layer, _NORM):
        scale_and_shift = int(bool(layer.scale)) + int(bool(layer.center))
        return 0, units * scale_and_shift
    elif isinstance(layer, _RNN):
        cell, steps = layer.cell, in_shape[0]
        macs = steps * (_n(cell.kernel) + _n(cell.recurrent_kernel))
        return macs, steps * sum(_n(w) for w in cell.weights)
    elif isinstance(layer, keras.layers.Bidirectional):
        both = [
            _costs(part, in_shape, out_shape)
            for part in (layer.forward_layer, layer.backward_layer)
        ]
        return (None, None) if None in both[0] + both[1] else tuple(map(sum, zip(*both)))
    elif isinstance(layer, keras.layers.Embedding) or not layer.weights:
        return 0, 0
    else:
        return None, None
    return units * fan_in, units * (fan_in + bias)


def _kernel(layer) -> str:
    size = getattr(layer, "kernel_size", None) or getattr(layer, "pool_size", None)
    if isinstance(size, int):  # custom 2-D layers may keep a single int
        size = (size, size)
    return "×".join(str(k) for k in size) if size else ""


def _rows(model, prefix: str = ""):
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if isinstance(layer, keras.Model):
            yield from _rows(layer, prefix=f"{prefix}{layer.name}/")
            continue
        in_shape, out_shape = _shape(layer.input), _shape(layer.output)
        known = None not in in_shape + out_shape
        macs, connections = _costs(layer, in_shape, out_shape) if known else (None, None)
        yield {
            "layer": prefix + layer.name,
            "type": type(layer).__name__,
            "kernel": _kernel(layer),
            "output_shape": out_shape,
            "units": _size(out_shape) if None not in out_shape else None,
            "params": sum(_n(w) for w in layer.weights),
            "trainable": sum(_n(w) for w in layer.trainable_weights),
            "macs": macs,
            "connections": connections,
        }


def layer_table(model: keras.Model, total: bool = True) -> pd.DataFrame:
    """One row per layer of a built ``model`` (nested models expanded), plus a ``total`` row.

    Columns: ``layer``, ``type``, ``kernel`` (kernel or pool size, e.g. ``"5×5"``),
    ``output_shape`` (tuple, no batch axis), ``units`` (output values), ``params``,
    ``trainable``, ``macs``, ``connections``; see the module docstring for the definitions.
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"layer_table expects a keras.Model, got {type(model).__name__}.")
    if not model.built:
        raise ValueError("layer_table needs a built model: call it on data or give it an Input.")
    table = pd.DataFrame(list(_rows(model)), columns=list(COLUMNS))
    table[list(_COUNTS)] = table[list(_COUNTS)].astype("Int64")
    if total:
        sums = {c: table[c].sum(skipna=False) for c in _COUNTS if c != "units"}
        row = {c: "" for c in COLUMNS} | {"layer": "total", "units": pd.NA, **sums}
        table = pd.concat([table, pd.DataFrame([row], columns=list(COLUMNS))], ignore_index=True)
        table[list(_COUNTS)] = table[list(_COUNTS)].astype("Int64")
    return table


def _format_cell(value) -> str:
    if value is pd.NA or value is None:
        return "-"
    if isinstance(value, tuple):
        return "×".join("?" if d is None else str(d) for d in value)
    if isinstance(value, int) or hasattr(value, "dtype"):
        return f"{int(value):,}"
    return str(value)


def format_table(table: pd.DataFrame, columns=None) -> str:
    """The table as fixed-width text with thousands separators (stable for checked cells)."""
    columns = list(columns or table.columns)
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"unknown columns {missing}; the table has {list(table.columns)}.")
    cells = [[_format_cell(v) for v in row] for row in table[columns].itertuples(index=False)]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]

    def line(values):
        return "  ".join(
            v.rjust(w) if c in _COUNTS else v.ljust(w) for c, v, w in zip(columns, values, widths)
        ).rstrip()

    lines = [line(columns)] + [line(row) for row in cells]
    return "\n".join(lines)


def print_table(model_or_table, columns=None) -> None:
    """Print ``layer_table`` (of a model, or an existing table) with stable formatting."""
    table = model_or_table
    if isinstance(model_or_table, keras.Model):
        table = layer_table(model_or_table)
    print(format_table(table, columns))


def cost(model: keras.Model) -> tuple[int, int]:
    """(trainable parameters, MACs for one example) of ``model``: ``layer_table``'s total row."""
    total = layer_table(model).iloc[-1]
    return int(total["trainable"]), int(total["macs"])


@functools.cache
def registered_cost(name: str) -> tuple[int, int]:
    """``cost`` of the registered model ``name`` in its default configuration (built once, shapes only)."""
    from dl_course import models

    with models.shapes_only():
        return cost(models.build(name))


def cost_table(paper: dict) -> pd.DataFrame:
    """Trainable parameters (M) and G MACs of registered models beside the papers' numbers.

    ``paper`` maps a model name to its published (parameters in millions, G multiply-adds),
    ``None`` where the paper gives none. The default configuration of each model is built.
    """
    rows = {}
    for name, (p_ref, m_ref) in paper.items():
        params, macs = registered_cost(name)
        rows[name] = {"parameters (M)": round(params / 1e6, 3), "paper (M)": p_ref, "G MACs": round(macs / 1e9, 3), "paper (G)": m_ref}
    return pd.DataFrame.from_dict(rows, orient="index").astype({"paper (M)": object, "paper (G)": object}).fillna("")
