"""Every English catalogue is complete: no untranslated and no fuzzy entries."""

import subprocess
from pathlib import Path

import pytest
from django.conf import settings

CATALOGUES = sorted(
    path for path in Path(settings.BASE_DIR).glob("**/locale/en/LC_MESSAGES/django.po") if ".venv" not in path.parts
)


def test_there_are_catalogues():
    assert len(CATALOGUES) >= 2


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda path: str(path.parent.parent.parent.parent.name))
def test_catalogue_is_fully_translated(catalogue):
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(catalogue)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr
