"""The clamd adapter against a local stand-in that speaks clamd's INSTREAM protocol."""

import contextlib
import datetime
import re
import socket
import struct
import threading
import time

import pytest
from celery.exceptions import Retry
from django.core.files.base import ContentFile
from django.test import override_settings
from django.utils import timezone

from applications.constants import ScanStatus
from applications.models import Application, SubmittedMaterial
from applications.scanning import clamd_scan, material_scan, material_scan_queue, materials_scan_due_ids
from applications.tasks import scan_material, scan_retry_countdown, sweep_material_scans
from applications.tests import factories
from common.testing.processes import CeleryWorkerProcess, database_url, free_port
from identity.tests.factories import UserFactory, login_with_totp

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


class FakeClamd:
    """SANDBOX: answers INSTREAM like clamd, finding the EICAR test string."""

    def __init__(self, port: int = 0):
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", port))
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
        # shutdown() wakes the thread blocked in accept(); close() alone may not.
        with contextlib.suppress(OSError):
            self.server.shutdown(socket.SHUT_RDWR)
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


UNREACHABLE = "127.0.0.1:9"  # the discard port: nothing listens there


def _pending_material(content: bytes = b"%PDF-1.7 harmless", *, application=None, age_seconds: int = 0):
    if application is None:
        application = Application.objects.create(applicant=UserFactory())
    material = SubmittedMaterial(
        application=application,
        source="upload",
        uploaded_by=application.applicant,
        scan_status=ScanStatus.PENDING,
        original_name="材料.pdf",
        content_type="application/pdf",
        created_at=timezone.now() - datetime.timedelta(seconds=age_seconds),
    )
    material.file.save("upload", ContentFile(content), save=True)
    return material


@pytest.mark.django_db
def test_an_unreachable_scanner_is_recorded_and_the_material_stays_pending():
    material = _pending_material()
    with override_settings(CLAMD_ADDRESS=UNREACHABLE), pytest.raises(OSError):
        material_scan(material_id=material.pk)
    with override_settings(CLAMD_ADDRESS=UNREACHABLE), pytest.raises(OSError):
        material_scan(material_id=material.pk)

    material.refresh_from_db()
    assert material.scan_status == ScanStatus.PENDING
    assert material.scan_attempts == 2
    assert "ConnectionRefusedError" in material.scan_last_error
    assert material.scan_checked_at is not None


@pytest.mark.django_db
def test_scanning_an_already_scanned_material_changes_nothing(clamd):
    material = _pending_material()
    with override_settings(CLAMD_ADDRESS=clamd.address):
        assert material_scan(material_id=material.pk) == ScanStatus.CLEAN
        material.refresh_from_db()
        checked_at = material.scan_checked_at
        assert material_scan(material_id=material.pk) == "skipped"
        assert scan_material.apply(args=[material.pk]).get() == "skipped"

    material.refresh_from_db()
    assert (material.scan_status, material.scan_attempts, material.scan_checked_at) == (
        ScanStatus.CLEAN,
        1,
        checked_at,
    )
    assert len(clamd.commands) == 1  # clamd was asked once


@pytest.mark.django_db
def test_the_result_reaches_every_copy_of_the_stored_file(clamd):
    """A bundle's sub-cases hold copies of the parent's material rows, sharing one stored file."""
    original = _pending_material(b"%PDF-1.7 prefix " + EICAR)
    copy = SubmittedMaterial.objects.create(
        application=Application.objects.create(applicant=original.uploaded_by),
        source="upload",
        uploaded_by=original.uploaded_by,
        scan_status=ScanStatus.PENDING,
        file=original.file.name,
    )
    with override_settings(CLAMD_ADDRESS=clamd.address):
        material_scan(material_id=original.pk)
    copy.refresh_from_db()
    assert copy.scan_status == ScanStatus.INFECTED
    assert not copy.file


@pytest.mark.django_db
def test_the_sweeper_picks_what_is_pending_past_the_threshold_and_not_tried_since():
    stuck = _pending_material(age_seconds=3600)
    _pending_material(age_seconds=5)  # just uploaded: its own task is on the way
    tried_recently = _pending_material(age_seconds=3600)
    SubmittedMaterial.objects.filter(pk=tried_recently.pk).update(scan_checked_at=timezone.now())
    done = _pending_material(age_seconds=3600)
    SubmittedMaterial.objects.filter(pk=done.pk).update(scan_status=ScanStatus.CLEAN)
    # A copy of the stuck file (a bundle's sub-case) is scanned with it, not twice.
    SubmittedMaterial.objects.create(
        application=stuck.application,
        source="upload",
        uploaded_by=stuck.uploaded_by,
        file=stuck.file.name,
        created_at=timezone.now() - datetime.timedelta(hours=1),
    )

    assert materials_scan_due_ids(stuck_after_seconds=600) == [stuck.pk]


