"""`/apis/listenbrainz/1/`: the ListenBrainz-compatible endpoints (tracker.listenbrainz_api), mounted by config.urls.

A trailing slash is taken too: some clients join the base URL and the endpoint with one.
"""

from django.urls import re_path

from tracker import listenbrainz_api

urlpatterns = [
    re_path(r"^submit-listens/?$", listenbrainz_api.submit_listens, name="listenbrainz-submit-listens"),
    re_path(r"^validate-token/?$", listenbrainz_api.validate_token, name="listenbrainz-validate-token"),
]
