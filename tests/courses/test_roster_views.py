"""Roster import from the site and from the Wagtail admin: upload, progress, result."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courses.models import LearnerProfile, OrgUnit, RosterImport
from tests.courses.roster_files import PDF_BYTES, people_csv, roster_xlsx

UNITS = [
    ["B-F3", "第三强制隔离戒毒所", "B", "戒毒所"],
    ["B-F3-D1", "三所一大队", "B-F3", "大队"],
]
PEOPLE = [
    ["330001", "孙丽", "民警", "管理岗", "B-F3", ""],
    ["330002", "周强", "民警", "执法管理岗", "B-F3-D1", "13700000001"],
]


def upload(path, name=None):
    return SimpleUploadedFile(name or path.name, path.read_bytes())


@pytest.fixture
def good_file(tmp_path):
    return roster_xlsx(tmp_path, units=UNITS, people=PEOPLE)


@pytest.mark.parametrize(
    ("upload_url", "detail_url"),
    [
        ("courses:roster_import", "courses:roster_import_detail"),
        ("courses_admin:roster_import", "courses_admin:roster_import_detail"),
    ],
    ids=["site", "wagtail-admin"],
)
def test_bureau_admin_imports_a_roster_and_sees_the_result(
    client,
    province,
    bureau_admin,
    good_file,
    django_capture_on_commit_callbacks,
    upload_url,
    detail_url,
):
    client.force_login(bureau_admin)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse(upload_url), {"file": upload(good_file)})
    job = RosterImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(detail_url, args=[job.pk])
    assert len(callbacks) == 1, "the import is enqueued once, after the upload commits"
    job.refresh_from_db()
    assert job.status == RosterImport.Status.SUCCEEDED
    assert job.percent == 100
    assert job.summary["people_created"] == 2 and job.summary["units_created"] == 2
    assert LearnerProfile.objects.get(id_number="330002").unit.code == "B-F3-D1"

    page = client.get(response["Location"]).content.decode()
    assert "导入完成" in page
    status = client.get(reverse("courses:roster_import_status", args=[job.pk])).json()
    assert status == {
        "status": "succeeded",
        "percent": 100,
        "done": status["done"],
        "total": status["total"],
        "finished": True,
        "errors": 0,
    }


def test_uploaded_roster_is_kept_where_no_url_reaches_it(
    client, province, bureau_admin, good_file, settings
):
    client.force_login(bureau_admin)
    client.post(reverse("courses:roster_import"), {"file": upload(good_file)})
    stored = Path(RosterImport.objects.get().file.path)
    assert stored.read_bytes() == good_file.read_bytes()
    assert not stored.is_relative_to(settings.MEDIA_ROOT)
    with pytest.raises(ValueError):
        RosterImport.objects.get().file.url  # noqa: B018


def test_import_waits_for_commit_and_shows_pending_progress(
    client, province, bureau_admin, good_file, django_capture_on_commit_callbacks
):
    client.force_login(bureau_admin)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            reverse("courses:roster_import"), {"file": upload(good_file)}
        )
    job = RosterImport.objects.get()
    assert job.status == RosterImport.Status.PENDING
    page = client.get(response["Location"]).content.decode()
    assert "data-poll-url" in page and "<progress" in page
    assert not OrgUnit.objects.filter(code="B-F3").exists()
    callbacks[0]()
    job.refresh_from_db()
    assert job.status == RosterImport.Status.SUCCEEDED


def test_bad_file_lists_every_error_and_imports_nothing(
    client, province, bureau_admin, tmp_path, django_capture_on_commit_callbacks
):
    bad_people = PEOPLE + [
        ["", "无编号", "民警", "管理岗", "B-F3", ""],
        ["330009", "钱多", "民警", "厨师", "B-F3", ""],
    ]
    path = roster_xlsx(tmp_path, units=UNITS, people=bad_people)
    client.force_login(bureau_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("courses:roster_import"), {"file": upload(path)})
    job = RosterImport.objects.get()
    assert job.status == RosterImport.Status.FAILED
    assert sorted(e["row"] for e in job.errors) == [4, 5]
    page = client.get(response["Location"]).content.decode()
    assert "未导入任何数据" in page and "厨师" in page
    assert not OrgUnit.objects.filter(code="B-F3").exists()
    assert not LearnerProfile.objects.filter(id_number="330001").exists()


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("roster.xlsx", PDF_BYTES, "不是 Excel"),
        ("roster.csv", people_csv(encoding="gbk"), "GBK"),
    ],
)
def test_file_that_is_not_what_it_claims_gets_a_chinese_error(
    client,
    province,
    bureau_admin,
    django_capture_on_commit_callbacks,
    name,
    data,
    expected,
):
    client.force_login(bureau_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("courses:roster_import"), {"file": SimpleUploadedFile(name, data)}
        )
    job = RosterImport.objects.get()
    assert job.status == RosterImport.Status.FAILED
    assert expected in job.errors[0]["message"]


def test_empty_and_oversized_uploads_are_refused_at_the_form(
    client, province, bureau_admin, settings
):
    client.force_login(bureau_admin)
    response = client.post(
        reverse("courses:roster_import"), {"file": SimpleUploadedFile("a.xlsx", b"")}
    )
    assert response.status_code == 200
    html = response.content.decode()
    # The error is announced with the field: tied by aria-describedby to real ids.
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_file_helptext id_file_error"' in html
    assert 'id="id_file_error"' in html and 'id="id_file_helptext"' in html
    settings.ROSTER_MAX_UPLOAD_BYTES = 10
    response = client.post(
        reverse("courses:roster_import"),
        {"file": SimpleUploadedFile("a.xlsx", b"x" * 11)},
    )
    assert "文件太大" in response.content.decode()
    assert not RosterImport.objects.exists()


def test_facility_admin_cannot_import(client, province, facility_admin, good_file):
    client.force_login(facility_admin)
    assert client.get(reverse("courses:roster_import")).status_code == 403
    assert (
        client.post(
            reverse("courses:roster_import"), {"file": upload(good_file)}
        ).status_code
        == 403
    )
    assert not RosterImport.objects.exists()


def test_another_administrators_import_is_not_shown(
    client,
    province,
    bureau_admin,
    make_role_user,
    good_file,
    django_capture_on_commit_callbacks,
):
    client.force_login(bureau_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("courses:roster_import"), {"file": upload(good_file)})
    job = RosterImport.objects.get()
    other = make_role_user("bureau_admin", "B", username="other-bureau-admin")
    client.force_login(other)
    assert (
        client.get(reverse("courses:roster_import_detail", args=[job.pk])).status_code
        == 404
    )
    assert (
        client.get(reverse("courses:roster_import_status", args=[job.pk])).status_code
        == 404
    )


def test_template_can_be_downloaded(client, province, bureau_admin):
    client.force_login(bureau_admin)
    response = client.get(reverse("courses:roster_template"))
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body[:2] == b"PK"
    assert "attachment" in response["Content-Disposition"]


def test_admin_menu_offers_import_to_bureau_admin_only(
    client, province, bureau_admin, facility_admin
):
    client.force_login(bureau_admin)
    assert (
        reverse("courses_admin:roster_import")
        in client.get(reverse("wagtailadmin_home")).content.decode()
    )
    client.force_login(facility_admin)
    assert (
        reverse("courses_admin:roster_import")
        not in client.get(reverse("wagtailadmin_home")).content.decode()
    )
