"""Wagtail admin: the position catalogue and roster import.

The organisation tree has no admin editor on purpose: it changes only through the
roster import, which validates the whole tree before writing.
"""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.model import ModelViewSet

from courses import views
from courses.models import Position
from courses.selectors.scope import Capability, user_has_capability

ADMIN_IMPORT_VIEWS = {
    "upload_template": "courses/admin/roster_import.html",
    "detail_template": "courses/admin/roster_import_detail.html",
    "detail_url": "courses_admin:roster_import_detail",
    "status_url": "courses:roster_import_status",
    "upload_url": "courses_admin:roster_import",
}


@require_http_methods(["GET", "POST"])
def admin_roster_upload(request):
    return views.roster_upload_handle(request, views=ADMIN_IMPORT_VIEWS)


def admin_roster_detail(request, pk: int):
    return views.roster_detail_handle(request, pk, views=ADMIN_IMPORT_VIEWS)


@hooks.register("register_admin_urls")
def register_roster_import_urls():
    return [
        path(
            "roster-import/",
            (
                [
                    path("", admin_roster_upload, name="roster_import"),
                    path("<int:pk>/", admin_roster_detail, name="roster_import_detail"),
                ],
                "courses_admin",
                "courses_admin",
            ),
        )
    ]


class RosterImportMenuItem(MenuItem):
    def is_shown(self, request):
        return user_has_capability(
            user=request.user, capability=Capability.IMPORT_ROSTER
        )


@hooks.register("register_admin_menu_item")
def register_roster_import_menu_item():
    return RosterImportMenuItem(
        _("导入花名册"),
        reverse("courses_admin:roster_import"),
        icon_name="group",
        order=900,
    )


class PositionViewSet(ModelViewSet):
    model = Position
    icon = "tag"
    menu_label = _("岗位目录")
    menu_order = 910
    add_to_admin_menu = True
    list_display = ["name", "code", "sort_order", "is_active"]
    form_fields = ["name", "code", "description", "sort_order", "is_active"]
    search_fields = ["name", "code"]


@hooks.register("register_admin_viewset")
def register_viewsets():
    return [PositionViewSet("positions")]
