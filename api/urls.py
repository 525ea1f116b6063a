"""/api/…: the JSON API (see `api.main`) and its documentation's files."""

from django.urls import path

from api import views
from api.main import api

urlpatterns = [
    path(
        "docs/assets/<str:name>",
        views.docs_asset,
        name="api_docs_asset",
    ),
    path("", api.urls),
]
