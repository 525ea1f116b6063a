"""Forms of the trainer's side: categories, questions, quizzes and marks.

Every write goes through a service (`quizzes.services`), so an edit in the admin
passes the same checks as an import: a category's full path, a question's
composition and version, a quiz's blueprint against the bank. The forms check
what they can before anything is saved (the question and quiz being edited are
rebuilt in memory, with their inline rows, and checked as they would be saved)
and show each refusal as a form error.
"""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from quizzes.models import (
    CHOICE_KINDS,
    BlankAnswer,
    Category,
    Option,
    Question,
    QuestionKind,
    Quiz,
    QuizQuestion,
    QuizRule,
)
from quizzes.models.categories import PATH_SEPARATOR, validate_category_name
from quizzes.services import (
    category_ensure,
    category_rename,
    question_create,
    question_update,
    quiz_validate,
)


class CategoryChoiceField(forms.ModelChoiceField):
    """Categories shown by their full path, in tree order."""

    def label_from_instance(self, obj: Category) -> str:
        return obj.full_path


class CategoryCreateForm(forms.ModelForm):
    parent = CategoryChoiceField(
        queryset=Category.objects.all(),
        required=False,
        label=_("上级分类"),
        help_text=_("留空则建为顶级分类。"),
    )

    class Meta:
        model = Category
        fields = ["name", "description"]

    field_order = ["parent", "name", "description"]

    def clean(self):
        cleaned = super().clean()
        name = (cleaned.get("name") or "").strip()
        if name:
            parent = cleaned.get("parent")
            path = f"{parent.full_path}{PATH_SEPARATOR}{name}" if parent else name
            if Category.objects.filter(full_path=path).exists():
                self.add_error("name", _("分类“%(path)s”已存在。") % {"path": path})
            cleaned["full_path"] = path
        return cleaned

    def save(self, commit: bool = True) -> Category:
        category = category_ensure(path=self.cleaned_data["full_path"])
        description = self.cleaned_data.get("description", "")
        if category.description != description:
            category.description = description
            category.save(update_fields=["description", "updated_at"])
        self.instance = category
        return category


class CategoryEditForm(forms.ModelForm):
    """Rename (the full paths below follow) and describe; moving is not offered."""

    class Meta:
        model = Category
        fields = ["name", "description"]
        help_texts = {
            "name": _("改名后，下级分类的完整路径随之更新。"),
        }

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        validate_category_name(name)
        parent = self.instance.get_parent() if self.instance.depth > 1 else None
        path = f"{parent.full_path}{PATH_SEPARATOR}{name}" if parent else name
        clash = Category.objects.filter(full_path=path).exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError(_("分类“%(path)s”已存在。") % {"path": path})
        return name

    def save(self, commit: bool = True) -> Category:
        category = Category.objects.get(pk=self.instance.pk)
        if category.name != self.cleaned_data["name"]:
            category = category_rename(
                category=category, name=self.cleaned_data["name"]
            )
        description = self.cleaned_data.get("description", "")
        if category.description != description:
            category.description = description
            category.save(update_fields=["description", "updated_at"])
        self.instance = category
        return category


def live_forms(formset) -> list[forms.Form]:
    """The child forms that will be saved, in the order the author gave."""
    if getattr(formset, "can_order", False):
        return list(formset.ordered_forms)
    deleted = set(formset.deleted_forms) if formset.can_delete else set()
    return [
        form
        for form in formset.forms
        if form not in deleted and (form.instance.pk or form.has_changed())
    ]


class ServiceSavedForm(WagtailAdminModelForm):
    """A cluster form whose extra checks run once, after the fields and inline
    rows are valid, and whose `save` hands the data to a service."""

    def extra_errors(self) -> list[str]:
        return []

    def is_valid(self) -> bool:
        valid = super().is_valid()
        if valid and not getattr(self, "_extra_checked", False):
            self._extra_checked = True
            for message in self.extra_errors():
                self.add_error(None, message)
            valid = super().is_valid()
        return valid


QUESTION_FIELDS = [
    "kind",
    "stem",
    "category",
    "difficulty",
    "points",
    "scoring",
    "true_answer",
    "explanation",
    "is_active",
]


