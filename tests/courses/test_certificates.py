"""Certificates: issued on completion (once), printed as a PDF in Celery, checked
on a public page, revoked and re-issued by administrators in scope."""

import logging
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from courses.cache import content_version_bump
from courses.models import (
    Certificate,
    CertificateStatus,
    CoursePage,
    CreditReason,
    FactKind,
    LessonPage,
    PdfStatus,
)
from courses.models.certificates import CODE_ALPHABET
from courses.models.pages import CourseCompletionRule
from courses.selectors.certificates import learner_certificates
from courses.services.records import certificate_pdf
from courses.services.records.aggregate import records_refresh_stale
from courses.services.records.certificates import (
    certificate_issue,
    certificate_revoke,
    certificates_issue_due,
)
from courses.services.records.facts import LearnerRef, fact_credit_record
from courses.services.records.lessons import (
    lesson_complete_record,
    lesson_heartbeat_record,
    lesson_ref_for_reader,
)
from tests.courses.test_course_pages import book_dir, load, site  # noqa: F401

NOW = timezone.now().replace(microsecond=0) - timedelta(days=1)


@pytest.fixture
def course(site, book_dir):  # noqa: F811
    load(site, book_dir)
    return CoursePage.objects.get(slug="book")


@pytest.fixture
def learner(people):
    learner = people["F1-B1"]
    learner.real_name = "张晓明"
    learner.id_number = "JH20240017"
    learner.save()
    return learner


def ref(learner):
    learner.refresh_from_db()
    return LearnerRef.of(learner)


def lesson_finish(learner, lesson, minutes):
    reader = lesson_ref_for_reader(lesson_id=lesson.pk)
    for m in range(minutes):
        lesson_heartbeat_record(
            learner=ref(learner), lesson=reader, now=NOW + timedelta(minutes=m)
        )
    status = lesson_complete_record(learner=ref(learner), lesson=reader)
    assert status.completed_at is not None


def course_finish(learner, course):
    first, second = LessonPage.objects.descendant_of(course).order_by("path")
    lesson_finish(learner, first, 23)  # 45 minutes, rule: half of it
    lesson_finish(learner, second, 15)  # 30 minutes
    records_refresh_stale()


def exam_pass(learner, code, percent, token):
    fact_credit_record(
        learner=ref(learner),
        kind=FactKind.QUIZ_PASSED,
        key=f"quiz:{token}",
        credit_key=f"exam:{code}",
        credit_reason=CreditReason.EXAM,
        hours=Decimal("2"),
        title="结业考试",
        quiz_code=code,
        value=Decimal(percent),
    )


@pytest.fixture
def issued(learner, course, django_capture_on_commit_callbacks):
    course_finish(learner, course)
    with django_capture_on_commit_callbacks(execute=True):
        certificate = certificate_issue(learner=learner, course=course)
    certificate.refresh_from_db()
    return certificate


def verify_url(code):
    return reverse("courses:certificate_verify", args=[code])


def test_no_certificate_before_the_course_is_complete(learner, course):
    first = LessonPage.objects.descendant_of(course).order_by("path").first()
    lesson_finish(learner, first, 23)  # one of two lessons
    records_refresh_stale()
    with pytest.raises(ValidationError, match="尚未结业"):
        certificate_issue(learner=learner, course=course)
    assert certificates_issue_due() == 0
    assert not Certificate.objects.exists()


def test_completion_issues_one_certificate_with_the_record_and_a_pdf(
    learner, course, issued, django_capture_on_commit_callbacks
):
    assert issued.learner_name == "张晓明" and issued.id_number == "JH20240017"
    assert issued.course_title == "教材" and issued.hours == Decimal("1.5")
    assert issued.score is None  # the course has no final exam
    assert issued.issuer_name == "某省戒毒管理局"
    assert len(issued.code) == 12 and set(issued.code) <= set(CODE_ALPHABET)
    assert re.fullmatch(r"\w{4}-\w{4}-\w{4}", issued.display_code)

    # Again, by hand and by the batch: still one.
    with django_capture_on_commit_callbacks(execute=True):
        assert certificate_issue(learner=learner, course=course).pk == issued.pk
        assert certificates_issue_due() == 0
    assert Certificate.objects.count() == 1

    # The PDF was drawn by the Celery task after the commit.
    assert issued.pdf_status == PdfStatus.READY
    with issued.pdf.open("rb") as f:
        data = f.read()
    assert data.startswith(b"%PDF") and len(data) > 1024
    assert b"STSong-Light" in data  # Chinese text in the built-in CID font


