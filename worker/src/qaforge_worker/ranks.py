"""Rank safety under `accelerate launch` / `torchrun`: one process (the main one) talks to the service, writes
reports and files; every process trains its shard and scores its share of the exam.

Every function here is a collective when several processes run (all ranks must call it, in the same order) and
a no-op for one process, so the same code path serves 1..N processes.
"""

from __future__ import annotations

import functools


@functools.cache
def state():
    """accelerate's process state; on a machine without CUDA, processes launched together use gloo (accelerate
    would otherwise take each for a lone process)."""
    import torch
    from accelerate import PartialState

    return PartialState(cpu=not torch.cuda.is_available())


def is_main() -> bool:
    return state().is_main_process


def several() -> bool:
    return state().num_processes > 1


def broadcast(value=None):
    """The main process's `value`, on every rank."""
    if not several():
        return value
    from accelerate.utils import broadcast_object_list

    return broadcast_object_list([value if is_main() else None])[0]


def from_main(compute):
    """`compute()` run by the main process alone (e.g. downloads), its result on every rank. When it fails, it
    fails on every rank: the main process with its own error."""
    if not several():
        return compute()
    result, error = None, None
    if is_main():
        try:
            result = compute()
        except Exception as exc:  # noqa: BLE001 - re-raised below, after the others have heard of it
            error = exc
    ok, value = broadcast((error is None, result if error is None else f"{type(error).__name__}: {error}"))
    if error is not None:
        raise error
    if not ok:
        raise RuntimeError(f"the main process failed: {value}")
    return value


def share(items: list) -> list:
    """This rank's contiguous share of `items` (all of them for one process)."""
    if not several():
        return items
    n, rank, size = len(items), state().process_index, state().num_processes
    per, extra = divmod(n, size)
    start = rank * per + min(rank, extra)
    return items[start:start + per + (rank < extra)]


def gather(items: list) -> list:
    """Every rank's `share` back together, in order, on every rank."""
    if not several():
        return items
    from accelerate.utils import gather_object

    return gather_object(items)


def close() -> None:
    """At exit: leave the process group cleanly (gloo aborts a process that exits while still in one)."""
    if several():
        state().destroy_process_group()


def barrier() -> None:
    if several():
        state().wait_for_everyone()


def stop_reason(reporter) -> str | None:
    """The main process's reporter decides (heartbeats answer it alone): its stop reason, on every rank."""
    return broadcast(reporter.stop_reason) if several() else reporter.stop_reason


def check(reporter) -> None:
    """`reporter.check()` on every rank at once, so that no rank goes on to a collective the others left."""
    from .progress import RunStopped

    reason = stop_reason(reporter)
    if reason:
        raise RunStopped(reason)
