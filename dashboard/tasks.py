from celery import shared_task


@shared_task(name="dashboard.refresh_summary")
def refresh_summary() -> int:
    """Run by beat: recompute the dashboard's summary for the last DASHBOARD_REFRESH_DAYS days. Idempotent."""
    from .services import summary_refresh_recent

    return summary_refresh_recent()
