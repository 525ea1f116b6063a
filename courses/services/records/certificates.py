"""Certificates (结业证书): issue on completion, revoke, re-issue, render the PDF.

A certificate is issued from the course aggregate (`CourseProgress.completed_at`),
once per learner and source: the database refuses a second live certificate, so
the batch, a retry and a learner opening their page at the same moment give one.
The PDF is drawn by a Celery task after the commit; the row is the certificate,
the file only its printout, so a failed rendering loses nothing and re-renders.
"""

import logging
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import (
    Certificate,
    CertificateKind,
    CertificateStatus,
    ClassEnrolment,
    CourseProgress,
    FactKind,
    HourCredit,
    LearnerProfile,
    LearningFact,
    LessonPage,
    OfflineClass,
    OrgUnit,
    PdfStatus,
)
from courses.models.certificates import CODE_ALPHABET, CODE_LENGTH
from courses.models.classes import EnrolmentStatus, attendance_key
from courses.models.pages import CourseCompletionRule, CoursePage
from courses.selectors.scope import Capability, unit_is_in_scope

logger = logging.getLogger(__name__)

# A rendering that never reported back (a worker lost) is queued again after this.
PDF_PENDING_GRACE = timedelta(minutes=10)


def certificate_code_new() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def certificate_verify_url(*, certificate: Certificate) -> str:
    """The absolute address printed on the PDF and in its QR code."""
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    return base + reverse("courses:certificate_verify", args=[certificate.code])


def course_source_key(course_id: int) -> str:
    return f"course:{course_id}"


def class_source_key(class_code: str) -> str:
    return f"class:{class_code}"


def _issuer_name(learner: LearnerProfile) -> str:
    """The bureau at the root of the learner's unit tree."""
    root = (
        OrgUnit.objects.filter(path=learner.unit.path[: OrgUnit.steplen])
        .values_list("name", flat=True)
        .first()
    )
    return root or learner.unit.name


def _course_hours(*, learner: LearnerProfile, course: CoursePage) -> Decimal:
    """Class-hours the learner was credited for the course's lessons (any lesson
    under the course, required or not, published or not since)."""
    lesson_ids = LessonPage.objects.descendant_of(course).values_list("id", flat=True)
    keys = [f"lesson:L{lesson_id}" for lesson_id in lesson_ids]
    total = HourCredit.objects.filter(learner=learner, key__in=keys).aggregate(
        total=Sum("hours")
    )["total"]
    return total or Decimal("0")


def _course_score(*, learner: LearnerProfile, course: CoursePage) -> Decimal | None:
    """The best passed final-exam percent, when the course ends with an exam."""
    if (
        course.completion_rule != CourseCompletionRule.LESSONS_AND_EXAM
        or not course.final_quiz_code
    ):
        return None
    from .exams import standing_passes

    passes = standing_passes(
        LearningFact.objects.filter(
            learner=learner,
            kind__in=[FactKind.QUIZ_PASSED, FactKind.QUIZ_REVOKED],
            quiz_code=course.final_quiz_code,
        ).values("id", "kind", "key", "value")
    )
    return max((f["value"] for f in passes if f["value"] is not None), default=None)


def _course_completion(*, learner: LearnerProfile, course: CoursePage):
    return (
        CourseProgress.objects.filter(
            learner=learner, course_id_ref=course.pk, completed_at__isnull=False
        )
        .values_list("completed_at", flat=True)
        .first()
    )


def _pdf_enqueue(certificate_id: int) -> None:
    from courses.tasks import certificate_pdf_render

    transaction.on_commit(lambda: certificate_pdf_render.delay(certificate_id))


def _issued_notify(certificate: Certificate) -> None:
    from .notifications import certificate_notify

    certificate_notify(certificate=certificate)


