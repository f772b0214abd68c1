# History rows are read by their object and context only: the six foreign keys copied from the enrolment
# lose their indexes (settings.PGHISTORY_FOREIGN_KEY_FIELD). No constraint is touched: they have none.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('programs', '0010_enrolment_covered_fk_indexes'),
        ('trainees', '0004_constraint_messages'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='enrolmentevent',
            name='changed_by',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='enrolmentevent',
            name='created_by',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='enrolmentevent',
            name='replaces',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='programs.enrolment', verbose_name='替换'),
        ),
        migrations.AlterField(
            model_name='enrolmentevent',
            name='school',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='trainees.school', verbose_name='学校'),
        ),
        migrations.AlterField(
            model_name='enrolmentevent',
            name='subproject',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='programs.subproject', verbose_name='子项目'),
        ),
        migrations.AlterField(
            model_name='enrolmentevent',
            name='teacher',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='trainees.teacher', verbose_name='教师'),
        ),
    ]
