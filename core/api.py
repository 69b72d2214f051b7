from datetime import datetime

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from core.models import Job

router = Router(tags=["account"])


class ValidationIssue(Schema):
    """One reason a request's body or parameters were refused: ninja's 422 lists them in `detail`."""

    loc: list[str | int]
    msg: str
    type: str


class ErrorOut(Schema):
    """The one error body of the API, whatever the status."""

    detail: str | list[ValidationIssue] = Field(
        ..., description="one line saying what went wrong; a list of issues when a body or parameters fail "
                         "validation (422)",
        examples=["No artist with id 42"],
    )


class MeOut(Schema):
    username: str
    is_staff: bool


@router.get("/me", response=MeOut, summary="Who the request is authenticated as")
def me(request):
    user = request.auth if isinstance(request.auth, get_user_model()) else request.user
    return user


class JobOut(Schema):
    id: int = Field(..., examples=[318])
    kind: str = Field(..., examples=["discogs_sync"])
    status: str = Field(..., description=", ".join(Job.Status.values), examples=["running"])
    done: int = Field(..., examples=[1200])
    total: int | None = Field(..., examples=[2000])
    percent: int | None = Field(..., examples=[60])
    message: str = Field(..., examples=["Page 13 of 21"])
    error: str
    result: dict
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


@router.get("/jobs/{job_id}", response={200: JobOut, 404: ErrorOut}, tags=["jobs"],
            summary="Progress of a long task (sync, backfill, import)")
def job_detail(request, job_id: int):
    return get_object_or_404(Job, pk=job_id)
