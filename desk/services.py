"""Writes of the desk app: the private calendar address."""

from typing import Any

from django.db import transaction

from .models import CalendarFeed, new_token


@transaction.atomic
def feed_reset(*, user: Any) -> CalendarFeed:
    """Give the user a calendar address; a new one if they had one (the old one stops answering)."""
    feed, created = CalendarFeed.objects.select_for_update().get_or_create(user=user)
    if not created:
        feed.token = new_token()
        feed.full_clean()
        feed.save(update_fields=["token"])
    return feed


@transaction.atomic
def feed_revoke(*, user: Any) -> None:
    CalendarFeed.objects.filter(user=user).delete()
