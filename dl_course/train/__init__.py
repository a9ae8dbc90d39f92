"""Training loops: ``fit`` and its callbacks, schedules, the GAN trainer, pre-training.

``from dl_course import train`` gives every public name: ``train.fit(...)``, ``train.GAN(...)``,
``train.greedy_pretrain(...)``. Backend-neutral (``keras`` only).
"""

from dl_course.train.fitting import (
    BackupError,
    EpochTimer,
    InterruptAt,
    Interrupted,
    StopAfter,
    fit,
    run_dir,
)
from dl_course.train.gan import GAN, SampleGrid
from dl_course.train.pretrain import greedy_pretrain
from dl_course.train.schedules import warmup_cosine

__all__ = [
    "BackupError",
    "GAN",
    "EpochTimer",
    "InterruptAt",
    "Interrupted",
    "SampleGrid",
    "StopAfter",
    "fit",
    "greedy_pretrain",
    "run_dir",
    "warmup_cosine",
]
