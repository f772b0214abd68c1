from django.conf import settings
from django.utils import translation


class ChosenLanguageMiddleware:
    """Chinese unless the user picked another language with the switcher.

    Django's LocaleMiddleware would follow the browser's Accept-Language, so a county office machine
    with an English browser would show English pages nobody asked for. Only the language cookie that
    `set_language` writes counts here.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class ExportUnitMiddleware:
    """Name the unit (制表单位) of every workbook made for this request in its footer: the county,
    city or province the user works for, or their school."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from .excel import unit_of_export
        from .scoping import unit_name

        with unit_of_export(lambda: unit_name(getattr(request, "user", None))):
            return self.get_response(request)


class RejectNulMiddleware:
    """Answer 400 to a request whose query or form data holds a NUL character, in a name or a value.

    No field of the application takes one; PostgreSQL refuses it in text ("A string literal cannot
    contain NUL"), so a NUL reaching a filter or a save would answer 500 wherever a view forgot to
    check. One check here covers every view, present and future.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.core.exceptions import SuspiciousOperation

        data = [request.GET]
        if request.method == "POST":
            data.append(request.POST)
        for query in data:
            for key, values in query.lists():
                if "\x00" in key or any("\x00" in value for value in values):
                    raise SuspiciousOperation("NUL character in request data")
        return self.get_response(request)
