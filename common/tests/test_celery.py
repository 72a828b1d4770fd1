import pytest

from common.tasks import ping


@pytest.mark.celery_worker
def test_task_round_trips_through_a_real_worker_process(celery_worker_process):
    result = ping.delay("你好")
    try:
        assert result.get(timeout=60) == "你好"
    except Exception:
        print(celery_worker_process.log())
        raise
