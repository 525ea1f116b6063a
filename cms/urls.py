from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cms import views as cms_views

urlpatterns = [
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", cms_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", cms_views.LogoutView.as_view(), name="logout"),
    path("healthz", cms_views.healthz, name="healthz"),
    path("search/", cms_views.search, name="search"),
    path("quizzes/", include("quizzes.urls")),
    path("reports/", include("reports.urls")),
    path("api/", include("api.urls")),
    path("", include("courses.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [
    # Wagtail's own (_util/...), with its page view swapped for one that reads the
    # route from the cache (cms.views.serve).
    *[p for p in wagtail_urls.urlpatterns if p.name != "wagtail_serve"],
    re_path(wagtail_urls.serve_pattern, cms_views.serve, name="wagtail_serve"),
]
