"""Writes of the certificates app: county settings, rules, issuing, revoking, reissuing, batch jobs
and the verification log."""

import datetime as dt
import logging
import os
import uuid
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core import jobs
from core.scoping import is_admin, is_county_level
from outreach.uploads import check_upload, stored_name
from programs.models import Enrolment, SubProject
from trainees.idcard import mask_id_number
from trainees.models import Region, Teacher

from . import eligibility, pdf, serials, sources
from .models import Certificate, CertificateRule, CountyCertificateSettings, IssueJob, SerialCounter, Verification

logger = logging.getLogger(__name__)

ERR_NOT_COUNTY = "只有县区培训中心工作人员可以发放证书"
ERR_NOT_ADMIN = "只有管理员可以修改证书设置"
ERR_NOT_ELIGIBLE = "该学员不符合结业条件：{reasons}"
ERR_REASON_REQUIRED = "请填写撤销原因"
ERR_ONLY_VALID = "只有有效的证书可以撤销或补发"
ERR_IMAGE_TYPE = "请上传 PNG 或 JPG 图片"
ERR_IMAGE_TOO_LARGE = "图片过大（上限 {limit} MB）"
ERR_IMAGE_DIMENSIONS = "图片尺寸过大（最大 {side}×{side} 像素）"
ERR_IMAGE_UNREADABLE = "无法读取该图片"
ERR_NO_HOURS = "该教师本年度没有学时记录"
ERR_OTHER_COUNTY = "只能为本县区的项目发证"
ERR_JOB_RUNNING = "该子项目已有发证任务在进行中"

SERIAL_ATTEMPTS = 20
# A seal or signature is printed a few centimetres wide: more pixels only cost memory in every PDF.
MAX_IMAGE_SIDE = 3000
STALE_QUEUED = dt.timedelta(minutes=10)


# Settings and rules ------------------------------------------------------------------------------


def county_settings(county: Region) -> CountyCertificateSettings:
    """The county's settings, or unsaved defaults (issuing unit: the county's training centre)."""
    found = CountyCertificateSettings.objects.filter(county=county).first()
    return found or CountyCertificateSettings(county=county, issuing_unit=_("%s教师发展中心") % county.name)


