"""Time every chapter notebook headless in one profile; print seconds and headline metrics.

    python benchmarks/notebooks.py [--profile fast] [--backend tensorflow,jax,torch] [--timeout SECONDS_PER_CELL] [--inplace] [01 02 ...]

The metrics are the lines `runtime.expect` printed (name, value, bound), so a table from one
run can be compared with another's. Run it on an otherwise idle machine: the fast profile's
target is ~90 s per notebook on two cores. The kernel's CPU seconds are printed too: they change
little when other work shares the cores, and for these small models they are close to the wall
time on an idle machine. ``--inplace`` also saves the outputs into the notebooks (one backend only).
``--backend`` runs every chapter under each Keras backend named (``KERAS_BACKEND``, which the
kernel inherits) and ends with a chapter × backend table of wall seconds.
"""

import argparse
import os
import re
import resource
import tempfile
from pathlib import Path

import nbformat
import pandas as pd

from dl_course import cli, runtime
from dl_course.chapters import BACKENDS
from dl_course.runtime import profiles

#: A result check's line (``runtime.expect``): "✓ name value（快速模式要求 ≥ b）", or ✗ when missed.
EXPECT_LINE = re.compile(r"^[✓✗·] (?P<metric>.+) (?P<value>\S+?)(?:（|，没有达到)(?P<bound>\S+要求 [≥≤] [^）。；]+)")


def metrics(notebook: Path) -> list[dict]:
    """The ``expect`` lines an executed notebook printed, as rows of metric, value and bound."""
    rows = []
    for cell in nbformat.read(notebook, as_version=4).cells:
        for output in cell.get("outputs", []):
            for line in output.get("text", "").splitlines():
                if match := EXPECT_LINE.match(line):
                    rows.append(match.groupdict())
    return rows


def kernel_cpu_seconds() -> float:
    """User + system CPU seconds of the finished child processes (the notebook kernels)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", help="chapter numbers (default: all)")
    parser.add_argument("--profile", default="fast", choices=("fast", "full"))
    parser.add_argument("--backend", default=runtime.backend(),
                        help="Keras backends to run under, comma-separated (default: $KERAS_BACKEND, else tensorflow)")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds one cell may take (default: 1800)")
    parser.add_argument("--inplace", action="store_true", help="save the outputs into the notebooks")
    args = parser.parse_args()
    backends = [b.strip() for b in args.backend.split(",") if b.strip()]
    unknown = sorted(set(backends) - set(BACKENDS))
    if unknown or not backends:
        parser.error(f"--backend {args.backend!r}: use some of {', '.join(BACKENDS)}, comma-separated")
    if args.timeout <= 0:
        parser.error(f"--timeout {args.timeout}: give the seconds one cell may take, a positive number")
    if args.inplace and len(backends) > 1:
        parser.error("--inplace saves one run into the notebooks: name one backend")
    found = cli.chapters()
    wanted = [c.zfill(2) for c in args.chapters] or list(found)
    rows = []
    for backend in backends:
        os.environ["KERAS_BACKEND"] = backend  # the kernels inherit it
        rows += run_chapters(found, wanted, args.profile, args.inplace, backend, args.timeout)
    print_tables(pd.DataFrame(rows, columns=["chapter", "backend", "seconds", "CPU seconds", "metric", "value", "bound"]), args.profile)


def run_chapters(found: dict, wanted: list[str], profile: str, inplace: bool, backend: str, timeout: int) -> list[dict]:
    """Execute the ``wanted`` chapters under ``backend``; one row per metric of each."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for number in wanted:
            path = found[number]
            out = path if inplace else Path(tmp) / path.name
            try:
                failed = Path(tmp) / f"{path.stem}.failed.ipynb"
                cpu = kernel_cpu_seconds()
                with profiles.activated(profile):
                    seconds = f"{cli.run_notebook(path, out, timeout, failed):.0f}"
                cpu = f"{kernel_cpu_seconds() - cpu:.0f}"
                results = metrics(out) or [{"metric": "—", "value": "", "bound": ""}]
            except Exception as err:  # report and go on with the next chapter
                seconds, cpu = f"FAILED ({type(err).__name__})", ""
                results = [{"metric": "—", "value": "", "bound": ""}]
                print(f"{path.name} under {backend}: {err}", flush=True)
            rows += [{"chapter": number, "backend": backend, "seconds": seconds, "CPU seconds": cpu, **r} for r in results]
            print(f"{path.name:<36} {backend:<10} {seconds} s, {cpu} CPU s, {len(results)} metrics", flush=True)
    return rows


def markdown(table: pd.DataFrame) -> str:
    """``table`` as a Markdown table."""
    lines = ["| " + " | ".join(map(str, table.columns)) + " |", "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in table.itertuples(index=False)]
    return "\n".join(lines)


def print_tables(table: pd.DataFrame, profile: str) -> None:
    """Every metric per chapter and backend, then wall seconds as chapter × backend."""
    print(f"\nprofile {profile}, as a Markdown table:\n")
    print(markdown(table))
    seconds = table.drop_duplicates(["chapter", "backend"]).pivot(index="chapter", columns="backend", values="seconds")
    seconds = seconds[[b for b in BACKENDS if b in seconds.columns]].reset_index()
    print(f"\nwall seconds, chapter × backend (profile {profile}):\n")
    print(markdown(seconds))


if __name__ == "__main__":
    main()
