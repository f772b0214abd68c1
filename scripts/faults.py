"""`make faults`: break the services under a running `make serve` and watch what people would see.

It never touches the machine's own PostgreSQL or Redis (other work and CI use them): it starts a
private PostgreSQL cluster and a private redis-server (nothing kept on disk, like the machine's) on
loopback ports in temp dirs, runs `scripts/serve.sh` (gunicorn + beat, DEBUG=0) against them with its
media files in a temp dir, runs the Celery worker itself (`scripts/serve.sh worker`, so it can kill it),
logs in as the demo county staff and the demo administrator, and then:

  1. stops PostgreSQL while pages are being requested: every answer must be the plain error page
     (no stack trace, no exception name, no SQL), /healthz must say 503;
     starts PostgreSQL again: the same browser session must get its page back without restarting
     anything, and /healthz must return to 200;
  2. asks for an annual summary in the browser and kills the worker (SIGKILL, its whole process
     group) while the export runs, then starts a worker again: the broker redelivers the unacked
     task (acks_late; the visibility timeout is lowered for the drill), the job completes on its
     second attempt, and exactly one complete file exists. A watcher checks all along that no
     visible file in the export folder, and no download, is ever a partial workbook;
  3. with the worker stopped, asks for several exports, restarts Redis (the queued messages are
     lost), starts the worker, triggers the stale-request sweeper as beat would: every job
     completes, none is lost, one file each; an export asked for after the restart runs as usual.

The exports are slowed down for the drill (REPORTS_EXPORT_STEP_DELAY seconds after each sheet) so
the kill lands mid-run; the sweeper's "stale" age is lowered (REPORTS_STALE_QUEUED_SECONDS).

It prints what it did and what it saw, and exits 1 if any expectation failed. Bounded: every wait
has a deadline. Only 127.0.0.1 is contacted.
"""

import glob
import http.cookiejar
import io
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_PORT = int(os.environ.get("FAULTS_PG_PORT", "55432"))
REDIS_PORT = int(os.environ.get("FAULTS_REDIS_PORT", "56379"))
BROKER_URL = f"redis://127.0.0.1:{REDIS_PORT}/0"
# Drill timings: an export takes about 6 × STEP_DELAY s; a killed worker's task comes back once it
# is VISIBILITY s old, at kombu's next restore sweep; requests queued longer than STALE s are the sweeper's.
STEP_DELAY = float(os.environ.get("FAULTS_STEP_DELAY", "1.0"))
VISIBILITY = int(os.environ.get("FAULTS_VISIBILITY_TIMEOUT", "20"))
STALE = int(os.environ.get("FAULTS_STALE_SECONDS", "5"))
RESTORE_SWEEP = 100  # kombu 5.7's Redis transport defaults: restore interval 10 s × throttle 10
SHEETS = [
    "年度汇总",
    "上报汇总",
    "学校参训",
    "培训覆盖",
    "未参训教师名单",
    "多次参训教师名单",
    "学分达标",
    "未达标教师名单",
    "送教下乡",
    "工作坊",
    "非教师学员",
]
WEB_PORT = int(os.environ.get("FAULTS_WEB_PORT", "8798"))
BASE = f"http://127.0.0.1:{WEB_PORT}"
DATABASE_URL = f"postgres://postgres@127.0.0.1:{PG_PORT}/peixun_faults"
PASSWORD = os.environ.get("DEMO_PASSWORD", "peixun-demo-2026")
PAGE = "/registry/teachers/"
# What must never reach a browser when something breaks.
LEAKS = ("Traceback", "OperationalError", "InterfaceError", "psycopg", 'File "', "SELECT ", "DATABASES")
# The project's own plain pages (templates/500.html, templates/400.html: no database, no template context).
ERROR_PAGES = {500: "服务暂时不可用", 503: "服务暂时不可用", 400: "请求未能完成"}

failures: list[str] = []


def say(message: str) -> None:
    print(message, flush=True)


def expect(condition: bool, message: str) -> None:
    say(("  ok    " if condition else "  FAIL  ") + message)
    if not condition:
        failures.append(message)


