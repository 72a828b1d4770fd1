"""Certifying by face check, through the pages and the sandbox provider: consent first and
recorded, a pass certifies (and raises the pensioner to L3 until the certification expires),
a spoof or a mismatch fails the attempt and leaves every other way open, a family agent
certifies with their own face only under a covering proxy, and no image is kept."""

import datetime
import re

import pytest
from django.apps import apps
from django.db import connection, models
from django.urls import reverse
from django.utils import timezone

from benefits import services
from benefits.constants import (
    ACTION_CERTIFY_FOR,
    FACE_PURPOSE,
    PENSION_CERTIFICATION_SERVICE_CODE,
    AttemptStatus,
    Path,
    PaymentStatus,
    Role,
    TaskAction,
    TaskStatus,
)
from benefits.models import CertificationAttempt, CertificationTask
from common.exceptions import ApplicationError
from identity.constants import AssuranceLevel
from identity.facecheck.contrib.sandbox import FAKE_BEST_FRAME
from identity.forms import FACE_CONSENT_TEXT
from identity.models import ActingRecord, FaceCheck, User
from identity.tests.factories import ProxyAuthorisationFactory
from notifications.models import OutboxMessage

from .factories import benefits_official, campaign, in_days, pensioner_task, resident

pytestmark = pytest.mark.django_db


def _proxy(*, principal, proxy, **fields):
    fields.setdefault("service_codes", [PENSION_CERTIFICATION_SERVICE_CODE])
    if not fields.get("expired"):
        fields.setdefault("valid_until", in_days(30))
    return ProxyAuthorisationFactory(principal=principal, proxy=proxy, **fields)


def _start(client, task, *, consent: bool = True):
    data = {"consent": "on"} if consent else {}
    return client.post(reverse("benefits:certify", args=[task.pk]), data, REMOTE_ADDR="203.0.113.7")


def _face(client, task, result: str):
    """Consent, start, choose ``result`` on the sandbox page; the page the browser lands on."""
    started = _start(client, task)
    assert started.status_code == 302, started.content.decode()[:500]
    chosen = client.post(started["Location"], {"result": result})
    assert chosen.status_code == 302
    assert chosen["Location"].startswith(reverse("benefits:result", args=[task.pk]) + "?face_check=")
    return client.get(chosen["Location"])


def test_consent_is_required_and_recorded_through_the_page(client):
    pensioner = resident()
    task = pensioner_task(campaign(), account=pensioner)
    client.force_login(pensioner)
    page = client.get(reverse("benefits:task", args=[task.pk])).content.decode()
    assert 'type="checkbox" name="consent"' in page and "checked" not in page.split('name="consent"')[1][:200]
    assert str(FACE_CONSENT_TEXT)[:20] in page

    refused = _start(client, task, consent=False)
    assert refused.status_code == 400
    assert "请先阅读并勾选同意" in refused.content.decode()
    assert not FaceCheck.objects.exists()
    assert not CertificationAttempt.objects.exists()

    started = _start(client, task)
    assert started.status_code == 302
    check = FaceCheck.objects.get()
    assert (check.user, check.purpose) == (pensioner, FACE_PURPOSE)
    assert check.consent_text == str(FACE_CONSENT_TEXT)
    assert check.consented_at is not None and str(check.consent_ip) == "203.0.113.7"
    attempt = CertificationAttempt.objects.get()
    assert (attempt.face_check_id, attempt.path, attempt.status) == (check.pk, Path.FACE, AttemptStatus.STARTED)
    assert check.reference == attempt.reference


def test_the_pensioner_passes_the_face_check_and_is_certified_at_l3_until_it_expires(client):
    pensioner = resident()
    task = pensioner_task(campaign(), account=pensioner)
    client.force_login(pensioner)
    page = _face(client, task, "PASS").content.decode()
    assert "认证成功" in page
    task.refresh_from_db()
    assert (task.status, task.path, task.certified_by) == (TaskStatus.CERTIFIED, Path.FACE, pensioner)
    pensioner.refresh_from_db()
    assert pensioner.assurance_level == AssuranceLevel.L3
    assert pensioner.assurance_expires_at == task.certified_until
    step = task.transitions.last()
    assert (step.action, step.role, step.path, step.actor) == (TaskAction.CERTIFY, Role.PENSIONER, Path.FACE, pensioner)
    assert OutboxMessage.objects.filter(template="benefits.certified", user=pensioner).exists()
    # The task no longer offers a check; a replayed result changes nothing.
    assert 'name="consent"' not in client.get(reverse("benefits:task", args=[task.pk])).content.decode()
    services.face_check_finished(face_check=FaceCheck.objects.get())
    assert task.transitions.count() == 2


@pytest.mark.parametrize(("result", "decision"), [("SPOOF", "liveness_failed"), ("NO_MATCH", "no_match")])
def test_a_spoof_or_a_mismatch_fails_the_attempt_and_every_other_way_stays_open(client, result, decision):
    pensioner = resident()
    task = pensioner_task(campaign(), account=pensioner)
    client.force_login(pensioner)
    page = _face(client, task, result).content.decode()
    assert "认证未通过" in page
    assert "再试一次" in page
    for way in ("申请上门认证", "到社保服务大厅现场认证", "由亲属代办"):
        assert way in page
    task.refresh_from_db()
    assert (task.status, task.failed_attempts, task.path) == (TaskStatus.PENDING, 1, "")
    attempt = CertificationAttempt.objects.get()
    assert (attempt.status, attempt.decision) == (AttemptStatus.FAILED, decision)
    step = task.transitions.last()
    assert (step.action, step.from_status, step.to_status) == (
        TaskAction.ATTEMPT_FAILED,
        TaskStatus.PENDING,
        TaskStatus.PENDING,
    )
    pensioner.refresh_from_db()
    assert pensioner.assurance_level == AssuranceLevel.L2
    assert OutboxMessage.objects.filter(template="benefits.attempt_failed").exists()
    # Trying again works.
    assert "认证成功" in _face(client, task, "PASS").content.decode()


