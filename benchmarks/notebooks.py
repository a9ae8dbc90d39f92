"""Time every chapter notebook headless in one profile; print seconds and headline metrics.

    python benchmarks/notebooks.py [--profile fast] [--inplace] [01 02 ...]

The metrics are the lines `runtime.expect` printed (name, value, bound), so a table from one
run can be compared with another's. Run it on an otherwise idle machine: the fast profile's
target is ~90 s per notebook on two cores. The kernel's CPU seconds are printed too: they change
little when other work shares the cores, and for these small models they are close to the wall
time on an idle machine. ``--inplace`` also saves the outputs into the notebooks.
"""

import argparse
import re
import resource
import tempfile
from pathlib import Path

import nbformat
import pandas as pd

from dl_course import cli

EXPECT_LINE = re.compile(r"^\S+ (?P<metric>.+?) = (?P<value>\S+) \(bound for the \w+ profile: (?P<bound>[^)]*)\)")


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
    parser.add_argument("--inplace", action="store_true", help="save the outputs into the notebooks")
    args = parser.parse_args()
    found = cli.chapters()
    wanted = [c.zfill(2) for c in args.chapters] or list(found)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for number in wanted:
            path = found[number]
            out = path if args.inplace else Path(tmp) / path.name
            try:
                failed = Path(tmp) / f"{path.stem}.failed.ipynb"
                cpu = kernel_cpu_seconds()
                seconds = f"{cli.run_notebook(path, args.profile, out, 1800, failed):.0f}"
                cpu = f"{kernel_cpu_seconds() - cpu:.0f}"
                results = metrics(out) or [{"metric": "—", "value": "", "bound": ""}]
            except Exception as err:  # report and go on with the next chapter
                seconds, cpu = f"FAILED ({type(err).__name__})", ""
                results = [{"metric": "—", "value": "", "bound": ""}]
            rows += [{"chapter": number, "seconds": seconds, "CPU seconds": cpu, **r} for r in results]
            print(f"{path.name:<36} {seconds} s, {cpu} CPU s, {len(results)} metrics", flush=True)
    table = pd.DataFrame(rows, columns=["chapter", "seconds", "CPU seconds", "metric", "value", "bound"])
    print(f"\nprofile {args.profile}, as a Markdown table:\n")
    print("| " + " | ".join(table.columns) + " |\n|" + "---|" * len(table.columns))
    for row in table.itertuples(index=False):
        print("| " + " | ".join(map(str, row)) + " |")


if __name__ == "__main__":
    main()