def _certificate_create(**fields) -> Certificate:
    """Insert with a fresh code; a code collision (1 in 10^17) draws again."""
    for _attempt in range(5):
        certificate = Certificate(code=certificate_code_new(), **fields)
        if Certificate.objects.filter(code=certificate.code).exists():
            continue
        certificate.full_clean(validate_constraints=False)
        # The live-per-source constraint is left to the database, which is
        # the only place that sees a concurrent issue.
        with transaction.atomic():
            certificate.save()
        _pdf_enqueue(certificate.pk)
        transaction.on_commit(partial(_issued_notify, certificate))
        return certificate
    raise RuntimeError("Could not draw an unused certificate code")


def _course_fields(*, learner: LearnerProfile, course: CoursePage, completed_at):
    return {
        "learner": learner,
        "kind": CertificateKind.COURSE,
        "source_key": course_source_key(course.pk),
        "course": course,
        "course_title": course.title,
        "learner_name": learner.real_name,
        "id_number": learner.id_number,
        "issuer_name": _issuer_name(learner),
        "hours": _course_hours(learner=learner, course=course),
        "score": _course_score(learner=learner, course=course),
        "completed_on": timezone.localdate(completed_at),
        "issued_at": timezone.now(),
    }


@transaction.atomic
def certificate_issue(*, learner: LearnerProfile, course: CoursePage) -> Certificate:
    """The learner's certificate for a completed course: the live one if issued.

    Refused before the course is complete, and after an administrator revoked
    the certificate without a replacement (only a re-issue undoes that).
    """
    source_key = course_source_key(course.pk)
    live = Certificate.objects.filter(
        learner=learner, source_key=source_key, status=CertificateStatus.ISSUED
    ).first()
    if live is not None:
        return live
    completed_at = _course_completion(learner=learner, course=course)
    if completed_at is None:
        raise ValidationError(
            _("“%(course)s”尚未结业：完成全部必修内容后才能颁发结业证书。")
            % {"course": course.title}
        )
    if Certificate.objects.filter(learner=learner, source_key=source_key).exists():
        raise ValidationError(
            _("该课程的结业证书已被撤销；如需重新颁发，请由管理员补发。")
        )
    learner = LearnerProfile.objects.select_related("unit").get(pk=learner.pk)
    try:
        return _certificate_create(
            **_course_fields(learner=learner, course=course, completed_at=completed_at)
        )
    except IntegrityError:
        # Issued by someone else between our read and our write.
        return Certificate.objects.get(
            learner=learner, source_key=source_key, status=CertificateStatus.ISSUED
        )


# ---- offline classes (培训班结业) ----

# Classes that ended longer ago than this are not looked at again by the batch.
CLASS_CERTIFICATE_WINDOW = timedelta(days=90)


@dataclass(frozen=True)
class ClassStanding:
    """How a learner on the roster stands on a class: attended days and hours."""

    days_attended: int
    last_attended: date | None
    hours: Decimal


def class_standings(*, offline_class, learner_ids) -> dict[int, ClassStanding]:
    """Attendance of the given learners, from their attendance facts and credits."""
    prefix = attendance_key(offline_class.code, date.min)[: -len("0001-01-01")]
    days: dict[int, list[date]] = {}
    for learner_id, key in LearningFact.objects.filter(
        learner_id__in=list(learner_ids),
        kind=FactKind.ATTENDANCE,
        key__startswith=prefix,
    ).values_list("learner_id", "key"):
        days.setdefault(learner_id, []).append(date.fromisoformat(key[len(prefix) :]))
    hours = dict(
        HourCredit.objects.filter(learner_id__in=list(days), key__startswith=prefix)
        .values("learner_id")
        .annotate(total=Sum("hours"))
        .values_list("learner_id", "total")
    )
    return {
        learner_id: ClassStanding(
            days_attended=len(attended),
            last_attended=max(attended),
            hours=hours.get(learner_id) or Decimal("0"),
        )
        for learner_id, attended in days.items()
    }


