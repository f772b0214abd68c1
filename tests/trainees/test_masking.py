from django.urls import reverse

from tests.xlsx import read_xlsx


def test_staff_see_masked_id_numbers_in_the_list(client_for, world):
    html = client_for(world.staff_x).get(reverse("teacher_list")).content.decode()
    assert world.teacher_a.id_number not in html
    assert world.teacher_a.masked_id_number in html


def test_administrators_see_full_id_numbers(client_for, world):
    html = client_for(world.admin_x).get(reverse("teacher_list")).content.decode()
    assert world.teacher_a.id_number in html


def test_the_teacher_detail_is_masked_for_the_coordinator(client_for, world):
    html = client_for(world.coord_a).get(reverse("teacher_detail", args=[world.teacher_a.pk])).content.decode()
    assert world.teacher_a.id_number not in html


def test_the_export_is_masked_for_staff_and_full_for_administrators(client_for, world):
    rows = read_xlsx(client_for(world.staff_x).get(reverse("teacher_list"), {"format": "xlsx"}).content)
    assert rows[0][:2] == ("姓名", "身份证号")
    assert {r[1] for r in rows[1:]} == {world.teacher_a.masked_id_number, world.teacher_b.masked_id_number}
    rows = read_xlsx(client_for(world.admin_x).get(reverse("teacher_list"), {"format": "xlsx"}).content)
    assert world.teacher_a.id_number in {r[1] for r in rows[1:]}


def test_the_export_neutralises_formula_names(client_for, world):
    world.teacher_a.name = '=HYPERLINK("x")'
    world.teacher_a.save(update_fields=["name"])
    rows = read_xlsx(client_for(world.staff_x).get(reverse("teacher_list"), {"format": "xlsx"}).content)
    assert all(not str(cell).startswith("=") for row in rows for cell in row if cell is not None)


def test_the_edit_form_never_carries_the_full_id_number_for_coordinators_and_staff(client_for, world):
    for user in (world.coord_a, world.staff_x):
        html = client_for(user).get(reverse("teacher_edit", args=[world.teacher_a.pk])).content.decode()
        assert world.teacher_a.id_number not in html
        assert world.teacher_a.masked_id_number in html


def test_posting_an_id_number_to_the_edit_form_does_not_change_it(client_for, world):
    t = world.teacher_a
    data = {"name": t.name, "id_number": "110101199001011237", "school": t.school_id, "post": "teacher"}
    assert client_for(world.staff_x).post(reverse("teacher_edit", args=[t.pk]), data).status_code == 302
    original = t.id_number
    t.refresh_from_db()
    assert t.id_number == original


def test_the_detail_page_shows_non_administrators_the_birth_year_only(client_for, world):
    birth = world.teacher_a.birth_date
    for user in (world.coord_a, world.staff_x, world.teacher_user_a):
        html = client_for(user).get(reverse("teacher_detail", args=[world.teacher_a.pk])).content.decode()
        assert birth.isoformat() not in html and f"{birth:%Y%m%d}" not in html
        assert str(birth.year) in html
    html = client_for(world.admin_x).get(reverse("teacher_detail", args=[world.teacher_a.pk])).content.decode()
    assert birth.isoformat() in html


def test_the_search_box_never_matches_id_number_substrings(client_for, world):
    client = client_for(world.staff_x)
    number = world.teacher_a.id_number
    for q in (number[:10], number[6:14], number[-6:], number):
        page = client.get(reverse("teacher_list"), {"q": q}).context["page"]
        assert list(page) == [], q
    assert [t.pk for t in client.get(reverse("teacher_list"), {"q": "张三"}).context["page"]] == [world.teacher_a.pk]


def test_a_full_id_number_posted_finds_exactly_that_teacher_in_scope(client_for, world):
    response = client_for(world.staff_x).post(reverse("teacher_list"), {"id_number": world.teacher_a.id_number})
    assert [t.pk for t in response.context["page"]] == [world.teacher_a.pk]
    response = client_for(world.staff_x).post(reverse("teacher_list"), {"id_number": world.teacher_a.id_number[:17]})
    assert list(response.context["page"]) == [] and "id_number" in response.context["lookup"].errors
    # Another school's coordinator cannot confirm the number through the lookup.
    response = client_for(world.coord_b).post(reverse("teacher_list"), {"id_number": world.teacher_a.id_number})
    assert list(response.context["page"]) == []
