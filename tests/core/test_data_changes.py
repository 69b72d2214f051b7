"""The data changes' triggers: every UPDATE or DELETE of a watched table moves the newest id, nothing else does."""

import pytest

from catalog.models import Artist
from core.models import DataChange
from core.selectors.data_changes import data_change_latest
from core.services.data_changes import data_changes_prune
from core.services.maintenance import database_optimize
from tests.factories import make_album, make_scrobble, make_track, utc
from tracker.models import Scrobble

pytestmark = pytest.mark.django_db


def test_edits_and_deletes_move_it_new_rows_and_empty_statements_do_not():
    play = make_scrobble(make_track("Roads", make_album("Dummy")), utc(2024, 5, 1, 20))
    before = data_change_latest()
    Scrobble.objects.filter(pk=play.pk + 1000).update(loved=True)  # matches nothing
    Artist.objects.filter(name="Nobody").delete()
    assert data_change_latest() == before
    Scrobble.objects.filter(pk=play.pk).update(loved=True)
    after_edit = data_change_latest()
    play.delete()
    assert before < after_edit < data_change_latest()


def test_the_daily_upkeep_keeps_only_the_newest_row():
    track = make_track("Roads", make_album("Dummy"))
    for number in range(3):
        track.title = f"Roads {number}"
        track.save()
    latest = data_change_latest()
    database_optimize()
    assert list(DataChange.objects.values_list("id", flat=True)) == [latest]
    assert data_changes_prune() == 0
