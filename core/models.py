"""The shared kernel's models: background job progress, personal API tokens, connected outside accounts."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.normalize import clean_text


def job_stale_before():
    """A running job whose beat is older than this lost its worker (settings.JOB_STALE_AFTER_SECONDS)."""
    return timezone.now() - timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS)


class Job(models.Model):
    """Progress of one long task (sync, backfill, import); its checkpoint lets it resume."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    kind = models.CharField(max_length=50, db_index=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(null=True, blank=True)
    message = models.CharField(max_length=500, blank=True)
    checkpoint = models.JSONField(default=dict, blank=True, help_text="Where a stopped run resumes.")
    result = models.JSONField(default=dict, blank=True, help_text="What the run produced, for its report.")
    params = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True, help_text="Last report; a running job silent for long is dead.")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["kind", "-created_at"], name="job_kind_recent")]

    def __str__(self):
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return min(100, round(100 * self.done / self.total))

    @property
    def is_interrupted(self) -> bool:
        """Marked running, but its beat stopped: the process running it is gone."""
        return self.status == self.Status.RUNNING and self.updated_at is not None and (
            self.updated_at < job_stale_before())

    @property
    def can_resume(self) -> bool:
        """Interrupted, or stopped with a checkpoint to go on from."""
        stopped = self.status in (self.Status.FAILED, self.Status.CANCELLED) and bool(self.checkpoint)
        return self.is_interrupted or stopped

    @property
    def is_active(self) -> bool:
        """Waiting for a worker, or running and beating."""
        return self.status in (self.Status.PENDING, self.Status.RUNNING) and not self.is_interrupted


class ApiToken(models.Model):
    """A personal API token; only its SHA-256 is stored, the token is shown once.

    A read-only token may only read (GET, HEAD, OPTIONS); a read-write token may also write.
    """

    READ, WRITE = "read", "write"
    SCOPES = [(READ, "Read only"), (WRITE, "Read and write")]
    SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, default="default")
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8, help_text="First characters, to recognise the token.")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    scope = models.CharField(max_length=5, choices=SCOPES, default=WRITE)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def read_only(self) -> bool:
        return self.scope == self.READ

    def allows(self, method: str) -> bool:
        """Whether this token may make a request with HTTP `method`."""
        return not self.read_only or method.upper() in self.SAFE_METHODS

    @staticmethod
    def hash(raw_token: str) -> str:
        return hashlib.sha256(raw_token.encode()).hexdigest()

    @classmethod
    def issue(cls, *, user, name: str = "default", scope: str = WRITE) -> tuple["ApiToken", str]:
        """A new token named `name` (cleaned, cut to its column; "default" when nothing is left)."""
        name = clean_text(name or "", cls._meta.get_field("name").max_length) or "default"
        if scope not in (cls.READ, cls.WRITE):
            raise ValueError(f"Unknown token scope {scope!r}.")
        raw = "mj_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, token_hash=cls.hash(raw), prefix=raw[:8], scope=scope)
        return token, raw


class ServiceMetric(models.Model):
    """Running counters of one outside service, shared by the web process and every worker.

    Written by `core.resilience` with atomic `F()` updates, read by the settings page and
    `/api/v1/enrichment/metrics`, so every process shows the same figures.
    """

    service = models.CharField(max_length=30, unique=True)
    requests = models.PositiveBigIntegerField(default=0, help_text="HTTP attempts, retries included.")
    successes = models.PositiveBigIntegerField(default=0)
    failures = models.PositiveBigIntegerField(default=0)
    retries = models.PositiveBigIntegerField(default=0)
    cache_hits = models.PositiveBigIntegerField(default=0)
    cache_misses = models.PositiveBigIntegerField(default=0)
    short_circuits = models.PositiveBigIntegerField(default=0, help_text="Calls refused by an open breaker.")
    latency_ms_total = models.FloatField(default=0.0)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["service"]

    def __str__(self):
        return f"{self.service}: {self.successes} ok, {self.failures} failed"

    @property
    def success_rate(self) -> float | None:
        outcomes = self.successes + self.failures
        return self.successes / outcomes if outcomes else None

    @property
    def cache_hit_rate(self) -> float | None:
        lookups = self.cache_hits + self.cache_misses
        return self.cache_hits / lookups if lookups else None

    @property
    def average_latency_ms(self) -> float | None:
        return self.latency_ms_total / self.requests if self.requests else None


class ServiceAccount(models.Model):
    """A user account of an outside service the user connected: Spotify (playlist export, through
    OAuth) and Last.fm (scrobbling the turntable's plays, through its web auth).

    Only `core.services.service_accounts` reads or writes `token_encrypted`: a Fernet token whose
    key is derived from SECRET_KEY, so a copied database alone does not give the account away.
    """

    service = models.CharField(max_length=30, unique=True)
    account_name = models.CharField(max_length=200, blank=True, help_text="How the service names the account.")
    token_encrypted = models.TextField(
        help_text="The credential (Spotify's refresh token, Last.fm's session key), encrypted; never shown.")
    connected_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["service"]

    def __str__(self):
        return f"{self.service}: {self.account_name or 'connected'}"


class DataChange(models.Model):
    """The newest edit or delete the API's conditional reads must notice: a loved flag set on an old
    play, a name fixed in the admin, a merge, a removed copy. New rows show as new ids of their
    own tables; these do not. Database triggers keep it (core.services.data_changes); only the
    highest id counts."""

    id = models.BigAutoField(primary_key=True)

    def __str__(self):
        return f"data change {self.pk}"
