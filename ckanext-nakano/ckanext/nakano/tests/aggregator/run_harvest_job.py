"""Runs one harvest job of a CKAN site to its end, in this process.

    python run_harvest_job.py CKAN_INI JOB_ID [--gather-only]

What the gather consumer, the fetch consumer and the cron's ``harvester run``
do, through ckanext-harvest's own functions and without the queues:
``queue.gather_stage``, then ``queue.fetch_and_import_stages`` for each object,
then the ``harvest_jobs_run`` action, which marks the job finished. It is
``ckan harvester run-test`` as ckanext-harvest means it; that command itself
cannot be used with ckanext-harvest 1.6.3 on CKAN 2.12 (``KeyError:
'source_type'``), and its consumers stop after 5 s of an idle queue under the
redis-py CKAN 2.12 pins (a socket timeout on their ``BLPOP``).

With ``--gather-only`` the job stops after the gather stage (what the source
lists, e.g. across the pages of a DCAT catalog): its objects are left
unimported and the job is closed.

Run by tests/aggregator/stock.py with the stock aggregator's ini: nothing of
ckanext-nakano is imported here.
"""
import json
import sys
import traceback
from logging.config import fileConfig

from ckan.cli import CKANConfigLoader
from ckan.config.middleware import make_app


def main(ini: str, job_id: str, gather_only: bool = False) -> int:
    fileConfig(ini, disable_existing_loggers=False)
    app = make_app(CKANConfigLoader(ini).get_config())
    with app._wsgi_app.test_request_context():
        import ckan.plugins.toolkit as tk
        from ckan import model
        from ckanext.harvest import queue
        from ckanext.harvest.model import HarvestGatherError, HarvestJob, HarvestObject, HarvestObjectError

        job = HarvestJob.get(job_id)
        if job is None:
            print(f"no harvest job {job_id}", file=sys.stderr)
            return 2
        harvester = queue.get_harvester(job.source.type)
        if harvester is None:
            print(f"no harvester for source type {job.source.type}", file=sys.stderr)
            return 2
        job.status = "Running"
        job.save()
        try:
            object_ids = queue.gather_stage(harvester, job)
        except Exception:  # the gather consumer would die here; the job keeps the trace
            job = HarvestJob.get(job_id)
            HarvestGatherError(message=f"gather stage raised: {traceback.format_exc()}", job=job).save()
            object_ids = []
        if not isinstance(object_ids, list):
            object_ids = []
        if gather_only:
            objects = [{"guid": o.guid, "state": o.state, "report_status": o.report_status,
                        "package_id": o.package_id}
                       for o in model.Session.query(HarvestObject).filter_by(harvest_job_id=job_id)]
            model.Session.query(HarvestObject).filter_by(harvest_job_id=job_id).update(
                {"state": "COMPLETE", "current": False})
            job = HarvestJob.get(job_id)
            job.status = "Finished"
            job.save()
            print("RESULT " + json.dumps({"job": job_id, "status": job.status, "objects": objects}))
            return 0
        for object_id in object_ids:
            obj = HarvestObject.get(object_id)
            try:
                queue.fetch_and_import_stages(harvester, obj)
            except Exception:  # a fetch consumer would die here; the object keeps the trace
                model.Session.rollback()
                obj = HarvestObject.get(object_id)
                obj.state, obj.report_status = "ERROR", "errored"
                obj.save()
                HarvestObjectError(object=obj, stage="Import",
                                   message=f"import raised: {traceback.format_exc()}").save()
            model.Session.remove()
        site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
        tk.get_action("harvest_jobs_run")(
            {"model": model, "session": model.Session, "user": site_user, "ignore_auth": True},
            {"source_id": HarvestJob.get(job_id).source_id})
        job = HarvestJob.get(job_id)
        objects = [{"guid": o.guid, "state": o.state, "report_status": o.report_status,
                    "package_id": o.package_id}
                   for o in model.Session.query(HarvestObject).filter_by(harvest_job_id=job_id)]
        # Last line: what the caller reads.
        print("RESULT " + json.dumps({"job": job_id, "status": job.status, "objects": objects}))
        return 0 if job.status == "Finished" else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], "--gather-only" in sys.argv[3:]))
