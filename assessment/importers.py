"""import_scores: manual component scores from Excel, one row per trainee, one column per component."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from core.importing import (
    ERR_DUPLICATE_IN_FILE,
    Column,
    Importer,
    RowError,
    parse_decimal,
    parse_id_text,
    parse_int,
    parse_text,
    register,
)
from core.scoping import ALL, is_county_level, scope_of
from programs.models import Enrolment, Program
from trainees.models import Teacher

from .models import AssessmentScheme, Component, ManualScore
from .scoring import ASSESSED, ERR_SCORE_RANGE, ScoreRow, scores_save

ERR_SUBPROJECT_UNKNOWN = "找不到该年度的项目/子项目，或其考核方案不存在、已发布"
ERR_TRAINEE_UNKNOWN = "该身份证号不在本子项目的考核名单中"
ERR_NAME_MISMATCH = "姓名与身份证号不符（系统中为 {name}）"
ERR_NOT_A_COMPONENT = "本子项目没有名为“{label}”的人工评分项"
ERR_NO_SCORE_COLUMNS = "没有考核项成绩列"

BASE_COLUMNS = (
    Column("年度", "year", required=True, parse=parse_int, field=Program.year),
    Column("项目名称", "program", required=True, parse=parse_text),
    Column("子项目名称", "subproject", required=True, parse=parse_text),
    Column("身份证号", "id_number", required=True, parse=parse_id_text, text=True),
    Column("姓名", "name", required=True, parse=parse_text, field=Teacher.name),
)


@dataclass
class ScoreLine:
    row: int
    scheme: AssessmentScheme
    enrolment_id: int
    name: str
    values: dict[int, Decimal] = field(default_factory=dict)


@register
class ScoreImporter(Importer):
    kind = "scores"
    title = _("考核成绩导入")
    columns = BASE_COLUMNS

    @classmethod
    def allowed(cls, user: Any) -> bool:
        return is_county_level(user)

    @classmethod
    def for_user(cls, user: Any) -> "ScoreImporter":
        scope = scope_of(user)
        return cls(actor=user, county_id=None if scope.kind == ALL else scope.county_id)

    def prepare(self) -> None:
        schemes = AssessmentScheme.objects.filter(is_template=False, published_at__isnull=True).select_related(
            "subproject__program"
        )
        if self.options.get("county_id"):
            schemes = schemes.filter(county_id=self.options["county_id"])
        self.schemes = {(s.subproject.program.year, s.subproject.program.name, s.subproject.name): s for s in schemes}
        self.manual: dict[int, dict[str, Component]] = defaultdict(dict)
        for c in Component.objects.filter(scheme__in=list(self.schemes.values()), source=Component.Source.MANUAL):
            self.manual[c.scheme_id][c.label] = c
        labels = sorted({label for by_label in self.manual.values() for label in by_label})
        # One column per component label known in scope; which of them a row needs depends on its scheme.
        self.columns = BASE_COLUMNS + tuple(
            Column(label, f"c:{label}", parse=parse_decimal, field=ManualScore.value) for label in labels
        )
        self.trainees = {
            (e["subproject__assessment_scheme"], e["teacher__id_number"]): (e["pk"], e["teacher__name"])
            for e in Enrolment.objects.filter(
                subproject__assessment_scheme__in=list(self.schemes.values()), status__in=ASSESSED
            ).values("pk", "subproject__assessment_scheme", "teacher__id_number", "teacher__name")
        }
        self.seen: dict[tuple[int, int], int] = {}

    def clean_row(self, values: dict[str, Any], row: int, errors: list[RowError]) -> ScoreLine | None:
        scheme = self.schemes.get((values["year"], values["program"], values["subproject"]))
        if scheme is None:
            errors.append(RowError(row, "子项目名称", _(ERR_SUBPROJECT_UNKNOWN)))
            return None
        trainee = self.trainees.get((scheme.pk, values["id_number"]))
        if trainee is None:
            errors.append(RowError(row, "身份证号", _(ERR_TRAINEE_UNKNOWN)))
            return None
        enrolment_id, name = trainee
        ok = True
        if name != values["name"]:
            errors.append(RowError(row, "姓名", _(ERR_NAME_MISMATCH).format(name=name)))
            ok = False
        first = self.seen.setdefault((scheme.pk, enrolment_id), row)
        if first != row:
            errors.append(RowError(row, "身份证号", _(ERR_DUPLICATE_IN_FILE).format(row=first)))
            ok = False
        line = ScoreLine(row=row, scheme=scheme, enrolment_id=enrolment_id, name=name)
        for key, value in values.items():
            if not key.startswith("c:") or value is None:
                continue
            label = key[2:]
            component = self.manual[scheme.pk].get(label)
            if component is None:
                errors.append(RowError(row, label, _(ERR_NOT_A_COMPONENT).format(label=label)))
                ok = False
            elif not 0 <= value <= 100:
                errors.append(RowError(row, label, _(ERR_SCORE_RANGE)))
                ok = False
            else:
                line.values[component.pk] = value
        return line if ok else None

    def write(self, cleaned: list[ScoreLine]) -> tuple[int, int]:
        by_scheme: dict[int, list[ScoreLine]] = defaultdict(list)
        for line in cleaned:
            by_scheme[line.scheme.pk].append(line)
        for lines in by_scheme.values():
            scores_save(
                scheme=lines[0].scheme,
                rows=[ScoreRow(line.enrolment_id, line.values) for line in lines],
                actor=self.actor,
            )
        return 0, len(cleaned)

    def plan(self, cleaned: list[ScoreLine]) -> tuple[int, int]:
        return 0, len(cleaned)

    def preview_row(self, item: ScoreLine) -> dict[str, Any]:
        return {"子项目": item.scheme.subproject.name, "姓名": item.name, "成绩项": len(item.values)}
