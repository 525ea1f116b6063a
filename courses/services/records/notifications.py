"""Notifications: in the site, and by e-mail (console backend unless configured).

Every notification has a key unique per user, so a schedule that runs twice or a
retried task tells a learner once. E-mail goes out in batches from the pending
notifications, never one task per message.
"""

from collections import defaultdict
from datetime import date, timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import (
    Assignment,
    CourseProgress,
    LearnerProfile,
    Notification,
    NotificationKind,
    OrgUnit,
    RoleAssignment,
)
from courses.models.roles import Role
from courses.selectors.records import assigned_learners

DUE_SOON_DAYS = 7
EMAIL_BATCH = 500


def _unread_key(user_id: int) -> str:
    return f"notifications:unread:{user_id}"


def unread_count(*, user_id: int) -> int:
    count = cache.get(_unread_key(user_id))
    if count is None:
        count = Notification.objects.filter(
            user_id=user_id, read_at__isnull=True
        ).count()
        cache.set(_unread_key(user_id), count, timeout=600)
    return count


def _unread_forget(user_ids) -> None:
    keys = [_unread_key(pk) for pk in user_ids]
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def notifications_send(
    *, user_ids, kind: str, key: str, title: str, body: str = "", url: str = ""
) -> int:
    """Tell each user once (per key); returns how many were told now."""
    user_ids = sorted(set(user_ids))
    if not user_ids:
        return 0
    already = set(
        Notification.objects.filter(user_id__in=user_ids, key=key).values_list(
            "user_id", flat=True
        )
    )
    fresh = [pk for pk in user_ids if pk not in already]
    Notification.objects.bulk_create(
        [
            Notification(
                user_id=pk, kind=kind, key=key, title=title, body=body, url=url
            )
            for pk in fresh
        ],
        ignore_conflicts=True,
    )
    _unread_forget(fresh)
    if fresh:
        from courses.tasks import notifications_email

        transaction.on_commit(notifications_email.delay)
    return len(fresh)


def notifications_mark_read(*, user, ids=None) -> int:
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    changed = qs.update(read_at=timezone.now())
    _unread_forget([user.pk])
    return changed


def notifications_email_pending(*, limit: int = EMAIL_BATCH) -> int:
    """Send the e-mail of notifications not yet e-mailed, to users with an address."""
    pending = list(
        Notification.objects.filter(emailed_at__isnull=True)
        .exclude(user__email="")
        .select_related("user")
        .order_by("id")[:limit]
    )
    if not pending:
        return 0
    base = getattr(settings, "WAGTAILADMIN_BASE_URL", "").rstrip("/")
    messages = []
    for note in pending:
        link = f"\n\n{base}{note.url}" if note.url else ""
        messages.append(
            EmailMessage(
                subject=note.title,
                body=f"{note.body}{link}",
                to=[note.user.email],
            )
        )
    with get_connection() as connection:
        connection.send_messages(messages)
    Notification.objects.filter(pk__in=[n.pk for n in pending]).update(
        emailed_at=timezone.now()
    )
    # Those without an address are "done" too, so the queue does not grow.
    Notification.objects.filter(emailed_at__isnull=True, user__email="").update(
        emailed_at=timezone.now()
    )
    return len(pending)


def _not_completed_user_ids(assignment: Assignment) -> list[int]:
    learners = assigned_learners(assignment=assignment)
    done = set(
        CourseProgress.objects.filter(
            course_id_ref=assignment.course_id, completed_at__isnull=False
        ).values_list("learner_id", flat=True)
    )
    return [
        user_id
        for learner_id, user_id in learners.values_list("id", "user_id")
        if learner_id not in done
    ]


def assignment_notify(*, assignment_id: int) -> int:
    assignment = Assignment.objects.select_related("unit").get(pk=assignment_id)
    if assignment.withdrawn_at:
        return 0
    return notifications_send(
        user_ids=_not_completed_user_ids(assignment),
        kind=NotificationKind.ASSIGNED,
        key=f"assigned:{assignment.pk}",
        title=_("新的必修课程：%(course)s") % {"course": assignment.course_title},
        body=_("%(unit)s为您布置了必修课程《%(course)s》，请在%(due)s前完成。")
        % {
            "unit": assignment.unit.name,
            "course": assignment.course_title,
            "due": assignment.due_on.isoformat(),
        },
        url=reverse("courses:my_training"),
    )


