class BaseSmsBackend:
    """The contract every SMS backend implements.

    Subclasses override :meth:`send_messages`. It sends each message and raises
    :class:`common.sms.SmsError` when the provider refuses one; callers retry
    through the outbox, so a backend must not retry on its own for long.
    """

    #: True for stand-ins that send nothing (console, locmem): production
    #: refuses them unless TONGBAN_STAGING_SANDBOXES names ``sms-console``.
    is_sandbox = False

    def __init__(self, **kwargs):
        self.options = kwargs

    def send_messages(self, messages) -> int:
        """Send ``messages``; return how many were accepted by the provider."""
        raise NotImplementedError

    def query(self, message, *, sent_at) -> str | None:
        """Whether the provider has ``message`` (looked up by its ``out_id``, sent
        around ``sent_at``): ``common.sms.SMS_ACCEPTED`` or ``SMS_NOT_FOUND``; None
        when this provider cannot be asked (the caller must then not resend).
        Raises :class:`common.sms.SmsError` when the provider cannot answer now."""
        return None
