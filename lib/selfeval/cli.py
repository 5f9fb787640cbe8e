"""The `selfeval` command line: run, run-many, measures, validate, sample-data, reference update."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path

from selfeval import __version__
from selfeval.errors import UserError


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: expected YYYY-MM-DD") from None


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be 1 or more")
    return value


def _period_range(text: str) -> tuple[date, date]:
    start, sep, end = text.partition(":")
    if not sep:
        raise argparse.ArgumentTypeError(f"{text!r}: expected FROM:TO, two YYYY-MM-DD dates")
    first, last = _iso_date(start), _iso_date(end)
    if first > last:
        raise argparse.ArgumentTypeError(f"{text!r}: FROM is after TO")
    return first, last


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="selfeval",
        description="Self-evaluation pack for children's services: data in, narrative HTML out.",
    )
    parser.add_argument("--version", action="version", version=f"selfeval {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run every notebook and publish rendered/<period_end>/")
    run.add_argument("--data", type=Path, help="extract folder (default: the latest extract)")
    run.add_argument("--period-end", type=_iso_date, help="period end (default: extract date)")
    run.add_argument("--out", type=Path, help="rendered root folder (default: rendered/)")
    run.add_argument(
        "--jobs", type=_positive_int, default=os.cpu_count() or 1, help="notebooks in parallel"
    )
    run.add_argument("--pdf", action="store_true", help="also print a board pack PDF (Chromium)")
    run.add_argument(
        "--docx",
        action="store_true",
        help="also write an editable Word copy, self-evaluation-<period_end>.docx",
    )
    run.add_argument(
        "--suppress-below",
        type=_positive_int,
        default=None,
        help="hide counts and percentages built on fewer than N children (for wider sharing)",
    )
    run.add_argument(
        "--timeout",
        type=_positive_int,
        default=600,
        help="seconds a notebook cell may run before its section is failed (default 600)",
    )

    many = sub.add_parser(
        "run-many", help="run every council of a region on dask.distributed, then compare them"
    )
    many.add_argument("region", type=Path, help="region folder: <council>/data/extracts/<date>/")
    when = many.add_mutually_exclusive_group()
    when.add_argument("--period-end", type=_iso_date, help="one period (default: latest extract)")
    when.add_argument(
        "--periods", type=_period_range, help="FROM:TO, every extract dated within (inclusive)"
    )
    many.add_argument(
        "--scheduler",
        help="dask scheduler address, tcp://HOST:PORT (default: an embedded LocalCluster)",
    )
    many.add_argument(
        "--workers", type=_positive_int, default=None, help="LocalCluster workers (half the cores)"
    )
    many.add_argument(
        "--suppress-below",
        type=_positive_int,
        default=5,
        help="blank regional counts and percentages built on fewer than N children (default 5)",
    )
    many.add_argument("--out", type=Path, help="output folder (default: REGION/rendered)")

    measures = sub.add_parser("measures", help="compute measures.csv without rendering")
    measures.add_argument("--data", type=Path, help="extract folder (default: the latest extract)")
    measures.add_argument("--period-end", type=_iso_date, help="period end (default: extract date)")
    measures.add_argument("--out", type=Path, default=Path("measures.csv"), help="output CSV")

    validate = sub.add_parser("validate", help="check an extract and write data_quality.csv")
    validate.add_argument("extract", type=Path, help="extract folder")
    validate.add_argument("--out", type=Path, default=None, help="data-quality CSV to write")

    sample = sub.add_parser("sample-data", help="write a synthetic sample extract")
    sample.add_argument("dir", type=Path, help="folder to write the extracts into")
    sample.add_argument("--seed", type=int, default=2021)
    sample.add_argument("--scale", type=float, default=1.0)
    sample.add_argument(
        "--list-months",
        type=_positive_int,
        default=None,
        help="cut Annex A Lists 1-8 to the N months before each extract date, as Ofsted asks",
    )
    reference = sub.add_parser("reference", help="the packaged DfE LA-level reference data")
    ref_sub = reference.add_subparsers(dest="reference_command", required=True, metavar="ACTION")
    update = ref_sub.add_parser(
        "update", help="rebuild the packaged DfE reference from a folder of newer DfE files"
    )
    update.add_argument("dir", type=Path, help="folder of DfE files of the same shape")
    update.add_argument(
        "--out", type=Path, default=None, help="folder to write (default: the package's)"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv)
    args.command_line = " ".join(["selfeval", *argv])
    try:
        return _dispatch(args)
    except UserError as err:
        print(f"selfeval {args.command}: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Interrupted: nothing new was published.", file=sys.stderr)
        return 130


def reference_update(src: Path, dest: Path | None = None) -> int:
    """`selfeval reference update DIR`: rebuild the packaged DfE reference from the columns and
    rows the catalogue's `dfe_la:` entries use, and say what was written (UserError: exit 2)."""
    from selfeval import dfe_la
    from selfeval.config import Workspace
    from selfeval.measures.catalogue import load_catalogue

    catalogue = load_catalogue(Workspace.find().params / "measures.yaml")
    mappings = [m.dfe_la.model_dump() for m in catalogue if m.dfe_la is not None]
    out = dfe_la.update_reference(src, mappings, dest)
    info = dfe_la.provenance(out)
    for name, entry in info["files"].items():
        years = f", {entry['years']}" if "years" in entry else ""
        print(f"{name}: {entry['rows']} rows from {entry['source_file']}{years}")
    print(f"Wrote the DfE reference to {out} ({info['licence']}).")
    return 0


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "run":
        from selfeval.pipeline import RunOptions, run_pack

        options = RunOptions(
            data=args.data,
            period_end=args.period_end,
            rendered_root=args.out,
            jobs=args.jobs,
            pdf=args.pdf,
            docx=args.docx,
            suppress_below=args.suppress_below,
            cell_timeout=args.timeout,
            command_line=args.command_line,
        )
        return run_pack(options).exit_code
    if args.command == "run-many":
        from selfeval.regional import main_options, run_many

        return run_many(main_options(args))
    if args.command == "measures":
        from selfeval.config import Workspace
        from selfeval.measures import measures_command

        workspace = Workspace.find()
        data = workspace.extract_dir(args.data)
        return measures_command(data, args.period_end, args.out, workspace=workspace)
    if args.command == "validate":
        from selfeval.config import default_store_root
        from selfeval.extract import validate_command

        return validate_command(args.extract, args.out, store_root=default_store_root())
    if args.command == "sample-data":
        from selfeval.config import Workspace
        from selfeval.sample_data import action_ids, sample_command

        try:  # updates for the actions of this workspace's plan
            actions = action_ids(Workspace.find().params / "priorities")
        except FileNotFoundError:  # outside a workspace: none
            actions = []
        return sample_command(args.dir, args.seed, args.scale, args.list_months, actions)
    if args.command == "reference":
        return reference_update(args.dir, args.out)
    raise AssertionError(args.command)  # argparse rejects unknown commands


if __name__ == "__main__":
    sys.exit(main())
