"""The admin import page: upload, check, confirm, errors, export, permissions."""

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from quizzes.models import Question, QuestionImport
from tests.factories import UserFactory
from tests.quizzes.io_files import media  # noqa: F401 - fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

GOOD = (
    "$CATEGORY: 禁毒法\n// 编号: JD-1\n禁毒法施行年份？{=2008 ~2006}\n\n"
    "社区戒毒三年。{T}\n"
)


@pytest.fixture
def author(db):
    user = UserFactory(username="author")
    user.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="add_question"),
        Permission.objects.get(codename="view_question"),
    )
    return user


def _upload(client, name: str, data: bytes, **extra):
    return client.post(
        reverse("quizzes_import:upload"),
        {"file": SimpleUploadedFile(name, data), **extra},
    )


def test_upload_is_checked_then_imported_only_after_confirming(
    client, author, django_capture_on_commit_callbacks
):
    client.force_login(author)
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, "bank.gift", GOOD.encode())
    job = QuestionImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("quizzes_import:detail", args=[job.pk])
    job.refresh_from_db()
    assert job.status == QuestionImport.Status.CHECKED
    assert Question.objects.count() == 0

    page = client.get(reverse("quizzes_import:detail", args=[job.pk]))
    assert "将新建 2 道" in page.content.decode()
    assert "确认导入" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("quizzes_import:confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == QuestionImport.Status.SUCCEEDED
    assert Question.objects.count() == 2

    # Confirming again does not import again.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("quizzes_import:confirm", args=[job.pk]))
    assert Question.objects.count() == 2
    status = client.get(reverse("quizzes_import:status", args=[job.pk])).json()
    assert status["finished"] is True and status["percent"] == 100


def test_a_bad_file_shows_every_error_and_cannot_be_confirmed(
    client, author, django_capture_on_commit_callbacks
):
    client.force_login(author)
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, "bad.gift", (GOOD + "\n坏题一\n\n坏题二{~甲 ~乙}\n").encode())
    job = QuestionImport.objects.get()
    assert job.status == QuestionImport.Status.FAILED
    page = client.get(reverse("quizzes_import:detail", args=[job.pk])).content.decode()
    assert "文件中有 2 处错误，未导入任何题目" in page
    assert "第 7 行" in page and "第 9 行" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("quizzes_import:confirm", args=[job.pk]))
    assert Question.objects.count() == 0


def test_the_upload_is_stored_privately(client, author, settings):
    client.force_login(author)
    _upload(client, "bank.gift", GOOD.encode())
    job = QuestionImport.objects.get()
    with pytest.raises(ValueError):
        job.file.url  # noqa: B018 - private storage has no URL


def test_a_file_over_the_limit_is_refused_at_upload(client, author, settings):
    settings.QUIZ_IMPORT_MAX_BYTES = 10
    client.force_login(author)
    response = _upload(client, "bank.gift", GOOD.encode())
    assert response.status_code == 200
    assert "文件太大" in response.content.decode()
    assert not QuestionImport.objects.exists()


def test_export_downloads_a_file_that_imports_back(
    client, author, django_capture_on_commit_callbacks
):
    client.force_login(author)
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, "bank.gift", GOOD.encode())
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("quizzes_import:confirm", args=[QuestionImport.objects.get().pk])
        )
    response = client.get(reverse("quizzes_import:export"), {"format": "xml"})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert b"<idnumber>JD-1</idnumber>" in response.content
    template = client.get(reverse("quizzes_import:template"))
    assert template.status_code == 200


def test_users_without_the_add_question_permission_are_refused(client):
    viewer = UserFactory(username="viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(viewer)
    # Wagtail turns a refusal into a redirect to the dashboard with a message.
    response = client.get(reverse("quizzes_import:upload"))
    assert response.status_code == 302 and response["Location"] == "/admin/"
    response = client.get(reverse("quizzes_import:export"), {"format": "gift"})
    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_the_menu_offers_the_import_page_to_authors(client, author):
    client.force_login(author)
    page = client.get(reverse("wagtailadmin_home")).content.decode()
    # The sidebar is rendered from JSON, with the label escaped.
    assert reverse("quizzes_import:upload") in page
    assert "\\u5bfc\\u5165\\u5bfc\\u51fa\\u9898\\u76ee" in page  # 导入导出题目
