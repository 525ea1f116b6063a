from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuizzesConfig(AppConfig):
    """The quiz engine. It knows nothing of facilities or courses."""

    name = "quizzes"
    verbose_name = _("题库与测验")
    default_auto_field = "django.db.models.BigAutoField"
