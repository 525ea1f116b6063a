"""Writes to the question bank: categories by path, questions with their answers."""

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, TypedDict

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from quizzes.models import (
    BlankAnswer,
    Category,
    Difficulty,
    MultipleScoring,
    Option,
    Question,
)
from quizzes.models.categories import PATH_SEPARATOR


class OptionSpec(TypedDict, total=False):
    id: int  # an existing option to keep (and update); omitted for a new one
    text: str
    is_correct: bool


@transaction.atomic
def category_ensure(*, path: str) -> Category:
    """The category at `path` ("禁毒法/第三章"), creating missing levels.

    This is how Moodle XML and GIFT category paths land in the tree. Safe under
    a concurrent import of the same path: the loser of the race finds the
    winner's node by its unique full path.
    """
    names = [part.strip() for part in path.split(PATH_SEPARATOR) if part.strip()]
    if not names:
        raise ValidationError({"path": _("分类路径不能为空。")})
    parent: Category | None = None
    for depth in range(1, len(names) + 1):
        full_path = PATH_SEPARATOR.join(names[:depth])
        node = Category.objects.filter(full_path=full_path).first()
        if node is None:
            candidate = Category(name=names[depth - 1])
            candidate.full_clean(exclude=["path", "depth", "numchild", "full_path"])
            try:
                with transaction.atomic():
                    if parent is None:
                        node = Category.add_root(instance=candidate)
                    else:
                        node = parent.add_child(instance=candidate)
            except IntegrityError:
                node = Category.objects.get(full_path=full_path)
        parent = Category.objects.get(pk=node.pk)  # fresh numchild for add_child
    assert parent is not None
    return parent


@transaction.atomic
def category_rename(*, category: Category, name: str) -> Category:
    """Rename a category and rewrite the full paths of everything under it."""
    category = Category.objects.select_for_update().get(pk=category.pk)
    old_prefix = category.full_path
    category.name = name
    category.full_clean(exclude=["path", "depth", "numchild", "full_path"])
    category.save()
    new_prefix = category.full_path
    descendants = list(category.get_descendants())
    for node in descendants:
        node.full_path = new_prefix + node.full_path[len(old_prefix) :]
    Category.objects.bulk_update(descendants, ["full_path"])
    return category


def _check_composition(question: Question) -> None:
    errors = question.composition_errors()
    if errors:
        raise ValidationError({"__all__": errors})


def _write_options(question: Question, options: Sequence[OptionSpec]) -> None:
    existing = {option.pk: option for option in question.options.all()}
    keep: list[int] = []
    for order, spec in enumerate(options):
        option = existing.get(spec.get("id")) or Option(question=question)
        option.text = spec["text"]
        option.is_correct = bool(spec.get("is_correct"))
        option.sort_order = order
        option.full_clean(exclude=["question"])
        option.save()
        keep.append(option.pk)
    question.options.exclude(pk__in=keep).delete()


def _write_blanks(question: Question, blanks: Sequence[Iterable[str]]) -> None:
    question.blank_answers.all().delete()
    order = 0
    for number, accepted in enumerate(blanks, start=1):
        for text in accepted:
            if not text.strip():
                continue
            answer = BlankAnswer(
                question=question, blank=number, text=text.strip(), sort_order=order
            )
            answer.full_clean(exclude=["question"])
            answer.save()
            order += 1


@transaction.atomic
def question_create(
    *,
    kind: str,
    stem: str,
    category: Category,
    options: Sequence[OptionSpec] = (),
    blanks: Sequence[Iterable[str]] = (),
    true_answer: bool | None = None,
    scoring: str = MultipleScoring.ALL_OR_NOTHING,
    explanation: str = "",
    difficulty: str = Difficulty.MEDIUM,
    points: Decimal | int | str = Decimal("1"),
    knowledge_points: Iterable[str] = (),
    is_active: bool = True,
) -> Question:
    """Create a question with its options or accepted answers, checked for its type.

    `blanks` lists, per blank, its accepted answers: [["禁毒法", "《禁毒法》"]].
    """
    question = Question(
        kind=kind,
        stem=stem,
        category=category,
        true_answer=true_answer,
        scoring=scoring,
        explanation=explanation,
        difficulty=difficulty,
        points=Decimal(str(points)),
        is_active=is_active,
    )
    question.full_clean()
    # Cluster relations hold the tags in memory until this first save commits them.
    question.knowledge_points.set(list(knowledge_points))
    question.save()
    _write_options(question, options)
    _write_blanks(question, blanks)
    question = Question.objects.get(pk=question.pk)
    _check_composition(question)
    return question


_EDITABLE_FIELDS = {
    "kind",
    "stem",
    "category",
    "true_answer",
    "scoring",
    "explanation",
    "difficulty",
    "points",
    "is_active",
}


@transaction.atomic
def question_update(
    *,
    question: Question,
    options: Sequence[OptionSpec] | None = None,
    blanks: Sequence[Iterable[str]] | None = None,
    knowledge_points: Iterable[str] | None = None,
    **fields: Any,
) -> Question:
    """Edit a question; its version goes up and attempts already drawn keep theirs.

    `options` given replaces the option list: specs with an `id` update that
    option, the others are added, and options not listed are removed.
    """
    unknown = set(fields) - _EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"question_update() got unexpected fields: {sorted(unknown)}")
    question = Question.objects.select_for_update().get(pk=question.pk)
    for name, value in fields.items():
        setattr(question, name, value)
    question.full_clean()
    if options is not None:
        _write_options(question, options)
    if blanks is not None:
        _write_blanks(question, blanks)
    if knowledge_points is not None:
        question.knowledge_points.set(list(knowledge_points))
    question.save()
    question = Question.objects.get(pk=question.pk)
    _check_composition(question)
    return question
