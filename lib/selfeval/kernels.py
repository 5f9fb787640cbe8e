"""Notebook kernels started ahead of need, with their slow imports already done.

Starting a Python kernel and importing pandas, pyarrow and selfeval takes about 1.3 s of CPU
per notebook. `selfeval run` spends its first seconds on one core (reading the
extract, computing the measures), so it starts the first kernels then, on the idle core, and
keeps one kernel starting ahead of each running notebook. Every notebook still gets a kernel of
its own, used once and then stopped: a warm-up only imports modules (``__import__``) and binds
no name, so a notebook that forgets an import fails here as it would in JupyterLab. The supply
knows nothing of what the notebooks do.

If a kernel cannot be started or warmed, `take` returns None and papermill starts one itself.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

log = logging.getLogger("selfeval")

KERNEL_NAME = "python3"
#: the kernel's own start-up/shut-down chatter stays out of the console and the log
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=CRITICAL"]
#: what a pack notebook imports first; kernels for the pack import these while they wait
#: (matplotlib is imported by selfeval.charts when a page draws its first chart)
PACK_IMPORTS = ("pandas", "pyarrow.parquet", "selfeval.pages")
STARTUP_TIMEOUT = 120


def warmup_code(modules: Sequence[str]) -> str:
    """Kernel code that imports `modules` without binding any name in the notebook."""
    return "\n".join(f"__import__({name!r})" for name in modules)


@functools.cache
def _manager_class() -> type:
    """jupyter_client's async kernel manager, remembering the clients it hands out."""
    from jupyter_client.manager import AsyncKernelManager

    class ClientKeepingKernelManager(AsyncKernelManager):
        """Papermill leaves open the channels of its client on a kernel it did not start
        (``km=``): a heartbeat thread and five sockets per notebook for the rest of the process.
        Remembering the clients lets `stop_kernel` close them with the kernel."""

        def client(self, **kwargs: Any) -> Any:
            client = super().client(**kwargs)
            self.__dict__.setdefault("handed_out", []).append(client)
            return client

    return ClientKeepingKernelManager


def _import_for_starting() -> None:
    """Import, in the calling thread, what starting a kernel imports.

    IPython's package imports are circular: a starter thread importing it (jupyter_client's
    kernel spec lookup does) while the run imports it too (`selfeval.pages`) can see it half
    initialised and fail the run. Imported here first, the threads find it complete.
    """
    from jupyter_client.kernelspec import KernelSpecManager

    _manager_class()
    KernelSpecManager().get_kernel_spec(KERNEL_NAME)


async def _start_kernel(cwd: Path, modules: Sequence[str]) -> Any:
    """Start one kernel in `cwd`, run the warm-up imports, return its (async) kernel manager."""
    manager = _manager_class()(kernel_name=KERNEL_NAME)
    await manager.start_kernel(extra_arguments=KERNEL_ARGUMENTS, cwd=str(cwd))  # this env
    try:
        client = manager.client()
        client.start_channels()
        try:
            await client.wait_for_ready(timeout=STARTUP_TIMEOUT)
            if modules:
                msg_id = client.execute(warmup_code(modules), silent=True, store_history=False)
                while True:
                    reply = await client.get_shell_msg(timeout=STARTUP_TIMEOUT)
                    if reply["parent_header"].get("msg_id") == msg_id:
                        break
                if reply["content"].get("status") != "ok":
                    log.info("Kernel warm-up failed: %s", reply["content"].get("ename", ""))
        finally:
            client.stop_channels()
    except BaseException:
        await manager.shutdown_kernel(now=True)
        raise
    return manager


def stop_kernel(manager: Any) -> None:
    """Stop a kernel from `take` at once (its notebook has run and its outputs are saved)."""
    from jupyter_core.utils import run_sync

    try:
        if run_sync(manager.is_alive)():
            run_sync(manager.shutdown_kernel)(now=True)
        else:
            run_sync(manager.cleanup_resources)()
    except Exception:  # noqa: BLE001 - a kernel that is already gone needs nothing more
        log.debug("Kernel already stopped", exc_info=True)
    for client in manager.__dict__.pop("handed_out", []):
        try:
            if client.channels_running:
                client.stop_channels()
        except Exception:  # noqa: BLE001 - closing a finished notebook's channels is best effort
            log.debug("Kernel client channels already closed", exc_info=True)


class KernelSupply:
    """`total` kernels for the notebooks in `cwd`, `ahead` of them started before they are needed,
    at most `starters` (default `ahead`) starting at once.

    `take()` hands out the next started kernel (or None once `total` are handed out, or if it
    failed to start) and starts another in the background. `close()` stops any not handed out.
    """

    def __init__(
        self,
        total: int,
        cwd: Path,
        *,
        modules: Sequence[str] = PACK_IMPORTS,
        ahead: int = 2,
        starters: int | None = None,
    ) -> None:
        from jupyter_core.utils import run_sync

        _import_for_starting()
        self.cwd = Path(cwd).resolve()
        self._modules = tuple(modules)
        self._start = run_sync(_start_kernel)
        self._to_start = total
        self._pending: deque[Future] = deque()
        self._lock = threading.Lock()
        self._closed = False
        self._pool = ThreadPoolExecutor(
            max_workers=max(1, starters or ahead), thread_name_prefix="kernel"
        )
        for _ in range(max(1, ahead)):
            self._start_one()

    def _start_one(self) -> None:
        if self._to_start > 0 and not self._closed:
            self._to_start -= 1
            self._pending.append(self._pool.submit(self._start, self.cwd, self._modules))

    def take(self, cwd: Path | None = None) -> Any | None:
        """The next started kernel for a notebook in `cwd`, or None (papermill starts one)."""
        if cwd is not None and Path(cwd).resolve() != self.cwd:
            return None
        with self._lock:
            if not self._pending:
                return None
            future = self._pending.popleft()
            self._start_one()
        try:
            return future.result()
        except Exception:  # noqa: BLE001 - papermill starts the kernel itself instead
            log.warning("A kernel could not be started ahead; starting it with the notebook.")
            log.debug("Kernel start failed", exc_info=True)
            return None

    def close(self) -> None:
        """Stop every kernel started but not handed out (after the run, or when interrupted)."""
        with self._lock:
            self._closed = True
            pending = list(self._pending)
            self._pending.clear()
        for future in pending:
            future.cancel()
        for future in pending:
            if future.cancelled():
                continue
            try:
                stop_kernel(future.result())
            except Exception:  # noqa: BLE001 - it never started
                pass
        self._pool.shutdown(wait=True)

    def __enter__(self) -> KernelSupply:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
