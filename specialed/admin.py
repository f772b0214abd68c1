from django.contrib import admin

from .models import Participant, ParticipantEnrolment, SupportVisit


@admin.register(SupportVisit)
class SupportVisitAdmin(admin.ModelAdmin):
    list_display = ("date", "kind", "school", "child_code", "hours")
    list_filter = ("kind",)
    raw_id_fields = ("school", "target_school", "teachers")


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "county", "organisation")


admin.site.register(ParticipantEnrolment)
