"""History files uploaded on the settings page: stored under the data folder, imported by a
django-q2 task (synchronous in tests) with progress and per-file outcomes; a bad upload gets
a clear message and changes nothing."""

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from core.models import Job
from tracker.models import Scrobble
from tracker.services import import_upload
from tracker.services.import_upload import IMPORT_KIND

pytestmark = pytest.mark.django_db

IMPORTS = Path(__file__).resolve().parent.parent / "fixtures" / "imports"


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


def upload(path: Path, name: str | None = None, content_type: str = "text/csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name or path.name, path.read_bytes(), content_type=content_type)


def post(owner_client, captured, files, format="auto", htmx=True):
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    with captured(execute=True):
        return owner_client.post(reverse("import_upload"), {"files": files, "format": format}, **extra)


def test_it_imports_an_uploaded_lastfm_csv_and_shows_the_outcome(owner_client, django_capture_on_commit_callbacks,
                                                                 data_dir):
    response = post(owner_client, django_capture_on_commit_callbacks, [upload(IMPORTS / "lastfm" / "rj_demo.csv")])
    assert response.status_code == 200
    assert Scrobble.objects.count() == 10
    job = Job.objects.get(kind=IMPORT_KIND)
    assert job.status == Job.Status.SUCCEEDED and job.message.startswith("10 plays added")
    # The answer is the job's block, which polls until it is done; then it shows each file.
    html = response.content.decode()
    assert f'id="import-{job.pk}"' in html
    html = owner_client.get(reverse("import_status", args=[job.pk])).content.decode()
    assert "rj_demo.csv" in html and "lastfm-tool-csv" in html and ">10</td>" in html
    assert "playing during the export (no date) (1)" in html
    assert "every 1s" not in html  # finished: no more polling
    assert not (data_dir / "uploads" / f"import-{job.pk}").exists()  # the stored copy is cleaned up


def test_it_imports_several_files_and_a_zip_of_an_export(owner_client, django_capture_on_commit_callbacks):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted((IMPORTS / "listenbrainz" / "listenbrainz_rj_demo_1734220800").rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(IMPORTS / "listenbrainz").as_posix())
    files = [
        SimpleUploadedFile("listenbrainz_export.zip", buffer.getvalue(), content_type="application/zip"),
        upload(IMPORTS / "spotify_extended" / "Streaming_History_Audio_2023-2024_0.json",
               content_type="application/json"),
    ]
    post(owner_client, django_capture_on_commit_callbacks, files)
    job = Job.objects.get(kind=IMPORT_KIND)
    assert job.status == Job.Status.SUCCEEDED
    assert set(Scrobble.objects.values_list("source", flat=True)) == {"listenbrainz", "spotify"}
    results = import_upload.import_file_results(job=job)
    names = [r.name for r in results]
    assert "Streaming_History_Audio_2023-2024_0.json" in names
    assert any(n.startswith("listenbrainz_export.zip/") and n.endswith("listens/2024/11.jsonl") for n in names)
    assert any(r.passed_over == "ListenBrainz account data" for r in results)
    assert job.done == sum(r.added + r.already_present + r.rejected for r in results)


def test_it_counts_a_second_upload_as_already_present(owner_client, django_capture_on_commit_callbacks):
    for _ in range(2):
        post(owner_client, django_capture_on_commit_callbacks, [upload(IMPORTS / "lastfm" / "rj_demo.csv")])
    latest = Job.objects.filter(kind=IMPORT_KIND).latest("created_at")
    assert Scrobble.objects.count() == 10
    assert import_upload.import_file_results(job=latest)[0].already_present == 10


def test_it_names_the_file_and_line_of_a_malformed_file_and_changes_nothing(owner_client,
                                                                            django_capture_on_commit_callbacks):
    response = post(owner_client, django_capture_on_commit_callbacks,
                    [upload(IMPORTS / "malformed" / "rj_demo_bad_date.csv")])
    assert response.status_code == 200
    assert Scrobble.objects.count() == 0
    job = Job.objects.get(kind=IMPORT_KIND)
    assert job.status == Job.Status.FAILED
    [result] = import_upload.import_file_results(job=job)
    assert result.error.startswith("rj_demo_bad_date.csv") and "line 3" in result.error
    assert str(import_upload.uploads_folder()) not in result.error  # no server paths on the page
    html = owner_client.get(reverse("settings")).content.decode()
    assert "rj_demo_bad_date.csv" in html and "line 3" in html and "nothing imported from this file" in html


def test_it_refuses_a_file_that_is_no_history_and_stores_nothing(owner_client, django_capture_on_commit_callbacks,
                                                                  data_dir):
    files = [SimpleUploadedFile("shopping.json", b'{"eggs": 12}', content_type="application/json")]
    response = post(owner_client, django_capture_on_commit_callbacks, files)
    html = response.content.decode()
    assert "Nothing was imported" in html and "shopping.json" in html and "not a listening-history file" in html
    assert not Job.objects.exists() and not Scrobble.objects.exists()
    assert not (data_dir / "uploads").exists()


def test_it_refuses_a_zip_without_history_and_an_unknown_format(owner_client, django_capture_on_commit_callbacks):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes/readme.md", "hello")
        archive.writestr("data.json", '{"a": 1}')
    response = post(owner_client, django_capture_on_commit_callbacks,
                    [SimpleUploadedFile("export.zip", buffer.getvalue())])
    assert "export.zip: no listening-history file inside this zip" in response.content.decode()
    response = post(owner_client, django_capture_on_commit_callbacks, [upload(IMPORTS / "lastfm" / "rj_demo.csv")],
                    format="napster")
    assert "Unknown format" in response.content.decode()
    assert not Job.objects.exists() and not Scrobble.objects.exists()


def test_it_refuses_a_file_of_another_format_than_the_one_chosen(owner_client, django_capture_on_commit_callbacks):
    response = post(owner_client, django_capture_on_commit_callbacks, [upload(IMPORTS / "lastfm" / "rj_demo.csv")],
                    format="spotify")
    assert "not spotify" in response.content.decode()
    assert not Scrobble.objects.exists()


@override_settings(IMPORT_MAX_UPLOAD_MB=0)
def test_it_refuses_an_upload_over_the_size_limit(owner_client, django_capture_on_commit_callbacks):
    response = post(owner_client, django_capture_on_commit_callbacks, [upload(IMPORTS / "lastfm" / "rj_demo.csv")],
                    htmx=False)
    assert response.status_code == 302 and response["Location"].endswith("#imports")
    assert "larger than 0 MB" in owner_client.get(reverse("settings")).content.decode()
    assert not Job.objects.exists() and not Scrobble.objects.exists()


def test_it_keeps_upload_names_inside_the_data_folder(data_dir):
    assert import_upload._safe_name("../../etc/passwd") == "passwd"
    assert import_upload._safe_name("..\\..\\x.csv") == "x.csv"
    assert import_upload._safe_name("") == "upload"
    assert import_upload._unique_names(["a.csv", "a.csv"]) == ["a.csv", "a-2.csv"]


def test_it_shows_the_upload_form_with_the_formats(owner_client):
    html = owner_client.get(reverse("settings")).content.decode()
    section = html.split('id="imports"')[1].split("</section>")[0]
    assert 'enctype="multipart/form-data"' in section and 'name="files" multiple' in section
    for value in ("auto", "spotify", "lastfm-csv", "listenbrainz"):
        assert f'<option value="{value}">' in section


def test_it_refuses_anonymous_uploads(client):
    response = client.post(reverse("import_upload"), {"files": [upload(IMPORTS / "lastfm" / "rj_demo.csv")]})
    assert response.status_code == 302 and not Job.objects.exists()