def _checked_image(upload: Any) -> str:
    limit = settings.CERTIFICATE_IMAGE_MAX_BYTES
    if upload.size and upload.size > limit:
        raise ValidationError(_(ERR_IMAGE_TOO_LARGE).format(limit=limit // (1024 * 1024)))
    checked = check_upload(upload)
    if checked.file_type not in ("png", "jpg"):
        raise ValidationError(_(ERR_IMAGE_TYPE))
    from PIL import Image, UnidentifiedImageError

    try:
        upload.seek(0)
        with Image.open(upload) as image:  # reads the header only: the size is known before decoding
            width, height = image.size
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise ValidationError(_(ERR_IMAGE_UNREADABLE)) from exc
    finally:
        upload.seek(0)
    if max(width, height) > MAX_IMAGE_SIDE:
        raise ValidationError(_(ERR_IMAGE_DIMENSIONS).format(side=MAX_IMAGE_SIDE))
    return stored_name(checked)


@transaction.atomic
def settings_update(
    *,
    user: Any,
    issuing_unit: str,
    signatory: str,
    serial_template: str,
    layout: str,
    seal: Any = None,
    signature: Any = None,
) -> CountyCertificateSettings:
    if not is_admin(user) or not user.county_id:
        raise ValidationError(_(ERR_NOT_ADMIN))
    row = county_settings(user.county)
    try:
        serials.check_template(serial_template)
    except ValidationError as exc:
        raise ValidationError({"serial_template": exc.messages}) from exc
    errors = {}
    names = {}
    for field, upload in (("seal", seal), ("signature", signature)):
        if upload:
            try:
                names[field] = _checked_image(upload)
            except ValidationError as exc:
                errors[field] = exc.messages
    if errors:
        raise ValidationError(errors)
    row.issuing_unit, row.signatory = issuing_unit.strip(), signatory.strip()
    row.serial_template, row.layout, row.updated_by = serial_template.strip(), layout, user
    old_files = []
    for field, name in names.items():
        old = getattr(row, field)
        if old:
            old_files.append(old.name)
        getattr(row, field).save(name, {"seal": seal, "signature": signature}[field], save=False)
    row.full_clean()
    row.save()
    for name in old_files:
        transaction.on_commit(lambda name=name: default_storage.delete(name))
    return row


@transaction.atomic
def rule_set(*, user: Any, subproject: SubProject, min_attendance: Any, require_pass: bool) -> CertificateRule:
    if not is_county_level(user):
        raise ValidationError(_(ERR_NOT_COUNTY))
    rule = CertificateRule.objects.filter(subproject=subproject).first() or CertificateRule(subproject=subproject)
    rule.min_attendance, rule.require_pass = min_attendance, require_pass
    rule.full_clean()
    rule.save()
    return rule


# Issuing -----------------------------------------------------------------------------------------


def _county_code(county: Region) -> str:
    return county.code or f"{county.pk:06d}"


def _next_base_serial(county: Region, year: int, template: str) -> str:
    """The next free serial of the county and year; the counter row is locked until commit."""
    counter, _created = SerialCounter.objects.get_or_create(county=county, year=year)
    counter = SerialCounter.objects.select_for_update().get(pk=counter.pk)
    for _attempt in range(SERIAL_ATTEMPTS):
        counter.last += 1
        serial = serials.render(template, county_code=_county_code(county), year=year, number=counter.last)
        # A template changed mid-year may reproduce an older serial: skip over it.
        if not Certificate.objects.filter(base_serial=serial).exists():
            counter.save(update_fields=["last"])
            return serial
    raise IntegrityError("no free serial")


def _file_name(cert: Certificate) -> str:
    return f"certificates/{cert.county_id}/{cert.year}/{cert.token}.pdf"


def _write_atomically(name: str, data: bytes) -> Path:
    final = Path(default_storage.path(name))
    final.parent.mkdir(parents=True, exist_ok=True)
    temp = final.with_name(f".{final.name}.{uuid.uuid4().hex}.part")
    try:
        temp.write_bytes(data)
        os.replace(temp, final)
    finally:
        temp.unlink(missing_ok=True)
    return final


@dataclass
class Printing:
    """What a county prints on every document, read once per batch."""

    county_settings: CountyCertificateSettings
    seal: str
    signature: str

    @classmethod
    def of(cls, county: Region) -> "Printing":
        row = county_settings(county)
        return cls(county_settings=row, seal=pdf.image_data_uri(row.seal), signature=pdf.image_data_uri(row.signature))


def _store(cert: Certificate, printing: Printing) -> Certificate:
    """Render the PDF, write it in place, then insert the row; a failure leaves neither behind."""
    cert.token = serials.new_token()
    cert.file.name = _file_name(cert)
    cert.full_clean(exclude=["token"], validate_unique=False, validate_constraints=False)
    data = pdf.certificate_pdf(
        cert,
        seal=printing.seal,
        signature=printing.signature,
        signatory=printing.county_settings.signatory,
    )
    path = _write_atomically(cert.file.name, data)
    try:
        with transaction.atomic():
            cert.save()
    except Exception:
        path.unlink(missing_ok=True)
        raise
    return cert


def _holder(cert: Certificate, teacher: Teacher) -> None:
    cert.holder_name = teacher.name
    cert.holder_gender = teacher.get_gender_display()
    cert.holder_id_masked = mask_id_number(teacher.id_number)


def _completion(enrolment: Enrolment, *, county: Region, actor: Any, printing: Printing) -> Certificate:
    sub = enrolment.subproject
    cert = Certificate(
        kind=Certificate.Kind.COMPLETION,
        county=county,
        teacher=enrolment.teacher,
        enrolment=enrolment,
        year=sub.program.year,
        title=f"{sub.program.name}·{sub.name}",
        hours=sub.hours,
        start_date=sub.start_date,
        end_date=sub.end_date,
        issuing_unit=printing.county_settings.issuing_unit,
        layout=printing.county_settings.layout,
        issued_at=timezone.now(),
        issued_by=actor if getattr(actor, "pk", None) else None,
    )
    _holder(cert, enrolment.teacher)
    with transaction.atomic():
        cert.base_serial = cert.serial = _next_base_serial(county, cert.year, printing.county_settings.serial_template)
        return _store(cert, printing)


def _valid_completion(enrolment: Enrolment) -> Certificate | None:
    return Certificate.objects.filter(
        enrolment=enrolment, kind=Certificate.Kind.COMPLETION, status=Certificate.Status.VALID
    ).first()


def _valid_hours(teacher: Teacher, year: int) -> Certificate | None:
    return Certificate.objects.filter(
        teacher=teacher, year=year, kind=Certificate.Kind.HOURS, status=Certificate.Status.VALID
    ).first()


def certificate_issue(*, enrolment: Enrolment, actor: Any) -> Certificate:
    """One trainee's 结业证书, when the sub-project's rule says they earned it; the one in force if any."""
    if not is_county_level(actor):
        raise ValidationError(_(ERR_NOT_COUNTY))
    existing = _valid_completion(enrolment)
    if existing:
        return existing
    (verdict,) = eligibility.evaluate(subproject=enrolment.subproject, enrolments=[enrolment]) or [None]
    if verdict is None or not verdict.eligible:
        reasons = "；".join(verdict.reasons) if verdict else enrolment.get_status_display()
        raise ValidationError(_(ERR_NOT_ELIGIBLE).format(reasons=reasons))
    county = enrolment.school.county
    return _first_valid(
        lambda: _completion(enrolment, county=county, actor=actor, printing=Printing.of(county)),
        lambda: _valid_completion(enrolment),
    )


def _first_valid(issue: Callable[[], Certificate], existing: Callable[[], Certificate | None]) -> Certificate:
    """Issue, unless another request issued the same certificate meanwhile (two clicks, a batch beside a
    clerk): the database refuses the second valid one, its serial is rolled back with it, and the
    first one is the answer."""
    try:
        return issue()
    except IntegrityError:
        found = existing()
        if found is None:
            raise
        return found


def certificate_issue_hours(*, teacher: Teacher, year: int, actor: Any) -> Certificate:
    """A teacher's 学时证明 for a year, from the credit records; the one in force if already issued."""
    if not is_county_level(actor):
        raise ValidationError(_(ERR_NOT_COUNTY))
    existing = _valid_hours(teacher, year)
    if existing:
        return existing
    hours = sources.teacher_year_hours(teacher=teacher, year=year)
    if not hours.total_hours:
        raise ValidationError(_(ERR_NO_HOURS))
    county = teacher.school.county
    printing = Printing.of(county)
    cert = Certificate(
        kind=Certificate.Kind.HOURS,
        county=county,
        teacher=teacher,
        year=year,
        title=_("%(year)s 年度继续教育学时") % {"year": year},
        hours=hours.total_hours,
        start_date=dt.date(year, 1, 1),
        end_date=dt.date(year, 12, 31),
        issuing_unit=printing.county_settings.issuing_unit,
        layout=printing.county_settings.layout,
        lines=[
            {
                "title": line["title"],
                "start_date": line["start_date"].isoformat() if line["start_date"] else "",
                "end_date": line["end_date"].isoformat() if line["end_date"] else "",
                "hours": str(line["hours"]),
            }
            for line in hours.lines
        ],
        issued_at=timezone.now(),
        issued_by=actor,
    )
    _holder(cert, teacher)

    def issue() -> Certificate:
        with transaction.atomic():
            cert.base_serial = cert.serial = _next_base_serial(county, year, printing.county_settings.serial_template)
            return _store(cert, printing)

    return _first_valid(
        issue,
        lambda: _valid_hours(teacher, year),
    )


def _require_valid_in_county(certificate: Certificate, actor: Any) -> None:
    if not is_county_level(actor):
        raise ValidationError(_(ERR_NOT_COUNTY))
    if certificate.status != Certificate.Status.VALID:
        raise ValidationError(_(ERR_ONLY_VALID))


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, reason: str, actor: Any) -> Certificate:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _(ERR_REASON_REQUIRED)})
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    _require_valid_in_county(certificate, actor)
    certificate.status = Certificate.Status.REVOKED
    certificate.revoked_at = timezone.now()
    certificate.revoke_reason = reason[:200]
    certificate.full_clean()
    certificate.save(update_fields=["status", "revoked_at", "revoke_reason"])
    return certificate


