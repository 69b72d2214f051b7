"""Settings for Music Journal.

Every value comes from the environment (or an optional `.env` file) and has a working
default, so `make run` needs no configuration at all. `DATABASE_URL` switches to
PostgreSQL; `REDIS_URL` switches the cache and the django-q2 broker to Redis.
"""

import importlib.util
import secrets
from contextlib import suppress
from pathlib import Path

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
DATA_DIR = BASE_DIR / env.str("JOURNAL_DATA_DIR", default="data")  # an absolute path stays as it is


def _generated_secret_key() -> str:
    """A secret key kept in the data folder, so sessions survive restarts without setup."""
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = env.str("SECRET_KEY", default="") or _generated_secret_key()
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "csp",
    "template_partials",
    "django_q",
    "core",
    "catalog",
    "tracker",
    "enrichment",
    "playlists",
    "demo",
    "web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "web.middleware.JournalLoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"

# django-ninja's templates and static files (the API docs' Swagger UI, served locally, not from
# a CDN) are found by path, not as an installed app: loading the app would import ninja and
# pydantic (~15 MiB) into every process, the worker's too, before anything needs the API.
NINJA_DIR = Path(importlib.util.find_spec("ninja").submodule_search_locations[0])

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates", NINJA_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "web.context_processors.navigation",
            ],
            "builtins": ["django.templatetags.static"],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# --- Database -------------------------------------------------------------------------
DATABASES = {
    # An empty DATABASE_URL (as .env.example leaves it) means the default, like an absent one.
    "default": env.db_url_config(env.str("DATABASE_URL", default="") or f"sqlite:///{DATA_DIR / 'journal.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the worker writes; IMMEDIATE avoids
    # "database is locked" on upgrade from a read to a write transaction.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    DATA_DIR.mkdir(parents=True, exist_ok=True)
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and background work --------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL},
        "pages": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                  "KEY_PREFIX": "pages"},
    }
else:
    CACHES = {
        # Shared by the web process and every worker: breaker state, provider caches, metrics,
        # the worker's heartbeat must be the same everywhere.
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "journal_cache",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        },
        # What pages compute from the history, under keys that name its version: nothing to share,
        # and no page read then waits on the database's writer lock while an import writes.
        "pages": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "journal-pages",
            "OPTIONS": {"MAX_ENTRIES": 5_000},
        },
    }

# Background work (workers, `import_history`) runs this much "nicer" than the web server, so on a
# small machine a page never waits for the CPU behind an import or a backfill (0: same priority).
BACKGROUND_NICENESS = env.int("BACKGROUND_NICENESS", default=10)
# Bearer token a Prometheus server sends to read /metrics; empty: only a logged-in staff user may read it.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# Enrichment providers answer concurrently, one thread each (off: one after the other).
ENRICHMENT_PARALLEL = env.bool("ENRICHMENT_PARALLEL", default=True)
# The artist's principal label: the one most frequent over the latest 20 releases, or the latest release's.
ENRICHMENT_LABEL_METHOD = env.str("ENRICHMENT_LABEL_METHOD", default="most_frequent")
# The API's enrich and refresh calls a user may make per window (seconds); 0 lifts the limit.
ENRICHMENT_API_RATE_LIMIT = env.int("ENRICHMENT_API_RATE_LIMIT", default=10)
ENRICHMENT_API_RATE_WINDOW = env.int("ENRICHMENT_API_RATE_WINDOW", default=60)
# The ListenBrainz-compatible API (/apis/listenbrainz/1/): requests per token and window ("N/s", "N/10s", "N/m", "N/h";
# empty lifts it), sent back as the X-RateLimit-* headers ListenBrainz clients pace themselves by.
LISTENBRAINZ_RATE_LIMIT = env.str("LISTENBRAINZ_RATE_LIMIT", default="1000/10s")
# A running job beats this often (seconds); one silent for longer than the stale limit lost its
# worker and is shown as interrupted, then resumed by the next worker that starts.
JOB_BEAT_SECONDS = env.float("JOB_BEAT_SECONDS", default=15)
JOB_STALE_AFTER_SECONDS = env.float("JOB_STALE_AFTER_SECONDS", default=90)

