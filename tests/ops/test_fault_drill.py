"""`make faults`: the knobs the drill turns, and the checker that must catch a partial workbook.

The drill itself needs its own PostgreSQL, Redis and worker processes, so it runs on demand; these
tests keep its parts honest: the settings it sets through the environment take effect (and default to
the production values), the export pauses only when told to, and the watcher that decides "no partial
file was ever visible" really fails on a truncated file.
"""

import importlib.util
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook

from reports import services
from reports.models import ExportJob
from tests.factories.reports import ExportJobFactory

ROOT = Path(__file__).resolve().parents[2]


def load_drill():
    spec = importlib.util.spec_from_file_location("faults_drill", ROOT / "scripts" / "faults.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def settings_in_a_fresh_process(**environ: str) -> dict:
    """The settings module as a process started with this environment sees it."""
    code = (
        "import json, django; from django.conf import settings; django.setup(); print(json.dumps({"
        "'transport': settings.CELERY_BROKER_TRANSPORT_OPTIONS, 'time_limit': settings.CELERY_TASK_TIME_LIMIT,"
        "'stale': settings.REPORTS_STALE_QUEUED_SECONDS, 'delay': settings.REPORTS_EXPORT_STEP_DELAY}))"
    )
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "REPORTS_"))}
    env = {**keep, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "config.settings", **environ}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def workbook_bytes(sheets: list[str]) -> bytes:
    wb = Workbook()
    wb.active.title = sheets[0]
    for name in sheets[1:]:
        wb.create_sheet(name)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_without_the_drill_variables_the_production_timings_stand():
    seen = settings_in_a_fresh_process()
    # Longer than the hard time limit, so Redis never hands a running export to a second worker.
    assert seen["transport"] == {"visibility_timeout": seen["time_limit"] + 15 * 60}
    assert seen["stale"] == 10 * 60
    assert seen["delay"] == 0


def test_the_drill_variables_reach_the_broker_options_and_the_sweeper():
    seen = settings_in_a_fresh_process(
        CELERY_VISIBILITY_TIMEOUT="20", REPORTS_STALE_QUEUED_SECONDS="5", REPORTS_EXPORT_STEP_DELAY="1.5"
    )
    assert seen["transport"] == {"visibility_timeout": 20}
    assert (seen["stale"], seen["delay"]) == (5, 1.5)


def test_an_export_pauses_after_each_sheet_only_when_the_drill_asks(world, settings, monkeypatch):
    pauses: list[tuple[float, int]] = []
    job = ExportJobFactory(county=world.county_x, requested_by=world.admin_x)
    # Records the pause and the progress already on the row at that moment (time.sleep is the
    # collaborator here; the code under test is the export run that must call it).
    monkeypatch.setattr(services.time, "sleep", lambda s: pauses.append((s, ExportJob.objects.get(pk=job.pk).progress)))
    services.export_run(job_id=job.pk)
    assert pauses == []

    settings.REPORTS_EXPORT_STEP_DELAY = 0.5
    job = ExportJobFactory(county=world.county_x, requested_by=world.admin_x)
    done = services.export_run(job_id=job.pk)
    assert done.status == ExportJob.Status.DONE
    # The pause comes after the progress is written, so the drill can kill the worker at a known step.
    assert pauses == [(0.5, 10), (0.5, 20), (0.5, 40), (0.5, 60), (0.5, 75), (0.5, 85), (0.5, 95), (0.5, 98)]


def test_the_checker_accepts_a_whole_summary_and_refuses_a_truncated_one():
    drill = load_drill()
    whole = workbook_bytes(drill.SHEETS)
    assert drill.is_complete_workbook(whole) == (True, ", ".join(drill.SHEETS))
    assert drill.is_complete_workbook(whole[: len(whole) // 2])[0] is False
    assert drill.is_complete_workbook(workbook_bytes(["Sheet"]))[0] is False


class NoDownloads:
    def fetch(self, path):  # pragma: no cover - the watcher has no job ids here
        raise AssertionError(path)


@pytest.mark.parametrize("truncate", [False, True])
def test_the_watcher_flags_a_visible_partial_file_and_only_counts_hidden_parts(tmp_path, truncate):
    drill = load_drill()
    whole = workbook_bytes(drill.SHEETS)
    (tmp_path / ".annual-summary-1.xlsx.abc.part").write_bytes(whole[:100])  # being written: hidden
    (tmp_path / "annual-summary-1.xlsx").write_bytes(whole[:-200] if truncate else whole)
    watcher = drill.ExportWatcher(tmp_path, NoDownloads())
    watcher.look()
    assert watcher.parts_seen == {".annual-summary-1.xlsx.abc.part"}
    assert watcher.visible() == ["annual-summary-1.xlsx"]
    assert bool(watcher.bad) is truncate
