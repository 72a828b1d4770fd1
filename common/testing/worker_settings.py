"""Test settings for worker processes that need a provider shared across
processes: the test settings with ``SMS_BACKEND`` taken from the environment
(``TONGBAN_TEST_SMS_BACKEND``), e.g. the file-backed sandbox."""

import os

from config.settings.test import *  # noqa: F403
from config.settings.test import SMS_BACKEND

SMS_BACKEND = os.environ.get("TONGBAN_TEST_SMS_BACKEND", SMS_BACKEND)