def reminders_send(*, today: date | None = None) -> dict:
    """Due-soon reminders a week before the due date, overdue ones after it."""
    today = today or timezone.localdate()
    sent = {"due_soon": 0, "overdue": 0}
    live = Assignment.objects.filter(withdrawn_at__isnull=True).select_related("unit")
    for assignment in live.filter(
        due_on__gte=today, due_on__lte=today + timedelta(days=DUE_SOON_DAYS)
    ):
        sent["due_soon"] += notifications_send(
            user_ids=_not_completed_user_ids(assignment),
            kind=NotificationKind.DUE_SOON,
            key=f"due-soon:{assignment.pk}",
            title=_("必修课程即将到期：%(course)s")
            % {"course": assignment.course_title},
            body=_("必修课程《%(course)s》将于%(due)s到期，您尚未完成。")
            % {"course": assignment.course_title, "due": assignment.due_on.isoformat()},
            url=reverse("courses:my_training"),
        )
    for assignment in live.filter(
        due_on__lt=today, due_on__gte=today - timedelta(days=90)
    ):
        sent["overdue"] += notifications_send(
            user_ids=_not_completed_user_ids(assignment),
            kind=NotificationKind.OVERDUE,
            key=f"overdue:{assignment.pk}",
            title=_("必修课程已逾期：%(course)s") % {"course": assignment.course_title},
            body=_("必修课程《%(course)s》已于%(due)s到期，请尽快完成。")
            % {"course": assignment.course_title, "due": assignment.due_on.isoformat()},
            url=reverse("courses:my_training"),
        )
    return sent


def overdue_learners(*, unit: OrgUnit, today: date) -> dict[int, list[str]]:
    """Learners under `unit` with an overdue, unfinished assignment: id → courses."""
    overdue: dict[int, list[str]] = defaultdict(list)
    reaching = Assignment.objects.filter(
        withdrawn_at__isnull=True,
        due_on__lt=today,
        due_on__gte=today - timedelta(days=365),
    ).select_related("unit")
    for assignment in reaching:
        if not (
            assignment.unit.path.startswith(unit.path)
            or unit.path.startswith(assignment.unit.path)
        ):
            continue
        learners = assigned_learners(assignment=assignment).filter(
            unit__path__startswith=unit.path
        )
        done = set(
            CourseProgress.objects.filter(
                course_id_ref=assignment.course_id, completed_at__isnull=False
            ).values_list("learner_id", flat=True)
        )
        for learner_id in learners.values_list("id", flat=True):
            if learner_id not in done:
                overdue[learner_id].append(assignment.course_title)
    return overdue


def overdue_digest_send(*, today: date | None = None) -> int:
    """Each unit leader (a facility administrator) gets the week's overdue list."""
    today = today or timezone.localdate()
    year, week, _day = today.isocalendar()
    leaders: dict[int, list[int]] = defaultdict(list)
    for unit_id, user_id in RoleAssignment.objects.filter(
        role=Role.FACILITY_ADMIN
    ).values_list("unit_id", "user_id"):
        leaders[unit_id].append(user_id)
    sent = 0
    for unit in OrgUnit.objects.filter(pk__in=leaders):
        overdue = overdue_learners(unit=unit, today=today)
        if not overdue:
            continue
        people = LearnerProfile.objects.filter(pk__in=list(overdue)).order_by(
            "unit__path", "id_number"
        )
        lines = [
            _("%(name)s（%(id)s）：%(courses)s")
            % {
                "name": p.real_name,
                "id": p.id_number,
                "courses": "、".join(overdue[p.pk]),
            }
            for p in people[:100]
        ]
        if len(overdue) > 100:
            lines.append(_("……另有%(n)s人") % {"n": len(overdue) - 100})
        sent += notifications_send(
            user_ids=leaders[unit.pk],
            kind=NotificationKind.DIGEST,
            key=f"digest:{unit.pk}:{year}-W{week:02d}",
            title=_("%(unit)s必修课程逾期周报：%(n)s人")
            % {"unit": unit.name, "n": len(overdue)},
            body="\n".join(lines),
            url=reverse("courses:unit_detail", args=[unit.code]),
        )
    return sent


def result_notify(*, attempt) -> int:
    """An exam result has been marked (for essays, by a trainer): tell the learner."""
    from quizzes.models import QuizMode

    if attempt.quiz.mode != QuizMode.EXAM or attempt.marked_at is None:
        return 0
    return notifications_send(
        user_ids=[attempt.user_id],
        kind=NotificationKind.RESULT,
        key=f"result:{attempt.token}:{int(attempt.marked_at.timestamp())}",
        title=_("成绩已发布：%(quiz)s") % {"quiz": attempt.quiz.title},
        body=_("您参加的《%(quiz)s》已评分完毕，请查看成绩。")
        % {"quiz": attempt.quiz.title},
        url=reverse("quizzes:result", args=[attempt.token]),
    )


def certificate_notify(*, certificate) -> int:
    return notifications_send(
        user_ids=[certificate.learner.user_id],
        kind=NotificationKind.CERTIFICATE,
        key=f"certificate:{certificate.pk}",
        title=_("您获得了结业证书：%(course)s") % {"course": certificate.course_title},
        body=_("证书编号 %(code)s，可在“我的证书”中下载。")
        % {"code": certificate.code},
        url=reverse("courses:certificate_verify", args=[certificate.code]),
    )
