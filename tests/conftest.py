"""Shared fixtures: an owner, a second (non-staff) user, and clients logged in as each."""

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import caches

pytest_plugins = ["tests.fakes.plugin"]  # fake_services: the outside world, served locally

OWNER_PASSWORD = "owner-password-123"


@pytest.fixture(autouse=True)
def pages_cache_cleared():
    """The pages' cache lives in the process: each test starts with it empty, as the database
    cache starts each test empty by its rollback."""
    caches["pages"].clear()


@pytest.fixture
def owner(db):
    return get_user_model().objects.create_superuser("owner", "owner@example.com", OWNER_PASSWORD)


@pytest.fixture
def other_user(db):
    return get_user_model().objects.create_user("visitor", "visitor@example.com", "visitor-password-123")


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client
