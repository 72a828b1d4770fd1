"""Moves lock the posting: two selections racing on two connections publish one result."""

import threading

import pytest

from marketplace import services
from marketplace.constants import PostingStatus, SelectionMethod
from marketplace.models import PostingTransition, SelectionResult

from . import factories as f


@pytest.mark.django_db(transaction=True)
def test_two_selections_racing_publish_one_result():
    kind = f.service_type()
    posting = f.posting(kind=kind, method=SelectionMethod.RANDOM_DRAW)
    for _i in range(3):
        f.quote(posting, f.agency(kind=kind), 1_000_00)
    f.past_deadline(posting)
    buyer = posting.buyer_enterprise.legal_representative
    agent = f.mandated_agent(posting.buyer_enterprise)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run(actor):
        from django.db import connection as thread_connection

        try:
            barrier.wait(timeout=10)
            results.append(services.posting_select(actor=actor, posting=posting).pk)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=run, args=(actor,)) for actor in (buyer, agent)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors, errors
    assert SelectionResult.objects.filter(posting=posting).count() == 1
    assert len(set(results)) == 1
    assert PostingTransition.objects.filter(posting=posting, to_status=PostingStatus.SELECTED).count() == 1
    assert PostingTransition.objects.filter(posting=posting, to_status=PostingStatus.CLOSED).count() == 1