@transaction.atomic
def certificate_reissue(*, certificate: Certificate, actor: Any) -> Certificate:
    """The same certificate printed again (lost, or the holder's name corrected): serial + -R1, -R2…,
    a new token; the old one then reads 已补发 and points to the new serial."""
    old = Certificate.objects.select_for_update().get(pk=certificate.pk)
    _require_valid_in_county(old, actor)
    old.status = Certificate.Status.REISSUED
    old.save(update_fields=["status"])
    number = (Certificate.objects.filter(base_serial=old.base_serial).aggregate(n=Max("reissue_number"))["n"] or 0) + 1
    printing = Printing.of(old.county)
    new = Certificate(
        kind=old.kind,
        county=old.county,
        teacher=old.teacher,
        enrolment=old.enrolment,
        year=old.year,
        base_serial=old.base_serial,
        reissue_number=number,
        serial=serials.reissue_serial(old.base_serial, number),
        title=old.title,
        hours=old.hours,
        start_date=old.start_date,
        end_date=old.end_date,
        issuing_unit=printing.county_settings.issuing_unit or old.issuing_unit,
        layout=printing.county_settings.layout,
        lines=old.lines,
        reissue_of=old,
        issued_at=timezone.now(),
        issued_by=actor,
    )
    _holder(new, old.teacher)
    return _store(new, printing)


