from .learners import LearnerProfile, UnitMembership, User
from .lesson_import import LessonImport
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
    UnitYear,
)
from .roles import Role, RoleAssignment
from .roster import RosterImport

__all__ = [
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
    "UnitYear",
    "ChapterPage",
    "CourseIndexPage",
    "CoursePage",
    "LessonPage",
    "LessonTopic",
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