def test_retries_back_off_exponentially_up_to_an_hour():
    with override_settings(MALWARE_SCAN_RETRY_BASE_SECONDS=30):
        assert [scan_retry_countdown(retries) for retries in range(9)] == [
            30,
            60,
            120,
            240,
            480,
            960,
            1920,
            3600,
            3600,
        ]


@pytest.mark.django_db
def test_the_task_retries_while_clamd_is_unreachable_and_gives_up_to_the_sweeper():
    material = _pending_material()
    with override_settings(CLAMD_ADDRESS=UNREACHABLE, MALWARE_SCAN_MAX_RETRIES=3, MALWARE_SCAN_RETRY_BASE_SECONDS=30):
        with pytest.raises(Retry) as first:
            scan_material.apply(args=[material.pk])
        with pytest.raises(Retry) as third:
            scan_material.apply(args=[material.pk], retries=2)
        # The last allowed retry leaves the material pending for the sweeper instead of failing loudly.
        assert scan_material.apply(args=[material.pk], retries=3).get() == "failed"
    assert (first.value.when, third.value.when) == (30, 120)
    material.refresh_from_db()
    assert (material.scan_status, material.scan_attempts) == (ScanStatus.PENDING, 3)


@pytest.mark.django_db
def test_queueing_a_scan_with_the_broker_down_loses_nothing(settings):
    """The upload's commit must not fail: the sweeper queues the scan later."""
    from config.celery import app

    material = _pending_material()
    saved = app.conf.broker_url
    app.conf.broker_url = f"redis://127.0.0.1:{free_port()}/0"
    from kombu import pools

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
    try:
        assert material_scan_queue(material_id=material.pk) is False
    finally:
        app.conf.broker_url = saved
        pools.reset()
        app._pool = None
        app.amqp._producer_pool = None
    material.refresh_from_db()
    assert material.scan_status == ScanStatus.PENDING


# --- The officials see a stuck scan -------------------------------------------------------


@pytest.fixture
def ga_case():
    item = factories.published_item(department_code="ga", code="GA-SCAN")
    return factories.submitted_application(applicant=factories.resident(), item=item)


@pytest.mark.django_db
def test_officials_see_stuck_scans_with_attempts_and_last_error(client, ga_case):
    officer = factories.official(department=ga_case.department)
    login_with_totp(client, officer)
    stuck = _pending_material(application=ga_case, age_seconds=3600)
    SubmittedMaterial.objects.filter(pk=stuck.pk).update(
        scan_attempts=4, scan_last_error="ConnectionRefusedError: [Errno 111] Connection refused"
    )
    fresh = _pending_material(application=ga_case)
    other_department = factories.submitted_application(
        applicant=factories.resident(), item=factories.published_item(department_code="amr", code="AMR-SCAN")
    )
    hidden = _pending_material(application=other_department, age_seconds=3600)

    listing = client.get("/admin/applications/submittedmaterial/?scan_stuck=yes")
    assert listing.status_code == 200
    shown = set(listing.context["cl"].result_list)
    assert stuck in shown
    assert fresh not in shown and hidden not in shown
    html = listing.content.decode()
    assert "Connection refused" in html

    case_page = client.get(f"/admin/applications/application/{ga_case.pk}/change/")
    text = re.sub(r"\s+", " ", case_page.content.decode())
    assert "查毒滞留" in text
    assert "已尝试 4 次" in text
    assert "Connection refused" in text


@pytest.mark.django_db
def test_the_materials_list_takes_a_constant_number_of_queries(client, ga_case, django_assert_max_num_queries):
    officer = factories.official(department=ga_case.department)
    login_with_totp(client, officer)
    for _number in range(3):
        _pending_material(application=ga_case, age_seconds=3600)
    with django_assert_max_num_queries(12) as few:
        client.get("/admin/applications/submittedmaterial/")
    for _number in range(10):
        _pending_material(application=ga_case, age_seconds=3600)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/admin/applications/submittedmaterial/")


# --- The scan survives a Redis outage and an unreachable clamd (real worker) ------------------


