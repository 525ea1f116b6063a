"""Writes of the quiz engine. Keyword-only, typed, transactional; see each module."""

from .attempts import (
    AnswerResult,
    Feedback,
    answer_save,
    answer_save_by_token,
    attempt_start,
    attempt_submit,
    attempt_submit_by_token,
    attempts_expire,
)
from .bank import category_ensure, category_rename, question_create, question_update
from .book import wrong_answer_record_correct, wrong_answer_record_wrong
from .marking import item_mark, item_remark
from .progress import progress_rebuild
from .quizzes import blueprint_problems, quiz_publish, quiz_validate

__all__ = [
    "AnswerResult",
    "Feedback",
    "answer_save",
    "answer_save_by_token",
    "attempt_start",
    "attempt_submit",
    "attempt_submit_by_token",
    "attempts_expire",
    "blueprint_problems",
    "category_ensure",
    "category_rename",
    "item_mark",
    "item_remark",
    "progress_rebuild",
    "question_create",
    "question_update",
    "quiz_publish",
    "quiz_validate",
    "wrong_answer_record_correct",
    "wrong_answer_record_wrong",
]
