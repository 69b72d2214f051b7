import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Every view, the admin and the API load now, not on the first request (with gunicorn --preload,
# once, in the master), and then everything loaded is moved out of the garbage collector's sight:
# a full collection walked those ~100,000 objects during a request every few pages (~75 ms).
get_resolver().url_patterns
gc.freeze()
