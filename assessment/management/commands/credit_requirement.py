from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from assessment.credits import requirement_save
from assessment.models import CreditRequirement, Unit
from trainees.models import Region

UNITS = {"学分": Unit.CREDITS, "学时": Unit.HOURS, "credits": Unit.CREDITS, "hours": Unit.HOURS}
GROUPS = {str(label): value for value, label in CreditRequirement.Group.choices} | {
    v: v for v in CreditRequirement.Group.values
}


def _pairs(values: list[str], option: str) -> dict[str, Decimal]:
    out = {}
    for item in values or []:
        name, sep, number = item.partition("=")
        try:
            if not sep or not name.strip():
                raise InvalidOperation
            out[name.strip()] = Decimal(number)
        except InvalidOperation:
            raise CommandError(f"{option} 应写成 类别=数值：{item}") from None
    return out


class Command(BaseCommand):
    help = "设置某县区某年度的学时（学分）要求：总量、各类别最低要求、各类别学时学分换算"

    def add_arguments(self, parser):
        parser.add_argument("--county", required=True, help="县区名称")
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--unit", required=True, choices=sorted(UNITS), help="学分 或 学时")
        parser.add_argument("--total", type=Decimal, required=True)
        parser.add_argument("--min", action="append", default=[], metavar="类别=N", help="类别最低要求，可重复")
        parser.add_argument(
            "--hours-per-credit", action="append", default=[], metavar="类别=N", help="每学分学时数，可重复"
        )
        parser.add_argument("--group", default="all", help="适用对象：全体教师（默认）、特岗教师、新教师、校长")
        parser.add_argument("--new-within-years", type=int, default=3, help="新教师：入职不满几年")

    def handle(self, *args, **options):
        county = Region.objects.filter(level=Region.Level.COUNTY, name=options["county"]).first()
        if county is None:
            raise CommandError(f"找不到县区：{options['county']}")
        if options["group"] not in GROUPS:
            raise CommandError(f"适用对象无效：{options['group']}")
        try:
            requirement = requirement_save(
                county=county,
                year=options["year"],
                unit=UNITS[options["unit"]],
                total=options["total"],
                group=GROUPS[options["group"]],
                new_within_years=options["new_within_years"],
                minimums=_pairs(options["min"], "--min"),
                rates=_pairs(options["hours_per_credit"], "--hours-per-credit"),
                actor=None,
            )
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        minimums = "，".join(f"{m.category.name} {m.minimum}" for m in requirement.minimums.select_related("category"))
        self.stdout.write(f"已保存：{requirement.rule_label}" + (f"（{minimums}）" if minimums else ""))
