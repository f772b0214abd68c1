"""Assessment test data, made through the assessment services."""

from decimal import Decimal

from assessment.models import Component
from assessment.scoring import ComponentSpec, scheme_save

ATT = Component.Source.ATTENDANCE
ONLINE = Component.Source.ONLINE_HOURS
TASKS = Component.Source.TASKS
MANUAL = Component.Source.MANUAL


def make_scheme(subproject, *, components=None, pass_mark=60, threshold=None, share=None, actor=None):
    """A sub-project scheme; by default 出勤 40% + 作业 60% (manual)."""
    components = components or [ComponentSpec("出勤", 40, ATT), ComponentSpec("作业", 60, MANUAL)]
    return scheme_save(
        county=subproject.program.county,
        subproject=subproject,
        name=f"{subproject.name} 方案",
        components=components,
        pass_mark=Decimal(pass_mark),
        excellent_threshold=None if threshold is None else Decimal(threshold),
        excellent_share=None if share is None else Decimal(share),
        actor=actor,
    )


def make_template(county, *, components=None, actor=None, **kwargs):
    components = components or [ComponentSpec("出勤", 30, ATT), ComponentSpec("成果", 70, MANUAL)]
    return scheme_save(county=county, name="通用模板", components=components, actor=actor, **kwargs)
