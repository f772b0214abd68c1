"""The SMS backends, chosen by SMS_BACKEND like Django's EMAIL_BACKEND; the HTTP provider adapter is
tried against a stub provider served on a local port in the test."""

import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ImproperlyConfigured

from core import sms


class _Provider(BaseHTTPRequestHandler):
    received: list = []
    status = 200

    def do_POST(self):  # noqa: N802 - the http.server interface
        length = int(self.headers["Content-Length"])
        type(self).received.append((self.path, self.headers["Authorization"], json.loads(self.rfile.read(length))))
        self.send_response(type(self).status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"ok": true}' if type(self).status < 300 else b'{"error": "13800138000 rejected"}')

    def log_message(self, *args):
        pass


@pytest.fixture
def provider():
    handler = type("Provider", (_Provider,), {"received": [], "status": 200})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield handler, f"http://127.0.0.1:{server.server_address[1]}/send"
    server.shutdown()
    server.server_close()
    thread.join()


def test_the_setting_chooses_the_backend(settings):
    settings.SMS_BACKEND = "core.sms.backends.locmem.SmsBackend"
    assert sms.send_sms("13800138000", "您好") == 1
    assert sms.outbox == [sms.SmsMessage(phone="13800138000", text="您好")]


def test_the_console_backend_writes_each_message():
    stream = io.StringIO()
    connection = sms.get_connection("core.sms.backends.console.SmsBackend", stream=stream)
    assert sms.send_sms("13800138000", "培训通知", connection=connection) == 1
    assert "13800138000" in stream.getvalue() and "培训通知" in stream.getvalue()


def test_the_file_backend_writes_one_file_per_batch(settings, tmp_path):
    settings.SMS_FILE_PATH = str(tmp_path / "sms")
    connection = sms.get_connection("core.sms.backends.filebased.SmsBackend")
    connection.send_messages([sms.SmsMessage("13800138000", "一"), sms.SmsMessage("13900139000", "二")])
    (written,) = (tmp_path / "sms").iterdir()
    text = written.read_text(encoding="utf-8")
    assert "13800138000" in text and "13900139000" in text and "二" in text


def test_the_file_backend_needs_a_path(settings):
    settings.SMS_FILE_PATH = ""
    with pytest.raises(ImproperlyConfigured):
        sms.get_connection("core.sms.backends.filebased.SmsBackend")


def test_the_http_adapter_posts_to_the_provider(settings, provider):
    handler, url = provider
    settings.SMS_HTTP_URL, settings.SMS_HTTP_TOKEN, settings.SMS_HTTP_SIGN = url, "k-123", "青山县教师发展中心"
    settings.SMS_BACKEND = "core.sms.backends.http.SmsBackend"
    assert sms.send_sms("13800138000", "培训通知：9月1日 08:30") == 1
    assert handler.received == [
        (
            "/send",
            "Bearer k-123",
            {"phone": "13800138000", "text": "培训通知：9月1日 08:30", "sign": "青山县教师发展中心"},
        )
    ]


def test_a_provider_refusal_raises_without_echoing_the_answer(settings, provider):
    handler, url = provider
    handler.status = 503
    settings.SMS_HTTP_URL = url
    connection = sms.get_connection("core.sms.backends.http.SmsBackend")
    with pytest.raises(sms.SmsSendError, match="HTTP 503") as caught:
        sms.send_sms("13800138000", "x", connection=connection)
    # Celery retries OSError: a refusal is retried, and the error names no phone number.
    assert isinstance(caught.value, OSError) and "13800138000" not in str(caught.value)
    silent = sms.get_connection("core.sms.backends.http.SmsBackend", fail_silently=True)
    assert sms.send_sms("13800138000", "x", connection=silent) == 0


def test_an_unreachable_provider_raises(settings, provider):
    _, url = provider
    settings.SMS_HTTP_URL = url.replace("/send", "").rsplit(":", 1)[0] + ":9"  # the discard port: nobody listens
    with pytest.raises(sms.SmsSendError):
        sms.send_sms("13800138000", "x", connection=sms.get_connection("core.sms.backends.http.SmsBackend"))


def test_the_http_adapter_needs_an_http_address(settings):
    settings.SMS_HTTP_URL = "file:///etc/passwd"
    with pytest.raises(ImproperlyConfigured):
        sms.get_connection("core.sms.backends.http.SmsBackend")


def test_the_notice_task_uses_the_configured_backend(settings, provider, world, django_capture_on_commit_callbacks):
    import datetime as dt

    from programs import services
    from tests.factories import CategoryFactory

    handler, url = provider
    settings.SMS_BACKEND, settings.SMS_HTTP_URL = "core.sms.backends.http.SmsBackend", url
    world.teacher_a.phone = "13800138000"
    world.teacher_a.save(update_fields=["phone"])
    program = services.program_create(
        county=world.county_x, year=2026, level="county", category=CategoryFactory(), name="短信项目"
    )
    sub = services.subproject_create(
        program=program, name="短信班", start_date=dt.date(2026, 9, 1), end_date=dt.date(2026, 9, 2), quota=3
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_nominate(subproject=sub, teacher=world.teacher_a, actor=world.staff_x)
    assert [body["phone"] for _, _, body in handler.received] == ["13800138000"]
