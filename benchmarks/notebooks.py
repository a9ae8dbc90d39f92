"""Time every chapter notebook headless in one profile and print a table.

    python benchmarks/notebooks.py [--profile fast] [01 02 ...]

Run it on an otherwise idle machine: the fast profile's target is ~90 s per notebook on two cores.
"""

import argparse
import tempfile
from pathlib import Path

from dl_course import cli


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", help="chapter numbers (default: all)")
    parser.add_argument("--profile", default="fast", choices=("fast", "full"))
    args = parser.parse_args()
    found = cli.chapters()
    wanted = [c.zfill(2) for c in args.chapters] or list(found)
    rows = []
    with tempfile.TemporaryDirectory() as out:
        for number in wanted:
            path = found[number]
            try:
                seconds = cli.run_notebook(path, args.profile, Path(out) / path.name, timeout=1800)
                rows.append((path.name, f"{seconds:6.1f} s"))
            except Exception as err:  # report and go on with the next chapter
                rows.append((path.name, f"FAILED ({type(err).__name__})"))
            print(f"{rows[-1][0]:<36} {rows[-1][1]}", flush=True)
    print(f"\nprofile {args.profile}: {len(rows)} notebooks")


if __name__ == "__main__":
    main()