# Batch issuing -----------------------------------------------------------------------------------


def _issuing_county(user: Any, subproject: SubProject) -> Region:
    if not is_county_level(user) or not user.county_id:
        raise ValidationError(_(ERR_NOT_COUNTY))
    return user.county


def issue_request(*, user: Any, subproject: SubProject) -> IssueJob:
    """Store the request, then enqueue its task once the row is committed."""
    county = _issuing_county(user, subproject)
    return _job_create(IssueJob(subproject=subproject, county=county, requested_by=user))


@transaction.atomic
def _job_create(job: IssueJob) -> IssueJob:
    busy = IssueJob.objects.filter(
        subproject=job.subproject, county=job.county, status__in=(IssueJob.Status.QUEUED, IssueJob.Status.RUNNING)
    )
    if busy.filter(enqueued_at__gte=timezone.now() - STALE_QUEUED).exists():
        raise ValidationError(_(ERR_JOB_RUNNING))
    return jobs.start(job, enqueue=_enqueue)


def issue_request_for_command(*, subproject: SubProject, county: Region) -> IssueJob:
    """The trusted command-line request, run in-process by the command."""
    return jobs.start(IssueJob(subproject=subproject, county=county), enqueue=None)


def _enqueue(job_id: int) -> None:
    from .tasks import issue_batch

    issue_batch.delay(job_id)


def batch_enrolments(*, subproject: SubProject, county: Region) -> Any:
    """The sub-project's participating trainees from the county's schools, by school then name."""
    return (
        Enrolment.objects.filter(subproject=subproject, school__county=county, status__in=Enrolment.PARTICIPATING)
        .select_related("teacher", "school", "subproject__program")
        .order_by("school__code", "teacher__name", "pk")
    )


def _final_zip_name(job: IssueJob) -> str:
    return f"certificates/batches/batch-{job.pk}.zip"


def issue_run(*, job_id: int) -> IssueJob | None:
    """Issue every eligible trainee's missing certificate, then zip all certificates in force.

    Idempotent: a trainee who has a certificate (in force, reissued or revoked) gets none again, so a
    re-run (retry, redelivery, a second request) issues only what is new; the zip is rebuilt under the
    same name through a temporary file, never half-written.
    """
    return jobs.run(
        IssueJob, job_id, build=_build, related=("subproject__program", "county", "requested_by"), logger=logger
    )


