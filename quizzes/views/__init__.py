"""The learner's side of the quiz engine: /quizzes/…"""

from .book import wrong_answers, wrong_answers_redo
from .browse import drill, progress, quiz_detail, quiz_index, quiz_start
from .taking import answer, attempt_take, result, submit

__all__ = [
    "answer",
    "attempt_take",
    "drill",
    "progress",
    "quiz_detail",
    "quiz_index",
    "quiz_start",
    "result",
    "submit",
    "wrong_answers",
    "wrong_answers_redo",
]
