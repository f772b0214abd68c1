"""Assessment schemes and scores: define a scheme, enter manual scores, compute and publish results."""

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from attendance.models import ATTENDED, AttendanceRecord
from outreach.models import PhaseTask, TaskSubmission
from programs.models import Enrolment, SubProject

from .audit import audit
from .models import AssessmentScheme, Component, Grade, ManualScore, Result

ERR_WEIGHTS_SUM = "各考核项权重之和必须为 100（当前为 {total}）"
ERR_NO_COMPONENTS = "至少需要一个考核项"
ERR_DUPLICATE_LABEL = "考核项名称重复：{label}"
ERR_TARGET_REQUIRED = "网络研修学时考核项需要填写目标学时"
ERR_PUBLISHED = "考核结果已发布，不能再修改"
ERR_STALE = "该学员的成绩已被他人修改，请刷新后重新录入"
ERR_SCORE_RANGE = "分数应在 0 到 100 之间"
ERR_NOT_MANUAL = "该考核项不是人工评分项"
ERR_NOT_IN_SCHEME = "该学员不在本子项目的考核名单中"
ERR_SCHEME_EXISTS = "该子项目已有考核方案"
ERR_TEMPLATE_COUNTY = "只能复制本县区的模板"

HUNDRED = Decimal(100)
ONE_PLACE = Decimal("0.1")

# Who is assessed: trainees who took part (a nominee who never came is not graded).
ASSESSED = Enrolment.PARTICIPATING


@dataclass(frozen=True)
class ComponentSpec:
    label: str
    weight: int
    source: str
    target_hours: Decimal | None = None


def _round(value: Decimal) -> Decimal:
    return value.quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


def _check_components(components: list[ComponentSpec]) -> None:
    if not components:
        raise ValidationError(ERR_NO_COMPONENTS)
    seen: set[str] = set()
    for spec in components:
        if spec.label in seen:
            raise ValidationError(ERR_DUPLICATE_LABEL.format(label=spec.label))
        seen.add(spec.label)
        if spec.source == Component.Source.ONLINE_HOURS and not spec.target_hours:
            raise ValidationError(ERR_TARGET_REQUIRED)
    total = sum(spec.weight for spec in components)
    if total != 100:
        raise ValidationError(ERR_WEIGHTS_SUM.format(total=total))


def _ensure_open(scheme: AssessmentScheme) -> None:
    if scheme.published_at is not None:
        raise ValidationError(ERR_PUBLISHED)


@transaction.atomic
def scheme_save(
    *,
    county: Any,
    name: str,
    components: list[ComponentSpec],
    actor: Any,
    subproject: SubProject | None = None,
    scheme: AssessmentScheme | None = None,
    pass_mark: Decimal = Decimal(60),
    excellent_threshold: Decimal | None = None,
    excellent_share: Decimal | None = None,
) -> AssessmentScheme:
    """Create or update a scheme with its components. Components are matched by label so manual
    scores already entered for a kept component survive the edit."""
    _check_components(components)
    if scheme is None:
        if subproject is not None and AssessmentScheme.objects.filter(subproject=subproject).exists():
            raise ValidationError(ERR_SCHEME_EXISTS)
        scheme = AssessmentScheme(county=county, subproject=subproject, is_template=subproject is None)
    else:
        scheme = AssessmentScheme.objects.select_for_update().get(pk=scheme.pk)
        _ensure_open(scheme)
    scheme.name = name
    scheme.pass_mark = pass_mark
    scheme.excellent_threshold = excellent_threshold
    scheme.excellent_share = excellent_share
    scheme.full_clean()
    scheme.save()
    existing = {c.label: c for c in scheme.components.all()}
    keep = []
    for order, spec in enumerate(components):
        component = existing.get(spec.label) or Component(scheme=scheme, label=spec.label)
        component.order, component.weight, component.source = order, spec.weight, spec.source
        component.target_hours = spec.target_hours if spec.source == Component.Source.ONLINE_HOURS else None
        component.full_clean()
        component.save()
        keep.append(component.pk)
    scheme.components.exclude(pk__in=keep).delete()
    audit(action="scheme_save", obj=scheme, actor=actor, components=[s.__dict__ for s in components])
    return scheme


def scheme_components(scheme: AssessmentScheme) -> list[ComponentSpec]:
    return [ComponentSpec(c.label, c.weight, c.source, c.target_hours) for c in scheme.components.all()]


def scheme_copy(*, template: AssessmentScheme, subproject: SubProject, actor: Any) -> AssessmentScheme:
    """A sub-project's own scheme copied from a template (later edits do not touch the template)."""
    if template.county_id != subproject.program.county_id:
        raise ValidationError(ERR_TEMPLATE_COUNTY)
    return scheme_save(
        county=template.county,
        subproject=subproject,
        name=f"{subproject.name} 考核方案",
        components=scheme_components(template),
        pass_mark=template.pass_mark,
        excellent_threshold=template.excellent_threshold,
        excellent_share=template.excellent_share,
        actor=actor,
    )


