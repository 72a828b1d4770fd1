from http import HTTPStatus


class ApplicationError(Exception):
    """A domain rule refused an action.

    Raised by service functions; views and the API turn it into a message in
    the page's language or an ``application/problem+json`` body. ``message``
    is shown to the user, so it must be translated and must not leak data.

    :param message: human-readable explanation (lazy-translated string).
    :param code: stable machine-readable code, e.g. ``"transition_not_allowed"``.
    :param status: HTTP status the API answers with.
    :param extra: further JSON-serialisable members for the problem body.
    """

    def __init__(self, message, *, code: str = "invalid", status: int = HTTPStatus.BAD_REQUEST, extra=None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = int(status)
        self.extra = extra or {}
