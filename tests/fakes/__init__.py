"""Fake outside services for tests: one local HTTP server answering as every service."""

from tests.fakes.server import FakeServices, RecordedRequest, Reply

__all__ = ["FakeServices", "RecordedRequest", "Reply"]
