"""core.forms_util.submit, the single-form page's POST: call the service, show its refusal on the form,
or flash the success and redirect; and run, its form for pages that do more than redirect."""

from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from core import bulk
from core.forms_util import run, submit


class NameForm(forms.Form):
    name = forms.CharField(max_length=20)
    note = forms.CharField(required=False)


def _request(method: str = "post", data=None):
    request = getattr(RequestFactory(), method)("/somewhere/", data or {})
    request._messages = CookieStorage(request)
    return request


def _flashed(request) -> list[str]:
    return [str(m) for m in get_messages(request)]


def _refuse(exc: ValidationError):
    def action(data):
        raise exc

    return action


def test_a_get_renders_the_page_and_calls_nothing():
    calls = []
    request = _request("get")
    form = NameForm(None)
    assert submit(request, form, calls.append, success="已保存", then="/done/") is None
    assert calls == []
    assert _flashed(request) == []


def test_an_invalid_form_renders_again_and_calls_nothing():
    calls = []
    request = _request(data={"name": ""})
    form = NameForm(request.POST)
    assert submit(request, form, calls.append, success="已保存", then="/done/") is None
    assert calls == []
    assert "name" in form.errors


def test_the_service_gets_the_cleaned_data_then_the_page_flashes_and_redirects():
    seen = []
    request = _request(data={"name": "  张三 ", "note": "x"})
    form = NameForm(request.POST)
    response = submit(request, form, seen.append, success="已保存", then="/done/")
    assert seen == [{"name": "张三", "note": "x"}]
    assert response.status_code == 302
    assert response.url == "/done/"
    assert _flashed(request) == ["已保存"]


def test_then_takes_a_url_name_with_arguments_and_success_the_result():
    request = _request(data={"name": "张三"})
    form = NameForm(request.POST)
    response = submit(
        request,
        form,
        lambda data: 7,
        success=lambda pk: f"第 {pk} 条已保存",
        then=lambda pk: ("teacher_detail", pk),
    )
    assert response.url == reverse("teacher_detail", args=[7])
    assert _flashed(request) == ["第 7 条已保存"]


def test_then_may_answer_a_response_of_its_own_and_success_may_say_nothing():
    request = _request(data={"name": "张三"})
    form = NameForm(request.POST)
    response = submit(request, form, lambda data: "表格", success=None, then=lambda sheet: HttpResponse(sheet))
    assert response.content.decode() == "表格"
    assert _flashed(request) == []


def test_a_refusal_naming_a_field_lands_on_that_field():
    request = _request(data={"name": "张三"})
    form = NameForm(request.POST)
    refusal = ValidationError({"name": "已有同名的记录"})
    assert submit(request, form, _refuse(refusal), success="已保存", then="/done/") is None
    assert form.errors["name"] == ["已有同名的记录"]
    assert form.non_field_errors() == []
    assert _flashed(request) == []


def test_a_refusal_naming_a_field_the_form_lacks_goes_on_top():
    request = _request(data={"name": "张三"})
    form = NameForm(request.POST)
    refusal = ValidationError({"school": "学校已撤并", NON_FIELD_ERRORS: "名额已满"})
    submit(request, form, _refuse(refusal), success="已保存", then="/done/")
    assert sorted(form.non_field_errors()) == ["名额已满", "学校已撤并"]


def test_a_plain_refusal_goes_on_top_unless_a_field_is_named():
    request = _request(data={"name": "张三"})
    on_top = NameForm(request.POST)
    submit(request, on_top, _refuse(ValidationError("名额已满")), success="已保存", then="/done/")
    assert on_top.non_field_errors() == ["名额已满"]

    on_field = NameForm(request.POST)
    submit(request, on_field, _refuse(ValidationError("名额已满")), success="已保存", then="/done/", field="name")
    assert on_field.errors["name"] == ["名额已满"]
    assert on_field.non_field_errors() == []


def test_run_answers_the_result_true_for_nothing_and_none_on_a_refusal():
    data = {"name": "张三"}
    assert run(NameForm(data), lambda: ["row"]) == ["row"]
    assert run(NameForm(data), lambda: None) is True
    refused = NameForm(data)
    assert run(refused, _raiser()) is None
    assert refused.non_field_errors() == ["名额已满"]
    assert run(NameForm({"name": ""}), lambda: "never") is None


def _raiser():
    def call():
        raise ValidationError("名额已满")

    return call


def test_bulk_pages_share_the_same_run():
    assert bulk.run is run
