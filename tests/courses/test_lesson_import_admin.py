"""Importing a resource bank from the Wagtail admin: upload, check, confirm, result.

The sheet is checked first (a dry run whose counts are what the import will do);
the administrator confirms; the lessons are then imported in the background.
"""

from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courses.authoring import REVIEWERS_GROUP, authoring_setup
from courses.models import LessonImport, LessonPage
from courses.models.roles import Role
from courses.services.lessons import apply as lessons_apply_module
from tests.courses.test_lesson_import import GOOD_ROWS, csv_bytes, rows_copy, xlsx_write
from tests.factories import LearnerFactory, UserFactory

UPLOAD = "courses_admin:lesson_import"
DETAIL = "courses_admin:lesson_import_detail"
CONFIRM = "courses_admin:lesson_import_confirm"
STATUS = "courses_admin:lesson_import_status"
CODES = ["ZY-0001", "ZY-0002", "ZY-0003"]


@pytest.fixture
def bank(db, province, django_capture_on_commit_callbacks):
    from cms.demo import demo_home_page_load
    from courses.demo import demo_content_load

    with django_capture_on_commit_callbacks(execute=True):
        content = demo_content_load(home=demo_home_page_load(), textbook_dir=None)
    authoring_setup(catalogue=content["catalogue"], bank=content["bank"])
    return content["bank"]


@pytest.fixture
def admin_client(client, bank, bureau_admin):
    client.force_login(bureau_admin)
    return client


def sheet(tmp_path, rows=GOOD_ROWS, name="lessons.xlsx") -> SimpleUploadedFile:
    path = xlsx_write(Path(tmp_path) / name, rows_copy(rows))
    return SimpleUploadedFile(name, path.read_bytes())


def upload(client, file, capture):
    with capture(execute=True):
        response = client.post(reverse(UPLOAD), {"file": file})
    return response


def confirm(client, job, capture):
    with capture(execute=True):
        return client.post(reverse(CONFIRM, args=[job.pk]))


def imported_codes() -> list[str]:
    return sorted(
        LessonPage.objects.filter(code__in=CODES).values_list("code", flat=True)
    )


def test_upload_is_checked_then_imported_on_confirm(
    admin_client, tmp_path, django_capture_on_commit_callbacks
):
    response = upload(admin_client, sheet(tmp_path), django_capture_on_commit_callbacks)
    job = LessonImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(DETAIL, args=[job.pk])

    # The check says what will happen, and nothing has happened yet.
    page = admin_client.get(response["Location"]).content.decode()
    assert "检查通过" in page and "确认导入" in page
    job.refresh_from_db()
    assert job.status == LessonImport.Status.CHECKED
    assert (job.check_summary["created"], job.check_summary["updated"]) == (3, 0)
    assert job.check_summary["programmes_created"] == ["正念防复发"]
    assert imported_codes() == []

    response = confirm(admin_client, job, django_capture_on_commit_callbacks)
    assert response["Location"] == reverse(DETAIL, args=[job.pk])
    job.refresh_from_db()
    assert job.status == LessonImport.Status.SUCCEEDED
    assert job.summary["created"] == 3 and job.summary["unchanged"] == 0
    assert job.percent == 100
    assert imported_codes() == CODES
    assert LessonPage.objects.get(code="ZY-0002").live

    page = admin_client.get(reverse(DETAIL, args=[job.pk])).content.decode()
    assert "导入完成" in page and "新建课程" in page
    status = admin_client.get(reverse(STATUS, args=[job.pk])).json()
    assert status["finished"] is True and status["status"] == "succeeded"
    assert (status["done"], status["total"]) == (3, 3)


def test_importing_the_same_file_again_changes_nothing(
    admin_client, tmp_path, django_capture_on_commit_callbacks
):
    for _ in range(2):
        upload(admin_client, sheet(tmp_path), django_capture_on_commit_callbacks)
        confirm(
            admin_client,
            LessonImport.objects.first(),
            django_capture_on_commit_callbacks,
        )
    second = LessonImport.objects.first()
    assert second.check_summary["unchanged"] == 3
    assert second.summary["created"] == 0 and second.summary["unchanged"] == 3


def test_uploaded_sheet_is_kept_where_no_url_reaches_it(
    admin_client, tmp_path, settings, django_capture_on_commit_callbacks
):
    file = sheet(tmp_path)
    upload(admin_client, file, django_capture_on_commit_callbacks)
    stored = Path(LessonImport.objects.get().file.path)
    assert not stored.is_relative_to(settings.MEDIA_ROOT)
    with pytest.raises(ValueError):
        LessonImport.objects.get().file.url  # noqa: B018


