"""Question files: import and export in Moodle XML, GIFT and the Excel template.

Readers are pure (file → specs and problems); `questions_import` writes all or
nothing; `questions_export` writes the same formats back. See each module.
"""

from quizzes.io.importer import (
    FORMATS,
    ImportReport,
    import_max_bytes,
    questions_import,
    questions_read,
)
from quizzes.io.types import ImportProblem, OptionData, QuestionSpec

__all__ = [
    "FORMATS",
    "ImportProblem",
    "ImportReport",
    "OptionData",
    "QuestionSpec",
    "import_max_bytes",
    "questions_import",
    "questions_read",
]
