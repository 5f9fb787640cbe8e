"""Atomic publishing: build in a hidden folder beside the packs, swap it in only when complete."""

from __future__ import annotations

import logging
import os
import re
import secrets
import shutil
import socket
import tempfile
from pathlib import Path

from selfeval.publish.pack import write_periods_index

log = logging.getLogger("selfeval.publish")

BUILD_PREFIX = ".build-"
OLD_PREFIX = ".old-"
OWNER_FILE = ".selfeval-build"
_PERIOD = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _check_period(period_end: str) -> str:
    if not _PERIOD.match(str(period_end)):
        raise ValueError(f"period end must be an ISO date (YYYY-MM-DD), not {period_end!r}")
    return str(period_end)


def new_build_dir(rendered_root: Path, period_end: str) -> Path:
    """A fresh hidden build folder inside ``rendered_root`` (same filesystem: rename is atomic)."""
    root = Path(rendered_root)
    root.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix=f"{BUILD_PREFIX}{_check_period(period_end)}-", dir=root))
    (build / OWNER_FILE).write_text(f"{socket.gethostname()} {os.getpid()}\n", encoding="utf-8")
    return build


def _is_ours(path: Path) -> bool:
    return path.name.startswith((BUILD_PREFIX, OLD_PREFIX))


def cleanup_build_dir(path: Path) -> None:
    """Delete a build (or set-aside) folder; refuses anything else. Never raises."""
    path = Path(path)
    if _is_ours(path):
        shutil.rmtree(path, ignore_errors=True)


def _owner_alive(build: Path) -> bool:
    """True if the run that owns ``build`` is still running on this machine."""
    try:
        host, pid = (build / OWNER_FILE).read_text(encoding="utf-8").split()
        if host != socket.gethostname():
            return True  # another machine's run on a shared drive: leave it alone
        if int(pid) == os.getpid():
            return False
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except (OSError, ValueError):
        return False
    return True


def remove_stale_build_dirs(rendered_root: Path) -> list[Path]:
    """Remove build folders left by killed runs; restore a pack set aside mid-swap."""
    root = Path(rendered_root)
    if not root.is_dir():
        return []
    removed = []
    for path in sorted(root.iterdir()):
        if not path.is_dir() or not _is_ours(path):
            continue
        if path.name.startswith(BUILD_PREFIX) and _owner_alive(path):
            continue
        if path.name.startswith(OLD_PREFIX):
            period = path.name[len(OLD_PREFIX) :][:10]
            target = root / period
            if _PERIOD.match(period) and not target.exists():
                os.rename(path, target)  # interrupted between the two renames: put it back
                log.warning("Restored the previously published pack %s", target)
                continue
        cleanup_build_dir(path)
        removed.append(path)
    return removed


def publish_atomically(build_dir: Path, rendered_root: Path, period_end: str) -> Path:
    """Replace ``rendered_root/<period_end>`` by the completed ``build_dir``; other periods stay.

    The old pack is renamed aside, the new one renamed in, then the old one deleted; if the
    second rename fails (or is interrupted) the old pack is put back.
    """
    root, build = Path(rendered_root), Path(build_dir)
    period = _check_period(period_end)
    if build.resolve().parent != root.resolve() or not build.name.startswith(BUILD_PREFIX):
        raise ValueError(f"{build} is not a build folder of {root}")
    (build / OWNER_FILE).unlink(missing_ok=True)
    target = root / period
    old = None
    if target.exists():
        old = root / f"{OLD_PREFIX}{period}-{secrets.token_hex(4)}"
        os.rename(target, old)
    try:
        os.rename(build, target)
    except BaseException:
        if old is not None:
            os.rename(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    write_periods_index(root)
    return target
