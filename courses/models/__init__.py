from .certificates import Certificate, CertificateKind, CertificateStatus, PdfStatus
from .classes import ClassDay, ClassEnrolment, EnrolmentStatus, OfflineClass
from .learners import LearnerProfile, UnitMembership, User
from .lesson_import import LessonImport
from .notifications import Notification, NotificationKind
from .organisation import OrgUnit, Position, UnitKind
from .pages import (
    ChapterPage,
    CourseIndexPage,
    CoursePage,
    LessonPage,
    LessonTopic,
    Programme,
    ResourceBankPage,
)
from .records import (
    Assignment,
    CourseProgress,
    CreditReason,
    FactKind,
    HourCredit,
    HourRequirement,
    LearnerYear,
    LearningFact,
    LessonProgress,
    RecordStale,
    TrainingPolicy,
    UnitMonth,
    UnitYear,
)
from .roles import Role, RoleAssignment
from .roster import RosterImport

__all__ = [
    "ClassDay",
    "ClassEnrolment",
    "EnrolmentStatus",
    "OfflineClass",
    "Certificate",
    "CertificateKind",
    "CertificateStatus",
    "PdfStatus",
    "Assignment",
    "CourseProgress",
    "CreditReason",
    "FactKind",
    "HourCredit",
    "HourRequirement",
    "LearnerYear",
    "LearningFact",
    "LessonProgress",
    "RecordStale",
    "TrainingPolicy",
    "UnitMonth",
    "UnitYear",
    "ChapterPage",
    "CourseIndexPage",
    "CoursePage",
    "LessonPage",
    "LessonTopic",
    "Notification",
    "NotificationKind",
    "Programme",
    "ResourceBankPage",
    "LearnerProfile",
    "LessonImport",
    "OrgUnit",
    "Position",
    "Role",
    "RoleAssignment",
    "RosterImport",
    "UnitKind",
    "UnitMembership",
    "User",
]
