from .learners import LearnerProfile, UnitMembership, User
from .organisation import OrgUnit, Position, UnitKind
from .roles import Role, RoleAssignment
from .roster import RosterImport

__all__ = [
    "LearnerProfile",
    "OrgUnit",
    "Position",
    "Role",
    "RoleAssignment",
    "RosterImport",
    "UnitKind",
    "UnitMembership",
    "User",
]