def class_finished(*, offline_class, standing: ClassStanding | None, today) -> bool:
    """Attended the required share of the days, and the class is over (or every
    day, the last one included, is already attended)."""
    total = offline_class.days.count()
    if standing is None or total == 0:
        return False
    if standing.days_attended * 100 < offline_class.completion_percent * total:
        return False
    return today > offline_class.ends_on or standing.days_attended >= total


@transaction.atomic
def class_certificate_issue(*, learner: LearnerProfile, offline_class, today=None):
    """The learner's certificate for a class they finished: the live one if issued.

    Refused to someone not on the roster, before the attendance requirement is
    met, and after an administrator revoked it (only a re-issue undoes that).
    """
    today = today or timezone.localdate()
    source_key = class_source_key(offline_class.code)
    live = Certificate.objects.filter(
        learner=learner, source_key=source_key, status=CertificateStatus.ISSUED
    ).first()
    if live is not None:
        return live
    on_roster = ClassEnrolment.objects.filter(
        offline_class=offline_class,
        learner=learner,
        status=EnrolmentStatus.ENROLLED,
    ).exists()
    standing = class_standings(offline_class=offline_class, learner_ids=[learner.pk])
    standing = standing.get(learner.pk)
    if not on_roster or not class_finished(
        offline_class=offline_class, standing=standing, today=today
    ):
        raise ValidationError(
            _("“%(title)s”尚未结业：出勤达到要求并在培训班结束后才能颁发结业证书。")
            % {"title": offline_class.title}
        )
    if Certificate.objects.filter(learner=learner, source_key=source_key).exists():
        raise ValidationError(
            _("该培训班的结业证书已被撤销；如需重新颁发，请由管理员补发。")
        )
    learner = LearnerProfile.objects.select_related("unit").get(pk=learner.pk)
    try:
        return _certificate_create(
            learner=learner,
            kind=CertificateKind.OFFLINE_CLASS,
            source_key=source_key,
            course=None,
            course_title=offline_class.title,
            learner_name=learner.real_name,
            id_number=learner.id_number,
            issuer_name=_issuer_name(learner),
            hours=standing.hours,
            score=None,
            completed_on=min(offline_class.ends_on, today),
            issued_at=timezone.now(),
        )
    except IntegrityError:
        return Certificate.objects.get(
            learner=learner, source_key=source_key, status=CertificateStatus.ISSUED
        )


def class_certificates_issue_due(
    *, learner_ids: list[int] | None = None, today=None, limit: int = 500
) -> int:
    """Issue the certificates of classes finished lately that have none yet.

    Looks at classes under way or ended within `CLASS_CERTIFICATE_WINDOW`, and at
    the enrolled learners without a certificate for them (a revoked one counts:
    only a re-issue replaces it). Returns how many were issued.
    """
    today = today or timezone.localdate()
    classes = OfflineClass.objects.filter(
        starts_on__lte=today, ends_on__gte=today - CLASS_CERTIFICATE_WINDOW
    ).order_by("ends_on", "id")
    if learner_ids is not None:
        classes = classes.filter(
            enrolments__learner_id__in=learner_ids,
            enrolments__status=EnrolmentStatus.ENROLLED,
        ).distinct()
    issued = 0
    for offline_class in classes:
        roster = ClassEnrolment.objects.filter(
            offline_class=offline_class, status=EnrolmentStatus.ENROLLED
        ).exclude(
            learner__certificates__source_key=class_source_key(offline_class.code)
        )
        if learner_ids is not None:
            roster = roster.filter(learner_id__in=learner_ids)
        waiting = list(roster.values_list("learner_id", flat=True))
        if not waiting:
            continue
        standings = class_standings(offline_class=offline_class, learner_ids=waiting)
        for learner_id in waiting:
            if not class_finished(
                offline_class=offline_class,
                standing=standings.get(learner_id),
                today=today,
            ):
                continue
            learner = LearnerProfile.objects.get(pk=learner_id)
            try:
                class_certificate_issue(
                    learner=learner, offline_class=offline_class, today=today
                )
            except ValidationError as error:
                logger.warning(
                    "Certificate for learner %s, class %s not issued: %s",
                    learner_id,
                    offline_class.code,
                    error,
                )
                continue
            issued += 1
            if issued >= limit:
                return issued
    return issued