Q_CLUSTER = {
    "name": "journal",
    # Two task workers, so a three-hour backfill or import never holds up the two-minute poll
    # (the heartbeat /healthz reads comes from a thread in each worker process, busy or not).
    # Each is a fork of the sentinel and adds ~20 MiB (PSS, bench/memory.py) to the ~80 MiB of
    # the four processes django-q2 always runs (qcluster, sentinel, monitor, pusher; none can be
    # turned off). Q_WORKERS=1 saves those 20 MiB on a small machine, and the poll then waits
    # while a long job runs; raise it to run more jobs at once.
    "workers": env.int("Q_WORKERS", default=2),
    # A worker whose peak resident memory passed this (kB) is replaced by a fresh fork after
    # its task, instead of idling at that size (an import of 300,000 plays leaves ~140 MiB
    # held). The periodic tasks stay under it (a fresh worker peaks at ~65 MiB, the hourly
    # album figures at ~100 MiB with 1 M plays), so they never cost a respawn.
    "max_rss": 128 * 1024,
    "timeout": env.int("Q_TIMEOUT", default=3 * 3600),
    "retry": env.int("Q_TIMEOUT", default=3 * 3600) + 600,
    "max_attempts": 1,
    "queue_limit": 50,
    "save_limit": 500,
    "catch_up": False,
    "label": "Background tasks",
    "sync": env.bool("Q_SYNC", default=False),
    "log_level": env.str("Q_LOG_LEVEL", default="WARNING"),  # INFO logs every scheduled tick
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# --- Auth -----------------------------------------------------------------------------
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
JOURNAL_ADMIN_USER = env.str("JOURNAL_ADMIN_USER", default="admin")
JOURNAL_ADMIN_PASSWORD = env.str("JOURNAL_ADMIN_PASSWORD", default="")
SEED_DEMO = env.bool("SEED_DEMO", default=True)

# --- History imports ------------------------------------------------------------------
IMPORT_MIN_MS_PLAYED = env.int("IMPORT_MIN_MS_PLAYED", default=30_000)  # shorter Spotify plays are skips
IMPORT_SKIP_PRIVATE_SESSIONS = env.bool("IMPORT_SKIP_PRIVATE_SESSIONS", default=False)
IMPORT_MAX_UPLOAD_MB = env.int("IMPORT_MAX_UPLOAD_MB", default=1024)  # per upload on the settings page

# --- Backups (core/services/backups.py; `python manage.py backup`, nightly at 03:30) ----
# The folder for the database's copies (relative to the project, like JOURNAL_DATA_DIR); another
# disk's is safer. Each day's newest copy is kept for BACKUP_KEEP_DAILY days, then each week's for
# BACKUP_KEEP_WEEKLY more weeks.
BACKUP_DIR = BASE_DIR / (env.str("BACKUP_DIR", default="") or DATA_DIR / "backups")  # empty: the default
BACKUP_KEEP_DAILY = env.int("BACKUP_KEEP_DAILY", default=7)
BACKUP_KEEP_WEEKLY = env.int("BACKUP_KEEP_WEEKLY", default=4)

# --- Internationalization -------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = False
USE_TZ = True

# --- Static files ---------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
with suppress(OSError):  # whitenoise warns when it is missing; collectstatic fills it
    STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static", NINJA_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve straight from the source folders when collectstatic has not run (make run).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- Outside services (see core/clients/) ---------------------------------------------
LASTFM_API_KEY = env.str("LASTFM_API_KEY", default="")
LASTFM_API_SECRET = env.str("LASTFM_API_SECRET", default="")
LASTFM_USERNAME = env.str("LASTFM_USERNAME", default="")
LASTFM_API_URL = env.str("LASTFM_API_URL", default="https://ws.audioscrobbler.com/2.0/")
# The Last.fm account: scrobbling the records logged as played ("I'm playing this") needs a
# session key, obtained once through Last.fm's web auth page (connect on the settings page; stored
# encrypted) or set here, which wins. LASTFM_API_SECRET signs the requests.
LASTFM_AUTH_URL = env.str("LASTFM_AUTH_URL", default="https://www.last.fm/api/auth/")
LASTFM_SESSION_KEY = env.str("LASTFM_SESSION_KEY", default="")
SPOTIFY_CLIENT_ID = env.str("SPOTIFY_CLIENT_ID", default="")
SPOTIFY_CLIENT_SECRET = env.str("SPOTIFY_CLIENT_SECRET", default="")
SPOTIFY_API_URL = env.str("SPOTIFY_API_URL", default="https://api.spotify.com/v1/")
SPOTIFY_AUTH_URL = env.str("SPOTIFY_AUTH_URL", default="https://accounts.spotify.com/api/token")
# Playlist export to the user's own Spotify account (Authorization Code flow, core/clients/spotify_user.py):
# the callback URL registered with the Spotify app (https://<host>/settings/spotify/callback/; empty: no export).
# The login page is SPOTIFY_AUTH_URL's host at /authorize. A refresh token set here wins over the account
# connected on the settings page, which is stored encrypted with a key derived from SECRET_KEY.
SPOTIFY_REDIRECT_URL = env.str("SPOTIFY_REDIRECT_URL", default="")
SPOTIFY_REFRESH_TOKEN = env.str("SPOTIFY_REFRESH_TOKEN", default="")
DISCOGS_TOKEN = env.str("DISCOGS_TOKEN", default="")
DISCOGS_USERNAME = env.str("DISCOGS_USERNAME", default="")
DISCOGS_API_URL = env.str("DISCOGS_API_URL", default="https://api.discogs.com")
WIKIDATA_SPARQL_URL = env.str("WIKIDATA_SPARQL_URL", default="https://query.wikidata.org/sparql")
APIFY_TOKEN = env.str("APIFY_TOKEN", default="")
APIFY_API_URL = env.str("APIFY_API_URL", default="https://api.apify.com/v2")
APIFY_ACTOR = env.str("APIFY_ACTOR", default="augeas~spotify-monthly-listeners")
AI_API_KEY = env.str("AI_API_KEY", default="")
AI_BASE_URL = env.str("AI_BASE_URL", default="https://api.infomaniak.com/1/ai/openai/v1")
AI_MODEL = env.str("AI_MODEL", default="mistral24b")
JOURNAL_CONTACT_URL = env.str("JOURNAL_CONTACT_URL", default="https://github.com/music-journal/music-journal")

ENRICHMENT_MAX_RETRIES = env.int("ENRICHMENT_MAX_RETRIES", default=3)
ENRICHMENT_RETRY_BACKOFF_FACTOR = env.float("ENRICHMENT_RETRY_BACKOFF_FACTOR", default=1.0)
ENRICHMENT_CIRCUIT_BREAKER_THRESHOLD = env.int("ENRICHMENT_CIRCUIT_BREAKER_THRESHOLD", default=5)
ENRICHMENT_CIRCUIT_BREAKER_TIMEOUT = env.int("ENRICHMENT_CIRCUIT_BREAKER_TIMEOUT", default=60)
ENRICHMENT_TIMEOUT_LASTFM = env.float("ENRICHMENT_TIMEOUT_LASTFM", default=10.0)
ENRICHMENT_TIMEOUT_SPOTIFY = env.float("ENRICHMENT_TIMEOUT_SPOTIFY", default=10.0)
ENRICHMENT_TIMEOUT_DISCOGS = env.float("ENRICHMENT_TIMEOUT_DISCOGS", default=15.0)
ENRICHMENT_TIMEOUT_WIKIDATA = env.float("ENRICHMENT_TIMEOUT_WIKIDATA", default=30.0)
ENRICHMENT_TIMEOUT_APIFY = env.float("ENRICHMENT_TIMEOUT_APIFY", default=310.0)
ENRICHMENT_TIMEOUT_AI = env.float("ENRICHMENT_TIMEOUT_AI", default=60.0)
# Politeness limits shared by every process ("N/s", "N/m", "N/h"; empty lifts the limit) and
# concurrent calls allowed per service; a Retry-After longer than the cap is not waited for.
ENRICHMENT_RATE_LIMIT_LASTFM = env.str("ENRICHMENT_RATE_LIMIT_LASTFM", default="5/s")
ENRICHMENT_RATE_LIMIT_DISCOGS = env.str("ENRICHMENT_RATE_LIMIT_DISCOGS", default="60/m")
ENRICHMENT_CONCURRENCY_WIKIDATA = env.int("ENRICHMENT_CONCURRENCY_WIKIDATA", default=1)
ENRICHMENT_CONCURRENCY_APIFY = env.int("ENRICHMENT_CONCURRENCY_APIFY", default=5)
ENRICHMENT_MAX_RETRY_AFTER = env.int("ENRICHMENT_MAX_RETRY_AFTER", default=120)
ENRICHMENT_CACHE_TTL_DEFAULT = env.int("ENRICHMENT_CACHE_TTL_DEFAULT", default=24 * 3600)
ENRICHMENT_CACHE_TTL_MONTHLY_LISTENERS = env.int("ENRICHMENT_CACHE_TTL_MONTHLY_LISTENERS", default=3600)
ENRICHMENT_CACHE_TTL_LABELS = env.int("ENRICHMENT_CACHE_TTL_LABELS", default=24 * 3600)
ENRICHMENT_CACHE_TTL_MANAGEMENT = env.int("ENRICHMENT_CACHE_TTL_MANAGEMENT", default=7 * 24 * 3600)

# --- Logging --------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # Every handler masks bearer tokens, access tokens and configured secrets, from any logger.
    "filters": {"redact": {"()": "core.log_redaction.RedactingLogFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # The client libraries log every request at INFO; our resilience layer logs what matters.
        "pylast": {"level": "WARNING"},
        "httpx2": {"level": "WARNING"},
        "httpcore2": {"level": "WARNING"},
        "urllib3": {"level": "WARNING"},
    },
}

# --- Security when served publicly ----------------------------------------------------
# `make run` serves plain http on 127.0.0.1, so nothing here is secure-only by default.
# Behind HTTPS, `HTTPS=1` switches everything on (redirect to https, HSTS for a year, secure
# cookies); each variable below still overrides it on its own.
HTTPS = env.bool("HTTPS", default=False)


def _unless_set(name, cast, default):
    """`cast(name)` when the variable holds a value; `default` when unset or empty (`NAME=` follows HTTPS)."""
    return cast(name) if env.str(name, default="").strip() else default


SECURE_SSL_REDIRECT = _unless_set("SECURE_SSL_REDIRECT", env.bool, HTTPS)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # a load balancer checks health over plain http
SECURE_HSTS_SECONDS = _unless_set("SECURE_HSTS_SECONDS", env.int, 365 * 24 * 3600 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _unless_set("SECURE_HSTS_INCLUDE_SUBDOMAINS", env.bool, HTTPS)
SECURE_HSTS_PRELOAD = _unless_set("SECURE_HSTS_PRELOAD", env.bool, HTTPS)
SESSION_COOKIE_SECURE = _unless_set("SESSION_COOKIE_SECURE", env.bool, HTTPS)
CSRF_COOKIE_SECURE = _unless_set("CSRF_COOKIE_SECURE", env.bool, HTTPS)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
# Trust the reverse proxy's X-Forwarded-Proto to tell https from http (turn off when clients
# reach Django directly: they could then claim https themselves).
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if _unless_set("SECURE_PROXY_SSL_HEADER", env.bool, True) else None
)
# The header our reverse proxy puts the client's address in (e.g. X-Forwarded-For, X-Real-IP);
# empty: REMOTE_ADDR. Login and API-token throttling count failures per address.
CLIENT_IP_HEADER = env.str("CLIENT_IP_HEADER", default="")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Failed attempts before a pause of the same length as the window (seconds), per username and
# per address for the login page, per address for API tokens (core/services/throttle.py).
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_FAILURE_WINDOW = env.int("LOGIN_FAILURE_WINDOW", default=15 * 60)
API_TOKEN_FAILURE_LIMIT = env.int("API_TOKEN_FAILURE_LIMIT", default=20)
API_TOKEN_FAILURE_WINDOW = env.int("API_TOKEN_FAILURE_WINDOW", default=15 * 60)

# Content-Security-Policy (django-csp): our own scripts and styles only, images from us and
# the services' image hosts. No inline script anywhere (the API docs' Swagger UI included);
# inline `style="…"` attributes are allowed (templates set sizes and CSS custom properties
# such as `--weeks: 53` with them), inline <style> elements are not.
IMAGE_HOSTS = [
    "https://i.scdn.co", "https://mosaic.scdn.co", "https://*.scdn.co",  # Spotify
    "https://lastfm.freetls.fastly.net", "https://*.lastfm.freetls.fastly.net",  # Last.fm
    "https://i.discogs.com", "https://img.discogs.com",  # Discogs
    "https://upload.wikimedia.org",  # Wikimedia
]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:", *IMAGE_HOSTS],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- Schedules: declared here, upserted by name on every `migrate` (core/schedules.py) --
JOURNAL_SCHEDULES = [
    {"name": "worker heartbeat", "func": "core.tasks.worker_heartbeat",
     "schedule_type": "I", "minutes": 1, "repeats": -1},
    {"name": "discogs weekly sync", "func": "catalog.tasks.discogs_sync_scheduled",
     "schedule_type": "W", "repeats": -1},
    {"name": "album play figures", "func": "tracker.tasks.album_play_stats_task", "schedule_type": "H", "repeats": -1},
    # Ticks every minute; the poll itself honours TrackerState's on/off and interval.
    {"name": "lastfm poll", "func": "tracker.tasks.lastfm_poll_task",
     "schedule_type": "I", "minutes": 1, "repeats": -1},
    # New artists and albums (from plays or a sync) are enriched within ten minutes of arriving.
    {"name": "enrich new arrivals", "func": "enrichment.tasks.enrich_new_task", "schedule_type": "I", "minutes": 5,
     "repeats": -1},
    {"name": "enrich weekly", "func": "enrichment.tasks.enrich_incremental_task", "schedule_type": "C",
     "cron": "0 7 * * 0", "repeats": -1},  # Sunday 07:00 in TIME_ZONE
    {"name": "enrich stale nightly", "func": "enrichment.tasks.enrich_stale_task", "schedule_type": "C",
     "cron": "0 2 * * *", "repeats": -1},  # 02:00, the most played first
    # Hourly, so a weekly playlist is drawn again within the hour it turns a week old.
    {"name": "weekly playlists", "func": "playlists.tasks.playlists_refresh_weekly_task", "schedule_type": "H",
     "repeats": -1},
    # Hourly: the days an edit left stale outside an ingest (a delete in the admin, a duration from
    # enrichment) are summarized again, so the habits page stops recomputing them on every read.
    {"name": "habit days", "func": "tracker.tasks.habit_days_refresh_task", "schedule_type": "H", "repeats": -1},
    {"name": "database statistics", "func": "core.tasks.database_optimize_task", "schedule_type": "C",
     "cron": "30 4 * * *", "repeats": -1},  # 04:30: SQLite's planner statistics (core/services/maintenance.py)
    # Backups: a consistent copy every night, rotated (core/services/backups.py).
    {"name": "database backup", "func": "core.tasks.database_backup_task", "schedule_type": "C",
     "cron": "30 3 * * *", "repeats": -1},  # 03:30 in TIME_ZONE
]