def _wait_for(condition, *, what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def scanning_worker(transactional_db, disposable_redis):
    """A real worker and this process on a private Redis, both scanning with a local clamd stand-in
    at a fixed address (the test starts the stand-in when it wants clamd up)."""
    from django.db import connection
    from kombu import pools

    from config.celery import app

    clamd_address = f"127.0.0.1:{free_port()}"
    database = connection.settings_dict
    url = database_url(database)
    worker = CeleryWorkerProcess(
        database_url=url,
        broker_url=disposable_redis.url,
        extra_env={"CLAMD_ADDRESS": clamd_address, "MALWARE_SCAN_RETRY_BASE_SECONDS": "1"},
    )
    # The scans the worker's sweeper queues must reach this worker's private queue.
    worker.extra_env["CELERY_TASK_DEFAULT_QUEUE"] = worker.queue
    saved = {key: app.conf[key] for key in ("broker_url", "result_backend", "task_default_queue")}

    def reset_connections():
        pools.reset()
        app._pool = None
        app.amqp._producer_pool = None
        app._backend_cache = None
        app._local.__dict__.pop("backend", None)

    app.conf.update(
        broker_url=disposable_redis.url, result_backend=disposable_redis.url, task_default_queue=worker.queue
    )
    reset_connections()
    worker.start()
    worker.wait_until_ready()
    try:
        with override_settings(CLAMD_ADDRESS=clamd_address):
            yield worker, disposable_redis, clamd_address
    finally:
        worker.stop()
        app.conf.update(**saved)
        reset_connections()


def _upload_draft(client):
    item = factories.published_item(department_code="ga", code="GA-OUTAGE")
    resident = factories.resident()
    draft = Application.objects.create(
        applicant=resident, service_item=item, service_version=item.published_version, department=item.department
    )
    client.force_login(resident)
    return draft, item.published_version.materials.get()


@pytest.mark.celery_worker
def test_a_material_uploaded_while_redis_is_down_is_scanned_and_downloadable_after_it_returns(client, scanning_worker):
    worker, redis, clamd_address = scanning_worker
    clamd = FakeClamd(port=int(clamd_address.rsplit(":", 1)[1]))
    try:
        sweep_material_scans.delay(stuck_after_seconds=3600).get(timeout=60)  # the worker is consuming
        draft, requirement = _upload_draft(client)

        redis.stop()
        response = client.post(
            f"/applications/drafts/{draft.pk}/materials/",
            {"requirement": requirement.pk, "file": factories.pdf_upload()},
        )
        # The upload was stored and committed although the scan could not be queued.
        assert response.status_code == 302
        material = draft.materials.get()
        assert material.scan_status == ScanStatus.PENDING
        download = f"/applications/drafts/{draft.pk}/materials/{material.pk}/"
        assert client.get(download).status_code == 404  # not handed out before the scan

        redis.start()
        # What beat does every minute, sent through the broker to the real worker.
        sweep_material_scans.apply_async(kwargs={"stuck_after_seconds": 0})
        try:
            _wait_for(
                lambda: SubmittedMaterial.objects.get(pk=material.pk).scan_status == ScanStatus.CLEAN,
                what="the scan after the outage",
            )
        except AssertionError:
            print(worker.log())
            raise
        response = client.get(download)
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF")
        assert clamd.commands == [b"zINSTREAM\0"]
    finally:
        clamd.close()


@pytest.mark.celery_worker
def test_the_scan_retries_with_backoff_until_clamd_answers(client, scanning_worker):
    worker, _redis, clamd_address = scanning_worker
    draft, requirement = _upload_draft(client)
    # clamd is down: the upload's task fails, records the attempt and retries after 1 s, 2 s, 4 s…
    response = client.post(
        f"/applications/drafts/{draft.pk}/materials/",
        {"requirement": requirement.pk, "file": factories.pdf_upload()},
    )
    assert response.status_code == 302
    material = draft.materials.get()
    try:
        _wait_for(lambda: SubmittedMaterial.objects.get(pk=material.pk).scan_attempts >= 2, what="two attempts")
    except AssertionError:
        print(worker.log())
        raise
    material.refresh_from_db()
    assert material.scan_status == ScanStatus.PENDING
    assert "ConnectionRefusedError" in material.scan_last_error

    clamd = FakeClamd(port=int(clamd_address.rsplit(":", 1)[1]))
    try:
        _wait_for(
            lambda: SubmittedMaterial.objects.get(pk=material.pk).scan_status == ScanStatus.CLEAN,
            what="the retried scan",
        )
    except AssertionError:
        print(worker.log())
        raise
    finally:
        clamd.close()
    material.refresh_from_db()
    assert material.scan_last_error == ""
    assert material.scan_attempts >= 3
    assert "Retry in" in worker.log()
