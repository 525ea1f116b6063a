"""The marking queue (阅卷) in the Wagtail admin.

Items waiting for a trainer (essays) are listed oldest submission first, across
quizzes; a trainer opens one, sees the question and the learner's answer from
the attempt's snapshot, and marks it through `item_mark`. A marked item can be
re-marked through `item_remark`, with a required reason, and every re-mark is
listed under it (who, when, old and new score, why).

Two trainers on the same item: `item_mark` locks the item and refuses the
second mark, so the first stands; the second trainer is shown the mark that
stands and keeps what they typed, offered as a re-mark.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet

from quizzes.authoring.forms import MarkForm, ReMarkForm
from quizzes.errors import QuizError
from quizzes.models import AttemptItem, AttemptStatus, QuestionKind, Quiz
from quizzes.scoring import correct_answer
from quizzes.services import item_mark, item_remark

MARKING_PERMISSION = "quizzes.change_attemptitem"


def can_mark(user) -> bool:
    return user.is_active and user.has_perm(MARKING_PERMISSION)


def marking_queue(*, quiz: Quiz | None = None, marked: bool = False):
    """Items waiting for a mark, oldest submission first; or, with `marked`,
    items a trainer has marked (or an essay the machine scored 0 for being
    empty), most recent first, for re-marking."""
    items = AttemptItem.objects.select_related("attempt__quiz", "attempt__user")
    if quiz is not None:
        items = items.filter(attempt__quiz=quiz)
    if marked:
        return items.filter(
            Q(marker__isnull=False) | Q(kind=QuestionKind.ESSAY, score__isnull=False),
            attempt__status__in=[AttemptStatus.NEEDS_MARKING, AttemptStatus.MARKED],
        ).order_by("-marked_at", "-attempt__submitted_at", "-id")
    return items.filter(
        score__isnull=True, attempt__status=AttemptStatus.NEEDS_MARKING
    ).order_by("attempt__submitted_at", "attempt_id", "position")


def learner_name(user) -> str:
    return user.get_full_name() or user.get_username()


class MarkingPermissionMixin:
    def dispatch(self, request, *args, **kwargs):
        if not can_mark(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class MarkingQueueView(MarkingPermissionMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "quizzes/admin/marking/queue.html"
    page_title = _("阅卷")
    header_icon = "edit"
    per_page = 30

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        quiz = None
        quiz_id = self.request.GET.get("quiz", "")
        if quiz_id.isdigit():
            quiz = Quiz.objects.filter(pk=quiz_id).first()
        marked = self.request.GET.get("status") == "marked"
        queue = marking_queue(quiz=quiz, marked=marked)
        page = Paginator(queue, self.per_page).get_page(self.request.GET.get("p"))
        context.update(
            {
                "quizzes": Quiz.objects.order_by("title"),
                "quiz": quiz,
                "marked": marked,
                "page": page,
                "items": [
                    {"item": item, "learner": learner_name(item.attempt.user)}
                    for item in page
                ],
                "waiting": marking_queue(quiz=quiz).count(),
                "query": self.request.GET.urlencode(),
            }
        )
        return context


def answer_view(item: AttemptItem) -> dict:
    """What the learner answered and the key, from the snapshot, for the template.

    Texts stay raw here; the template sanitises question HTML with `quiz_html`
    and escapes what the learner typed.
    """
    snapshot = item.snapshot
    response = item.response or {}
    key = correct_answer(snapshot)
    view: dict = {"kind": snapshot["kind"], "answered": item.response is not None}
    if snapshot["kind"] in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        chosen = set(response.get("options", []))
        if "option" in response:
            chosen.add(response["option"])
        by_id = {option["id"]: option for option in snapshot.get("options", [])}
        order = item.option_order or list(by_id)
        view["options"] = [
            {
                "letter": chr(ord("A") + index),
                "text": by_id[option_id]["text"],
                "correct": by_id[option_id]["correct"],
                "chosen": option_id in chosen,
            }
            for index, option_id in enumerate(order)
            if option_id in by_id
        ]
    elif snapshot["kind"] == QuestionKind.TRUE_FALSE:
        view["value"] = response.get("value")
        view["key"] = key.get("value")
    elif snapshot["kind"] == QuestionKind.FILL_IN:
        given = response.get("blanks", [])
        view["blanks"] = [
            {
                "number": number,
                "given": given[number - 1] if number <= len(given) else "",
                "accepted": accepted,
            }
            for number, accepted in enumerate(snapshot.get("blanks", []), start=1)
        ]
    else:
        view["text"] = response.get("text", "")
    return view


class MarkItemView(MarkingPermissionMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "quizzes/admin/marking/item.html"
    header_icon = "edit"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.item = None

    def get_item(self) -> AttemptItem:
        return get_object_or_404(
            AttemptItem.objects.select_related(
                "attempt__quiz", "attempt__user", "marker"
            ).exclude(attempt__status=AttemptStatus.IN_PROGRESS),
            pk=self.kwargs["pk"],
        )

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("quiz_marking:queue"), "label": _("阅卷")},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_page_title(self):
        return _("阅卷：%(quiz)s 第%(position)s题") % {
            "quiz": self.item.attempt.quiz.title,
            "position": self.item.position,
        }

    def back_url(self) -> str:
        back = self.request.POST.get("next") or self.request.GET.get("next", "")
        if back and url_has_allowed_host_and_scheme(
            back, allowed_hosts={self.request.get_host()}
        ):
            return back
        return reverse("quiz_marking:queue")

    def forms(self, data=None, *, unsaved: dict | None = None):
        points = self.item.points
        if self.item.score is None:
            return MarkForm(data, points=points, prefix="mark"), None
        initial = {}
        if unsaved:
            initial["score"] = unsaved.get("score")
        return None, ReMarkForm(data, points=points, prefix="remark", initial=initial)

    def get(self, request, *args, **kwargs):
        self.item = self.get_item()
        mark_form, remark_form = self.forms()
        return self.render(mark_form, remark_form)

    def post(self, request, *args, **kwargs):
        self.item = self.get_item()
        if request.POST.get("action") == "remark":
            return self.post_remark()
        return self.post_mark()

    def post_mark(self):
        form = MarkForm(self.request.POST, points=self.item.points, prefix="mark")
        if form.is_valid():
            try:
                item_mark(
                    item=self.item,
                    score=form.cleaned_data["score"],
                    comment=form.cleaned_data["comment"],
                    marker=self.request.user,
                )
            except QuizError as error:
                if error.code != "already_marked":
                    form.add_error(None, error.messages)
                    return self.render(form, None)
                # Someone marked it first: theirs stands, ours is kept on screen.
                self.item = self.get_item()
                messages.warning(
                    self.request,
                    _(
                        "另一位阅卷人（%(marker)s）已先为本题评分：%(score)s分。"
                        "您的评分未保存；如需修改，请在下方重新评分并填写原因。"
                    )
                    % {
                        "marker": learner_name(self.item.marker)
                        if self.item.marker
                        else "-",
                        "score": self.item.score,
                    },
                )
                _mark, remark_form = self.forms(unsaved=form.cleaned_data)
                return self.render(
                    None, remark_form, unsaved_comment=form.cleaned_data["comment"]
                )
            messages.success(
                self.request,
                _("已评分：%(learner)s，%(score)s分。")
                % {
                    "learner": learner_name(self.item.attempt.user),
                    "score": form.cleaned_data["score"],
                },
            )
            return redirect(self.next_url())
        return self.render(form, None)

    def post_remark(self):
        _mark, form = self.forms(self.request.POST)
        if form is None:  # not marked yet: nothing to re-mark
            return redirect(self.request.path)
        if form.is_valid():
            try:
                item_remark(
                    item=self.item,
                    score=form.cleaned_data["score"],
                    reason=form.cleaned_data["reason"],
                    marker=self.request.user,
                )
            except QuizError as error:
                form.add_error(None, error.messages)
                return self.render(None, form)
            messages.success(
                self.request,
                _("已重新评分：%(old)s分 → %(new)s分。")
                % {"old": self.item.score, "new": form.cleaned_data["score"]},
            )
            return redirect(self.request.path)
        return self.render(None, form)

    def next_url(self) -> str:
        """The next item waiting in the same quiz, else the queue."""
        following = marking_queue(quiz=self.item.attempt.quiz).first()
        if following is not None:
            return reverse("quiz_marking:item", args=[following.pk])
        return self.back_url()

    def render(self, mark_form, remark_form, **extra):
        item = self.item
        context = self.get_context_data(
            item=item,
            attempt=item.attempt,
            learner=learner_name(item.attempt.user),
            snapshot=item.snapshot,
            answer=answer_view(item),
            mark_form=mark_form,
            remark_form=remark_form,
            remarks=item.remarks.select_related("marked_by").order_by("marked_at"),
            back_url=self.back_url(),
            **extra,
        )
        return self.render_to_response(context)


class MarkingMenuItem(MenuItem):
    def is_shown(self, request):
        return can_mark(request.user)


class MarkingViewSet(ViewSet):
    name = "quiz_marking"
    url_prefix = "quizzes/marking"
    icon = "edit"
    menu_label = _("阅卷")

    @property
    def menu_item_class(self):
        return MarkingMenuItem

    def get_urlpatterns(self):
        return [
            path("", MarkingQueueView.as_view(), name="queue"),
            path("<int:pk>/", MarkItemView.as_view(), name="item"),
        ]


marking_viewset = MarkingViewSet()
