"""HTML templates rendered to A4 PDFs by WeasyPrint, with a CJK font from the system (Debian's
fonts-noto-cjk or fonts-wqy-zenhei, installed by scripts/install-pdf-deps.sh).

Nothing is fetched while rendering: images come in as data URIs and every other URL is refused, so a
name or title can never make the renderer read a file or an address.
"""

import base64
import functools
from typing import Any

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

FONT_STACK = '"Noto Serif CJK SC", "Noto Sans CJK SC", "WenQuanYi Zen Hei", sans-serif'
IMAGE_TYPES = {b"\x89PNG": "image/png", b"\xff\xd8\xff": "image/jpeg"}


def _fetcher() -> Any:
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols=("data",), allow_redirects=False, timeout=1)


@functools.cache
def _font_config() -> Any:
    # One per process: fontconfig's scan of the system fonts is the slow part of the first document.
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def image_data_uri(field: Any) -> str:
    """A stored image (seal, signature) inlined, or "" when none was uploaded or the file is gone."""
    if not field:
        return ""
    try:
        with field.open("rb") as fh:
            data = fh.read()
    except OSError:
        return ""
    mime = next((m for magic, m in IMAGE_TYPES.items() if data.startswith(magic)), None)
    if mime is None:
        return ""
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def verify_url(token: str) -> str:
    return settings.PUBLIC_BASE_URL + reverse("certificates:verify", args=[token])


def qr_data_uri(url: str) -> str:
    return segno.make(url, error="m").png_data_uri(scale=6, border=2)


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    from weasyprint import HTML

    html = render_to_string(template, {**context, "font_stack": FONT_STACK})
    return HTML(string=html, url_fetcher=_fetcher()).write_pdf(font_config=_font_config())


def certificate_pdf(certificate: Any, *, seal: str = "", signature: str = "", signatory: str = "") -> bytes:
    url = verify_url(certificate.token)
    template = f"certificates/pdf/{certificate.layout}.html"
    return render_pdf(
        template,
        {
            "c": certificate,
            "qr": qr_data_uri(url),
            "verify_url": url,
            "seal": seal,
            "signature": signature,
            "signatory": signatory,
        },
    )
