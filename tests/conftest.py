"""Shared fixtures: a small world with two counties, so every view can be tried by an insider,
an insider who may only look, and an outsider (healthchecks' alice, bob and charlie)."""

import os
import socket
from dataclasses import dataclass

import pytest
from django.conf import settings

from accounts.models import Role, User
from trainees.models import Region, School, Teacher

from .factories import CountyFactory, SchoolFactory, TeacherFactory, TownshipFactory, UserFactory

SERVICES_REQUIRED = os.environ.get("PEIXUN_REQUIRE_SERVICES") == "1"


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _sqlite_reads_take_no_table_locks(sender, connection, **kwargs):
    """SQLite's in-memory test database is one shared cache for every thread's connection, where a
    read holds a lock on its table and a write by another connection then fails at once ("database
    table is locked", no busy timeout): a browser test's status poll beside the in-process worker's
    progress update did. Reads that take no table lock cannot block those writes."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA read_uncommitted = 1")


def pytest_configure(config):
    # CI must exercise the real services; a silent SQLite fallback would hide that.
    if SERVICES_REQUIRED and not settings.USING_POSTGRES:
        raise pytest.UsageError("PEIXUN_REQUIRE_SERVICES=1 but DATABASE_URL is not PostgreSQL")
    # Deliberately slow password hashing only slows the suite; what is tested is the login flow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from django.db.backends.signals import connection_created

    connection_created.connect(_sqlite_reads_take_no_table_locks, dispatch_uid="sqlite_read_uncommitted")


def pytest_collection_modifyitems(config, items):
    """On a machine without the services, tests that need them are skipped and say why.

    CI sets PEIXUN_REQUIRE_SERVICES=1, where a skip of any kind fails the run instead.
    """
    reasons = {}
    if not settings.USING_POSTGRES:
        reasons["postgresql"] = "needs PostgreSQL: set DATABASE_URL (CI always does)"
    if not _port_open(6379):
        reasons["redis"] = reasons["celery_worker"] = "needs Redis on 127.0.0.1:6379 (CI always has it)"
    if not _port_open(5432):
        reasons["pg_server"] = "needs PostgreSQL on 127.0.0.1:5432 (CI always has it)"
    for item in items:
        for marker, reason in reasons.items():
            if marker in item.keywords:
                item.add_marker(pytest.mark.skip(reason=reason))
                break


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if SERVICES_REQUIRED and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where every test must run: {report.longrepr}"


def _reset_celery_pools(app) -> None:
    """Drop the broker connection and producer pools; they are rebuilt lazily for the current broker.
    A worker started by a test closes them on exit, and a closed pool must never be reused: kombu
    also keeps producer pools in a global registry keyed by connection, so that is cleared too."""
    from kombu import pools

    pools.reset()
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    # The control mailbox caches the producer pool it first saw (ping, broadcast): drop it too.
    app.control.mailbox.__dict__.pop("producer_pool", None)


@pytest.fixture(autouse=True)
def _celery_in_process(request):
    """Tasks run in-process in every test (what the service does is tested directly), except in the
    tests marked celery_worker, which go through a real worker and Redis via `celery_broker`."""
    if "celery_worker" in request.keywords:
        yield
        return
    from config.celery import app

    # A test worker makes its own app the current one; shared tasks must resolve to the project's.
    app.set_current()
    saved = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture
def celery_broker():
    """The project's Celery app sending to the real Redis broker, for a test that starts a worker.

    Celery lets the CELERY_BROKER_URL environment variable (set in CI) override the configured broker,
    so in CI this is CI's broker; elsewhere a Redis database of the tests' own."""
    from config.celery import app

    broker = os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/12"
    keys = ("broker_url", "task_always_eager", "worker_hijack_root_logger")
    saved = {key: app.conf[key] for key in keys}
    app.set_current()
    app.conf.update(broker_url=broker, task_always_eager=False, worker_hijack_root_logger=False)
    _reset_celery_pools(app)
    yield app
    app.conf.update(saved)
    _reset_celery_pools(app)
    # A worker started with queues=[...] narrows the app's own queue selection; the next worker consumes all.
    app.amqp.queues._consume_from = None


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and throttles live in the cache; with CI's Redis it outlives a test, so one test's
    look-ups (the certificate verify limit, QR and login counters) must not spend the next one's."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _sms_outbox(settings):
    """Text messages go to `core.sms.outbox` in every test (like Django's mail.outbox), emptied first."""
    from core import sms

    settings.SMS_BACKEND = "core.sms.backends.locmem.SmsBackend"
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@dataclass
class World:
    county_x: Region
    county_y: Region
    township_x: Region
    school_a: School  # county X
    school_b: School  # county X
    school_c: School  # county Y
    teacher_a: Teacher
    teacher_b: Teacher
    teacher_c: Teacher
    admin_x: User
    staff_x: User
    staff_y: User
    coord_a: User
    coord_b: User
    teacher_user_a: User
    city_x: Region  # 测试市, over county X
    city_y: Region  # 另一市, over county Y
    province: Region  # 测试省, over both
    city_admin: User  # 市级管理员 of city X
    city_staff: User  # 市级工作人员 of city X
    province_admin: User
    province_staff: User
    city_other: User  # 市级工作人员 of city Y: an outsider to everything of county X


@pytest.fixture
def world(db) -> World:
    county_x = CountyFactory(name="甲县")
    # County Y lies in another city of the same province, so a city office of X's city is an outsider to Y.
    county_y = CountyFactory(name="乙县", city="另一市")
    city_x, city_y = county_x.parent, county_y.parent
    township_x = TownshipFactory(name="甲镇", parent=county_x)
    school_a = SchoolFactory(name="甲县一小", county=county_x, township=township_x)
    school_b = SchoolFactory(name="甲县二小", county=county_x, township=township_x)
    school_c = SchoolFactory(name="乙县一小", county=county_y)
    teacher_a = TeacherFactory(name="张三", school=school_a)
    teacher_b = TeacherFactory(name="李四", school=school_b)
    teacher_c = TeacherFactory(name="王五", school=school_c)
    return World(
        county_x=county_x,
        county_y=county_y,
        township_x=township_x,
        school_a=school_a,
        school_b=school_b,
        school_c=school_c,
        teacher_a=teacher_a,
        teacher_b=teacher_b,
        teacher_c=teacher_c,
        admin_x=UserFactory(username="admin_x", role=Role.ADMIN, county=county_x),
        staff_x=UserFactory(username="staff_x", role=Role.COUNTY_STAFF, county=county_x),
        staff_y=UserFactory(username="staff_y", role=Role.COUNTY_STAFF, county=county_y),
        coord_a=UserFactory(username="coord_a", role=Role.COORDINATOR, school=school_a),
        coord_b=UserFactory(username="coord_b", role=Role.COORDINATOR, school=school_b),
        teacher_user_a=UserFactory(username="teacher_a", role=Role.TEACHER, teacher=teacher_a),
        city_x=city_x,
        city_y=city_y,
        province=city_x.parent,
        city_admin=UserFactory(username="city_admin", role=Role.CITY_ADMIN, region=city_x),
        city_staff=UserFactory(username="city_staff", role=Role.CITY_STAFF, region=city_x),
        province_admin=UserFactory(username="province_admin", role=Role.PROVINCE_ADMIN, region=city_x.parent),
        province_staff=UserFactory(username="province_staff", role=Role.PROVINCE_STAFF, region=city_x.parent),
        city_other=UserFactory(username="city_other", role=Role.CITY_STAFF, region=city_y),
    )


@pytest.fixture
def client_for(client):
    """Log the test client in as a user: `client_for(world.coord_a).get(...)`."""

    def login(user):
        client.force_login(user)
        return client

    return login
