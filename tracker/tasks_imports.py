"""django-q2 task of history-file uploads: a thin caller of the import service."""


from tracker.services.import_upload import import_upload_run


def import_upload_task(job_id: int) -> str:
    return import_upload_run(job_id=job_id)
