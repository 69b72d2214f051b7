"""django-q2 task of history-file uploads: a thin caller of the import service."""


def import_upload_task(job_id: int) -> str:
    from tracker.services.import_upload import import_upload_run

    return import_upload_run(job_id=job_id)
