"""The ``dl-course`` command line: ``list``, ``data``, ``run``, ``check``, ``doctor``, ``book``, ``notebooks``."""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import tempfile
import time
from pathlib import Path

from dl_course.chapters import CHAPTERS, not_found_help
from dl_course.chapters import found as chapters
from dl_course.runtime import profiles
from dl_course.runtime.profiles import ENV_SMOKE, PROFILES


def cmd_list(args) -> int:
    from dl_course import models

    if args.notebooks or args.solutions:
        return _list_files(args)
    found = chapters()
    print("Chapters 章节:")
    for chapter in CHAPTERS:
        where = found[chapter.number] if chapter.number in found else "NOT FOUND 未找到"
        print(f"  {chapter.number}  {chapter.title}  ({where})")
    for number in sorted(set(found) - {c.number for c in CHAPTERS}):
        print(f"  {number}  ({found[number]})")
    if not found:
        print(not_found_help())
    print("\nModels 模型 (dl_course.models.build(name)):")
    for family, names in models.families().items():
        print(f"  {family:<12} {', '.join(names)}")
    return 0


def _list_files(args) -> int:
    """One path a line, for scripts and the Makefile: the chapters' notebooks (or solutions),
    only those CI runs on ``--backend`` when given, the longest first with ``--longest-first``
    (parallel test workers then finish together)."""
    from dl_course.chapters import BACKENDS

    if args.backend and args.backend not in BACKENDS:
        raise SystemExit(f"dl-course list: --backend must be one of {', '.join(BACKENDS)}, got {args.backend!r}.")
    folder = Path("solutions") if args.solutions else Path("notebooks")
    chosen = [c for c in CHAPTERS if not args.backend or args.backend in c.ci_backends()]
    for chapter in sorted(chosen, key=lambda c: -c.seconds) if args.longest_first else chosen:
        print((folder / chapter.notebook).as_posix())
    return 0


SUMS_HEADER = """\
# SHA-256 of every dataset file, as checked by dl_course.datasets (`dl-course data --sums` writes this).
# For .gz IDX and CSV files the hash is of the decompressed bytes: sources gzip them differently.
# Check by hand: sha256sum FILE, or for those .gz files: zcat FILE | sha256sum"""


def cmd_data(args) -> int:
    from dl_course import datasets
    from dl_course.datasets import files

    if args.export:
        print(f"Exporting the data files to {args.export} 导出数据文件:")
        export_data(Path(args.export))
        return 0
    if args.sums:
        print(SUMS_HEADER)
        for name, module in datasets.CATALOG.items():
            for spec in module.FILES:
                print(f"{spec.sha256}  {name}/{spec.name}")
        return 0

    try:
        folder = files.check_data_dir()
    except files.DatasetError as err:
        print(f"Data folder 数据目录: {err}")
        return 1
    print(f"Data folder 数据目录: {folder}  (set {files.ENV_DATA} to change it)\n")
    if args.download and os.environ.get(files.ENV_OFFLINE):
        print(f"--download: {files.ENV_OFFLINE} is set, so nothing is downloaded; unset it to download. "
              f"已设置 {files.ENV_OFFLINE}，不会下载；要下载请先取消该变量。")
        return 1
    problems = 0
    for name, module in datasets.CATALOG.items():
        rows = datasets.status(name)
        if args.download and (args.profile is None or name in _needed(args.profile)):
            for spec, row in zip(module.FILES, rows, strict=True):
                if row["state"] == "missing" and files.sources(name, spec):
                    try:
                        files.download(name, spec)
                    except (files.DatasetError, OSError) as err:
                        print("  download failed: " + str(err).replace("\n", "\n  "))
            rows = datasets.status(name)
        ready = all(r["state"].startswith("ok") for r in rows)
        print(f"{name:<14} {'available 可用' if ready else 'NOT available 不可用'} — {module.DESCRIPTION}")
        for row in rows:
            print(f"    {row['file']:<30} {row['state']}")
        if not ready:
            problems += args.profile is None or name in _needed(args.profile)
            print("  " + files.offline_help(name, module.FILES, module.PACKAGE).replace("\n", "\n  "))
        print()
    return 0 if args.download is False or problems == 0 else 1


def _needed(profile: str) -> set[str]:
    """The data sets some chapter loads in ``profile``."""
    return {name for chapter in CHAPTERS for name in chapter.needs(profile)}


