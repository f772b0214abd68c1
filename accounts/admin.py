from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import User


@admin.register(User)
class PeixunUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("Peixun", {"fields": ("role", "display_name", "county", "school", "teacher")}))
    list_display = ("username", "display_name", "role", "county", "school", "is_active")
    list_filter = ("role", "is_active")
    raw_id_fields = ("school", "teacher")
