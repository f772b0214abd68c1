# The enrolment's single-column subproject and teacher indexes are covered by (subproject, status) and
# (teacher, status): dropped, so each place written costs two index entries less. Only the indexes go;
# Django's own AlterField would also drop and re-add both foreign keys, re-checking every row of a
# province's millions under a lock.

import django.db.models.deletion
from django.db import migrations, models

INDEXES = {
    "programs_enrolment_subproject_id_0e0048ed": "subproject_id",
    "programs_enrolment_teacher_id_240598e1": "teacher_id",
}


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0009_pending_notices"),
        ("trainees", "0004_constraint_messages"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="enrolment",
                    name="subproject",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="enrolments",
                        to="programs.subproject",
                        verbose_name="子项目",
                    ),
                ),
                migrations.AlterField(
                    model_name="enrolment",
                    name="teacher",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="enrolments",
                        to="trainees.teacher",
                        verbose_name="教师",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX IF NOT EXISTS "{name}" ON "programs_enrolment" ("{column}")',
                )
                for name, column in INDEXES.items()
            ],
        ),
    ]
