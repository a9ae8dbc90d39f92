"""Devices: train on every visible GPU/TPU (``tf.distribute`` on TensorFlow, ``keras.distribution``
on JAX) with one ``with runtime.scope():``."""

from __future__ import annotations

import contextlib
import functools

from dl_course.runtime import backends


def strategy(devices: list[str] | None = None):
    """A ``tf.distribute`` strategy: TPU, else several GPUs mirrored, else the default one.

    ``devices`` forces a ``MirroredStrategy`` over the given devices (e.g. two logical CPUs).
    TensorFlow only.
    """
    import tensorflow as tf

    if devices:
        return tf.distribute.MirroredStrategy(check_devices(devices))
    return _visible_strategy()


def check_devices(devices) -> list[str]:
    """``devices`` when each names a device TensorFlow sees (``"/gpu:0"``, ``"CPU:1"``), else a ``ValueError``."""
    import tensorflow as tf

    seen = {(d.device_type, tf.DeviceSpec.from_string(d.name).device_index) for d in tf.config.list_logical_devices()}
    listed = [d.name for d in tf.config.list_logical_devices()]
    for device in [devices] if isinstance(devices, str) else devices:
        try:
            spec = tf.DeviceSpec.from_string(device) if isinstance(device, str) else None
        except ValueError:
            spec = None
        if spec is None or (str(spec.device_type).upper(), spec.device_index or 0) not in seen:
            raise ValueError(
                f"devices must name visible devices ({', '.join(listed)}), got {device!r}: "
                "leave devices out to use every visible device."
            )
    return [devices] if isinstance(devices, str) else list(devices)


@functools.lru_cache(maxsize=1)
def _visible_strategy():
    """The strategy for the visible devices, made once (a TPU system is initialised once)."""
    import tensorflow as tf

    if tf.config.list_logical_devices("TPU"):
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver()
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        return tf.distribute.TPUStrategy(resolver)
    if len(tf.config.list_logical_devices("GPU")) > 1:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


def distribution(devices: list[str] | None = None):
    """JAX: ``keras.distribution.DataParallel`` over ``devices`` (default: all visible), or
    ``None`` when there is only one device."""
    import keras

    devices = devices or keras.distribution.list_devices()
    return keras.distribution.DataParallel(devices=devices) if len(devices) > 1 else None


@contextlib.contextmanager
def scope(devices: list[str] | None = None):
    """Build, compile and fit inside ``with runtime.scope():`` to train on every visible device.

    TensorFlow: the ``strategy()`` scope (TPU; several GPUs mirrored; else the default, a
    no-op). JAX: ``distribution()`` (data parallel over the devices). Also a decorator:
    ``@runtime.scope()``. ``devices`` names devices explicitly (e.g. two logical CPUs).
    """
    name = backends.name()
    if name == "tensorflow":
        context = strategy(devices).scope()
    elif name == "jax" and (dist := distribution(devices)) is not None:
        context = dist.scope()
    else:
        context = contextlib.nullcontext()
    with context:
        yield
