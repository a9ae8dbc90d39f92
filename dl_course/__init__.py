"""dl-course: a TensorFlow/Keras reproduction of a Chinese deep-learning course.

Subpackages: ``runtime`` (profiles, seeds, devices), ``datasets`` (offline-first loaders),
``scratch`` (NumPy algorithms written to be read), ``models`` (Keras builders and registry),
``generate`` (sampling text from a trained language model), ``train`` (training loops, the GAN
trainer), ``costs`` (per-layer parameters and MACs), ``gan_metrics``, ``results``, ``checks``
(argument checks), ``plot`` and the ``dl-course`` command line (``cli``).
"""

import os as _os
import sys as _sys

# Environment variables are set here (only where unset) because the libraries read them once, at
# their own import. One BLAS thread for NumPy unless the user chose otherwise: the from-scratch code's small
# matrix products (RBM, DBN) only lose time handing work between threads beside TensorFlow's
# own thread pools. Takes effect when NumPy is imported after dl_course.
_os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
# OpenMP threads (PyTorch's CPU ops, code torch.compile generates) sleep rather than spin while
# they wait for work: spinning threads of a process that shares its cores with others (a
# notebook beside a second job, a CI machine) starve the threads doing the work, and a PyTorch
# training step became ten times slower (measured: 40 s instead of 6 s for one Fashion-MNIST
# epoch of softmax regression on two busy cores). Takes effect when PyTorch is imported after dl_course.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from dl_course import runtime as _runtime  # noqa: E402

_runtime.quiet_tensorflow()  # sets TF_CPP_MIN_LOG_LEVEL, TF_ENABLE_ONEDNN_OPTS (setdefault) before TF loads
if "ipykernel" in _sys.modules:  # keep TensorFlow's native start-up lines out of notebooks
    _runtime.import_tensorflow_quietly()
if _runtime.backends.problem():  # Keras cannot start: say why, and leave `dl-course doctor` able to report it
    import warnings as _warnings

    _warnings.warn(f"{_runtime.backends.problem()} dl_course.models and dl_course.train need Keras.", stacklevel=2)
else:
    with _runtime.native_stderr_silenced():  # Keras's backend may log natively on import
        # models and train register their custom layers and the GAN, so .keras files load.
        from dl_course import models, train  # noqa: F401

__version__ = "0.1.0"
#: The one place the repository's address is kept; notebooks' Colab set-up cells install from it.
REPO_URL = "https://github.com/dl-course/dl-course"