def _require_manage(*, by, certificate: Certificate, message: str) -> None:
    learner = LearnerProfile.objects.select_related("unit").get(
        pk=certificate.learner_id
    )
    if not unit_is_in_scope(
        user=by, unit=learner.unit, capability=Capability.MANAGE_PEOPLE
    ):
        raise ValidationError(message)


def _reason_required(reason: str, message: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": message})
    return reason


def _locked(certificate: Certificate) -> Certificate:
    return Certificate.objects.select_for_update().get(pk=certificate.pk)


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, by, reason: str) -> Certificate:
    """Withdraw a certificate; its verification page says so, with the reason."""
    reason = _reason_required(reason, _("请填写撤销原因。"))
    _require_manage(
        by=by, certificate=certificate, message=_("您无权撤销该学员的证书。")
    )
    certificate = _locked(certificate)
    if not certificate.is_live:
        raise ValidationError(_("该证书已于此前撤销。"))
    certificate.status = CertificateStatus.REVOKED
    certificate.revoked_at = timezone.now()
    certificate.revoked_by = by
    certificate.revoke_reason = reason
    certificate.full_clean(validate_constraints=False)
    certificate.save(
        update_fields=["status", "revoked_at", "revoked_by", "revoke_reason"]
    )
    # The printout is drawn again, stamped as revoked.
    _pdf_enqueue(certificate.pk)
    return certificate


@transaction.atomic
def certificate_reissue(*, certificate: Certificate, by, reason: str) -> Certificate:
    """Replace a certificate with a new one under a new code.

    A live certificate is revoked with the reason; a revoked one without a
    replacement keeps its own revocation. The new certificate takes the
    learner's current name and number and, for a course, the current hours and
    score; the old one points to it.
    """
    reason = _reason_required(reason, _("请填写补发原因。"))
    _require_manage(
        by=by, certificate=certificate, message=_("您无权补发该学员的证书。")
    )
    old = _locked(certificate)
    if old.replaced_by_id:
        raise ValidationError(_("该证书已经补发过，请在新证书上操作。"))
    if old.is_live:
        old = certificate_revoke(
            certificate=old, by=by, reason=_("补发：%(reason)s") % {"reason": reason}
        )
    learner = LearnerProfile.objects.select_related("unit").get(pk=old.learner_id)
    fields = {
        "learner": learner,
        "kind": old.kind,
        "source_key": old.source_key,
        "course": old.course,
        "course_title": old.course_title,
        "learner_name": learner.real_name,
        "id_number": learner.id_number,
        "issuer_name": _issuer_name(learner),
        "hours": old.hours,
        "score": old.score,
        "completed_on": old.completed_on,
        "issued_at": timezone.now(),
    }
    if old.kind == CertificateKind.COURSE and old.course is not None:
        course = old.course
        completed_at = _course_completion(learner=learner, course=course)
        fields["course_title"] = course.title
        # Never fewer hours than before: a lesson deleted since keeps its
        # credit but is no longer found under the course.
        fields["hours"] = max(_course_hours(learner=learner, course=course), old.hours)
        fields["score"] = _course_score(learner=learner, course=course) or old.score
        if completed_at is not None:
            fields["completed_on"] = timezone.localdate(completed_at)
    elif old.kind == CertificateKind.OFFLINE_CLASS:
        offline_class = OfflineClass.objects.filter(
            code=old.source_key.removeprefix("class:")
        ).first()
        if offline_class is not None:
            fields["course_title"] = offline_class.title
            standing = class_standings(
                offline_class=offline_class, learner_ids=[learner.pk]
            ).get(learner.pk)
            if standing is not None:
                fields["hours"] = max(standing.hours, old.hours)
    new = _certificate_create(
        **fields,
        issued_by=by,
        note=(_("补发：%(reason)s") % {"reason": reason})[:255],
    )
    old.replaced_by = new
    old.save(update_fields=["replaced_by"])
    return new


