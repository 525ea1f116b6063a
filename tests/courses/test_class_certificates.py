"""Offline classes end in a certificate (培训班结业证书) for those who attended.

The class sets the share of its days a learner must attend; the batch issues a
certificate, once, to each enrolled learner who met it, with the hours their
attendance credited, and its verification page says what it is for.
"""

import html
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from courses.models import Certificate, CertificateKind, ClassDay
from courses.services.records.certificates import (
    certificate_reissue,
    certificate_revoke,
    certificates_issue_due,
    class_certificate_issue,
)
from courses.services.records.classes import (
    attendance_record_by_trainer,
    class_create,
    class_enrol,
)
from tests.courses.test_offline_classes import make_class, trainer  # noqa: F401
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db

START, END = date(2026, 3, 9), date(2026, 3, 11)
AFTER = END + timedelta(days=1)


@pytest.fixture
def roster(province, people, trainer):  # noqa: F811
    learners = [
        people["F1-B1"],
        people["F1-C1"],
        LearnerFactory(unit=province["F1-B1"], real_name="王晓"),
    ]
    return learners


def run_class(offline_class, trainer, attendance):  # noqa: F811
    """Enrol everyone in `attendance` and tick them on the given days."""
    for learner in attendance:
        class_enrol(offline_class=offline_class, learner=learner, by=trainer)
    for day in ClassDay.objects.filter(offline_class=offline_class).order_by("date"):
        present = [p for p, days in attendance.items() if day.date in days]
        if present:
            attendance_record_by_trainer(
                day=day,
                learners=present,
                by=trainer,
                now=timezone.make_aware(datetime.combine(day.date, datetime.min.time()))
                + timedelta(hours=17),
            )


def certificates_of(learner):
    return Certificate.objects.filter(
        learner=learner, kind=CertificateKind.OFFLINE_CLASS
    )


def test_those_who_attended_enough_get_a_certificate_once_after_the_class(
    make_class,  # noqa: F811
    trainer,  # noqa: F811
    roster,
):
    offline_class = make_class(capacity=5, completion_percent=60)
    full, two_days, one_day = roster
    run_class(
        offline_class,
        trainer,
        {
            full: [START, START + timedelta(days=1), END],
            two_days: [START, END],
            one_day: [START],
        },
    )

    # Under way: only someone who attended every day so far, the last included,
    # has finished.
    assert certificates_issue_due(today=END) == 1
    assert certificates_of(full).count() == 1

    assert certificates_issue_due(today=AFTER) == 1
    assert certificates_issue_due(today=AFTER) == 0  # the beat runs again
    certificate = certificates_of(two_days).get()
    assert certificate.course_title == "社区戒毒工作实务培训班"
    assert certificate.source_key == f"class:{offline_class.code}"
    assert certificate.hours == Decimal("12.0")  # two days of 6 hours
    assert certificate.score is None
    assert not certificates_of(one_day).exists()  # 1 of 3 days is under 60%

    with pytest.raises(ValidationError) as refused:
        class_certificate_issue(
            learner=one_day, offline_class=offline_class, today=AFTER
        )
    assert "尚未结业" in str(refused.value)


def test_the_verification_page_names_the_class_and_its_hours(
    make_class,  # noqa: F811
    trainer,  # noqa: F811
    roster,
    client,
    django_capture_on_commit_callbacks,
):
    offline_class = make_class(capacity=5)
    run_class(
        offline_class, trainer, {roster[0]: [START, START + timedelta(days=1), END]}
    )
    with django_capture_on_commit_callbacks(execute=True):  # the PDF, in Celery
        certificate = class_certificate_issue(
            learner=roster[0], offline_class=offline_class, today=AFTER
        )
    page = client.get(
        reverse("courses:certificate_verify", args=[certificate.code])
    ).content.decode()
    assert "培训班" in page and "社区戒毒工作实务培训班" in page
    assert "18" in page  # 3 days of 6 hours
    certificate.refresh_from_db()
    assert certificate.pdf_status == Certificate.PdfStatus.READY


def test_a_revoked_class_certificate_is_not_issued_again_but_can_be_reissued(
    make_class,  # noqa: F811
    trainer,  # noqa: F811
    roster,
    facility_admin,
):
    offline_class = make_class(capacity=5)
    run_class(
        offline_class, trainer, {roster[0]: [START, START + timedelta(days=1), END]}
    )
    certificates_issue_due(today=AFTER)
    first = certificates_of(roster[0]).get()
    certificate_revoke(certificate=first, by=facility_admin, reason="身份信息有误")
    assert certificates_issue_due(today=AFTER) == 0
    new = certificate_reissue(certificate=first, by=facility_admin, reason="更正姓名")
    assert new.kind == CertificateKind.OFFLINE_CLASS
    assert new.hours == Decimal("18.0") and new.code != first.code


def test_someone_waitlisted_or_not_enrolled_gets_none(
    province,
    trainer,  # noqa: F811
    roster,
):
    offline_class = class_create(
        title="心理矫治专题班",
        code="2026-F1-09",
        unit=province["F1"],
        place="一所",
        starts_on=START,
        ends_on=START,
        capacity=1,
        by=trainer,
    )
    class_enrol(offline_class=offline_class, learner=roster[0], by=trainer)
    class_enrol(offline_class=offline_class, learner=roster[1], by=trainer)  # waits
    certificates_issue_due(today=AFTER)
    assert not certificates_of(roster[0]).exists()  # never attended
    assert not certificates_of(roster[1]).exists()
    with pytest.raises(ValidationError):
        class_certificate_issue(
            learner=roster[2], offline_class=offline_class, today=AFTER
        )


def test_the_class_form_sets_the_attendance_requirement(
    client,
    trainer,  # noqa: F811
    province,
):
    client.force_login(trainer)
    response = client.post(
        reverse("courses:class_create"),
        {
            "title": "禁毒法规培训班",
            "code": "2026-F1-77",
            "unit": province["F1"].pk,
            "place": "一所报告厅",
            "starts_on": "2026-04-01",
            "ends_on": "2026-04-03",
            "capacity": 30,
            "completion_percent": 80,
        },
    )
    assert response.status_code == 302
    page = html.unescape(client.get(response["Location"]).content.decode())
    assert "出勤达到培训天数的 80%" in page
    bad = client.post(
        reverse("courses:class_create"),
        {
            "title": "禁毒法规培训班",
            "code": "2026-F1-78",
            "unit": province["F1"].pk,
            "place": "一所报告厅",
            "starts_on": "2026-04-01",
            "ends_on": "2026-04-03",
            "capacity": 30,
            "completion_percent": 0,
        },
    )
    assert bad.status_code == 200 and "结业出勤要求" in bad.content.decode()
