"""Lesson import (课程导入): resource-bank lessons from a spreadsheet, by code.

Three steps, each usable alone, as in the roster import:

* `lessons_read` / `lessons_from_records` turn an .xlsx or UTF-8 .csv (or plain
  records) into a `LessonSheet` of trimmed text rows, or raise `LessonsInvalid`
  when the file itself is unusable (too big, not what its extension says, GBK
  text, missing columns);
* `lessons_validate` checks every row against the file and the database and
  returns every problem at once, with its row number, column and reason;
* `lessons_apply` creates or updates the lessons under the resource bank in one
  transaction: the whole file or nothing, and nothing at all when nothing changed.

fixtures/lesson_template.md documents the columns and the rules.
"""

from courses.services.lessons.apply import lessons_apply
from courses.services.lessons.check import body_html, lessons_validate
from courses.services.lessons.read import lessons_from_records, lessons_read
from courses.services.lessons.template import (
    lesson_template_workbook,
    lessons_workbook,
)
from courses.services.lessons.types import (
    COLUMNS,
    MAX_FILE_BYTES,
    LessonError,
    LessonImportSummary,
    LessonRow,
    LessonSheet,
    LessonsInvalid,
)

__all__ = [
    "COLUMNS",
    "MAX_FILE_BYTES",
    "LessonError",
    "LessonImportSummary",
    "LessonRow",
    "LessonSheet",
    "LessonsInvalid",
    "body_html",
    "lesson_template_workbook",
    "lessons_apply",
    "lessons_from_records",
    "lessons_read",
    "lessons_validate",
    "lessons_workbook",
]
