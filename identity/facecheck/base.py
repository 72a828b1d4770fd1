"""The contract of remote face check providers (实人认证).

A provider checks that the person in front of the camera is alive (liveness) and
is the holder of an ID number, by matching the face against the registry photo
of that number. The flow, whatever the provider:

1. :func:`identity.services.facecheck.face_check_start` records the check (with
   the user's consent) and calls :meth:`BaseFaceCheckProvider.start`, which opens
   a session at the provider and says where to send the browser;
2. the user does the camera step on the provider's page;
3. the provider tells us the result: a signed server-to-server callback to
   ``facecheck:callback``, or the browser coming back to ``facecheck:return`` with
   a token that we look up at the provider. Either view calls
   :meth:`BaseFaceCheckProvider.parse_callback` (it verifies the signature or
   re-queries the provider first, and raises :class:`FaceCheckCallbackError` on
   anything it cannot trust) and then
   :func:`identity.services.facecheck.face_check_finish`;
4. optionally, a pending check is polled with :meth:`BaseFaceCheckProvider.query`.

**No images.** Providers often return the best frame of the video (``BestFrame``)
or other pictures. :meth:`parse_callback` and :meth:`query` return a
:class:`FaceCheckOutcome`, which has no place for one; adapters pass raw answers
through :func:`strip_images` before they look at, keep or log them.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.http import HttpRequest, HttpResponse, JsonResponse

from ..constants import FaceCheckDecision

# Keys that carry pictures or video in the answers of the providers we know (compared
# case-insensitively, with "_" and "-" ignored): dropped wherever they appear.
IMAGE_KEYS = frozenset(
    key.lower()
    for key in (
        "BestFrame",
        "BestFrames",
        "BestFrameList",
        "BestFrameBase64",
        "VideoData",
        "Video",
        "LivenessVideo",
        "Image",
        "Images",
        "ImageBase64",
        "ImageData",
        "FaceImage",
        "Photo",
        "PhotoBase64",
        "IdCardImage",
        "IdCardData",
        "Picture",
        "Pictures",
        "PictureInfo",
        "Portrait",
        "Frame",
        "Frames",
        "BestImage",
    )
)
# A string this long that looks like base64 is treated as an image too, whatever its key.
_LONG_BLOB = 512


def _is_image_key(key: str) -> bool:
    return key.replace("_", "").replace("-", "").lower() in IMAGE_KEYS


def _looks_like_blob(value: str) -> bool:
    if value.startswith("data:image/"):
        return True
    if len(value) < _LONG_BLOB:
        return False
    return all(character.isalnum() or character in "+/=_-\r\n" for character in value[:_LONG_BLOB])


def strip_images(data):
    """A copy of a provider's answer (dicts, lists, scalars) without any image or video:
    keys known to carry pictures are dropped, and so is any long base64-like string."""
    if isinstance(data, dict):
        return {
            key: strip_images(value)
            for key, value in data.items()
            if not _is_image_key(str(key)) and not (isinstance(value, str) and _looks_like_blob(value))
        }
    if isinstance(data, list):
        return [strip_images(value) for value in data if not (isinstance(value, str) and _looks_like_blob(value))]
    if isinstance(data, bytes | bytearray | memoryview):
        return None
    return data


@dataclass(frozen=True)
class StartResult:
    """A session opened at the provider.

    :param provider_session_id: the provider's id of the session (its ``BizToken``, ``CertifyId``, ...);
        unique per provider.
    :param redirect_url: where to send the user's browser for the camera step.
    """

    provider_session_id: str
    redirect_url: str


@dataclass(frozen=True)
class FaceCheckOutcome:
    """What a provider decided about one session: nothing else (no image, no personal data).

    :param provider_session_id: the session it is about.
    :param liveness_passed: True when the liveness detection passed (False for a spoof: a photo,
        a screen, a mask).
    :param match_score: similarity with the registry photo, 0–100 as the provider gives it; None if
        there was no comparison.
    :param decision: a :class:`identity.constants.FaceCheckDecision` value.
    """

    provider_session_id: str
    liveness_passed: bool
    match_score: Decimal | None
    decision: str

    def __post_init__(self):
        if self.decision not in FaceCheckDecision.values:
            raise ValueError(f"Unknown face check decision {self.decision!r}.")
        if self.match_score is not None and not isinstance(self.match_score, Decimal):
            object.__setattr__(self, "match_score", Decimal(str(self.match_score)))


class FaceCheckError(Exception):
    """The provider could not be reached or refused to open a session."""


class FaceCheckCallbackError(Exception):
    """A callback we cannot trust: bad signature, unknown session, malformed body.

    :param status: the HTTP status to answer with.
    """

    def __init__(self, message: str, *, status: int = 400):
        super().__init__(message)
        self.status = status


class BaseFaceCheckProvider:
    """Contract for face check providers (the extension point).

    Register a subclass in :data:`identity.facecheck.registry.register`
    (``@register("name")``, imported from an ``AppConfig.ready()``);
    ``settings.FACE_CHECK_PROVIDER`` names the one in use.

    Attributes:

    - ``name``: the identifier it is registered under (set by the registry).
    - ``label``: shown to users and officials.
    - ``is_sandbox``: True for providers that check no real face; production refuses them
      unless the deployment names ``face-check-sandbox`` in ``TONGBAN_STAGING_SANDBOXES``.
    - ``callback_is_browser_return``: True when the result arrives as the user's browser coming
      back: ``start`` then gets ``facecheck:return`` as ``callback_url`` (to give the provider as
      its redirect), and that view sends the browser on to the caller's return URL. False when
      the provider posts server to server to ``facecheck:callback`` (answered with
      :meth:`callback_response`).
    """

    label = ""
    is_sandbox = False
    callback_is_browser_return = False

    def __init__(self, identifier: str):
        self.name = identifier

    @property
    def verbose_name(self):  # for Registry.choices()
        return self.label

    def start(self, *, check, return_url: str, callback_url: str) -> StartResult:
        """Open a session for ``check`` (an :class:`identity.models.FaceCheck`, whose ``user`` is
        real-name verified). ``callback_url`` is the absolute URL of our callback view for this
        provider; ``return_url`` where the caller wants the browser in the end.

        :raises FaceCheckError: the provider could not open a session.
        """
        raise NotImplementedError

    def parse_callback(self, request: HttpRequest) -> FaceCheckOutcome:
        """Read the result the provider sent to our callback view. Verifies the provider's
        signature or token first (or looks the result up at the provider: never trusts what
        the request says alone), and drops any image.

        :raises FaceCheckCallbackError: anything that cannot be trusted or read.
        """
        raise NotImplementedError

    def query(self, provider_session_id: str) -> FaceCheckOutcome | None:
        """Ask the provider how a session ended; None while it has not ended (or if the provider
        offers no query). Drops any image."""
        return None

    def callback_response(self, *, ok: bool) -> HttpResponse:
        """What the provider expects as the answer to a server-to-server callback."""
        return JsonResponse({"code": "SUCCESS" if ok else "FAIL"}, status=200 if ok else 400)
