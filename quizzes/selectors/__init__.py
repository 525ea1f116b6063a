"""Reads of the quiz engine used by more than one caller."""

from .attempts import QuizGrade, attempt_get_for_user, quiz_grade_for
from .drill import DrillPick, daily_drill_draw
from .learning import ProgressSummary, category_progress_for, wrong_answers_for
from .review import AttemptReview, ItemReview, attempt_review

__all__ = [
    "AttemptReview",
    "DrillPick",
    "ItemReview",
    "ProgressSummary",
    "QuizGrade",
    "attempt_get_for_user",
    "attempt_review",
    "category_progress_for",
    "daily_drill_draw",
    "quiz_grade_for",
    "wrong_answers_for",
]
