"""Authentication: allauth's backend (email and password), with the user of a session read from the cache.

Every request with a session loads its user. On a page served from the page cache that ORM
query was a quarter of a member's request, so the user row is kept in the cache
``USER_CACHE_SECONDS`` at most, dropped whenever the user is saved or deleted (a changed
password, a deactivation: at once, and again when the transaction commits, so a copy read
from the old row meanwhile does not survive). Django still checks the session's password
hash against this user on every request. Redis away: the cache answers a miss, the row is read.
"""

from functools import partial

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.core.cache import cache
from django.db import transaction

USER_CACHE_SECONDS = 300


def user_cache_key(user_id) -> str:
    return f"members:user:{user_id}"


class AuthenticationBackend(AllauthBackend):
    def get_user(self, user_id):
        key = user_cache_key(user_id)
        user = cache.get(key)
        if user is None:
            user = super().get_user(user_id)
            if user is not None:
                cache.set(key, user, USER_CACHE_SECONDS)
            return user
        return user if self.user_can_authenticate(user) else None


def forget_user(sender, instance, **kwargs) -> None:
    """Receiver of the user's post_save and post_delete."""
    key = user_cache_key(instance.pk)
    cache.delete(key)
    transaction.on_commit(partial(cache.delete, key), robust=True)
