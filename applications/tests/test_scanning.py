"""The clamd adapter against a local stand-in that speaks clamd's INSTREAM protocol."""

import socket
import struct
import threading

import pytest
from django.test import override_settings

from applications.constants import ScanStatus
from applications.scanning import clamd_scan, material_scan

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


class FakeClamd:
    """SANDBOX: answers INSTREAM like clamd, finding the EICAR test string."""

    def __init__(self):
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(4)
        self.address = f"127.0.0.1:{self.server.getsockname()[1]}"
        self.commands = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _read_exactly(self, connection, size):
        data = b""
        while len(data) < size:
            chunk = connection.recv(size - len(data))
            if not chunk:
                raise ConnectionError("client went away")
            data += chunk
        return data

    def _serve(self):
        while True:
            try:
                connection, _address = self.server.accept()
            except OSError:
                return
            with connection:
                command = b""
                while not command.endswith(b"\0"):
                    command += connection.recv(1)
                self.commands.append(command)
                content = b""
                while True:
                    (length,) = struct.unpack(">I", self._read_exactly(connection, 4))
                    if length == 0:
                        break
                    content += self._read_exactly(connection, length)
                reply = b"stream: Eicar-Test-Signature FOUND\0" if EICAR in content else b"stream: OK\0"
                connection.sendall(reply)

    def close(self):
        self.server.close()


@pytest.fixture
def clamd():
    server = FakeClamd()
    yield server
    server.close()


def test_clean_content_passes_and_the_protocol_is_instream(clamd):
    assert clamd_scan(b"%PDF-1.7 harmless" * 10000, address=clamd.address) is None
    assert clamd.commands == [b"zINSTREAM\0"]


def test_the_eicar_test_file_is_found(clamd):
    assert clamd_scan(b"prefix " + EICAR, address=clamd.address) == "Eicar-Test-Signature"


def test_an_unreachable_scanner_raises():
    with pytest.raises(OSError):
        clamd_scan(b"x", address="127.0.0.1:9", timeout=1)


@pytest.mark.django_db
def test_an_infected_upload_is_deleted_and_marked(clamd):
    from django.core.files.base import ContentFile

    from applications.models import Application, SubmittedMaterial
    from identity.tests.factories import UserFactory

    user = UserFactory()
    application = Application.objects.create(applicant=user)
    material = SubmittedMaterial(
        application=application, source="upload", uploaded_by=user, scan_status=ScanStatus.PENDING
    )
    material.file.save("upload", ContentFile(b"%PDF-1.7 " + EICAR), save=True)
    stored_name = material.file.name

    with override_settings(CLAMD_ADDRESS=clamd.address):
        assert material_scan(material_id=material.pk) == ScanStatus.INFECTED

    material.refresh_from_db()
    assert material.scan_status == ScanStatus.INFECTED
    assert not material.file.storage.exists(stored_name)
