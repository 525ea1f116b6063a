"""Roster import (花名册导入): the organisation tree and the people, from one workbook.

Three steps, each usable alone:

* `roster_read` / `roster_from_records` turn a workbook (or plain records) into a
  `Roster` of trimmed, normalised text rows, or raise `RosterInvalid` when the file
  itself is unusable (not a workbook, wrong sheets, missing columns);
* `roster_validate` checks every row against the file and the database and returns
  every problem at once, so an administrator fixes the file in one pass;
* `roster_apply` writes the tree and the people in one transaction: either the whole
  file is imported or nothing is.

`roster_import_process` runs a `RosterImport` job (from a Celery task or the admin)
around these steps and records its progress and outcome.
"""

from courses.services.roster.apply import BULK_BATCH_SIZE, roster_apply
from courses.services.roster.check import roster_validate
from courses.services.roster.job import GENERIC_FAILURE, roster_import_process
from courses.services.roster.read import roster_from_records, roster_read
from courses.services.roster.template import roster_template_workbook
from courses.services.roster.types import (
    PersonRow,
    Roster,
    RosterError,
    RosterInvalid,
    UnitRow,
)

__all__ = [
    "BULK_BATCH_SIZE",
    "GENERIC_FAILURE",
    "PersonRow",
    "Roster",
    "RosterError",
    "RosterInvalid",
    "UnitRow",
    "roster_apply",
    "roster_from_records",
    "roster_import_process",
    "roster_read",
    "roster_template_workbook",
    "roster_validate",
]