def test_a_cancelled_check_ends_the_attempt_without_counting_a_failure(client):
    pensioner = resident()
    task = pensioner_task(campaign(), account=pensioner)
    client.force_login(pensioner)
    assert "已取消" in _face(client, task, "CANCEL").content.decode()
    task.refresh_from_db()
    assert (task.status, task.failed_attempts) == (TaskStatus.PENDING, 0)
    assert CertificationAttempt.objects.get().status == AttemptStatus.FAILED
    assert not OutboxMessage.objects.filter(template="benefits.attempt_failed").exists()


def test_a_family_agent_without_a_mandate_is_refused(client):
    father, son = resident(), resident()
    task = pensioner_task(campaign(), account=father)
    for grant in (
        None,
        _proxy(principal=father, proxy=son, service_codes=["SHBZ-001"]),  # another service
        _proxy(principal=father, proxy=son, expired=True),
        _proxy(principal=father, proxy=son, revoked=True),
    ):
        with pytest.raises(ApplicationError) as refused:
            services.certification_face_start(
                task_id=task.pk, actor=son, consent_given=True, consent_text="同意", return_url="/my/benefits/"
            )
        assert refused.value.code == "not_mandated", grant
        assert refused.value.status == 403
    assert not FaceCheck.objects.exists() and not CertificationAttempt.objects.exists()
    # The page does not even show the task to them.
    client.force_login(son)
    assert _start(client, task).status_code == 404
    # A pensioner without a portal account cannot have a family agent online.
    no_account = pensioner_task(campaign())
    with pytest.raises(ApplicationError) as refused:
        services.certification_face_start(
            task_id=no_account.pk, actor=son, consent_given=True, consent_text="同意", return_url="/my/benefits/"
        )
    assert refused.value.code == "not_mandated"


def test_a_family_agent_certifies_their_father_with_their_own_face(client):
    father, son = resident(), resident()
    task = pensioner_task(campaign(), account=father)
    _proxy(principal=father, proxy=son)
    client.force_login(son)
    page = _face(client, task, "PASS").content.decode()
    assert "认证成功" in page and father.real_name in page
    check = FaceCheck.objects.get()
    assert check.user == son  # the agent's own face
    task.refresh_from_db()
    assert (task.status, task.path, task.certified_by) == (TaskStatus.CERTIFIED, Path.AGENT_FACE, son)
    assert task.transitions.last().role == Role.AGENT
    record = ActingRecord.objects.get(action=ACTION_CERTIFY_FOR)
    assert (record.actor, record.principal_user, record.service_code) == (
        son,
        father,
        PENSION_CERTIFICATION_SERVICE_CODE,
    )
    father.refresh_from_db()
    son.refresh_from_db()
    assert father.assurance_level == AssuranceLevel.L2  # nobody saw his face
    # The father is told.
    assert OutboxMessage.objects.filter(template="benefits.certified", user=father).exists()


def test_a_proxy_revoked_during_the_face_check_certifies_nothing(client):
    father, son = resident(), resident()
    task = pensioner_task(campaign(), account=father)
    grant = _proxy(principal=father, proxy=son)
    client.force_login(son)
    started = _start(client, task)
    grant.revoked_at = timezone.now()
    grant.save(update_fields=["revoked_at"])
    landed = client.post(started["Location"], {"result": "PASS"})
    assert FaceCheck.objects.get().status == "passed"
    task.refresh_from_db()
    assert task.status == TaskStatus.PENDING
    attempt = CertificationAttempt.objects.get()
    assert (attempt.status, attempt.decision) == (AttemptStatus.FAILED, "not_mandated")
    assert not ActingRecord.objects.filter(action=ACTION_CERTIFY_FOR).exists()
    assert landed.status_code == 302


def test_a_late_face_certification_resumes_the_suspended_payment(client):
    official = benefits_official()
    pensioner = resident()
    window = campaign(start=timezone.localdate() - datetime.timedelta(days=40), days=30)
    task = pensioner_task(window, account=pensioner)
    services.campaign_close(campaign_id=window.pk)
    services.task_suspend(task_id=task.pk, actor=official)
    client.force_login(pensioner)
    assert "养老金已恢复发放" in _face(client, task, "PASS").content.decode()
    task.refresh_from_db()
    assert (task.status, task.payment_status) == (TaskStatus.CERTIFIED, PaymentStatus.RESUMED)


def test_no_image_bytes_are_stored(client):
    # No column of ours can hold an image: no binary or image fields; the one file is an official's proof.
    for model in apps.get_app_config("benefits").get_models():
        for field in model._meta.get_fields():
            assert not isinstance(field, models.BinaryField | models.ImageField), f"{model.__name__}.{field.name}"
            if isinstance(field, models.FileField):
                assert (model, field.name) == (CertificationTask, "exemption_proof")
    pensioner = resident()
    task = pensioner_task(campaign(), account=pensioner)
    client.force_login(pensioner)
    _face(client, task, "PASS")
    # The sandbox's callback carried a "best frame" picture: it is nowhere in our tables.
    frame = re.escape(FAKE_BEST_FRAME[:60])
    tables = [model._meta.db_table for model in apps.get_app_config("benefits").get_models()]
    tables.append(FaceCheck._meta.db_table)
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT coalesce(string_agg(t::text, ''), '') FROM {table} AS t")  # noqa: S608
            assert not re.search(frame, cursor.fetchone()[0]), table
    assert User.objects.filter(pk=pensioner.pk).exists()
