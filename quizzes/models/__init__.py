from .attempts import (
    Attempt,
    AttemptItem,
    AttemptStatus,
    ReMark,
    SubmitReason,
)
from .categories import Category
from .imports import QuestionImport
from .learning import CategoryProgress, WrongAnswer
from .questions import (
    CHOICE_KINDS,
    OBJECTIVE_KINDS,
    BlankAnswer,
    Difficulty,
    KnowledgePoint,
    MultipleScoring,
    Option,
    Question,
    QuestionKind,
    QuestionKnowledgePoint,
)
from .quizzes import (
    FEEDBACK_MODES,
    Grading,
    PageLayout,
    QuestionUsage,
    Quiz,
    QuizMode,
    QuizQuestion,
    QuizRule,
    ReviewPolicy,
)

__all__ = [
    "CHOICE_KINDS",
    "FEEDBACK_MODES",
    "OBJECTIVE_KINDS",
    "Attempt",
    "AttemptItem",
    "AttemptStatus",
    "BlankAnswer",
    "Category",
    "CategoryProgress",
    "Difficulty",
    "Grading",
    "KnowledgePoint",
    "MultipleScoring",
    "Option",
    "PageLayout",
    "Question",
    "QuestionImport",
    "QuestionKind",
    "QuestionKnowledgePoint",
    "QuestionUsage",
    "Quiz",
    "QuizMode",
    "QuizQuestion",
    "QuizRule",
    "ReMark",
    "ReviewPolicy",
    "SubmitReason",
    "WrongAnswer",
]
