"""Swagger UI's files, served from the installed django-ninja package.

The docs page must work on an intranet without internet, so nothing comes from
a CDN. django-ninja ships Swagger UI's files as static files, but they are only
collected when "ninja" is an installed app; serving the few that the page needs
from the package here keeps the settings untouched and the files in step with
the installed version.
"""

from pathlib import Path

import ninja
from django.http import FileResponse, Http404
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

ASSETS_DIR = Path(ninja.__file__).resolve().parent / "static" / "ninja"
ASSETS = {
    "swagger-ui.css": "text/css",
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui-init.js": "text/javascript",
    "favicon.png": "image/png",
}


@require_GET
@cache_control(public=True, max_age=24 * 3600)
def docs_asset(request, name: str):
    content_type = ASSETS.get(name)  # only these names: never a path
    if content_type is None:
        raise Http404
    path = ASSETS_DIR / name
    if not path.is_file():
        raise Http404
    return FileResponse(path.open("rb"), content_type=content_type)
