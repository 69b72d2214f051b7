"""API authentication: a personal token as `Authorization: Bearer`, or the browser session.

The token is tried first and stands alone: it is not a cookie, so a cross-site page cannot make
the browser send it and no CSRF token is asked for. The session is a cookie, so a request it
authenticates must carry its CSRF token on writes (403 otherwise). A request with neither, or
with a wrong token, gets 401; an address that keeps sending wrong tokens gets 429 for a while.
A read-only token gets 403 on anything but GET, HEAD and OPTIONS.
"""

from ninja.errors import HttpError
from ninja.security import HttpBearer, SessionAuth

from core.services.api_tokens import api_token_find, api_token_refusal
from core.services.throttle import api_token_throttle_wait, client_address, wait_text


class PersonalTokenAuth(HttpBearer):
    def authenticate(self, request, token):
        address = client_address(request)
        wait = api_token_throttle_wait(address=address)
        if wait:  # before the lookup: a blocked address learns nothing more about any token
            raise HttpError(429, f"Too many wrong tokens from this address, try again in {wait_text(wait)}.")
        api_token = api_token_find(raw_token=token, address=address)
        if api_token is None:
            return None
        if refusal := api_token_refusal(api_token=api_token, method=request.method):
            raise HttpError(403, refusal)
        request.user = api_token.user
        return api_token.user


class SessionCsrfAuth(SessionAuth):
    """The browser session, with ninja's CSRF check, run only when the session did log someone in.

    ninja's `SessionAuth` checks CSRF before it looks at the user, so an anonymous write was
    refused with 403 "CSRF check Failed" instead of 401.
    """

    def __call__(self, request):
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)  # 403 "CSRF check Failed" on a write without the token


def api_auth() -> list:
    """The API's authentication, in order: the bearer token first, the session second."""
    return [PersonalTokenAuth(), SessionCsrfAuth()]