def test_bad_file_lists_every_bad_row_and_imports_nothing(
    admin_client, tmp_path, django_capture_on_commit_callbacks
):
    rows = rows_copy()
    rows[0][4] = "三"  # 课时 is not a number
    rows[2][0] = "ZY-0001"  # the same code twice
    response = upload(
        admin_client, sheet(tmp_path, rows), django_capture_on_commit_callbacks
    )
    job = LessonImport.objects.get()
    assert job.status == LessonImport.Status.FAILED
    assert {(e["row"], e["column"]) for e in job.errors} >= {(2, "课时"), (4, "编码")}
    page = admin_client.get(response["Location"]).content.decode()
    assert "未导入任何数据" in page
    assert "确认导入" not in page
    for error in job.errors:
        assert error["message"] in page
    assert imported_codes() == []
    # A failed check cannot be confirmed into an import.
    response = admin_client.post(reverse(CONFIRM, args=[job.pk]), follow=True)
    assert "没有通过检查，不能导入" in response.content.decode()
    job.refresh_from_db()
    assert job.status == LessonImport.Status.FAILED
    assert imported_codes() == []


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("lessons.xlsx", csv_bytes(GOOD_ROWS), "与扩展名不符"),
        ("lessons.csv", csv_bytes(GOOD_ROWS, encoding="gbk"), "GBK"),
    ],
    ids=["csv-named-xlsx", "gbk-csv"],
)
def test_file_that_is_not_what_it_claims_gets_a_chinese_error(
    admin_client, django_capture_on_commit_callbacks, name, data, expected
):
    response = upload(
        admin_client, SimpleUploadedFile(name, data), django_capture_on_commit_callbacks
    )
    job = LessonImport.objects.get()
    assert job.status == LessonImport.Status.FAILED
    assert expected in job.errors[0]["message"]
    assert expected in admin_client.get(response["Location"]).content.decode()
    assert imported_codes() == []


