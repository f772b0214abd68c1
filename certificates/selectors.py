"""Every read of certificates a view, the command or an export needs, scoped through core.scoping.

A certificate belongs to its teacher (who sees their own), to the teacher's current school (whose
coordinator sees it) and to the issuing county (its staff, and the offices above it, read it).
"""

from typing import Any

from django.db.models import QuerySet

from core.scoping import get_visible_or_404, visible

from .models import Certificate, IssueJob

CERTIFICATE_PATHS = {"county": "county", "school": "teacher__school", "teacher": "teacher"}
JOB_PATHS = {"county": "county"}


def certificate_list(*, user: Any, subproject_id: Any = None, kind: str = "") -> QuerySet[Certificate]:
    qs = visible(Certificate.objects.all(), user, **CERTIFICATE_PATHS)
    if subproject_id:
        qs = qs.filter(enrolment__subproject_id=subproject_id)
    if kind in Certificate.Kind.values:
        qs = qs.filter(kind=kind)
    return qs.select_related("teacher__school", "reissue_of").order_by("-issued_at", "-pk")


def certificate_get(*, user: Any, pk: Any) -> Certificate:
    return get_visible_or_404(
        Certificate.objects.select_related("teacher__school", "county"), user, pk=pk, **CERTIFICATE_PATHS
    )


def _public() -> QuerySet[Certificate]:
    return Certificate.objects.select_related("reissued_as", "enrolment__subproject__program")


def certificate_by_token(*, token: str) -> Certificate | None:
    """The public look-up by the QR's token; anyone may ask, so nothing about the asker matters."""
    if not token or len(token) > 40:
        return None
    return _public().filter(token=token).first()


def certificate_by_serial(*, serial: str) -> Certificate | None:
    serial = (serial or "").strip()
    if not serial or len(serial) > 80:
        return None
    return _public().filter(serial=serial).first()


def my_certificates(*, user: Any) -> QuerySet[Certificate]:
    """A teacher's own certificates (nothing for anyone else), for 我的培训 and the transcript."""
    return visible(Certificate.objects.all(), user, teacher="teacher").order_by("-issued_at", "-pk")


def certificates_by_enrolment(*, user: Any, enrolment_ids: Any) -> dict[int, Certificate]:
    """The certificate in force per enrolment, in one query: for the rows of 我的培训."""
    qs = visible(
        Certificate.objects.filter(enrolment_id__in=enrolment_ids, status=Certificate.Status.VALID),
        user,
        **CERTIFICATE_PATHS,
    )
    return {c.enrolment_id: c for c in qs}


def job_list(*, user: Any, subproject_id: int) -> QuerySet[IssueJob]:
    return visible(IssueJob.objects.filter(subproject_id=subproject_id), user, **JOB_PATHS).select_related(
        "requested_by"
    )


def job_get(*, user: Any, pk: Any) -> IssueJob:
    return get_visible_or_404(IssueJob.objects.select_related("subproject__program"), user, pk=pk, **JOB_PATHS)
