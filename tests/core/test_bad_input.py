"""The requests the probe found answering 500: each now a clean 400 or the filter ignored with a word."""

from django.urls import reverse


def test_a_non_integer_school_filter_on_the_tallies_is_ignored_with_a_message(client_for, world):
    response = client_for(world.staff_x).get(reverse("tally_list"), {"school": "abc"})
    assert response.status_code == 200
    assert "已忽略" in response.content.decode()


def test_a_non_integer_county_on_the_credit_settings_falls_back_to_the_users_county(client_for, world):
    response = client_for(world.staff_x).get(reverse("credit_settings"), {"county": "abc"})
    assert response.status_code == 200 and response.context["county"] == world.county_x


def test_a_negative_or_huge_year_is_ignored(client_for, world):
    client = client_for(world.staff_x)
    for year in ("-1", "999999999999", "0", "1.5"):
        assert client.get(reverse("tally_list"), {"year": year}).status_code == 200
        assert client.get(reverse("registration_list"), {"year": year}).status_code == 200


def test_a_nul_character_in_a_search_or_a_posted_note_answers_400(client_for, world):
    client = client_for(world.admin_x)
    assert client.get(reverse("user_list"), {"q": "\x00"}).status_code == 400
    assert client.get(reverse("teacher_list"), {"q": "张\x00"}).status_code == 400
    response = client.post(reverse("teacher_transfer", args=[world.teacher_a.pk]),
                           {"to_school": world.school_b.pk, "note": "调\x00动"})  # fmt: skip
    assert response.status_code == 400
    world.teacher_a.refresh_from_db()
    assert world.teacher_a.school == world.school_a


def test_a_nul_in_a_parameter_name_answers_400(client_for, world):
    assert client_for(world.staff_x).get(reverse("teacher_list") + "?q%00=1").status_code == 400


def test_a_number_beyond_64_bits_in_a_choice_answers_400_before_the_database(client_for, world):
    data = {"school": world.school_a.pk, "kind": "itinerant", "date": "2026-10-01", "teachers": "9" * 20}
    assert client_for(world.staff_x).post(reverse("specialed_visit_create"), data).status_code == 400
    assert client_for(world.staff_x).get(reverse("teacher_list"), {"school": "-" + "9" * 20}).status_code == 400


def test_an_eighteen_digit_value_still_passes(client_for, world):
    response = client_for(world.admin_x).post(reverse("teacher_list"), {"id_number": world.teacher_a.id_number})
    assert response.status_code == 200
