"""Celery queues by kind of work, so a long export never delays a notice.

Every project task is placed here by name; a task missing from the table goes to `default`, and a test
fails on it, so each new task is placed on purpose. `make serve` starts one worker per queue group
(`SERVE_WORKER_GROUPS`), and on several machines each worker host takes the groups it should run.
"""

from typing import Any

NOTICES = "notices"  # what a person waits for: notices, SMS; short and many
IMPORTS = "imports"  # parsing and writing uploaded files
EXPORTS = "exports"  # workbooks, packs and document batches; long
TALLIES = "tallies"  # credit tallies and ledger rebuilds; long, database-heavy
DEFAULT = "default"  # sweepers, clean-ups, periodic bulletins

QUEUES = (NOTICES, IMPORTS, EXPORTS, TALLIES, DEFAULT)

# The groups `make serve` starts by default: one worker each, so the long kinds have workers of their own.
DEFAULT_WORKER_GROUPS = f"{NOTICES},{DEFAULT} {IMPORTS},{TALLIES} {EXPORTS}"

TASK_QUEUES: dict[str, str] = {
    "programs.tasks.send_notices": NOTICES,
    "programs.tasks.send_notice_sms": NOTICES,
    "programs.tasks.deliver_pending_notices": NOTICES,
    "programs.sweep_pending_notices": DEFAULT,
    "assessment.tasks.run_tally": TALLIES,
    "assessment.finalise_claim_publicity": TALLIES,
    "outreach.tasks.build_resource_pack": EXPORTS,
    "reports.export_annual_summary": EXPORTS,
    "reports.sweep_stale_exports": DEFAULT,
    "certificates.issue_batch": EXPORTS,
    "certificates.sweep_stale_batches": DEFAULT,
    "core.check_import": IMPORTS,
    "core.expire_import_files": DEFAULT,
    "outreach.weekly_workshop_bulletins": DEFAULT,
    "assessment.tasks.run_cycle_review": TALLIES,  # 周期核定: locks five years of ledger rows
}


def route_task(name: str, args: Any, kwargs: Any, options: Any, task: Any = None, **kw: Any) -> dict[str, str]:
    """Celery's `task_routes` router: the queue of a task by its registered name."""
    return {"queue": TASK_QUEUES.get(name, DEFAULT)}
