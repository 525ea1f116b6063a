"""Reads of certificates: a learner's own, an administrator's within scope, and
the public lookup by verification code."""

from django.db.models import Q, QuerySet

from courses.models import Certificate, CertificateStatus, LearnerProfile
from courses.models.certificates import certificate_code_normalise
from courses.selectors.scope import Capability, unit_is_in_scope, unit_scope_q


def learner_certificates(
    *, learner: LearnerProfile, include_revoked: bool = False
) -> QuerySet[Certificate]:
    """The learner's certificates, newest first (live ones only unless asked)."""
    certificates = Certificate.objects.filter(learner=learner).select_related(
        "replaced_by"
    )
    if not include_revoked:
        certificates = certificates.filter(status=CertificateStatus.ISSUED)
    return certificates.order_by("-issued_at", "-id")


def certificate_by_code(*, code: str) -> Certificate | None:
    """The certificate a verification code names, however it was typed."""
    code = certificate_code_normalise(code)
    if not code:
        return None
    return Certificate.objects.select_related("replaced_by").filter(code=code).first()


def certificates_in_scope(
    *, user, query: str = "", capability: Capability = Capability.VIEW_PEOPLE
) -> QuerySet[Certificate]:
    """Certificates of the learners whose unit lies in the user's scope."""
    certificates = Certificate.objects.filter(
        unit_scope_q(user=user, capability=capability, path_field="learner__unit__path")
    ).select_related("learner__unit")
    query = (query or "").strip()
    if query:
        certificates = certificates.filter(
            Q(code=certificate_code_normalise(query))
            | Q(learner_name__contains=query)
            | Q(id_number__iexact=query)
            | Q(course_title__contains=query)
        )
    return certificates.order_by("-issued_at", "-id")


def certificate_may_download(*, user, certificate: Certificate) -> bool:
    """The holder, or an administrator whose scope covers the holder's unit."""
    if not user.is_authenticated:
        return False
    learner = certificate.learner
    if learner.user_id == user.pk:
        return True
    return unit_is_in_scope(
        user=user, unit=learner.unit, capability=Capability.VIEW_PEOPLE
    )


def certificate_may_manage(*, user, certificate: Certificate) -> bool:
    return unit_is_in_scope(
        user=user,
        unit=certificate.learner.unit,
        capability=Capability.MANAGE_PEOPLE,
    )
