"""Compare two rendered packs page by page, with what changes on every run masked.

A restructuring must leave the pages unchanged: build a pack with the code before and after
(each in its own checkout, on the same extract) and compare them:

    python benchmarks/compare_packs.py BEFORE/2022-03-31 AFTER/2022-03-31 [--mask PATH ...]

Masked: timestamps, papermill cell ids, the command line in the footer, the two pack folders
and any PATH given (the checkouts' own folders). Prints the pages that differ; exit 1 if any.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path


def mask(html: str, paths: list[str]) -> str:
    """`html` with timestamps, cell ids, the command line and `paths` replaced by marks."""
    html = re.sub(r"selfeval run[^<\"]*", "selfeval <command>", html)
    for path in sorted(paths, key=len, reverse=True):
        html = html.replace(path, "<path>")
    html = re.sub(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?(\.\d+)?", "<time>", html)
    html = re.sub(r"cell-id=[0-9a-f-]+", "cell-id=<cell>", html)
    return re.sub(r'id="[0-9a-f-]{8,}"', 'id="<cell>"', html)


def differing_pages(before: Path, after: Path, paths: list[str]) -> tuple[list[str], set[str]]:
    """The pages whose masked HTML differs, and the pages only one pack has."""
    pages_before = {str(p.relative_to(before)) for p in before.rglob("*.html")}
    pages_after = {str(p.relative_to(after)) for p in after.rglob("*.html")}
    differ = [
        page
        for page in sorted(pages_before & pages_after)
        if mask((before / page).read_text("utf-8"), [str(before), *paths])
        != mask((after / page).read_text("utf-8"), [str(after), *paths])
    ]
    return differ, pages_before ^ pages_after


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--mask", action="append", default=[], help="a path to mask")
    args = parser.parse_args()
    differ, alone = differing_pages(args.before, args.after, args.mask)
    count = len(list(args.before.rglob("*.html")))
    print(f"{count} pages before, {len(list(args.after.rglob('*.html')))} after")
    print(f"only in one pack: {sorted(alone) or 'none'}")
    print(f"differing pages: {differ or 'none'}")
    return 1 if differ or alone else 0


if __name__ == "__main__":
    sys.exit(main())
