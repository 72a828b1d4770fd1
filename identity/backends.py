"""The authentication backend that reads the signed-in user on every request."""

from django.contrib.auth import backends, get_user_model

from common.prepared import Placeholders, PreparedQueries

# The dotted path sessions store (django.contrib.auth.BACKEND_SESSION_KEY): login() with an
# explicit backend, and permission queries (with_perm), name it.
MODEL_BACKEND = "identity.backends.ModelBackend"


def _user_by_pk(placeholders: Placeholders):
    return get_user_model()._default_manager.filter(pk=placeholders.integer("pk"))


_prepared_user = PreparedQueries(_user_by_pk, max_shapes=1, server_prepared=True)


class ModelBackend(backends.ModelBackend):
    """Django's model backend (passwords, permissions), with the user that every signed-in
    request loads (``get_user``) read by SQL compiled once per process.

    Building and compiling ``User.objects.get(pk=…)`` cost 0.49 ms of CPU per request against
    about 0.1 ms prepared (the query alone), of the 5-6 ms of CPU a 我的办件 page takes. The
    row, the checks (an inactive user is nobody) and the query count are the same as Django's.
    """

    def get_user(self, user_id):
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None
        users = _prepared_user().run(pk=pk)
        if not users:
            return None
        return users[0] if self.user_can_authenticate(users[0]) else None
