from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest


def paginate(request: HttpRequest, qs: QuerySet) -> Page:
    """The page of `qs` that `?page=` asks for (out-of-range pages give the last one), PAGE_SIZE rows."""
    return Paginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
