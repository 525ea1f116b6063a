from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Completion reports for facility and bureau administrators, and exports."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = _("培训统计报表")