def assessed_enrolments(scheme: AssessmentScheme):
    return Enrolment.objects.filter(subproject_id=scheme.subproject_id, status__in=ASSESSED)


def _source_figures(scheme: AssessmentScheme) -> tuple[list[Any], int, int]:
    """Per enrolment: attended sessions, online hours, tasks done; and the sub-project's totals.
    Counted in the database, one row per trainee."""
    attended = (
        AttendanceRecord.objects.filter(enrolment=OuterRef("pk"), status__in=ATTENDED)
        .order_by()
        .values("enrolment")
        .annotate(n=Count("pk"))
        .values("n")
    )
    done = (
        TaskSubmission.objects.filter(enrolment=OuterRef("pk"), status=TaskSubmission.Status.DONE)
        .order_by()
        .values("enrolment")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = list(
        assessed_enrolments(scheme)
        .annotate(
            attended=Coalesce(Subquery(attended, output_field=IntegerField()), Value(0)),
            tasks_done=Coalesce(Subquery(done, output_field=IntegerField()), Value(0)),
            online=Coalesce("online_study__online_hours", Value(Decimal(0))),
        )
        .values("pk", "attended", "tasks_done", "online")
    )
    sessions = scheme.subproject.sessions.count()
    tasks = PhaseTask.objects.filter(phase__cycle__subproject_id=scheme.subproject_id).count()
    return rows, sessions, tasks


def _ratio(part: Decimal, whole: Decimal) -> Decimal:
    if whole <= 0:
        return Decimal(0)
    return min(HUNDRED, HUNDRED * Decimal(part) / Decimal(whole))


def _excellent_ids(scheme: AssessmentScheme, finals: dict[int, Decimal]) -> set[int]:
    """Who is 优秀: passing scores at or above the threshold, and, with a share, at most that share of
    the graded trainees, best first. Trainees tied at the cut-off that would exceed the share are all left
    out rather than picked arbitrarily."""
    if scheme.excellent_threshold is None and scheme.excellent_share is None:
        return set()
    floor = max(scheme.pass_mark, scheme.excellent_threshold or scheme.pass_mark)
    ranked = sorted(((s, pk) for pk, s in finals.items() if s >= floor), reverse=True)
    if scheme.excellent_share is not None:
        limit = math.floor(len(finals) * scheme.excellent_share / HUNDRED)
        if len(ranked) > limit:
            cut = ranked[limit][0]
            ranked = [(s, pk) for s, pk in ranked[:limit] if s > cut]
    return {pk for _s, pk in ranked}


@transaction.atomic
def scheme_compute(*, scheme: AssessmentScheme, actor: Any = None) -> int:
    """Recompute every assessed trainee's component scores, final score and grade. Returns the count."""
    scheme = AssessmentScheme.objects.select_for_update(of=("self",)).select_related("subproject").get(pk=scheme.pk)
    _ensure_open(scheme)
    components = list(scheme.components.all())
    rows, sessions, tasks = _source_figures(scheme)
    manual = {
        (m.enrolment_id, m.component_id): m.value
        for m in ManualScore.objects.filter(component__scheme=scheme, enrolment__in=[r["pk"] for r in rows])
    }
    computed: dict[int, tuple[dict[str, Any], Decimal | None]] = {}
    for row in rows:
        parts: dict[str, Any] = {}
        total = Decimal(0)
        complete = True
        for c in components:
            if c.source == Component.Source.ATTENDANCE:
                value = _ratio(row["attended"], sessions)
            elif c.source == Component.Source.ONLINE_HOURS:
                value = _ratio(row["online"], c.target_hours)
            elif c.source == Component.Source.TASKS:
                value = _ratio(row["tasks_done"], tasks)
            else:
                value = manual.get((row["pk"], c.pk))
            if value is None:
                complete = False
                parts[c.label] = None
                continue
            value = _round(value)
            parts[c.label] = str(value)
            total += value * c.weight / HUNDRED
        computed[row["pk"]] = (parts, _round(total) if complete else None)
    finals = {pk: final for pk, (_parts, final) in computed.items() if final is not None}
    excellent = _excellent_ids(scheme, finals)
    existing = {r.enrolment_id: r for r in Result.objects.filter(enrolment__in=computed)}
    to_create, to_update = [], []
    for pk, (parts, final) in computed.items():
        if final is None:
            grade = ""
        elif pk in excellent:
            grade = Grade.EXCELLENT
        else:
            grade = Grade.PASS if final >= scheme.pass_mark else Grade.FAIL
        result = existing.get(pk)
        if result is None:
            to_create.append(
                Result(enrolment_id=pk, scheme=scheme, component_scores=parts, final_score=final, grade=grade)
            )
        elif (result.component_scores, result.final_score, result.grade, result.scheme_id) != (
            parts,
            final,
            grade,
            scheme.pk,
        ):
            result.component_scores, result.final_score, result.grade, result.scheme = parts, final, grade, scheme
            to_update.append(result)
    Result.objects.bulk_create(to_create)
    Result.objects.bulk_update(to_update, ["component_scores", "final_score", "grade", "scheme", "updated_at"])
    # Trainees no longer assessed (withdrawn, substituted) keep no stale grade.
    Result.objects.filter(scheme=scheme).exclude(enrolment__in=computed).delete()
    return len(computed)


def _parse_score(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except ArithmeticError as exc:
        raise ValidationError(ERR_SCORE_RANGE) from exc
    if not (0 <= number <= 100):
        raise ValidationError(ERR_SCORE_RANGE)
    return _round(number)


def _differs(*, enrolment_id: int, values: dict[int, Any], components: dict[int, Component]) -> bool:
    current = dict(
        ManualScore.objects.filter(enrolment_id=enrolment_id, component__in=list(components)).values_list(
            "component_id", "value"
        )
    )
    return any(current.get(component_id) != _parse_score(raw) for component_id, raw in values.items())


def _write_scores(
    *, scheme: AssessmentScheme, enrolment_id: int, values: dict[int, Any], components: dict[int, Component]
) -> bool:
    changed = False
    current = {
        m.component_id: m for m in ManualScore.objects.filter(enrolment_id=enrolment_id, component__in=list(components))
    }
    for component_id, raw in values.items():
        component = components.get(component_id)
        if component is None or component.source != Component.Source.MANUAL:
            raise ValidationError(ERR_NOT_MANUAL)
        value = _parse_score(raw)
        existing = current.get(component_id)
        if value is None and existing is not None:
            existing.delete()
            changed = True
        elif value is not None and existing is None:
            ManualScore.objects.create(enrolment_id=enrolment_id, component=component, value=value)
            changed = True
        elif value is not None and existing.value != value:
            existing.value = value
            existing.save(update_fields=["value"])
            changed = True
    return changed


@dataclass
class ScoreRow:
    enrolment_id: int
    values: dict[int, Any]  # component id -> score (None or "" clears it)
    version: int | None = None  # the Result version the form showed; None skips the check (imports)


@transaction.atomic
def scores_save(*, scheme: AssessmentScheme, rows: list[ScoreRow], actor: Any) -> list[int]:
    """Save manual scores for many trainees and recompute the scheme. A row whose version is older than
    the stored one is not written (someone saved in between): its enrolment id is returned as a conflict."""
    scheme = AssessmentScheme.objects.select_for_update().get(pk=scheme.pk)
    _ensure_open(scheme)
    components = {c.pk: c for c in scheme.components.all()}
    allowed = set(assessed_enrolments(scheme).values_list("pk", flat=True))
    results = {r.enrolment_id: r for r in Result.objects.select_for_update().filter(scheme=scheme)}
    conflicts: list[int] = []
    changed_rows = []
    for row in rows:
        if row.enrolment_id not in allowed:
            raise ValidationError(ERR_NOT_IN_SCHEME)
        result = results.get(row.enrolment_id)
        stored = result.version if result else 0
        if row.version is not None and row.version != stored:
            # Someone saved this trainee since the form was shown: keep their scores. A row the user
            # left as it was is not a conflict at all.
            if _differs(enrolment_id=row.enrolment_id, values=row.values, components=components):
                conflicts.append(row.enrolment_id)
            continue
        if _write_scores(scheme=scheme, enrolment_id=row.enrolment_id, values=row.values, components=components):
            changed_rows.append(row.enrolment_id)
    scheme_compute(scheme=scheme)
    if changed_rows:
        for result in Result.objects.filter(scheme=scheme, enrolment__in=changed_rows):
            result.version += 1
            result.updated_by = actor if getattr(actor, "pk", None) else None
            result.save(update_fields=["version", "updated_by", "updated_at"])
        audit(action="scores_save", obj=scheme, actor=actor, enrolments=changed_rows, conflicts=conflicts)
    return conflicts


@transaction.atomic
def scheme_publish(*, scheme: AssessmentScheme, actor: Any) -> AssessmentScheme:
    """Compute the final results and lock them: from now on no score or setting of the scheme changes."""
    scheme_compute(scheme=scheme)
    scheme = AssessmentScheme.objects.select_for_update().get(pk=scheme.pk)
    scheme.published_at = timezone.now()
    scheme.published_by = actor
    scheme.save(update_fields=["published_at", "published_by"])
    audit(action="scheme_publish", obj=scheme, actor=actor)
    from .credits import ledger_refresh  # credits reads the results this module writes

    # Published results decide which completed enrolments earn: their ledger rows follow now.
    teachers = scheme.subproject.enrolments.values_list("teacher_id", flat=True)
    ledger_refresh(teacher_ids=teachers, years=[scheme.subproject.program.year])
    return scheme


def grade_counts(scheme: AssessmentScheme) -> dict[str, int]:
    return scheme.results.aggregate(
        excellent=Count("pk", filter=Q(grade=Grade.EXCELLENT)),
        passed=Count("pk", filter=Q(grade=Grade.PASS)),
        failed=Count("pk", filter=Q(grade=Grade.FAIL)),
        pending=Count("pk", filter=Q(grade="")),
    )
