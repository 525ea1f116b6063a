"""`Authorization: Bearer <token>` for every endpoint of the API.

Sessions are not accepted: the API is for other systems and the mobile app, and
without cookies there is no cross-site request to guard against. A refusal is a
401 with a Chinese `detail` (see `api.api`); the token's user becomes
`request.user`, so the services and page view restrictions see who is asking.
"""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from api.models import ApiToken
from api.tokens import TokenRefused, token_authenticate


class TokenAuth(HttpBearer):
    def __call__(self, request: HttpRequest) -> ApiToken:
        value = request.headers.get(self.header, "")
        if not value.strip():
            raise AuthenticationError(message=_("缺少访问令牌。"))
        scheme, _space, secret = value.strip().partition(" ")
        if scheme.lower() != self.openapi_scheme:
            raise AuthenticationError(
                message=_("请在 Authorization 请求头中使用 Bearer 访问令牌。")
            )
        return self.authenticate(request, secret)

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:
        try:
            found = token_authenticate(token)
        except TokenRefused as error:
            raise AuthenticationError(message=str(error)) from None
        request.user = found.user
        return found


token_auth = TokenAuth()
