"""Checking uploaded files by their content and storing them under generated names.

The extension a user gives is only a claim: the bytes must say the same thing (puremagic for the
signature, the zip's own parts for docx/pptx/xlsx). Stored names are random, so a user's file name
never reaches the file system.
"""

import secrets
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO

import puremagic
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.utils.translation import gettext as _

ERR_TYPE_NOT_ALLOWED = "不支持的文件类型（允许：PDF、Word、PowerPoint、Excel、JPG、PNG、MP4）"
ERR_CONTENT_MISMATCH = "文件内容与扩展名不符"
ERR_EMPTY = "文件为空"
ERR_TOO_LARGE = "文件过大（上限 {limit} MB）"
ERR_MACROS = "文件包含宏，不能上传"

ALLOWED_TYPES = ("pdf", "docx", "pptx", "xlsx", "jpg", "png", "mp4")
EXTENSION_ALIASES = {"jpeg": "jpg"}
# The part every genuine Office Open XML file of each kind carries.
OOXML_MAIN_PART = {"docx": "word/document.xml", "pptx": "ppt/presentation.xml", "xlsx": "xl/workbook.xml"}
MAX_INFLATED_BYTES = 1024 * 1024 * 1024
HEAD_BYTES = 64 * 1024
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jpg": "image/jpeg",
    "png": "image/png",
    "mp4": "video/mp4",
}


@dataclass(frozen=True)
class CheckedFile:
    file_type: str
    size: int
    original_name: str


def max_bytes() -> int:
    return settings.OUTREACH_UPLOAD_MAX_BYTES


def display_name(name: str) -> str:
    """The user's file name without any directory part, for showing only (never for storing)."""
    base = PurePosixPath(str(name).replace("\\", "/")).name.strip()
    return base[:200] or "file"


def declared_type(name: str) -> str:
    suffix = PurePosixPath(display_name(name)).suffix.lower().lstrip(".")
    return EXTENSION_ALIASES.get(suffix, suffix)


def _detected_types(head: bytes) -> set[str]:
    try:
        matches = puremagic.magic_string(head)
    except puremagic.PureError:
        return set()
    found = set()
    for match in matches:
        ext = match.extension.lower().lstrip(".")
        found.add(EXTENSION_ALIASES.get(ext, ext))
    return found


def _check_ooxml(stream: IO[bytes], kind: str) -> None:
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise ValidationError(_(ERR_CONTENT_MISMATCH)) from exc
    finally:
        stream.seek(0)
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names or OOXML_MAIN_PART[kind] not in names:
        raise ValidationError(_(ERR_CONTENT_MISMATCH))
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise ValidationError(_(ERR_MACROS))
    if sum(info.file_size for info in infos) > MAX_INFLATED_BYTES:
        raise ValidationError(_(ERR_TOO_LARGE).format(limit=max_bytes() // (1024 * 1024)))


def check_upload(upload: File) -> CheckedFile:
    """Refuse a file whose extension is not allowed, whose bytes say otherwise, or that is too big."""
    name = display_name(upload.name or "")
    kind = declared_type(name)
    if kind not in ALLOWED_TYPES:
        raise ValidationError(_(ERR_TYPE_NOT_ALLOWED))
    size = upload.size
    if not size:
        raise ValidationError(_(ERR_EMPTY))
    if size > max_bytes():
        raise ValidationError(_(ERR_TOO_LARGE).format(limit=max_bytes() // (1024 * 1024)))
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    if kind not in _detected_types(head):
        raise ValidationError(_(ERR_CONTENT_MISMATCH))
    if kind in OOXML_MAIN_PART:
        _check_ooxml(upload, kind)
    return CheckedFile(file_type=kind, size=size, original_name=name)


def stored_name(checked: CheckedFile) -> str:
    """A random name with the checked extension: nothing of the user's name or path is kept."""
    return f"{secrets.token_hex(16)}.{checked.file_type}"