def test_old_excel_and_empty_files_are_refused_at_the_form(admin_client):
    response = admin_client.post(
        reverse(UPLOAD),
        {
            "file": SimpleUploadedFile(
                "lessons.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
            )
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "只能导入 Excel 工作簿（.xlsx）" in html and "lessons.xls" in html
    response = admin_client.post(
        reverse(UPLOAD), {"file": SimpleUploadedFile("lessons.xlsx", b"")}
    )
    assert "空文件" in response.content.decode()
    assert not LessonImport.objects.exists()


def test_progress_is_reported_while_the_import_runs(
    admin_client, tmp_path, django_capture_on_commit_callbacks, monkeypatch
):
    upload(admin_client, sheet(tmp_path), django_capture_on_commit_callbacks)
    job = LessonImport.objects.get()
    monkeypatch.setattr("courses.services.lessons.job.PROGRESS_SAVE_EVERY", 1)
    seen = []
    write = lessons_apply_module._lesson_write

    def write_and_look(**kwargs):
        seen.append(admin_client.get(reverse(STATUS, args=[job.pk])).json())
        return write(**kwargs)

    monkeypatch.setattr(lessons_apply_module, "_lesson_write", write_and_look)
    confirm(admin_client, job, django_capture_on_commit_callbacks)
    assert [(s["status"], s["done"], s["total"]) for s in seen] == [
        ("running", 0, 3),
        ("running", 1, 3),
        ("running", 2, 3),
    ]
    assert [s["finished"] for s in seen] == [False] * 3
    assert seen[2]["percent"] == 67


def test_failure_midway_leaves_a_clear_error_and_nothing_imported(
    admin_client, tmp_path, django_capture_on_commit_callbacks, monkeypatch
):
    upload(admin_client, sheet(tmp_path), django_capture_on_commit_callbacks)
    job = LessonImport.objects.get()
    write = lessons_apply_module._lesson_write
    calls = []

    def write_then_fail(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return write(**kwargs)

    monkeypatch.setattr(lessons_apply_module, "_lesson_write", write_then_fail)
    confirm(admin_client, job, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == LessonImport.Status.FAILED
    [error] = job.errors
    assert "导入第 2 课（共 3 课）时发生系统错误" in error["message"]
    assert "未写入任何数据" in error["message"]
    assert imported_codes() == []
    page = admin_client.get(reverse(DETAIL, args=[job.pk])).content.decode()
    assert "导入第 2 课（共 3 课）时发生系统错误" in page
    # The slot is free again: the next upload is accepted.
    upload(admin_client, sheet(tmp_path), django_capture_on_commit_callbacks)
    assert LessonImport.objects.count() == 2


def test_double_confirm_imports_once(
    admin_client, tmp_path, django_capture_on_commit_callbacks
):
    upload(admin_client, sheet(tmp_path), django_capture_on_commit_callbacks)
    job = LessonImport.objects.get()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = admin_client.post(reverse(CONFIRM, args=[job.pk]), follow=True)
        second = admin_client.post(reverse(CONFIRM, args=[job.pk]), follow=True)
    assert len(callbacks) == 1, "the import is enqueued once"
    assert "已确认，正在导入" in first.content.decode()
    assert "已经确认过，不会重复导入" in second.content.decode()
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert job.status == LessonImport.Status.SUCCEEDED
    assert job.summary["created"] == 3
    assert imported_codes() == CODES
    # A retried task (the broker delivering the message again) does nothing.
    from courses.tasks import lesson_import_run

    lesson_import_run.delay(job.pk)
    job.refresh_from_db()
    assert job.summary["created"] == 3 and job.status == LessonImport.Status.SUCCEEDED


def test_a_second_upload_waits_until_the_running_import_is_done(
    client,
    bank,
    bureau_admin,
    make_role_user,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    client.force_login(bureau_admin)
    upload(client, sheet(tmp_path), django_capture_on_commit_callbacks)
    job = LessonImport.objects.get()
    with django_capture_on_commit_callbacks(execute=False) as pending:
        client.post(reverse(CONFIRM, args=[job.pk]))
    job.refresh_from_db()
    assert job.status == LessonImport.Status.QUEUED

    other = make_role_user(Role.BUREAU_ADMIN, "B", username="other-bureau-admin")
    client.force_login(other)
    response = upload(client, sheet(tmp_path), django_capture_on_commit_callbacks)
    assert response.status_code == 200
    html = response.content.decode()
    assert "同一时间只能导入一份" in html and "lessons.xlsx" in html
    assert LessonImport.objects.count() == 1

    for callback in pending:
        callback()
    response = upload(client, sheet(tmp_path), django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert LessonImport.objects.get(uploaded_by=other).check_summary["unchanged"] == 3


def test_reviewers_may_import_and_see_the_menu(
    client, bank, tmp_path, django_capture_on_commit_callbacks
):
    reviewer = UserFactory(username="reviewer-x")
    reviewer.groups.add(Group.objects.get(name=REVIEWERS_GROUP))
    client.force_login(reviewer)
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse(UPLOAD) in home
    upload(client, sheet(tmp_path), django_capture_on_commit_callbacks)
    assert LessonImport.objects.get().status == LessonImport.Status.CHECKED


def test_trainer_and_learner_get_no_access(
    client, bank, province, make_role_user, tmp_path
):
    trainer = make_role_user(Role.TRAINER, "F1")
    client.force_login(trainer)
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse(UPLOAD) not in home
    # Wagtail turns the refusal into a redirect to the dashboard with a message.
    response = client.get(reverse(UPLOAD), follow=True)
    assert response.redirect_chain and "上传并检查" not in response.content.decode()
    response = client.post(reverse(UPLOAD), {"file": sheet(tmp_path)})
    assert response.status_code in (302, 403)

    officer = LearnerFactory(unit=province["F1-B1"]).user
    client.force_login(officer)
    response = client.get(reverse(UPLOAD), follow=True)
    assert response.redirect_chain and "上传并检查" not in response.content.decode()
    response = client.post(reverse(UPLOAD), {"file": sheet(tmp_path)})
    assert response.status_code in (302, 403)
    assert not LessonImport.objects.exists()
    assert imported_codes() == []


def test_a_job_is_seen_and_confirmed_by_its_uploader_only(
    client,
    bank,
    bureau_admin,
    make_role_user,
    province,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    client.force_login(bureau_admin)
    upload(client, sheet(tmp_path), django_capture_on_commit_callbacks)
    job = LessonImport.objects.get()

    other = make_role_user(Role.BUREAU_ADMIN, "B", username="other-bureau-admin")
    client.force_login(other)
    for name in (DETAIL, STATUS):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
    assert client.post(reverse(CONFIRM, args=[job.pk])).status_code == 404

    client.force_login(LearnerFactory(unit=province["F1-B1"]).user)
    assert client.get(reverse(STATUS, args=[job.pk])).status_code in (302, 403)
    job.refresh_from_db()
    assert job.status == LessonImport.Status.CHECKED
    assert imported_codes() == []