def test_the_database_refuses_a_second_live_certificate(issued):
    duplicate = {
        f.name: getattr(issued, f.name)
        for f in Certificate._meta.concrete_fields
        if f.name not in ("id", "code", "pdf")
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.create(**duplicate, code="ZZZZ2222ZZZZ")


def test_the_batch_issues_for_completed_courses(
    learner, course, people, django_capture_on_commit_callbacks
):
    course_finish(learner, course)
    with django_capture_on_commit_callbacks(execute=True):
        assert certificates_issue_due() == 1
    certificate = Certificate.objects.get()
    assert certificate.learner == learner and certificate.pdf_status == "ready"
    assert certificates_issue_due() == 0


def test_score_is_the_best_passed_final_exam(
    learner, course, django_capture_on_commit_callbacks
):
    CoursePage.objects.filter(pk=course.pk).update(
        completion_rule=CourseCompletionRule.LESSONS_AND_EXAM,
        final_quiz_code="final-1",
    )
    content_version_bump()
    course.refresh_from_db()
    course_finish(learner, course)
    with pytest.raises(ValidationError):  # lessons done, exam not yet passed
        certificate_issue(learner=learner, course=course)
    exam_pass(learner, "final-1", "86.5", "a1")
    exam_pass(learner, "final-1", "92", "a2")
    exam_pass(learner, "other-quiz", "99", "a3")
    records_refresh_stale()
    with django_capture_on_commit_callbacks(execute=True):
        certificate = certificate_issue(learner=learner, course=course)
    assert certificate.score == Decimal("92")
    assert certificate.hours == Decimal("1.5")  # lesson hours, not the exam's


def test_verification_page_shows_what_the_certificate_says(client, issued):
    response = client.get(verify_url(issued.code))
    html = response.content.decode()
    assert response.status_code == 200
    assert "张*明" in html and "张晓明" not in html
    assert "******0017" in html and "JH20240017" not in html
    assert "教材" in html and "1.5" in html and "某省戒毒管理局" in html
    assert issued.display_code in html and "有效" in html
    assert "已撤销" not in html


def test_codes_are_case_and_separator_insensitive(client, issued):
    typed = " " + issued.display_code.lower().replace("-", " - ") + " "
    response = client.get(reverse("courses:certificate_verify_form"), {"code": typed})
    assert response.status_code == 302
    assert response["Location"] == verify_url(issued.code)
    response = client.get(verify_url(issued.display_code.lower()), follow=True)
    assert response.status_code == 200 and "张*明" in response.content.decode()


def test_unknown_code_is_a_404_that_says_so(client, issued):
    response = client.get(verify_url("ZZZZ-ZZZZ-ZZZZ"))
    assert response.status_code == 404
    assert "未找到该证书" in response.content.decode()
    assert "张*明" not in response.content.decode()


def test_revoke_needs_a_reason_and_the_page_then_says_revoked(
    client, issued, facility_admin
):
    with pytest.raises(ValidationError):
        certificate_revoke(certificate=issued, by=facility_admin, reason="  ")
    client.force_login(facility_admin)
    url = reverse("courses:certificate_detail", args=[issued.pk])
    response = client.post(url, {"action": "revoke", "revoke-reason": ""})
    assert response.status_code == 400 and "请填写原因" in response.content.decode()
    issued.refresh_from_db()
    assert issued.status == CertificateStatus.ISSUED

    response = client.post(
        url, {"action": "revoke", "revoke-reason": "学时记录有误，待核实"}
    )
    assert response.status_code == 302
    issued.refresh_from_db()
    assert issued.status == CertificateStatus.REVOKED
    assert issued.revoked_by == facility_admin

    client.logout()
    html = client.get(verify_url(issued.code)).content.decode()
    assert "已撤销" in html and "学时记录有误，待核实" in html
    assert timezone.localdate(issued.revoked_at).isoformat() in html
    # Revoked without a replacement: the batch does not issue it again.
    assert certificates_issue_due() == 0


def test_another_facility_cannot_revoke(client, issued, make_role_user):
    other = make_role_user("facility_admin", "F2")
    with pytest.raises(ValidationError):
        certificate_revoke(certificate=issued, by=other, reason="越权")
    client.force_login(other)
    url = reverse("courses:certificate_detail", args=[issued.pk])
    assert client.get(url).status_code == 404
    response = client.post(url, {"action": "revoke", "revoke-reason": "越权"})
    assert response.status_code == 404
    issued.refresh_from_db()
    assert issued.status == CertificateStatus.ISSUED


def test_reissue_gives_a_new_code_and_the_old_one_points_to_it(
    client, issued, facility_admin, learner, django_capture_on_commit_callbacks
):
    learner.real_name = "张小明"  # the name was misspelt
    learner.save()
    client.force_login(facility_admin)
    url = reverse("courses:certificate_detail", args=[issued.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "reissue", "reissue-reason": "姓名更正"})
    new = Certificate.objects.get(status=CertificateStatus.ISSUED)
    assert response.status_code == 302
    assert response["Location"] == reverse("courses:certificate_detail", args=[new.pk])
    issued.refresh_from_db()
    assert new.code != issued.code and new.learner_name == "张小明"
    assert issued.status == CertificateStatus.REVOKED
    assert issued.replaced_by == new and "姓名更正" in issued.revoke_reason
    assert new.pdf_status == PdfStatus.READY and new.issued_by == facility_admin

    assert list(learner_certificates(learner=learner)) == [new]
    assert list(learner_certificates(learner=learner, include_revoked=True)) == [
        new,
        issued,
    ]

    client.logout()
    html = client.get(verify_url(issued.code)).content.decode()
    assert "已撤销" in html and verify_url(new.code) in html
    html = client.get(verify_url(new.code)).content.decode()
    assert "有效" in html and "张*明" in html


def test_administrators_find_certificates_of_their_own_facility_only(
    client, issued, facility_admin, make_role_user
):
    url = reverse("courses:certificates")
    client.force_login(facility_admin)
    typed = issued.display_code.lower()
    html = client.get(url, {"q": typed}).content.decode()
    assert "张晓明" in html and issued.display_code in html
    assert "张晓明" not in client.get(url, {"q": "李四"}).content.decode()

    client.force_login(make_role_user("facility_admin", "F2"))
    html = client.get(url, {"q": typed}).content.decode()
    assert "张晓明" not in html and issued.display_code not in html


def test_only_the_holder_or_an_admin_in_scope_downloads_the_pdf(
    client, issued, people, facility_admin, make_role_user
):
    url = reverse("courses:certificate_download", args=[issued.pk])
    assert client.get(url).status_code == 302  # to the login page

    client.force_login(people["F1-C1"].user)  # a colleague in the same facility
    assert client.get(url).status_code == 404
    client.force_login(make_role_user("facility_admin", "F2"))
    assert client.get(url).status_code == 404

    for user in [issued.learner.user, facility_admin]:
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_my_certificates_lists_them_with_a_download_link(
    client, learner, course, django_capture_on_commit_callbacks
):
    course_finish(learner, course)
    client.force_login(learner.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("courses:my_certificates"))
    certificate = Certificate.objects.get()  # issued on the visit
    html = response.content.decode()
    assert "教材" in html and certificate.display_code in html
    response = client.get(reverse("courses:my_certificates"))
    assert (
        reverse("courses:certificate_download", args=[certificate.pk])
        in response.content.decode()
    )


def test_a_failed_rendering_is_recorded_and_a_retry_renders(
    client,
    learner,
    course,
    facility_admin,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    course_finish(learner, course)

    def broken(**kwargs):
        raise RuntimeError("font missing")

    monkeypatch.setattr(certificate_pdf, "certificate_pdf_bytes", broken)
    logged = []
    handler = logging.Handler(level=logging.ERROR)
    handler.emit = logged.append
    service_logger = logging.getLogger("courses.services.records.certificates")
    service_logger.addHandler(handler)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            certificate = certificate_issue(learner=learner, course=course)
    finally:
        service_logger.removeHandler(handler)
    certificate.refresh_from_db()
    assert certificate.pdf_status == PdfStatus.FAILED
    assert "font missing" in certificate.pdf_error
    assert [r.getMessage() for r in logged] == [
        f"Certificate {certificate.pk}: PDF rendering failed"
    ]
    assert logged[0].exc_info[1].args == ("font missing",)

    monkeypatch.undo()
    client.force_login(facility_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("courses:certificate_detail", args=[certificate.pk]),
            {"action": "render"},
        )
    certificate.refresh_from_db()
    assert certificate.pdf_status == PdfStatus.READY and certificate.pdf
