"""The login backend, with the signed-in user read from the cache.

Every request of a signed-in reader loads their account; the lesson heartbeat
(every 30 s from every open lesson) would spend a third of its statements on
it. The account is cached under the user's version token (`courses.cache`),
which moves whenever the account, its groups or its permissions change, so a
password change, a deactivation or a new role takes effect on the next request.
"""

from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache

from courses.cache import USER_FRAGMENT_SECONDS, user_version


class CachedModelBackend(ModelBackend):
    def get_user(self, user_id):
        key = f"auth:user:{user_id}:{user_version(user_id)}"
        user = cache.get(key)
        if user is None:
            user = super().get_user(user_id)
            if user is not None:
                cache.set(key, user, USER_FRAGMENT_SECONDS)
        return user if user is not None and self.user_can_authenticate(user) else None