def certificates_issue_due(
    *, learner_ids: list[int] | None = None, limit: int = 500, today=None
) -> int:
    """Issue the certificates of completed courses and finished classes that
    have none yet.

    A course whose certificate was revoked is left alone: only a re-issue by an
    administrator gives a new one. Also queues again the PDFs of certificates
    whose rendering never reported back. Returns how many were issued.
    """
    has_certificate = Certificate.objects.filter(
        learner_id=OuterRef("learner_id"),
        kind=CertificateKind.COURSE,
        course_id=OuterRef("course_id_ref"),
    )
    due = (
        CourseProgress.objects.filter(completed_at__isnull=False)
        .filter(course_id_ref__in=CoursePage.objects.values("id"))
        .filter(~Exists(has_certificate))
        .order_by("completed_at", "id")
    )
    if learner_ids is not None:
        due = due.filter(learner_id__in=learner_ids)
    issued = 0
    courses: dict[int, CoursePage] = {}
    for progress in list(due.values("learner_id", "course_id_ref")[:limit]):
        course_id = progress["course_id_ref"]
        if course_id not in courses:
            courses[course_id] = CoursePage.objects.get(pk=course_id)
        learner = LearnerProfile.objects.select_related("unit").get(
            pk=progress["learner_id"]
        )
        try:
            certificate_issue(learner=learner, course=courses[course_id])
        except ValidationError as error:
            logger.warning(
                "Certificate for learner %s, course %s not issued: %s",
                learner.pk,
                course_id,
                error,
            )
            continue
        issued += 1
    issued += class_certificates_issue_due(
        learner_ids=learner_ids, limit=limit, today=today
    )
    if learner_ids is None:
        _lost_renderings_requeue()
    return issued


def _lost_renderings_requeue() -> None:
    stuck = Certificate.objects.filter(
        pdf_status=PdfStatus.PENDING, issued_at__lt=timezone.now() - PDF_PENDING_GRACE
    ).values_list("id", flat=True)[:100]
    for certificate_id in stuck:
        _pdf_enqueue(certificate_id)


@transaction.atomic
def certificate_pdf_requeue(*, certificate: Certificate, by) -> Certificate:
    """Render the PDF again (after a failure), for an administrator in scope."""
    _require_manage(by=by, certificate=certificate, message=_("您无权重新生成该证书。"))
    Certificate.objects.filter(pk=certificate.pk).update(
        pdf_status=PdfStatus.PENDING, pdf_error=""
    )
    _pdf_enqueue(certificate.pk)
    certificate.refresh_from_db()
    return certificate


def certificate_pdf_render(*, certificate_id: int) -> Certificate:
    """Draw the PDF and store it; on error mark it failed, log, and keep going.

    Rendering again replaces the file (a revoked certificate's printout is
    stamped as revoked).
    """
    from .certificate_pdf import certificate_pdf_bytes

    certificate = Certificate.objects.get(pk=certificate_id)
    try:
        content = certificate_pdf_bytes(
            certificate=certificate,
            verify_url=certificate_verify_url(certificate=certificate),
        )
    except Exception as error:
        logger.exception("Certificate %s: PDF rendering failed", certificate_id)
        Certificate.objects.filter(pk=certificate_id).update(
            pdf_status=PdfStatus.FAILED, pdf_error=str(error)[:255]
        )
        certificate.refresh_from_db()
        return certificate
    previous = certificate.pdf.name if certificate.pdf else ""
    certificate.pdf.save(f"{certificate.code}.pdf", ContentFile(content), save=False)
    certificate.pdf_status = PdfStatus.READY
    certificate.pdf_error = ""
    certificate.save(update_fields=["pdf", "pdf_status", "pdf_error"])
    if previous and previous != certificate.pdf.name:
        certificate.pdf.storage.delete(previous)
    return certificate
