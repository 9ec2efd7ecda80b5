"""The one HTTP session every worker call goes through (service API, dataset downloads, artifact uploads, judge).

Retries with exponential backoff on connection errors, read timeouts, 429 and 5xx, waiting what a `Retry-After`
header asks for (seconds or an HTTP date, capped): urllib3's `Retry`, mounted on a requests session, so neither
the backoff nor the header parsing is written here. Other 4xx (401, 404, 409, 413) are answered at once.
"""

from __future__ import annotations

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

RETRY_STATUSES = (429, 500, 502, 503, 504)


def session(token: str | None = None, *, attempts: int = 6, backoff: float = 1.0, max_backoff: float = 30.0,
            retry_after_max: float = 120.0) -> requests.Session:
    """`attempts` tries in all; waits grow backoff·2ⁿ up to max_backoff (the first retry is immediate)."""
    retry = Retry(total=attempts - 1, backoff_factor=backoff, backoff_max=max_backoff,
                  status_forcelist=RETRY_STATUSES, allowed_methods=None,  # POST and PUT too: the service's calls
                  respect_retry_after_header=True, retry_after_max=retry_after_max,  # are safe to repeat
                  raise_on_status=False)
    s = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    s.mount("http://", adapter)
    s.mount("https://", adapter)
    if token:
        s.headers["Authorization"] = f"Bearer {token}"
    return s