def run_notebook(path: Path, out: Path, timeout: int, failed: Path) -> float:
    """Execute ``path`` headless in its folder (profile and smoke mode as the environment has
    them: ``runtime.profiles.activated``); return seconds.

    The executed notebook replaces ``out`` only when every cell ran: it is written to a
    temporary file beside ``out`` and moved into place. After an error or an interruption it
    is written to ``failed`` instead (with the traceback), and ``RunFailed`` says which cell
    stopped and why.
    """
    import nbclient
    import nbformat

    nb = nbformat.read(path, as_version=4)
    current = {}
    start = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="dl-course-") as sockets:
            client = nbclient.NotebookClient(
                nb,
                config=_kernel_config(sockets),
                kernel_name="python3",
                timeout=timeout,
                resources={"metadata": {"path": str(path.parent)}},
                on_cell_start=lambda cell, cell_index: _started(current, cell, cell_index),
            )
            try:
                client.execute()
            except KeyboardInterrupt:
                _kill_kernel(client)  # at once, before its sockets go, so it prints no traceback
                raise
    except (Exception, KeyboardInterrupt) as err:
        _write(nb, failed)
        raise RunFailed(_reason(err, current, timeout)) from err
    try:
        _write(nb, out)
    except OSError as err:
        kept = Path(tempfile.gettempdir()) / out.name
        _write(nb, kept)
        raise RunFailed(f"could not write {out} ({err.strerror}); the executed notebook was kept as {kept}") from err
    return time.perf_counter() - start


def _started(current: dict, cell, index: int) -> None:
    """Note the cell that runs; make Ctrl-C raise ``KeyboardInterrupt`` rather than let nbclient
    shut the kernel down under the running cell (which ends in zmq and assertion errors)."""
    import asyncio
    import signal

    current.update(cell=cell, index=index)
    with contextlib.suppress(NotImplementedError, RuntimeError):  # no signal handlers on Windows loops
        asyncio.get_running_loop().add_signal_handler(signal.SIGINT, _interrupt)


def _interrupt() -> None:
    raise KeyboardInterrupt


def _kill_kernel(client) -> None:
    """Kill the kernel process of ``client`` (an interrupted run keeps nothing of its state)."""
    process = getattr(getattr(client.km, "provisioner", None), "process", None)
    if process is not None:
        process.kill()
        process.wait()


def _kernel_config(folder: str):
    """Kernel settings: Unix sockets in ``folder`` where the system has them, so no TCP port
    is opened (TCP on localhost elsewhere, e.g. on Windows)."""
    from traitlets.config import Config

    config = Config()
    if os.name == "posix":
        config.KernelManager.transport = "ipc"
        config.KernelManager.ip = os.path.join(folder, "kernel")
    return config


class RunFailed(Exception):
    """A notebook run stopped; the message names the cell and the reason."""


def _write(nb, out: Path) -> None:
    """Write ``nb`` to ``out`` atomically: a temporary file in the same folder, then a rename."""
    import nbformat

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        nbformat.write(nb, tmp)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)


def _reason(err: BaseException, current: dict, timeout: int) -> str:
    """Which cell stopped a run (counted from 1, markdown cells included) and why, on one line."""
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    if isinstance(err, KeyboardInterrupt):
        why = "interrupted (Ctrl-C)"
    elif isinstance(err, CellTimeoutError):
        why = f"timed out after {timeout} s (raise --timeout)"
    elif isinstance(err, CellExecutionError):
        why = f"{err.ename}: {err.evalue}" if err.evalue else err.ename
    else:  # DeadKernelError and anything else
        line = _last_line(err)
        why = f"{type(err).__name__}: {line}" if line else f"{type(err).__name__} (no message)"
    cell = current.get("cell")
    if cell is None:
        return why
    first = next((line for line in cell.source.splitlines() if line.strip()), "")
    return f"cell {current['index'] + 1} (`{first.strip()[:60]}`): {why}"


def _last_line(err: BaseException) -> str:
    """The last line of an error's message without colour codes ("" when it has none)."""
    lines = re.sub(r"\x1b\[[0-9;]*m", "", str(err)).strip().splitlines()
    return lines[-1] if lines else ""


def _profile_label(profile: str | None) -> str:
    """The profile a run uses; a bad ``DL_COURSE_PROFILE`` stops before any notebook runs."""
    try:
        return profiles.requested(profile)
    except ValueError as err:
        raise SystemExit(f"dl-course run: {err} Or pass --profile.") from None