class QuestionForm(ServiceSavedForm):
    """A question with its options or accepted answers.

    Saved through `question_create` / `question_update`, so every edit raises the
    question's version and the same composition rules as an import apply.
    """

    def _options(self) -> list[dict]:
        if self.cleaned_data.get("kind") not in CHOICE_KINDS:
            return []
        specs = []
        for form in live_forms(self.formsets["options"]):
            spec = {
                "text": form.cleaned_data.get("text", ""),
                "is_correct": bool(form.cleaned_data.get("is_correct")),
            }
            if form.instance.pk:
                spec["id"] = form.instance.pk
            specs.append(spec)
        return specs

    def _blank_rows(self) -> list[tuple[int, str]]:
        if self.cleaned_data.get("kind") != QuestionKind.FILL_IN:
            return []
        return [
            (form.cleaned_data.get("blank") or 1, form.cleaned_data.get("text", ""))
            for form in live_forms(self.formsets["blank_answers"])
        ]

    def _blanks(self) -> list[list[str]]:
        rows = self._blank_rows()
        count = max((number for number, _text in rows), default=0)
        blanks: list[list[str]] = [[] for _number in range(count)]
        for number, text in rows:
            blanks[number - 1].append(text)
        return blanks

    def extra_errors(self) -> list[str]:
        kind = self.cleaned_data.get("kind")
        question = Question(kind=kind, true_answer=self.cleaned_data.get("true_answer"))
        question.options = [
            Option(text=spec["text"], is_correct=spec["is_correct"])
            for spec in self._options()
        ]
        question.blank_answers = [
            BlankAnswer(blank=number, text=text) for number, text in self._blank_rows()
        ]
        return question.composition_errors()

    def save(self, commit: bool = True) -> Question:
        fields = {name: self.cleaned_data[name] for name in QUESTION_FIELDS}
        if fields["kind"] != QuestionKind.TRUE_FALSE:
            fields["true_answer"] = None
        answers = {
            "options": self._options(),
            "blanks": self._blanks(),
            "knowledge_points": list(self.cleaned_data.get("knowledge_points") or []),
        }
        if self.instance.pk:
            question = question_update(question=self.instance, **answers, **fields)
        else:
            question = question_create(**answers, **fields)
        self.instance = question
        return question


class QuizForm(ServiceSavedForm):
    """A quiz's settings, fixed questions and blueprint rules.

    A published quiz (or one being published) runs `quiz_validate` on the quiz
    as it would be saved, so a blueprint the bank cannot fill is refused here,
    with the service's message, and never first at a learner's start.
    """

    def _quiz_as_saved(self) -> Quiz:
        data = self.cleaned_data
        values = {
            field.name: data[field.name]
            for field in Quiz._meta.concrete_fields
            if field.name in data
        }
        quiz = Quiz(pk=self.instance.pk, **values)
        quiz._state.adding = self.instance._state.adding  # for the unique checks
        quiz.quiz_questions = [
            QuizQuestion(
                question=form.cleaned_data["question"],
                points=form.cleaned_data.get("points"),
                sort_order=order,
            )
            for order, form in enumerate(live_forms(self.formsets["quiz_questions"]))
            if form.cleaned_data.get("question")
        ]
        quiz.rules = [
            QuizRule(
                category=form.cleaned_data["category"],
                include_subcategories=form.cleaned_data.get(
                    "include_subcategories", False
                ),
                kind=form.cleaned_data.get("kind", ""),
                difficulty=form.cleaned_data.get("difficulty", ""),
                count=form.cleaned_data["count"],
                points_each=form.cleaned_data.get("points_each"),
                sort_order=order,
            )
            for order, form in enumerate(live_forms(self.formsets["rules"]))
            if form.cleaned_data.get("category") and form.cleaned_data.get("count")
        ]
        return quiz

    def extra_errors(self) -> list[str]:
        if not self.cleaned_data.get("is_published"):
            return []
        try:
            quiz_validate(quiz=self._quiz_as_saved())
        except ValidationError as error:
            return [
                str(_("不能发布：%(problem)s") % {"problem": message})
                for message in error.messages
            ]
        return []

    def save(self, commit: bool = True) -> Quiz:
        quiz = super().save(commit=False)
        if commit:
            quiz.save()  # the cluster: settings, fixed questions and rules at once
            self.save_m2m()
        return quiz


def score_max_validator(points: Decimal) -> MaxValueValidator:
    return MaxValueValidator(points, message=_("得分不能超过满分%(limit_value)s分。"))


class MarkForm(forms.Form):
    score = forms.DecimalField(
        label=_("得分"), min_value=Decimal("0"), max_digits=6, decimal_places=2
    )
    comment = forms.CharField(
        label=_("评语"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("学员查看成绩时可以看到评语。"),
    )

    def __init__(self, *args, points: Decimal, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["score"].validators.append(score_max_validator(points))
        self.fields["score"].help_text = _("满分%(points)s分。") % {"points": points}
        self.fields["score"].widget.attrs.update({"max": points, "step": "0.5"})


class ReMarkForm(forms.Form):
    score = forms.DecimalField(
        label=_("新得分"), min_value=Decimal("0"), max_digits=6, decimal_places=2
    )
    reason = forms.CharField(
        label=_("重新评分原因"),
        required=False,  # checked in clean_reason, with our message
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("必填，将记入重新评分记录。"),
    )

    def __init__(self, *args, points: Decimal, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["score"].validators.append(score_max_validator(points))
        self.fields["score"].help_text = _("满分%(points)s分。") % {"points": points}
        self.fields["score"].widget.attrs.update({"max": points, "step": "0.5"})

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("重新评分必须填写原因。"))
        return reason
