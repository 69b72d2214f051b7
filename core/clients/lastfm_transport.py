"""The httpx2 transport Last.fm's pylast network is given (see core/clients/lastfm.py).

A module of its own because it subclasses an httpx2 class: core/clients/lastfm.py imports it,
and with it httpx2, only when it builds the network.
"""

import httpx2

from core.resilience.errors import HttpStatusError, parse_retry_after


class LastfmTransport(httpx2.BaseTransport):
    def __init__(self, *, scheme: str, timeout: float, agent: str):
        self._inner = httpx2.HTTPTransport()
        self._scheme = scheme
        self._timeout = httpx2.Timeout(timeout, connect=min(5.0, timeout)).as_dict()
        self._agent = agent

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        if request.url.scheme != self._scheme:
            request.url = request.url.copy_with(scheme=self._scheme)
        request.headers["User-Agent"] = self._agent
        request.extensions = {**request.extensions, "timeout": self._timeout}
        response = self._inner.handle_request(request)
        if response.status_code == 429:
            response.read()
            response.close()
            raise HttpStatusError(429, retry_after=parse_retry_after(response.headers.get("Retry-After")),
                                  detail="Last.fm rate limit")
        return response

    def close(self) -> None:
        """pylast closes its client after every request; the pool lives as long as we do."""
