"""Bearer and access tokens never reach a log line, whatever logger writes them and whatever their value.

spotipy logs, at DEBUG, the headers it sends (the access token it obtained) and the token
answer; those tokens are not configured secrets, so only their shape gives them away.
"""

import io
import logging
import uuid

import pytest
from django.conf import settings
from django.utils.module_loading import import_string

from core.resilience.redact import install_log_redaction, redact


def a_token() -> str:
    return "BQD" + uuid.uuid4().hex + "-Xy_z"


@pytest.fixture
def console():
    """What the configured console handler (settings.LOGGING, on the root logger) writes."""
    handlers = [h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler]  # not pytest's
    assert handlers, "LOGGING puts a console handler on the root logger"
    buffer = io.StringIO()
    previous = [h.setStream(buffer) for h in handlers]
    yield buffer
    for handler, stream in zip(handlers, previous, strict=True):
        handler.setStream(stream)


@pytest.fixture
def debug_level():
    """spotipy and a random logger at DEBUG, as LOG_LEVEL=DEBUG would have them."""
    names = ["spotipy.client", "spotipy.oauth2", f"anything.{uuid.uuid4().hex[:6]}"]
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    yield loggers
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


def lines_with(token: str) -> list[tuple[str, object]]:
    return [
        ("Sending %s to %s with Params: %s Headers: %s and Body: %r ",
         ("GET", "https://api.spotify.com/v1/search", {"q": "x"}, {"Authorization": f"Bearer {token}"}, None)),
        ("RESULTS: %s", ({"access_token": token, "token_type": "Bearer", "expires_in": 3600},)),
        ('token answer: {"access_token": "%s", "token_type": "Bearer"}', (token,)),
        ("curl -H 'Authorization: Bearer %s' https://example.org/api/v1/me", (token,)),
        ("redirect to https://example.org/cb#access_token=%s&state=1", (token,)),
    ]


def test_no_logger_prints_a_bearer_or_access_token(console, debug_level):
    token = a_token()
    for logger in debug_level:  # spotipy's own loggers and a random one, all through the configured handler
        for message, args in lines_with(token):
            logger.debug(message, *args)
    output = console.getvalue()
    assert output.count("[redacted]") >= 3 * 5, output
    assert token not in output
    assert token[:12] not in output


def test_an_exception_carrying_a_token_is_summarised(console, debug_level):
    token = a_token()
    try:
        raise ValueError(f"401 for Authorization: Bearer {token}")
    except ValueError:
        debug_level[-1].exception("call failed")
    output = console.getvalue()
    assert "call failed" in output and "ValueError" in output and token not in output


def test_library_loggers_are_clean_for_any_handler(caplog):
    """pytest's capture handler is not ours: the client libraries' loggers carry the filter themselves."""
    install_log_redaction()
    token = a_token()
    with caplog.at_level(logging.DEBUG, logger="spotipy.client"):
        logging.getLogger("spotipy.client").debug("Headers: %s", {"Authorization": f"Bearer {token}"})
    assert caplog.records and token not in caplog.text


def test_the_logging_configuration_puts_the_filter_on_every_handler():
    config = settings.LOGGING
    assert config["handlers"], "at least one handler"
    for name, handler in config["handlers"].items():
        assert "redact" in handler.get("filters", []), name
    log_filter = import_string(config["filters"]["redact"]["()"])()
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.addFilter(log_filter)
    logger = logging.getLogger(f"x.{uuid.uuid4().hex[:6]}")
    logger.addHandler(handler)
    logger.propagate = False
    token = a_token()
    logger.warning("Authorization: Bearer %s", token)
    assert buffer.getvalue() == "Authorization: Bearer [redacted]\n"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Authorization: Bearer abc.DEF-123_~+/=", "Authorization: Bearer [redacted]"),
        ("{'Authorization': 'Basic dXNlcjpwYXNz'}", "{'Authorization': 'Basic [redacted]'}"),
        ("{'Authorization': 'Discogs token=abcdef'}", "{'Authorization': 'Discogs [redacted]'}"),
        ('{"access_token": "BQD1", "token_type": "Bearer"}', '{"access_token": "[redacted]", "token_type": "Bearer"}'),
        ("GET /users/rj?token=abcd1234&page=2", "GET /users/rj?token=[redacted]&page=2"),
        ("redis://:s3cret@cache:6379/0", "redis://:[redacted]@cache:6379/0"),
        ("postgres://journal:pw@db/journal", "postgres://journal:[redacted]@db/journal"),
        ("<session><name>rj</name><key>d580d57f32848f5dcf574d1ce18d78b2</key></session>",
         "<session><name>rj</name><key>[redacted]</key></session>"),
        ("method=track.scrobble&sk=d580d57f32848f5d&artist=Low", "method=track.scrobble&sk=[redacted]&artist=Low"),
        # Ordinary words stay.
        ("Bearer tokens are accepted; token_hash=ab; see https://example.org:8000/x", None),
        ("Bearer abc", None),  # too short to be a token
        ("Unexpected auth - 'Basic dXNlcjpwYXNzd29yZA=='", "Unexpected auth - 'Basic [redacted]'"),  # ninja, DEBUG
        ("Basic auth is off; 3 tokens used", None),
    ],
)
def test_redact_masks_credential_shapes(text, expected):
    assert redact(text) == (text if expected is None else expected)
