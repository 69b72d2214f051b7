"""The "Sync Discogs" button in a real browser: the progress bar fills, then the shelves appear."""

import os
import threading
import time

import pytest
from django.contrib.auth import get_user_model
from django.db import OperationalError, connection
from django.db.backends.signals import connection_created

from catalog.models import CollectionItem
from tests.fakes.discogs_gen import DiscogsCollection
from tests.web.test_browser import PASSWORD, browser, new_page, shoot  # noqa: F401  (fixture)

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _reads_take_no_table_locks(connection, **_kwargs) -> None:
    """The live server's in-memory SQLite is one database in shared-cache mode, where a writer gets
    "database table is locked" at once while any other connection reads that table — the progress
    poll reading core_job as the worker writes it. Reading uncommitted lifts the readers' table
    locks; the app's own file database (WAL) never meets this."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA read_uncommitted = 1")


@pytest.fixture
def worker(monkeypatch):
    """Run enqueued tasks in a background thread, as a django-q2 worker would, not inside the request."""
    threads: list[threading.Thread] = []
    connection_created.connect(_reads_take_no_table_locks)
    _reads_take_no_table_locks(connection)

    def async_task(func, *args, **kwargs):
        from catalog import tasks

        kwargs.pop("task_name", None)
        target = getattr(tasks, func.rsplit(".", 1)[-1])

        def run():
            # A real worker takes the task after the request that queued it has committed; here the
            # thread may start while that request still writes: wait for it, as the queue would.
            try:
                for attempt in range(50):
                    try:
                        target(*args, **kwargs)
                        return
                    except OperationalError as error:
                        if "locked" not in str(error) or attempt == 49:
                            raise
                        time.sleep(0.1)
            finally:
                connection.close()

        thread = threading.Thread(target=run, daemon=True)
        threads.append(thread)
        thread.start()

    monkeypatch.setattr("core.services.jobs.async_task", async_task)
    yield threads
    for thread in threads:
        thread.join(timeout=30)
    connection_created.disconnect(_reads_take_no_table_locks)


def test_it_fills_the_progress_bar_while_the_records_arrive(browser, live_server, fake_services, worker):  # noqa: F811
    get_user_model().objects.create_user("listener", "listener@example.com", PASSWORD)
    DiscogsCollection.generate(500, doubles=5).install(fake_services)
    fake_services.delay("discogs", 0.35)  # about three seconds of pages: the bar is seen moving
    page, watcher = new_page(browser, live_server)
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "listener")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/collection/")
    page.click("button:has-text('Sync Discogs')")
    bar = page.locator(".discogs-sync .job-progress")
    bar.wait_for()
    seen = set()
    for _ in range(100):
        value = page.locator(".discogs-sync .job-progress progress").first.get_attribute("value")
        if value is not None:
            seen.add(int(value))
        if "Succeeded" in bar.inner_text():
            break
        page.wait_for_timeout(150)
    fake_services.delay("discogs", 0)  # the tracklists fetched after the sync need not crawl
    assert "Succeeded" in bar.inner_text()
    assert any(0 < v < 100 for v in seen), f"the bar never showed partial progress: {sorted(seen)}"
    assert 100 in {int(page.locator(".discogs-sync progress").get_attribute("value"))}
    assert "copies seen" in bar.inner_text()  # the summary of the finished sync
    shoot(page, "40-discogs-sync-finished")
    assert CollectionItem.objects.count() == 500

    page.goto(f"{live_server.url}/collection/?view=list&sort=title")
    assert "500 copies" in page.locator(".lede").inner_text()
    assert page.locator("table.collection-table tbody tr").count() == 60
    shoot(page, "41-collection-list")
    problems = [p for p in watcher.problems if "i.discogs.com" not in p]  # covers are remote, offline here
    assert not problems, problems
