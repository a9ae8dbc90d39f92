"""Every chapter's full profile sized for a student's GPU on paper: minutes on a T4, an RTX 3060 and
an H100, printed as Markdown (``benchmarks/results/full-profile-gpu-estimate.md`` holds the output).

    python benchmarks/full_profile_estimate.py [--loops] [--chapters 04 08]

Each chapter's loops come from its module's ``full_workload()`` (``dl_course.lessons``); the model
of time is ``dl_course.estimate``'s. Where a notebook's settings cell still differs from its
module's ``FULL_SETTINGS`` (a recipe change waiting for the notebook), the chapter gets a second
row for the notebook as it is. ``--loops`` adds one row per training loop. The models are built
with shapes only: a minute or so on two CPU cores, no GPU.
"""

from __future__ import annotations

import argparse
import math

from dl_course import chapters, estimate
from dl_course.lessons import ch03_cnn

DEVICES = ("T4", "RTX 3060", "H100")


def chapter_rows(numbers, with_loops: bool):
    """(chapter rows, loop rows) for the chapters in ``numbers``."""
    rows, loop_rows = [], []
    for chapter in chapters.CHAPTERS:
        if numbers and chapter.number not in numbers:
            continue
        module = chapter.lesson()
        notebook = estimate.settings_cell(chapter.number)["full"]
        variants = [("recipe", module.FULL_SETTINGS)]
        if notebook != module.FULL_SETTINGS:
            variants.append(("notebook today", notebook))
        for label, values in variants:
            loops = module.full_workload(values)
            costs = estimate.costs(loops)
            cpu = sum(estimate.loop_seconds(lp, estimate.DEVICES["T4"]) for lp in loops if lp.on_cpu) / 60
            row = {"chapter": chapter.number, "settings": label, "loops": len(loops), "CPU min": cpu}
            row |= {d: estimate.minutes(loops, d, costs) for d in DEVICES}
            rows.append(row)
            if with_loops and label == "recipe":
                for item in estimate.breakdown(loops, DEVICES, costs):
                    loop_rows.append({"chapter": chapter.number, **item})
    return rows, loop_rows


def h100_checks() -> list[dict]:
    """The model of time beside what ``benchmarks/gpu.py`` measured on the H100."""
    from dl_course import models
    from dl_course.estimate import Loop

    h100 = estimate.DEVICES["H100"]
    out = []
    with estimate._untouched(), models.shapes_only():
        resnet50, mobilenet = (estimate.model_cost(models.build(n)) for n in ("resnet50", "mobilenet_v2"))

    def images_per_second(cost, float32: bool, batch: int = 128) -> float:
        # float32 on the H100 runs convolutions as TF32 (half the FP16 tensor rate), 4-byte activations
        forward = estimate.forward_seconds(cost, h100)
        if float32:
            compute = 2 * cost.macs / (h100.tensor_tflops / 2 * 1e12 * estimate.COMPUTE_EFFICIENCY)
            memory = estimate.TOUCHES_PER_TRAINING_EXAMPLE / 3 * cost.units * 4 / (h100.bandwidth_gbs * 1e9)
            forward = compute + memory
        step = estimate.step_overhead(cost) + batch * 3 * forward
        return batch / step

    for what, cost, float32, measured in [("ResNet-50, 224², batch 128, mixed bfloat16", resnet50, False, 3982),
                                          ("ResNet-50, 224², batch 128, float32", resnet50, True, 2369),
                                          ("MobileNet V2, 224², batch 128, float32", mobilenet, True, 4010)]:
        est = images_per_second(cost, float32)
        out.append({"measurement": what, "measured": f"{measured:,} img/s", "estimated": f"{est:,.0f} img/s",
                    "estimate ÷ measured (time)": measured / est})
    # chapter 03's LeNet-5 recipe as gpu.py ran it: 54,000 images, 20 epochs, batch 64, 38.3 s
    lenet = Loop("LeNet-5", 54000, 20, 64, build=lambda: ch03_cnn.models.build("lenet5"))
    est = estimate.loop_seconds(lenet, h100)
    out.append({"measurement": "chapter 03 LeNet-5 recipe, 54,000 images × 20 epochs, batch 64",
                "measured": "38.3 s", "estimated": f"{est:.1f} s", "estimate ÷ measured (time)": est / 38.3})
    return out


def markdown(rows: list[dict], floats=2) -> str:
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---:" if isinstance(rows[0][c], (int, float)) else "---"
                                                            for c in columns) + "|"]
    for row in rows:
        cells = [f"{v:.{floats}f}" if isinstance(v, float) and not math.isnan(v) else str(v) for v in row.values()]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--loops", action="store_true", help="one row per training loop as well")
    parser.add_argument("--chapters", nargs="*", default=(), help="chapter numbers (default: all)")
    args = parser.parse_args(argv)
    rows, loop_rows = chapter_rows(set(args.chapters), args.loops)
    for row in rows:
        low, high = (row["T4"] * f for f in estimate.UNCERTAINTY)
        row["T4 range"] = f"{low:.0f}–{high:.0f}"
        row["fits 20 min on a T4"] = "yes" if row["T4"] <= 20 else "**no**"
    print("## Minutes per chapter (full profile)\n")
    print(markdown(rows, floats=1))
    if loop_rows:
        print("\n## Minutes per training loop\n")
        print(markdown(loop_rows))
    print("\n## The model against the H100 measurements\n")
    print(markdown(h100_checks()))


if __name__ == "__main__":
    main()
