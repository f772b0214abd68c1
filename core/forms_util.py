from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


def apply_validation_error(form: forms.Form, exc: ValidationError, *, field: str | None = None) -> None:
    """Show a service's ValidationError on the form: on its fields when it names them, else on top."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            target = name if name in form.fields else None
            for message in errors:
                form.add_error(target, message)
    else:
        for message in exc.messages:
            form.add_error(field, message)


def _attempt(form: forms.Form, call: Callable[[], Any], field: str | None) -> tuple[bool, Any]:
    if not form.is_valid():
        return False, None
    try:
        return True, call()
    except ValidationError as exc:
        apply_validation_error(form, exc, field=field)
        return False, None


def run(form: forms.Form, call: Callable[[], Any], *, field: str | None = None) -> Any:
    """Call a service once the form is valid; its ValidationError goes onto the form. None on failure,
    the service's result (True if it answers nothing) on success: for pages that do more than redirect."""
    ok, result = _attempt(form, call, field)
    if not ok:
        return None
    return result or True


Then = str | tuple | Callable[[Any], Any]


def submit(
    request: HttpRequest,
    form: forms.Form,
    action: Callable[[Mapping[str, Any]], Any],
    *,
    success: str | Callable[[Any], str] | None,
    then: Then,
    field: str | None = None,
) -> HttpResponse | None:
    """The single-form page: on a valid POST call `action(form.cleaned_data)`, then flash `success`
    and redirect to `then`. None (render the page again) for a GET, an invalid form or a refusal,
    whose ValidationError is shown on the form (see `apply_validation_error`; `field` as there).

    `success` is a message or a callable taking the action's result (None: no message). `then` is
    what `redirect()` takes (a URL name or a path), a tuple of its arguments (`("detail", pk)`), or a
    callable taking the result and answering either (or a response of its own)."""
    if request.method != "POST":
        return None
    ok, result = _attempt(form, lambda: action(form.cleaned_data), field)
    if not ok:
        return None
    message = success(result) if callable(success) else success
    if message:
        messages.success(request, message)
    target = then(result) if callable(then) else then
    if isinstance(target, HttpResponse):
        return target
    if isinstance(target, tuple):
        return redirect(*target)
    return redirect(target)
