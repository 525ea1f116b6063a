"""The NinjaAPI: version 1 of the JSON API, its errors and its documentation.

- Every endpoint needs `Authorization: Bearer <token>` (`api.auth`).
- Every error is JSON `{"detail": "<中文说明>"}` (some add a `code`), with 400
  for bad input (a malformed parameter too, not pydantic's 422), 401 for a
  missing or unusable token, 403 for a caller who may not use an endpoint at
  all, 404 for what does not exist or lies outside the caller's scope, 409 when
  the state of an attempt or lesson refuses the request.
- The OpenAPI schema is at /api/openapi.json and Swagger UI at /api/docs, both
  served from this site: Swagger UI's files come from the django-ninja package
  itself (`api.views.docs_asset`), never from a CDN, because intranets have no
  internet.
"""

import json

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.docs import Swagger
from ninja.renderers import JSONRenderer

from api.auth import token_auth
from api.routers.me import router as me_router
from api.routers.org import router as org_router
from reports.selectors import ReportError


class Renderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}


class LocalSwagger(Swagger):
    """Swagger UI with its scripts and styles served by this site."""

    template = "api/docs.html"

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs):
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        return render(
            request,
            self.template,
            {
                "api": api,
                "swagger_settings": json.dumps(self.settings, indent=1),
                "asset": {
                    name.replace("-", "_").replace(".", "_"): reverse(
                        "api_docs_asset", args=[name]
                    )
                    for name in (
                        "swagger-ui.css",
                        "swagger-ui-bundle.js",
                        "swagger-ui-init.js",
                        "favicon.png",
                    )
                },
            },
        )


class TrainingApi(NinjaAPI):
    def get_openapi_operation_id(self, operation) -> str:
        return operation.view_func.__name__  # e.g. "org_unit_children"


api = TrainingApi(
    title="禁毒戒毒教育培训平台 数据接口",
    version="1",
    description=(
        "供移动端与智慧戒毒平台读取培训数据。所有接口需在请求头中携带 "
        "`Authorization: Bearer <访问令牌>`；令牌由管理员用 "
        "`python manage.py api_token create <用户名>` 创建。"
        "组织类接口的范围与报表页面相同：管辖范围以外的单位和人员一律返回 404。"
    ),
    urls_namespace="api",
    auth=token_auth,
    renderer=Renderer(),
    docs=LocalSwagger(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
api.add_router("/v1/org/", org_router)
api.add_router("/v1/me/", me_router)


def _error(request, status: int, detail: str, **extra) -> HttpResponse:
    return api.create_response(request, {"detail": detail, **extra}, status=status)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc: AuthenticationError):
    message = exc.message if exc.message != "Unauthorized" else _("缺少访问令牌。")
    response = _error(request, 401, message)
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    code = getattr(exc, "code", None)
    extra = {"code": code} if code else {}
    return _error(request, exc.status_code, exc.message, **extra)


@api.exception_handler(ReportError)
def _bad_filters(request, exc: ReportError):
    return _error(request, 400, str(exc))


@api.exception_handler(Http404)
def _not_found(request, exc: Http404):
    return _error(request, 404, _("未找到。"))


def _location(error: dict) -> str:
    """The field's own name: loc is ("query", "page_size") or ("body", <the
    body parameter>, "position", …)."""
    names = [str(p) for p in error.get("loc", ()) if isinstance(p, str)]
    return names[-1] if names and names[-1] not in ("query", "body", "path") else ""


@api.exception_handler(ValidationError)
def _invalid(request, exc: ValidationError):
    names = sorted({_location(e) for e in exc.errors} - {""})
    if names:
        detail = _("请求参数不正确：%(names)s。") % {"names": "、".join(names)}
    else:
        detail = _("请求参数不正确。")
    errors = [
        {"field": _location(e), "message": str(e.get("msg", ""))} for e in exc.errors
    ]
    return _error(request, 400, detail, errors=errors)