class PrivatePostgres:
    """A throwaway cluster: initdb, start, stop, start again, remove."""

    def __init__(self) -> None:
        versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
        if not versions:
            raise SystemExit("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
        self.bin = Path(versions[-1])
        self.dir = Path(tempfile.mkdtemp(prefix="peixun-faults-pg-"))
        self.data = self.dir / "data"
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_postgres:
            shutil.chown(self.dir, "postgres", "postgres")

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_postgres, *args], check=True, capture_output=True, text=True)

    def init(self) -> None:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def start(self) -> None:
        options = f"-p {PG_PORT} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.dir / "log"), "-w", "start"
        )

    def stop(self) -> None:
        # "fast": what a crash or an operator's restart looks like to the app: sessions are cut.
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        subprocess.run(
            [*self.as_postgres, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
            capture_output=True,
        )
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivateRedis:
    """A redis-server of our own that keeps nothing on disk, so a restart loses every queued message."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="peixun-faults-redis-"))

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            ["redis-cli", "-h", "127.0.0.1", "-p", str(REDIS_PORT), *args], capture_output=True, text=True, timeout=10
        )
        return done.stdout.strip()

    def up(self) -> bool:
        return self.cli("ping") == "PONG"

    def start(self) -> None:
        subprocess.run(
            ["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.dir), "--daemonize", "yes", "--logfile", str(self.dir / "log")],
            check=True, capture_output=True,
        )  # fmt: skip
        if wait_for(self.up, 10) is None:
            raise SystemExit(f"private redis-server did not answer on port {REDIS_PORT}; see {self.dir}/log")

    def stop(self) -> None:
        self.cli("shutdown", "nosave")
        wait_for(lambda: not self.up(), 10)

    def remove(self) -> None:
        if self.up():
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class Worker:
    """The Celery worker, alone in its own process group so a SIGKILL takes its pool children too."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log, self.proc = env, log, None

    def start(self) -> int:
        with self.log.open("a") as out:
            self.proc = subprocess.Popen(
                [str(ROOT / "scripts" / "serve.sh"), "worker"],
                cwd=ROOT, env=self.env, stdout=out, stderr=out, start_new_session=True,
            )  # fmt: skip
        return self.proc.pid

    def kill(self) -> list[int]:
        """SIGKILL: no warm shutdown, no ack, no requeue by the worker itself: a power cut or the OOM killer."""
        pids = process_group(self.proc.pid)
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        return pids

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # warm shutdown: finish the running task, then exit
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


def process_group(pgid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "-g", str(pgid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


class Database:
    """Read the export jobs straight from the private cluster (what the pages would show, unscoped)."""

    def __init__(self) -> None:
        import psycopg2

        self.conn = psycopg2.connect(host="127.0.0.1", port=PG_PORT, user="postgres", dbname="peixun_faults")
        self.conn.autocommit = True

    def jobs(self, ids: list[int] | None = None) -> dict[int, dict]:
        with self.conn.cursor() as cur:
            cur.execute(
                "SELECT id, status, progress, attempts, file, error FROM reports_exportjob"
                + (" WHERE id = ANY(%s)" if ids is not None else "")
                + " ORDER BY id",
                [list(ids)] if ids is not None else [],
            )
            cols = [c.name for c in cur.description]
            return {row[0]: dict(zip(cols, row, strict=True)) for row in cur.fetchall()}

    def job(self, job_id: int) -> dict:
        return self.jobs([job_id])[job_id]


def is_complete_workbook(data: bytes) -> tuple[bool, str]:
    """A whole xlsx: a valid zip that openpyxl opens, with the six sheets of the annual summary."""
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if archive.testzip() is not None:
                return False, "corrupt zip member"
        names = load_workbook(io.BytesIO(data), read_only=True).sheetnames
    except Exception as exc:  # noqa: BLE001 - any failure to open is what a person would get
        return False, f"{type(exc).__name__}: {exc}"
    return names == SHEETS, ", ".join(names)


class ExportWatcher(threading.Thread):
    """All along a fault: every visible file in the export folder, and every download the browser
    gets, must be a complete workbook. Hidden `.part` files (being written) are only counted."""

    def __init__(self, folder: Path, person: "Browser") -> None:
        super().__init__(daemon=True)
        self.folder, self.person = folder, person
        self.job_ids: list[int] = []
        self.checked: dict[tuple[str, int, int], bool] = {}
        self.parts_seen: set[str] = set()
        self.downloads = {"ok": 0, "refused": 0}
        self.bad: list[str] = []
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.is_set():
            self.look()
            self.halt.wait(0.1)

    def look(self) -> None:
        for path in sorted(self.folder.glob("*")) if self.folder.exists() else []:
            if path.name.startswith("."):
                self.parts_seen.add(path.name)
                continue
            try:
                stat = path.stat()
                key = (path.name, stat.st_size, stat.st_mtime_ns)
                if key not in self.checked:
                    ok, detail = is_complete_workbook(path.read_bytes())
                    self.checked[key] = ok
                    if not ok:
                        self.bad.append(
                            f"visible file {path.name} ({stat.st_size} bytes) is not a whole workbook: {detail}"
                        )
            except FileNotFoundError:
                continue
        for job_id in list(self.job_ids):
            status, data = self.person.fetch(f"/reports/exports/{job_id}/download/")
            if status == 200:
                ok, detail = is_complete_workbook(data)
                self.downloads["ok"] += 1
                if not ok:
                    self.bad.append(f"download of job {job_id} is not a whole workbook: {detail}")
            elif status == 404:
                self.downloads["refused"] += 1  # not ready yet: the page offers no file
            else:
                self.bad.append(f"download of job {job_id} answered {status}")

    def visible(self, job_id: int | None = None) -> list[str]:
        """The listed files (of one job, when given: the demo's own export sits beside the drills')."""
        names = (p.name for p in self.folder.glob("*") if not p.name.startswith("."))
        return sorted(n for n in names if job_id is None or n == Path(job_id_file(job_id)).name)

    def hidden(self, job_id: int | None = None) -> list[str]:
        names = (p.name for p in self.folder.glob(".*"))
        return sorted(n for n in names if job_id is None or n.startswith(f".{Path(job_id_file(job_id)).name}."))

    def finish(self) -> None:
        self.halt.set()
        self.join(timeout=10)
        self.look()


class Browser:
    """Just enough of a browser: cookies, forms with their CSRF token, status and body of each answer."""

    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(BASE + path, data=body, timeout=15) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace")
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            return 0, f"no answer: {exc}"

    def fetch(self, path: str) -> tuple[int, bytes]:
        try:
            with self.opener.open(BASE + path, timeout=15) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return 0, b""

    def token(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def login(self, username: str) -> tuple[int, str]:
        self.get("/accounts/login/")
        return self.get(
            "/accounts/login/", {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": self.token()}
        )

    def request_export(self, year_from: int, year_to: int) -> tuple[int, str]:
        """The export form of /reports/exports/, as an administrator fills it in."""
        self.get("/reports/exports/")
        form = {"year_from": year_from, "year_to": year_to, "not_trained_years": 3, "many_times": 3}
        return self.get("/reports/exports/", {**form, "csrfmiddlewaretoken": self.token()})


def wait_for(check, seconds: float) -> float | None:
    """Poll `check` until it holds; the time it took, or None at the deadline."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if check():
            return time.monotonic() - start
        time.sleep(0.25)
    return None


def healthz() -> tuple[int, dict]:
    status, body = Browser().get("/healthz")
    try:
        return status, json.loads(body)
    except ValueError:
        return status, {}


def clean_error_page(status: int, body: str) -> bool:
    # 400: a request in flight when the database went away can fail while saving its session
    # (Django's SessionInterrupted); the person sees the plain "try again" page.
    return status in ERROR_PAGES and ERROR_PAGES[status] in body and not any(leak in body for leak in LEAKS)


def fault_database(pg: PrivatePostgres, person: Browser) -> None:
    say("\nfault 1: stop PostgreSQL while pages are being requested")
    seen: list[tuple[float, int, str]] = []
    stop_requests = threading.Event()

    def keep_requesting() -> None:
        while not stop_requests.is_set() and len(seen) < 400:
            status, body = person.get(PAGE)
            seen.append((time.monotonic(), status, body))

    requester = threading.Thread(target=keep_requesting)
    requester.start()
    wait_for(lambda: len(seen) >= 3, 10)  # pages are flowing
    stopped_at = time.monotonic()
    pg.stop()
    say(f"  did   pg_ctl stop -m fast after {len(seen)} requests")
    wait_for(lambda: sum(1 for t, *_ in seen if t > stopped_at + 0.5) >= 5, 20)
    stop_requests.set()
    requester.join()
    after = [(s, b) for t, s, b in seen if t > stopped_at]
    statuses = sorted({s for _t, s, _b in seen})
    say(f"  saw   {len(seen)} requests in all, statuses {statuses}; {len(after)} after the stop")
    say(f"  saw   statuses in order after the stop: {' '.join(str(s) for s, _b in after)}")
    errors = [(s, b) for s, b in after if s != 200]
    expect(bool(errors), "pages fail while the database is down")
    leaked = [b for s, b in errors if not clean_error_page(s, b)]
    expect(not leaked, f"every failure is a plain error page of the project, no trace ({len(errors)} checked)")
    if leaked:
        say("  first bad answer:\n" + leaked[0][:800])
    first_error = next((b for s, b in errors), "")
    say(f"  page  {' '.join(first_error.split())[:160]}")

    # Each gunicorn worker keeps its last result for 5 s, so poll until a fresh one says so.
    last: list[tuple[int, dict]] = []

    def database_reported_down() -> bool:
        last.append(healthz())
        return last[-1][0] == 503 and last[-1][1].get("checks", {}).get("database", {}).get("ok") is False

    took = wait_for(database_reported_down, 20)
    status, report = last[-1]
    expect(
        took is not None,
        f"/healthz answers {status} after {took or 0:.1f} s: "
        f"{json.dumps(report.get('checks', {}).get('database'), ensure_ascii=False)}",
    )

    say("\nfault 1, recovery: start PostgreSQL again, restart nothing else")
    pg.start()
    say("  did   pg_ctl start")
    recovered = wait_for(lambda: person.get(PAGE)[0] == 200, 30)
    expect(recovered is not None, f"the same session gets {PAGE} again (after {recovered or 0:.1f} s)")
    back = wait_for(lambda: healthz()[0] == 200, 30)
    expect(back is not None, f"/healthz is 200 again (after {back or 0:.1f} s; results are kept 5 s per worker)")


def fault_worker_killed(worker: Worker, admin: Browser, db: Database, watcher: ExportWatcher) -> None:
    say("\nfault 2: kill the Celery worker (SIGKILL) in the middle of an annual summary export")
    before = set(db.jobs())
    status, _body = admin.request_export(2022, 2026)
    job_id = max(set(db.jobs()) - before, default=None)
    expect(status == 200 and job_id is not None, f"the administrator asked for the 2022-2026 summary: job #{job_id}")
    if job_id is None:
        return
    watcher.job_ids.append(job_id)

    # Kill 1: between two sheets, the workbook still in the worker's memory.
    seen: list[dict] = []

    def mid_run() -> bool:
        seen.append(db.job(job_id))
        return seen[-1]["status"] == "running" and seen[-1]["attempts"] == 1 and seen[-1]["progress"] >= 40

    took = wait_for(mid_run, 60)
    if took is None:
        expect(False, f"job #{job_id} reached 40 % while running (last seen: {seen[-1]})")
        return
    pids = worker.kill()
    job = db.job(job_id)
    say(f"  did   kill -9 the worker's process group {pids} {took:.1f} s into attempt 1, job at {job['progress']} %")
    watcher.look()
    say(f"  saw   job #{job_id}: status {job['status']}, attempt {job['attempts']}; export folder: "
        f"visible {watcher.visible(job_id)}, hidden {watcher.hidden(job_id)}")  # fmt: skip
    expect(not watcher.visible(job_id), "no file is visible for the interrupted export")
    last: list[tuple[int, dict]] = []
    down = wait_for(
        lambda: last.append(healthz()) or last[-1][1].get("checks", {}).get("worker", {}).get("ok") is False, 20
    )
    worker_check = last[-1][1].get("checks", {}).get("worker") if last else None
    say(f"  saw   /healthz {last[-1][0] if last else '-'} after {down or 0:.1f} s, worker: {worker_check}")
    if not restart_and_redeliver(worker, db, job_id, attempt=2):
        return

    # Kill 2: while the redelivered run writes the workbook: the file being written must stay hidden.
    part = f".{Path(job_id_file(job_id)).name}."
    caught = None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and caught is None:
        parts = [e for e in os.scandir(watcher.folder) if e.name.startswith(part)] if watcher.folder.exists() else []
        if parts:
            worker.kill()
            caught = parts[0]
        elif db.job(job_id)["status"] != "running":
            break
        else:
            time.sleep(0.002)
    if caught is None:
        say(f"  saw   attempt 2 finished before its write could be caught ({db.job(job_id)['status']})")
    else:
        size = Path(caught.path).stat().st_size if Path(caught.path).exists() else 0
        job = db.job(job_id)
        say(f"  did   kill -9 the worker while attempt 2 wrote {caught.name} ({size} bytes so far)")
        watcher.look()
        say(
            f"  saw   job #{job_id}: status {job['status']}; visible {watcher.visible(job_id)}, "
            f"hidden {watcher.hidden(job_id)}"
        )
        expect(
            not watcher.visible(job_id) and job["status"] == "running" and not job["file"],
            "the half-written workbook stays a hidden part file: nothing listed, nothing to download",
        )
        if not restart_and_redeliver(worker, db, job_id, attempt=3):
            return

    done = wait_for(lambda: db.job(job_id)["status"] in ("done", "failed"), 60)
    job = db.job(job_id)
    expect(
        job["status"] == "done",
        f"job #{job_id} is {job['status']} ({'finished' if done is not None else 'deadline'}), attempts "
        f"{job['attempts']}, file {job['file']!r}{', error ' + job['error'] if job['error'] else ''}",
    )
    status, data = admin.fetch(f"/reports/exports/{job_id}/download/")
    ok, detail = is_complete_workbook(data) if status == 200 else (False, f"status {status}")
    expect(ok, f"the download opens with openpyxl: {len(data)} bytes, sheets {detail}")
    watcher.look()
    visible = watcher.visible(job_id)
    expect(visible == [Path(job["file"]).name], f"exactly one file exists for the job: {visible}")
    expect(not watcher.hidden(job_id), f"the killed attempts left no part file behind: {watcher.hidden(job_id)}")


def job_id_file(job_id: int) -> str:
    return f"annual-summary-{job_id}.xlsx"  # reports.services._final_name


def restart_and_redeliver(worker: Worker, db: Database, job_id: int, *, attempt: int) -> bool:
    # The unacked message comes back once it is VISIBILITY s old, at kombu's next restore sweep: the
    # first one 10 s after the worker starts, then only every ~100 s (unacked_restore_interval 10 s ×
    # unacked_restore_throttle 10). So wait out the timeout with no worker, as an operator would take
    # a moment, then start it: the first sweep finds the message overdue.
    time.sleep(VISIBILITY)
    worker.start()
    say(f"  did   wait {VISIBILITY} s (the visibility timeout), start a worker again (scripts/serve.sh worker)")
    again = wait_for(lambda: db.job(job_id)["attempts"] >= attempt, RESTORE_SWEEP + 30)
    expect(
        again is not None,
        f"the unacked task was redelivered: attempt {attempt} of job #{job_id} began {again or 0:.1f} s after the start",
    )
    return again is not None


def fault_redis_restarted(
    worker: Worker, redis: PrivateRedis, admin: Browser, db: Database, watcher: ExportWatcher, env: dict[str, str]
) -> None:
    say("\nfault 3: restart Redis while exports are queued")
    worker.stop()
    say("  did   stop the worker (warm shutdown)")
    before = set(db.jobs())
    ranges = [(2024, 2026), (2025, 2026), (2026, 2026)]
    for year_from, year_to in ranges:
        admin.request_export(year_from, year_to)
    new = sorted(set(db.jobs()) - before)
    watcher.job_ids.extend(new)
    jobs = db.jobs(new)
    queued = redis.cli("-n", "0", "llen", "celery")
    say(f"  did   ask for {len(ranges)} exports: jobs {new}, statuses {[j['status'] for j in jobs.values()]}")
    expect(len(new) == len(ranges), f"every request is stored; the broker queue holds {queued} messages")
    redis.stop()
    say("  did   redis-cli shutdown nosave (the private Redis keeps nothing on disk)")
    redis.start()
    after = redis.cli("-n", "0", "llen", "celery")
    say(f"  did   start redis-server again: the queue now holds {after} messages (was {queued})")
    expect(after == "0" and queued != "0", "the queued messages were lost with Redis")

    worker.start()
    say("  did   start the worker")
    healthy = wait_for(lambda: healthz()[1].get("checks", {}).get("worker", {}).get("ok") is True, 40)
    say(f"  saw   /healthz reports the worker back after {healthy or 0:.1f} s")
    time.sleep(max(0.0, STALE + 1 - (healthy or 0)))  # the requests must be older than the sweeper's stale age
    jobs = db.jobs(new)
    say(
        f"  saw   {max(STALE + 1, healthy or 0):.0f} s after the worker started, no sweep yet: the jobs are "
        f"{[j['status'] for j in jobs.values()]}: their messages are gone"
    )
    # Exactly what beat sends every 5 minutes (CELERY_BEAT_SCHEDULE), sent now rather than waited for.
    sent = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "celery"), "-A", "config", "call", "reports.sweep_stale_exports"],
        cwd=ROOT, env={**env, "DEBUG": "0"}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    say(
        f"  did   celery call reports.sweep_stale_exports (beat's periodic task): {sent.stdout.strip() or sent.stderr.strip()[-300:]}"
    )
    finished = wait_for(lambda: all(j["status"] in ("done", "failed") for j in db.jobs(new).values()), 90)
    jobs = db.jobs(new)
    say(
        f"  saw   after {finished or 0:.1f} s: "
        + ", ".join(f"#{i} {j['status']} (attempts {j['attempts']})" for i, j in jobs.items())
    )
    expect(
        all(j["status"] == "done" for j in jobs.values()), f"every queued job completed, none lost ({len(jobs)} jobs)"
    )

    before = set(db.jobs())
    admin.request_export(2023, 2026)
    late = sorted(set(db.jobs()) - before)
    watcher.job_ids.extend(late)
    ran = wait_for(lambda: bool(late) and db.job(late[0])["status"] == "done", 60)
    expect(ran is not None, f"an export asked for after the restart ({late}) runs without any sweep ({ran or 0:.1f} s)")

    for job_id in new + late:
        status, data = admin.fetch(f"/reports/exports/{job_id}/download/")
        ok, detail = is_complete_workbook(data) if status == 200 else (False, f"status {status}")
        expect(ok, f"job #{job_id}: the download opens with openpyxl ({len(data)} bytes)")
    all_jobs = db.jobs()
    expected = sorted(Path(j["file"]).name for j in all_jobs.values() if j["file"])
    watcher.look()
    expect(
        watcher.visible() == expected and len(expected) == len(all_jobs),
        f"one file per job, no other: {len(watcher.visible())} files for {len(all_jobs)} jobs",
    )


def main() -> int:
    pg = PrivatePostgres()
    redis = PrivateRedis()
    var = Path(tempfile.mkdtemp(prefix="peixun-faults-var-"))
    serve = worker = watcher = None
    try:
        say(f"setup: private PostgreSQL {pg.bin.parent.name} on 127.0.0.1:{PG_PORT} in {pg.dir}")
        pg.init()
        pg.start()
        redis.start()
        say(f"setup: private redis-server on 127.0.0.1:{REDIS_PORT} (--save '' --appendonly no) in {redis.dir}")
        env = {
            **os.environ,
            "DATABASE_URL": DATABASE_URL,
            "CELERY_BROKER_URL": BROKER_URL,
            "REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT}/1",
            "PORT": str(WEB_PORT),
            "PEIXUN_VAR_DIR": str(var),  # media (the exports) and static files of this run only
            "SECRET_KEY": secrets.token_urlsafe(50),  # the same for the web and the worker
            "SERVE_WORKER": "0",  # the worker runs apart, so it can be killed and started again
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY),
            "REPORTS_EXPORT_STEP_DELAY": str(STEP_DELAY),
            "REPORTS_STALE_QUEUED_SECONDS": str(STALE),
        }
        log = (ROOT / "var").resolve()
        log.mkdir(exist_ok=True)
        say(f"setup: make serve (scripts/serve.sh) on {BASE}; its log: var/faults-serve.log")
        say(
            f"setup: drill settings: visibility timeout {VISIBILITY} s, {STEP_DELAY} s pause after each sheet, "
            f"queued requests stale after {STALE} s; exports under {var}/media"
        )
        with (log / "faults-serve.log").open("w") as out:
            serve = subprocess.Popen(
                [str(ROOT / "scripts" / "serve.sh")], cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True
            )
        worker = Worker(env, log / "faults-worker.log")
        (log / "faults-worker.log").write_text("")
        worker.start()
        say("setup: Celery worker (scripts/serve.sh worker) in its own process group; its log: var/faults-worker.log")
        polls: list[tuple[int, dict]] = []
        took = wait_for(lambda: polls.append(healthz()) or polls[-1][0] == 200, 180)
        if took is None:
            say("setup: the server never became healthy; see var/faults-serve.log")
            return 1
        say(f"setup: healthy after {took:.1f} s: {json.dumps(polls[-1][1]['checks'], ensure_ascii=False)}")
        # The demo asks for an annual summary as it loads. Left running into the database outage of
        # fault 1, whether it survived depended on timing, and the final one-file-per-job count with it.
        demo = Database()
        settled = wait_for(lambda: all(j["status"] in ("done", "failed") for j in demo.jobs().values()), 120)
        statuses = {i: j["status"] for i, j in demo.jobs().items()}
        demo.conn.close()
        expect(
            settled is not None and all(status == "done" for status in statuses.values()),
            f"setup: the demo's export jobs finished before the drills ({settled or 0:.1f} s): {statuses}",
        )

        person = Browser()
        status, _body = person.login("staff")
        status, body = person.get(PAGE)
        expect(status == 200 and "教师" in body, f"logged in as demo county staff, {PAGE} answers {status}")

        fault_database(pg, person)

        admin = Browser()
        admin.login("admin")
        status, body = admin.get("/reports/exports/")
        expect(status == 200, f"logged in as the demo administrator, /reports/exports/ answers {status}")
        db = Database()
        watcher = ExportWatcher(var / "media" / "reports" / "annual", admin)
        watcher.start()
        fault_worker_killed(worker, admin, db, watcher)
        fault_redis_restarted(worker, redis, admin, db, watcher, env)
        watcher.finish()
        say(
            f"\nwatcher: {len(watcher.checked)} visible file versions opened, all whole: {not watcher.bad}; "
            f"downloads served {watcher.downloads['ok']}, refused while not ready {watcher.downloads['refused']}; "
            f"hidden part files seen: {sorted(watcher.parts_seen) or 'none'}"
        )
        for problem in watcher.bad[:5]:
            say(f"  {problem}")
        expect(not watcher.bad, "no partial file was ever visible or downloadable")
    finally:
        if watcher is not None:
            watcher.halt.set()
        if worker is not None:
            worker.stop()
        if serve is not None:
            os.killpg(serve.pid, signal.SIGTERM)
            try:
                serve.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(serve.pid, signal.SIGKILL)
        pg.remove()
        redis.remove()
        shutil.rmtree(var, ignore_errors=True)
    say(f"\nfaults: {'all expectations met' if not failures else f'{len(failures)} FAILED'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
