"""Offline classes and certificates of the demo, loaded after the training record.

Idempotent: a class is found by its code, attendance and certificates by their
keys, so loading again adds nothing.
"""

from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from courses.models import ClassDay, LearnerProfile, OfflineClass, OrgUnit
from courses.models.learners import IdentityKind
from courses.services.records.aggregate import records_refresh_stale
from courses.services.records.certificates import certificates_issue_due
from courses.services.records.classes import (
    attendance_record_by_trainer,
    class_create,
    class_enrol,
)

COMMUNITY_CLASS = "SQ-2026-03"
FACILITY_CLASS = "XL-2026-01"


def _class_ensure(*, code: str, by, trainer, learners, **fields) -> bool:
    if OfflineClass.objects.filter(code=code).exists():
        return False
    offline_class = class_create(code=code, by=by, trainers=[trainer], **fields)
    for learner in learners:
        class_enrol(offline_class=offline_class, learner=learner, by=by)
    return True


@transaction.atomic
def demo_classes_load(*, today: date | None = None) -> dict[str, int]:
    """A community workers' class held last week (attendance taken, one absence)
    and a facility class running from today with a full roster and a waitlist."""
    today = today or timezone.localdate()
    users = get_user_model().objects.in_bulk(
        ["bureau_admin", "trainer", "facility_admin"], field_name="username"
    )
    if len(users) < 3:
        return {"classes_created": 0, "attendance": 0}
    bureau = OrgUnit.objects.get(code="GD-JJ")
    facility = OrgUnit.objects.get(code="GD-S01")
    workers = list(
        LearnerProfile.objects.filter(identity=IdentityKind.COMMUNITY_WORKER)
        .order_by("id_number")
        .select_related("unit")[:9]
    )
    officers = list(
        LearnerProfile.objects.filter(
            unit__path__startswith=facility.path, identity=IdentityKind.OFFICER
        )
        .exclude(user__username__in=["trainer", "facility_admin"])
        .order_by("id_number")[:4]
    )
    created = 0
    created += _class_ensure(
        code=COMMUNITY_CLASS,
        by=users["bureau_admin"],
        trainer=users["trainer"],
        learners=workers,
        title="2026年社区禁毒专干业务轮训班（第3期）",
        unit=bureau,
        place="省戒毒管理局培训中心二楼报告厅",
        starts_on=today - timedelta(days=10),
        ends_on=today - timedelta(days=8),
        capacity=30,
        description="社区戒毒社区康复执行程序、个案管理与防复吸干预，"
        "含情景模拟与案例研讨。",
    )
    created += _class_ensure(
        code=FACILITY_CLASS,
        by=users["facility_admin"],
        trainer=users["trainer"],
        learners=officers,
        title="心理矫治技能提升班",
        unit=facility,
        place="第一强制隔离戒毒所心理矫治中心",
        starts_on=today,
        ends_on=today + timedelta(days=2),
        capacity=3,
        description="正念防复发、内观疗法与动机访谈的实操训练。",
    )
    attended = 0
    days = ClassDay.objects.filter(offline_class__code=COMMUNITY_CLASS).order_by("date")
    for index, day in enumerate(days):
        present = [w for n, w in enumerate(workers) if not (index == 2 and n == 3)]
        results = attendance_record_by_trainer(
            day=day, learners=present, by=users["trainer"]
        )
        attended += sum(1 for r in results if r.created)
    return {"classes_created": created, "attendance": attended}


def demo_certificates_load() -> int:
    """Certificates of everyone who finished a course (their PDFs are drawn by
    Celery once the transaction commits)."""
    while records_refresh_stale():
        pass
    return certificates_issue_due()
