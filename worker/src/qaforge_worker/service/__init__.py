"""Serve mode: claim runs from the qaforge service, heartbeat, deliver the adapter and results.

`client` speaks the worker API (the contract is in worker/README.md), `heartbeat` keeps the lease and reports
progress from a background thread, `loop` polls for runs and takes each from claim to complete, fail or release.
"""

from .client import LeaseLost, ServiceClient
from .loop import run_claimed, serve

__all__ = ["LeaseLost", "ServiceClient", "run_claimed", "serve"]
