"""`make load`: what 20 people of the county do at once, against `make serve` on loopback.

Each simulated user logs in through the real login form as one of the demo accounts (county staff,
administrator, two school coordinators), then browses. Logging in is deliberately slow password
hashing, done once per session, and 20 at once saturate both cores for several seconds: so the
figures of the login phase are printed apart, and the browsing figures are measured from the moment
every user has logged in (steady state).

Targets (issue 8, this 2-core machine): no errors, p95 under 300 ms. The summary is printed when the
run ends and the exit code is 1 when a target is missed.
"""

import os
import random
import re

from locust import HttpUser, between, events, task
from locust.stats import StatsEntry

ACCOUNTS = ("staff", "coord1", "coord2", "admin")
PASSWORD = os.environ.get("DEMO_PASSWORD", "peixun-demo-2026")
P95_TARGET_MS = 300
TEACHER_LINK = re.compile(r'href="/registry/teachers/(\d+)/"')
_next_account = iter(range(10**9))
_logged_in = 0
_login_phase: list[str] = []


class CountyUser(HttpUser):
    wait_time = between(0.5, 2)

    def on_start(self):
        self.username = ACCOUNTS[next(_next_account) % len(ACCOUNTS)]
        self.client.get("/accounts/login/", name="login")
        token = self.client.cookies.get("csrftoken")
        with self.client.post(
            "/accounts/login/",
            {"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            name="login",
            catch_response=True,
        ) as response:
            if "/accounts/login/" in response.url:
                response.failure(f"login refused for {self.username}")
        self._all_logged_in()
        self.teacher_ids: list[str] = []
        self.teacher_list()

    def _all_logged_in(self):
        global _logged_in
        _logged_in += 1
        runner = self.environment.runner
        if _logged_in == runner.target_user_count:
            stats = self.environment.stats
            for (name, method), entry in sorted(stats.entries.items()):
                _login_phase.append(_line(method, name, entry))
            _login_phase.append(f"login phase errors: {stats.total.num_failures}")
            if stats.total.num_failures:
                runner.quit()  # a refused login makes the rest meaningless
            stats.reset_all()

    @task(4)
    def teacher_list(self):
        page = random.choice([1, 1, 2, 3])
        response = self.client.get(f"/registry/teachers/?page={page}", name="teacher list")
        found = TEACHER_LINK.findall(response.text or "")
        if found:
            self.teacher_ids = found

    @task(4)
    def teacher_detail(self):
        if self.teacher_ids:
            self.client.get(f"/registry/teachers/{random.choice(self.teacher_ids)}/", name="teacher detail")

    @task(2)
    def school_list(self):
        self.client.get("/registry/schools/", name="school list")

    # LOAD-HOOK(attendance, programs): issue 8's mix also has the attendance grid, its save and the
    # program list. They are not here yet: the lead adds them as @task methods of this class once
    # those pages are merged (GET the grid of a session the user's school has trainees in, POST it
    # back with its csrf token, GET the program list), named "attendance grid", "attendance save"
    # and "program list" so the summary below reports them.


def _line(method, name, entry) -> str:
    return (
        f"{method:4} {name:18} requests {entry.num_requests:6}  failures {entry.num_failures:4}  "
        f"median {entry.median_response_time:5.0f} ms  p95 {entry.get_response_time_percentile(0.95):5.0f} ms  "
        f"max {entry.max_response_time:6.0f} ms"
    )


@events.quitting.add_listener
def summary(environment, **_kwargs):
    stats = environment.stats
    browsing = StatsEntry(stats, "browsing", None)
    print("\n== login phase (all users logging in at once) ==")
    print("\n".join(_login_phase) or "not every user logged in before the end")
    print("== steady state: every user logged in and browsing ==")
    for (name, method), entry in sorted(stats.entries.items()):
        if entry.num_requests:
            print(_line(method, name, entry))
            browsing.extend(entry)
    p95 = browsing.get_response_time_percentile(0.95)
    errors = stats.total.num_failures + (0 if _login_phase else 1)
    seconds = max(stats.total.last_request_timestamp - stats.total.start_time, 1) if stats.total.num_requests else 1
    print(
        f"browsing: {browsing.num_requests} requests, {browsing.num_requests / seconds:.1f} req/s, "
        f"p95 {p95:.0f} ms (target < {P95_TARGET_MS} ms), median {browsing.median_response_time:.0f} ms"
    )
    print(f"errors in the steady state: {stats.total.num_failures} (target 0)")
    for error in stats.errors.values():
        print(f"  {error.occurrences} × {error.method} {error.name}: {error.error}")
    ok = errors == 0 and p95 < P95_TARGET_MS
    print("targets: " + ("OK" if ok else "MISSED"))
    environment.process_exit_code = 0 if ok else 1
