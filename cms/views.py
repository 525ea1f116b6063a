from django.contrib.auth import views as auth_views
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from wagtail import views as wagtail_views

from courses.cache import page_render_context, page_route_cached
from courses.selectors.search import content_search


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


def serve(request, path):
    """Wagtail's page view, with the site and the route read from the cache when
    the page allows it (`courses.cache.page_route_cached`)."""
    page_route_cached(request, path)
    return wagtail_views.serve(request, path)


def search(request):
    """Site search over lessons, textbook sections and courses, in Chinese."""
    query = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    outcome = content_search(
        query=query, kind=kind, page_number=request.GET.get("page")
    )
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "cms/search.html",
        {
            "query": query,
            "kind": kind,
            "outcome": outcome,
            "query_string": params.urlencode(),
            "kinds": [("", _("全部")), ("lesson", _("课")), ("course", _("课程与章"))],
            **page_render_context(request),
        },
    )


@never_cache
def healthz(request):
    """For a load balancer: the process answers and the database does too."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
