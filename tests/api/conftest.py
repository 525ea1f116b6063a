"""Calling the JSON API with a bearer token."""

import json

import pytest

from api.tokens import token_create


class ApiClient:
    """The Django test client, with `Authorization: Bearer <token>` on each call."""

    def __init__(self, client, token: str | None):
        self.client = client
        self.token = token

    def _headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, path: str, **params):
        return self.client.get(path, params, headers=self._headers())

    def _send(self, method: str, path: str, body):
        return getattr(self.client, method)(
            path,
            data=json.dumps(body if body is not None else {}),
            content_type="application/json",
            headers=self._headers(),
        )

    def post(self, path: str, body=None):
        return self._send("post", path, body)

    def put(self, path: str, body=None):
        return self._send("put", path, body)


@pytest.fixture
def api_as(client):
    """api_as(user) → an ApiClient holding a fresh token of that user."""

    def make(user) -> ApiClient:
        return ApiClient(client, token_create(user=user, name="测试").secret)

    return make
