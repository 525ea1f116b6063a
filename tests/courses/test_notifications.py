"""Notifications: assignment, due-soon, overdue, the weekly digest, results."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from courses.models import Assignment, CourseProgress
from courses.models.notifications import Notification, NotificationKind
from courses.services.records.notifications import (
    assignment_notify,
    notifications_email_pending,
    overdue_digest_send,
    reminders_send,
    unread_count,
)
from tests.courses.test_course_pages import book_dir, load, site  # noqa: F401

TODAY = timezone.localdate()


@pytest.fixture
def course(site, book_dir):  # noqa: F811
    load(site, book_dir)
    from courses.models import CoursePage

    return CoursePage.objects.get(slug="book")


def assign(course, unit, by, due_on):
    return Assignment.objects.create(
        course=course,
        course_title=course.title,
        unit=unit,
        training_year=TODAY.year,
        due_on=due_on,
        assigned_by=by,
    )


def kinds(user):
    return sorted(Notification.objects.filter(user=user).values_list("kind", flat=True))


def test_assigned_people_are_told_once_and_others_not(
    course, people, province, facility_admin
):
    a = assign(course, province["F1"], facility_admin, TODAY + timedelta(days=30))
    assignment_notify(assignment_id=a.pk)
    assignment_notify(assignment_id=a.pk)  # a retried task
    inside, outside = people["F1-B1"].user, people["F2-B1"].user
    assert kinds(inside) == [NotificationKind.ASSIGNED]
    assert kinds(outside) == []
    assert unread_count(user_id=inside.pk) == 1


def test_due_soon_and_overdue_reminders_skip_those_who_finished(
    course, people, province, facility_admin
):
    soon = assign(course, province["F1"], facility_admin, TODAY + timedelta(days=3))
    CourseProgress.objects.create(
        learner=people["F1-C1"],
        course_id_ref=course.pk,
        required_lessons=2,
        completed_lessons=2,
        completed_at=timezone.now(),
    )
    reminders_send(today=TODAY)
    reminders_send(today=TODAY)  # beat ran twice
    assert kinds(people["F1-B1"].user) == [NotificationKind.DUE_SOON]
    assert kinds(people["F1-C1"].user) == []
    reminders_send(today=soon.due_on + timedelta(days=1))
    assert kinds(people["F1-B1"].user) == [
        NotificationKind.DUE_SOON,
        NotificationKind.OVERDUE,
    ]


def test_weekly_digest_goes_to_the_unit_leader_with_names(
    course, people, province, facility_admin, make_role_user
):
    assign(course, province["F1"], facility_admin, TODAY - timedelta(days=2))
    other_leader = make_role_user("facility_admin", "F2")
    overdue_digest_send(today=TODAY)
    overdue_digest_send(today=TODAY)
    digest = Notification.objects.get(user=facility_admin, kind=NotificationKind.DIGEST)
    assert people["F1-B1"].real_name in digest.body
    assert people["F2-B1"].real_name not in digest.body
    assert not Notification.objects.filter(user=other_leader).exists()


def test_email_goes_out_in_a_batch_once(course, people, province, facility_admin):
    user = people["F1-B1"].user
    user.email = "officer@example.cn"
    user.save()
    a = assign(course, province["F1"], facility_admin, TODAY + timedelta(days=30))
    mail.outbox.clear()
    assignment_notify(assignment_id=a.pk)
    notifications_email_pending()
    notifications_email_pending()
    sent = [m for m in mail.outbox if m.to == ["officer@example.cn"]]
    assert len(sent) == 1 and course.title in sent[0].subject


def test_reader_sees_and_reads_notifications(
    client, course, people, province, facility_admin
):
    a = assign(course, province["F1"], facility_admin, TODAY + timedelta(days=30))
    assignment_notify(assignment_id=a.pk)
    user = people["F1-B1"].user
    client.force_login(user)
    page = client.get(reverse("courses:notifications"))
    assert course.title in page.content.decode()
    note = Notification.objects.get(user=user)
    response = client.post(reverse("courses:notification_read"), {"id": note.pk})
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.read_at is not None
    assert unread_count(user_id=user.pk) == 0
    client.force_login(people["F2-B1"].user)
    assert (
        course.title
        not in client.get(reverse("courses:notifications")).content.decode()
    )


def test_exam_hidden_until_close_is_credited_and_announced_only_after_close(people):

    from courses.models import HourCredit
    from courses.services.records.exams import (
        attempt_marked_received,
        exam_results_release,
    )
    from quizzes.models import Quiz
    from quizzes.models.quizzes import QuizMode, ReviewPolicy

    closes = timezone.now() + timedelta(hours=2)
    quiz = Quiz.objects.create(
        title="年度考核",
        slug="annual-exam",
        mode=QuizMode.EXAM,
        review_policy=ReviewPolicy.AFTER_CLOSE,
        closes_at=closes,
    )
    user = people["F1-B1"].user
    attempt = quiz.attempts.create(
        user=user,
        number=1,
        status="marked",
        started_at=timezone.now() - timedelta(minutes=50),
        submitted_at=timezone.now() - timedelta(minutes=1),
        marked_at=timezone.now(),
        score=90,
        max_score=100,
        percent=90,
        passed=True,
    )
    attempt_marked_received(sender=None, attempt=attempt)
    exam_results_release()
    assert not HourCredit.objects.exists()
    assert not Notification.objects.filter(user=user).exists()

    exam_results_release(now=closes + timedelta(minutes=5))
    exam_results_release(now=closes + timedelta(minutes=10))
    credit = HourCredit.objects.get(learner=people["F1-B1"])
    assert credit.title == "年度考核" and credit.hours == 2
    assert kinds(user) == [NotificationKind.RESULT]
