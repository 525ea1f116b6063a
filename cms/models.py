"""Site pages."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from courses.models import LearnerProfile


class HomePage(Page):
    """The site's front page: a welcome, then each user's own starting points."""

    intro = RichTextField(_("导语"), blank=True)
    notice = models.CharField(
        _("通知"),
        max_length=200,
        blank=True,
        help_text=_("显示在首页顶部的简短通知，例如考试安排。"),
    )

    content_panels = Page.content_panels + [FieldPanel("notice"), FieldPanel("intro")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["courses.CourseIndexPage", "courses.ResourceBankPage"]
    max_count = 1

    class Meta:
        verbose_name = _("首页")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        user = request.user
        if user.is_authenticated:
            context["learner"] = (
                LearnerProfile.objects.select_related("unit", "position")
                .filter(user=user)
                .first()
            )
            context["role_assignments"] = user.role_assignments.select_related("unit")
        return context
