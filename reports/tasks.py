"""Background work of the reports: exports. Tasks take ids and call a service."""

from celery import shared_task


# acks_late + reject_on_worker_lost: a worker killed mid-export (OOM, deploy)
# leaves the message on the broker, so another worker runs the job again; the
# job counts its attempts and gives up after a few (reports.exports.MAX_ATTEMPTS).
@shared_task(name="reports.export_run", acks_late=True, reject_on_worker_lost=True)
def export_run(export_job_id: int) -> None:
    from reports.exports import export_job_process

    export_job_process(job_id=export_job_id)


@shared_task(name="reports.exports_sweep")
def exports_sweep() -> dict:
    """Jobs whose worker died are marked failed; expired files are deleted (beat)."""
    from reports.exports import exports_sweep as sweep

    return sweep()
