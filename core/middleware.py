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


# More digits than any 64-bit integer has: no field takes such a number, and handed to a model
# choice field or a filter it overflows in the database driver instead of failing validation.
_MAX_DIGITS = 19


def _malformed(value: str) -> bool:
    if "\x00" in value:
        return True
    digits = value[1:] if value[:1] in "+-" else value
    return len(digits) > _MAX_DIGITS and digits.isascii() and digits.isdigit()


class RejectMalformedInputMiddleware:
    """Answer 400 to a request whose query or form data holds a NUL character (in a name or a value)
    or a whole number beyond 64 bits.

    No field of the application takes either. PostgreSQL refuses NUL in text ("A string literal
    cannot contain NUL") and an out-of-range integer in a parameter, so either reaching a filter, a
    model choice field or a save would answer 500 wherever a view forgot to check. One check here
    covers every view, present and future; views read the rest through forms and core.params.
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
                if "\x00" in key or any(_malformed(value) for value in values):
                    raise SuspiciousOperation("NUL character or out-of-range number in request data")
        return self.get_response(request)