def cmd_run(args) -> int:
    found = chapters()
    wanted = list(found) if args.chapter == "all" else [args.chapter.zfill(2)]
    unknown = [c for c in wanted if c not in found]
    if unknown:
        hint = f"chapters: {', '.join(found)}" if found else not_found_help()
        raise SystemExit(f"dl-course run: no chapter {unknown[0]}; {hint}")
    if args.smoke and args.inplace:
        raise SystemExit("dl-course run: --smoke results are not real ones; write them to --out, not --inplace.")
    if args.timeout <= 0:
        raise SystemExit(f"dl-course run: --timeout must be a positive number of seconds per cell, got {args.timeout}.")
    if not args.inplace:
        _check_out_folder(Path(args.out))
    label = _profile_label(args.profile) + ("-smoke" if args.smoke else "")
    with profiles.activated(args.profile, True if args.smoke else None):  # the kernels inherit both
        return _run_chapters(args, found, wanted, label)


def _run_chapters(args, found: dict, wanted: list[str], label: str) -> int:
    """Run each wanted chapter, print where it went; 1 when any failed, 130 on Ctrl-C."""
    failed = 0
    for number in wanted:
        path = found[number]
        copy = Path(args.out) / f"{path.stem}.{label}.ipynb"
        out = path if args.inplace else copy
        kept = copy.with_suffix(".failed.ipynb")
        print(f"running {path.name} ({label} profile)…", flush=True)
        try:
            seconds = run_notebook(path, out, args.timeout, kept)
        except RunFailed as err:
            if isinstance(err.__cause__, KeyboardInterrupt):
                print(f"  interrupted (Ctrl-C): see {kept}; {out} was left unchanged; "
                      "the remaining chapters were not run")
                return 130
            failed += 1
            print(f"  FAILED: {err}\n  see {kept}; {out} was left unchanged")
            continue
        print(f"  done in {seconds:.0f} s → {out}")
    return 1 if failed else 0


def _check_out_folder(folder: Path, what: str = "dl-course run: --out") -> None:
    """Stop before any work when ``folder`` (the argument ``what``) cannot take the notebooks written."""
    if folder.exists() and not folder.is_dir():
        raise SystemExit(f"{what} must be a folder, got the file {folder}: pass a folder path.")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder):
            pass
    except OSError as err:
        raise SystemExit(f"{what} must be a folder you can write to, got {folder} ({err.strerror}): "
                         "pass another folder.") from None


def cmd_check(args) -> int:
    import keras

    from dl_course import models, runtime

    runtime.describe()
    failures = []
    for name, example in models.examples().items():
        try:
            model = models.build(name, **example)
            print(f"  ok  {name:<22} {model.count_params():>12,} params")
        except Exception as err:
            failures.append(name)
            print(f"  FAIL {name}: {err}")
        keras.backend.clear_session()
    print(f"{len(failures)} of {len(models.available())} builders failed." if failures else "All builders OK.")
    return 1 if failures else 0


def cmd_doctor(args) -> int:
    from dl_course import doctor

    text, code = doctor.run(args.profile)
    print(text)
    return code


def cmd_notebooks(args) -> int:
    from dl_course.chapters import copy_out

    target = Path(args.dir)
    _check_out_folder(target, "dl-course notebooks: DIR")
    try:
        written = copy_out(target, overwrite=args.overwrite)
    except (FileNotFoundError, OSError) as err:
        print(f"dl-course notebooks: {err}", file=sys.stderr)
        return 1
    kept = len(CHAPTERS) - len(written)
    print(f"{len(written)} notebooks copied to {target.resolve()}" + (f" ({kept} already there, kept; --overwrite replaces them)" if kept else ""))
    print(f"已复制到 {target.resolve()}；在该目录中运行 `dl-course run 01` 或用 Jupyter 打开。")
    return 0


def export_data(folder: Path) -> int:
    """Copy every checked data file this machine has into ``folder/<dataset>/<file>``: a mirror
    any web server can serve (``DL_COURSE_MIRROR``); return how many are missing."""
    import shutil

    from dl_course import datasets
    from dl_course.datasets import files

    missing = 0
    for name, module in datasets.CATALOG.items():
        for spec in module.FILES:
            found = files.survey(name, spec)[0]
            if found is None:
                missing += 1
                print(f"  missing {name}/{spec.name}")
                continue
            (folder / name).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(found[0], folder / name / spec.name)
            print(f"  {name}/{spec.name}  ← {found[1]}: {found[0]}")
    return missing


