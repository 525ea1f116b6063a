from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The JSON API for other systems and the mobile app (django-ninja)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "api"
    verbose_name = _("数据接口")
