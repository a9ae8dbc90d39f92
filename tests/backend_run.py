"""Run a script in a fresh Python under another Keras backend and read the JSON it printed last."""

import json
import os
import subprocess
import sys


def run_under(backend: str, script: str, timeout: int = 600) -> dict:
    """Run ``script`` with ``KERAS_BACKEND=backend`` (JAX on its CPU); its last stdout line, parsed."""
    env = {**os.environ, "KERAS_BACKEND": backend, "JAX_PLATFORMS": "cpu"}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=timeout)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])