def cmd_book(args) -> int:
    from dl_course import book

    if not 1 <= args.port <= 65535:
        print(f"dl-course book: --port must be a port number from 1 to 65535, got {args.port}.", file=sys.stderr)
        return 2
    if Path(args.out).exists() and not Path(args.out).is_dir():
        print(f"dl-course book: --out must be a folder, got the file {args.out}: pass a folder path.", file=sys.stderr)
        return 2
    try:
        if not (args.serve and args.no_build):
            start = time.perf_counter()
            index = book.build(args.out)
            print(f"book built in {time.perf_counter() - start:.0f} s → {index}")
        if args.serve:
            book.serve(args.out, host=args.host, port=args.port)
    except book.BookError as err:
        print(f"dl-course book: {err}", file=sys.stderr)
        return 1
    except OSError as err:  # the address is taken, unknown or not ours; the folder cannot be written
        where = f"http://{args.host}:{args.port}/" if args.serve else args.out
        print(f"dl-course book: cannot use {where}: {err.strerror or err}. "
              "Pass another --port or --host (127.0.0.1 serves this computer only), or another --out.", file=sys.stderr)
        return 1
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="dl-course", description="Deep-learning course: chapters, models and data.")
    sub = p.add_subparsers(dest="command", required=True)
    li = sub.add_parser("list", help="list chapters and models")
    li.add_argument("--notebooks", action="store_true", help="only the chapters' notebook paths, one a line")
    li.add_argument("--solutions", action="store_true", help="only the solution notebooks' paths, one a line")
    li.add_argument("--backend", help="with --notebooks/--solutions: only the chapters CI runs on this backend")
    li.add_argument("--longest-first", action="store_true",
                    help="with --notebooks/--solutions: the longest fast-profile runs first (for parallel test workers)")
    li.set_defaults(fn=cmd_list)
    d = sub.add_parser("data", help="show where each dataset comes from and how to get it offline")
    d.add_argument("--download", action="store_true", help="download missing files (checked by SHA-256)")
    d.add_argument("--sums", action="store_true", help="print the SHA256SUMS list of every dataset file")
    d.add_argument("--profile", choices=PROFILES, help="with --download: only what the chapters need in this profile")
    d.add_argument("--export", metavar="DIR", help="copy every data file found into DIR/<dataset>/<file> (a mirror folder)")
    d.set_defaults(fn=cmd_data)
    r = sub.add_parser("run", help="execute chapter notebooks headless")
    r.add_argument("chapter", help="chapter number (e.g. 01) or 'all'")
    r.add_argument("--profile", choices=PROFILES, help=f"fast or full (default: ${profiles.ENV_PROFILE}, else auto)")
    r.add_argument("--out", default="runs", help="folder for executed copies (default: runs/)")
    r.add_argument("--inplace", action="store_true", help="write outputs into the notebook itself")
    r.add_argument("--timeout", type=int, default=1800, help="seconds allowed per cell")
    r.add_argument("--smoke", action="store_true", help=f"cut every loop to a few steps (sets {ENV_SMOKE}=1)")
    r.set_defaults(fn=cmd_run)
    sub.add_parser("check", help="describe the set-up and build every registered model").set_defaults(fn=cmd_check)
    doc = sub.add_parser("doctor", help="what this set-up lacks and how to fix it (exit 1 when a chapter cannot run)")
    doc.add_argument("--profile", choices=PROFILES, default="fast", help="the profile whose data is checked")
    doc.set_defaults(fn=cmd_doctor)
    n = sub.add_parser("notebooks", help="copy the chapter notebooks into DIR (default: ./dl-course-notebooks)")
    n.add_argument("dir", nargs="?", default="dl-course-notebooks")
    n.add_argument("--overwrite", action="store_true", help="replace notebooks already in DIR")
    n.set_defaults(fn=cmd_notebooks)
    b = sub.add_parser("book", help="build the executed notebooks into an offline HTML book")
    b.add_argument("--out", default="site", help="folder for the HTML book (default: site/)")
    b.add_argument("--serve", action="store_true", help="then serve it over HTTP until Ctrl-C")
    b.add_argument("--no-build", action="store_true", help="with --serve: serve the book already in --out")
    b.add_argument("--host", default="127.0.0.1", help="address to serve on (0.0.0.0: the whole classroom network)")
    b.add_argument("--port", type=int, default=8000, help="port to serve on (default: 8000)")
    b.set_defaults(fn=cmd_book)
    return p


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    return args.fn(args)


if __name__ == "__main__":
    sys.exit(main())
