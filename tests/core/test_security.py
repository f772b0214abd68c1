"""Security settings and what the pages must satisfy: the content security policy (no inline
scripts, styles or event handlers), CSRF on every form, secure cookies and HSTS in production, and
uploads kept outside anything served as static.

The page checks walk every entry of the permission matrix, so a page another app adds is checked
as soon as it has its matrix entry.
"""

import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import config.settings as configured
from core.models import ImportUpload
from tests.test_permission_matrix import ENTRIES, _user_for

ROOT = Path(__file__).resolve().parents[2]
# The first role in this order that the matrix lets in is the one whose page is checked.
LOOKERS = ("admin_x", "staff_x", "coord_a", "teacher", "anonymous")


class PageAudit(HTMLParser):
    def __init__(self):
        super().__init__()
        self.inline_scripts = 0
        self.inline_styles: list[str] = []
        self.style_blocks = 0
        self.handlers: list[str] = []
        self.js_urls: list[str] = []
        self.post_forms = 0
        self.forms_without_token = 0
        self._form_is_post = False
        self._form_has_token = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and not attrs.get("src"):
            self.inline_scripts += 1
        if tag == "style":
            self.style_blocks += 1
        if "style" in attrs:
            self.inline_styles.append(f"<{tag} style={attrs['style']!r}>")
        self.handlers += [f"<{tag} {name}=...>" for name in attrs if name.startswith("on")]
        self.js_urls += [
            v
            for k, v in attrs.items()
            if k in {"href", "src", "action"} and (v or "").lower().startswith("javascript:")
        ]
        if tag == "form":
            self._form_is_post = (attrs.get("method") or "get").lower() == "post"
            self._form_has_token = False
        if tag == "input" and attrs.get("name") == "csrfmiddlewaretoken":
            self._form_has_token = True

    def handle_endtag(self, tag):
        if tag == "form" and self._form_is_post:
            self.post_forms += 1
            self.forms_without_token += not self._form_has_token
            self._form_is_post = False


def _pages():
    return sorted(name for name, case in ENTRIES.items() if any(case.expect[r] == 200 for r in LOOKERS))


def _fetch(world, name):
    case = ENTRIES[name]
    role = next(r for r in LOOKERS if case.expect[r] == 200)
    client = Client()
    user = _user_for(world, role)
    if user is not None:
        client.force_login(user)
    url = reverse(name, args=case.setup(world)) + (f"?{case.query}" if case.query else "")
    response = client.get(url)
    assert response.status_code == 200, (name, role)
    return response


@pytest.mark.parametrize("name", _pages())
def test_every_page_satisfies_the_content_security_policy_and_protects_its_forms(world, name):
    response = _fetch(world, name)
    if not response["Content-Type"].startswith("text/html"):
        return  # downloads (xlsx) and JSON have no markup to check
    audit = PageAudit()
    audit.feed(response.content.decode())

    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert audit.inline_scripts == 0, "inline <script>: move it to static/<app>/*.js"
    assert audit.handlers == [], "inline event handlers are blocked by the CSP"
    assert audit.js_urls == [], "javascript: URLs are blocked by the CSP"
    assert audit.style_blocks == 0, "<style> blocks are blocked by the CSP: use static/css"
    assert audit.inline_styles == [], "style= attributes are blocked by the CSP: use a class"
    assert audit.forms_without_token == 0, "a POST form without {% csrf_token %}"


def test_error_pages_satisfy_the_content_security_policy(world):
    client = Client()
    client.force_login(world.coord_b)
    pages = {
        "404": client.get(reverse("teacher_detail", args=[world.teacher_a.pk])).content.decode(),
        "403": client.get(reverse("user_list")).content.decode(),
        "400": client.get(reverse("home"), HTTP_HOST="not-allowed.example").content.decode(),
        "500": (ROOT / "templates" / "500.html").read_text(encoding="utf-8"),  # rendered without a request
    }
    assert "请求未能完成" in pages["400"]
    for page in pages.values():
        audit = PageAudit()
        audit.feed(page)
        assert (audit.inline_scripts, audit.inline_styles, audit.handlers, audit.style_blocks) == (0, [], [], 0)


def _views(resolver=None):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            yield from _views(entry)
        elif isinstance(entry, URLPattern):
            yield entry.name or str(entry.pattern), entry.callback


def test_no_view_is_exempt_from_csrf():
    exempt = sorted(name for name, view in _views() if getattr(view, "csrf_exempt", False))
    assert exempt == []


@pytest.mark.parametrize(
    ("name", "args"),
    [("login", []), ("logout", []), ("password_change", []), ("user_create", []), ("import_upload", ["teachers"])],
)
def test_posts_without_the_csrf_token_are_refused(world, name, args):
    client = Client(enforce_csrf_checks=True)
    if name != "login":
        client.force_login(world.admin_x)
    assert client.post(reverse(name, args=args), {}).status_code == 403


def _production_settings(tmp_path, **extra):
    env = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "HTTPS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        DEBUG="0",
        SECRET_KEY="production-secret-" + "k" * 50,
        ALLOWED_HOSTS="peixun.example.org",
        PEIXUN_VAR_DIR=str(tmp_path),
        **extra,
    )
    names = [
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_CONTENT_TYPE_NOSNIFF",
        "X_FRAME_OPTIONS",
        "DEBUG",
    ]
    code = f"import json, config.settings as s; print(json.dumps({{n: getattr(s, n) for n in {names!r}}}))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_production_settings_use_secure_cookies_and_hsts(tmp_path):
    prod = _production_settings(tmp_path)

    assert prod["DEBUG"] is False
    assert prod["SESSION_COOKIE_SECURE"] and prod["CSRF_COOKIE_SECURE"] and prod["SESSION_COOKIE_HTTPONLY"]
    assert prod["SECURE_SSL_REDIRECT"] is True
    assert prod["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600 and prod["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert prod["SECURE_CONTENT_TYPE_NOSNIFF"] and prod["X_FRAME_OPTIONS"] == "DENY"


def test_https_responses_carry_hsts_and_secure_cookies(world, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    client = Client()

    response = client.get(reverse("login"), secure=True)

    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response.cookies["csrftoken"]["secure"] is True
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_uploads_are_stored_outside_every_static_directory():
    media = Path(configured.MEDIA_ROOT).resolve()
    for static in [Path(configured.STATIC_ROOT), *map(Path, configured.STATICFILES_DIRS)]:
        static = static.resolve()
        assert not media.is_relative_to(static) and not static.is_relative_to(media), (media, static)
    assert not configured.MEDIA_URL.startswith(configured.STATIC_URL)


def test_an_uploaded_file_is_not_served_by_url(world, client, settings):
    record = ImportUpload(kind="teachers", original_name="t.xlsx", size=1, uploaded_by=world.staff_x)
    record.file.save("t.xlsx", ContentFile(b"PK\x03\x04secret"), save=True)
    stored = Path(record.file.path).resolve()
    assert stored.is_relative_to(Path(settings.MEDIA_ROOT).resolve())

    client.force_login(world.admin_x)
    relative = stored.relative_to(Path(settings.MEDIA_ROOT).resolve()).as_posix()
    for url in (settings.MEDIA_URL + relative, "/media/" + relative, settings.STATIC_URL + relative):
        assert client.get(url).status_code == 404, url