def _build(job: IssueJob) -> dict[str, Any]:
    issued, eligible = _issue_all(job)
    _build_zip(job)
    return {"file": _final_zip_name(job), "issued": issued, "eligible": eligible}


def _issue_all(job: IssueJob) -> tuple[int, int]:
    enrolments = list(batch_enrolments(subproject=job.subproject, county=job.county))
    verdicts = [v for v in eligibility.evaluate(subproject=job.subproject, enrolments=enrolments) if v.eligible]
    have = set(
        Certificate.objects.filter(
            enrolment__subproject=job.subproject, kind=Certificate.Kind.COMPLETION, county=job.county
        ).values_list("enrolment_id", flat=True)
    )
    todo = [v.enrolment for v in verdicts if v.enrolment.pk not in have]
    printing = Printing.of(job.county)
    step = max(1, len(todo) // 50)
    issued = 0
    for i, enrolment in enumerate(todo, start=1):
        try:
            _completion(enrolment, county=job.county, actor=job.requested_by, printing=printing)
            issued += 1
        except IntegrityError:
            # A concurrent run (redelivery beside a sweep) issued this one first: the database's
            # one-in-force-per-enrolment constraint refused the second; anything else is re-raised.
            if not Certificate.objects.filter(enrolment=enrolment, status=Certificate.Status.VALID).exists():
                raise
        if i % step == 0 or i == len(todo):
            # 95 %: the zip comes last.
            IssueJob.objects.filter(pk=job.pk).update(progress=min(95, 95 * i // len(todo)), issued=issued)
    return issued, len(verdicts)


def batch_certificates(*, subproject: SubProject, county: Region) -> Any:
    return (
        Certificate.objects.filter(
            enrolment__subproject=subproject,
            county=county,
            kind=Certificate.Kind.COMPLETION,
            status=Certificate.Status.VALID,
        )
        .select_related("enrolment__school")
        .order_by("enrolment__school__code", "holder_name", "pk")
    )


def zip_entry_name(cert: Certificate) -> str:
    return f"{cert.enrolment.school.name}/{cert.serial}-{cert.holder_name}.pdf"


def _build_zip(job: IssueJob) -> None:
    """Every certificate in force of the batch, read from its stored PDF (none is rendered twice)."""
    # PDFs are compressed already: stored, not deflated again.
    with (
        jobs.built_file(_final_zip_name(job)) as path,
        zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive,
    ):
        for cert in batch_certificates(subproject=job.subproject, county=job.county).iterator(chunk_size=500):
            archive.write(default_storage.path(cert.file.name), zip_entry_name(cert))


def issue_sweep_stale(*, now: dt.datetime | None = None) -> list[int]:
    """Enqueue again the batch jobs whose message was lost (queued too long) or whose worker died
    (running past the hard time limit): issue_run is idempotent, so a half-done batch issues the rest."""
    return jobs.sweep_stale(IssueJob, enqueue=_enqueue, queued_for=STALE_QUEUED, now=now)


# Verification ------------------------------------------------------------------------------------


def verification_allowed(*, client: str) -> bool:
    """Count one look-up against the client's allowance for the window; False once it is spent."""
    key = f"certificates:verify:{client}"
    window = settings.CERTIFICATE_VERIFY_WINDOW_SECONDS
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count <= settings.CERTIFICATE_VERIFY_LIMIT


def verification_log(*, certificate: Certificate | None, via: str, asked: str, client: str, user_agent: str) -> None:
    Verification.objects.create(
        certificate=certificate,
        via=via,
        asked=(asked or "")[:80],
        found=certificate is not None,
        client=client or None,
        user_agent=(user_agent or "")[:200],
    )


def copy_files(*, certificates: Iterable[Certificate], out_dir: Path) -> int:
    """Write the stored PDFs under `out_dir` (the command's --out), replacing any earlier copy."""
    count = 0
    for cert in certificates:
        target = out_dir / zip_entry_name(cert)
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.with_name(f".{target.name}.part")
        temp.write_bytes(Path(default_storage.path(cert.file.name)).read_bytes())
        os.replace(temp, target)
        count += 1
    return count
