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
from .roles import Role, RoleAssignment
from .roster import RosterImport

__all__ = [
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
