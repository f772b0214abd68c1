from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("calendar/", views.calendar_month, name="desk_calendar"),
    path("calendar/week/", views.calendar_week, name="desk_calendar_week"),
    path("calendar/feed/", views.feed_settings, name="desk_feed"),
    path("calendar/feed/change/", views.feed_change, name="desk_feed_change"),
    path("calendar/<str:token>.ics", views.feed_ics, name="desk_feed_ics"),
]
