"""English is selectable through set_language, and the English catalogue has no untranslated strings."""

import re
from pathlib import Path

from django.conf import settings
from django.urls import reverse

PO_FILE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"


def _unquote(line: str) -> str:
    """The text of one quoted PO line ("..." with C escapes)."""
    body = line[line.index('"') + 1 : line.rindex('"')]
    return re.sub(r'\\(["\\nt])', lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def _po_entries(path: Path) -> list[dict[str, str]]:
    """Each entry as {keyword: text}, e.g. {"msgid": ..., "msgstr": ...} or msgstr[0]/msgstr[1] for plurals.

    Obsolete (#~) entries and comments are skipped; continuation lines are joined to their keyword.
    """
    entries: list[dict[str, str]] = []
    current: dict[str, str] = {}
    keyword = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            if not line and current:
                entries.append(current)
                current, keyword = {}, None
            continue
        if line.startswith('"'):
            assert keyword is not None, f"continuation line without a keyword: {raw!r}"
            current[keyword] += _unquote(line)
            continue
        keyword = line.split(" ", 1)[0]
        if keyword == "msgid" and "msgid" in current:
            entries.append(current)
            current = {}
        current[keyword] = _unquote(line)
    if current:
        entries.append(current)
    return entries


def test_english_can_be_chosen_in_the_footer_switcher(client, db):
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    assert response.status_code == 302

    page = client.get(reverse("login")).content.decode()

    assert "Log in" in page
    assert "Teacher Training Management" in page
    assert "登录" not in page


def test_chinese_is_still_the_default(client, db):
    page = client.get(reverse("login")).content.decode()

    assert "登录" in page
    assert "Log in" not in page


def test_every_english_msgstr_is_filled():
    entries = _po_entries(PO_FILE)
    header = [e for e in entries if e.get("msgid") == ""]
    messages = [e for e in entries if e.get("msgid")]

    assert len(header) == 1
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header[0]["msgstr"]
    assert len(messages) > 700, "the parser found too few entries; is the .po file intact?"

    untranslated = [e["msgid"] for e in messages if not all(v.strip() for k, v in e.items() if k.startswith("msgstr"))]
    no_msgstr = [e["msgid"] for e in messages if not any(k.startswith("msgstr") for k in e)]
    assert not no_msgstr, f"entries without msgstr: {no_msgstr}"
    assert not untranslated, f"untranslated strings (run makemessages, translate, compilemessages): {untranslated}"


def test_no_entry_is_left_fuzzy():
    fuzzy = [
        line for line in PO_FILE.read_text(encoding="utf-8").splitlines() if line.startswith("#,") and "fuzzy" in line
    ]
    assert not fuzzy, "fuzzy entries are ignored by gettext; review them and drop the flag"


def test_plural_entries_have_both_english_forms():
    plurals = [e for e in _po_entries(PO_FILE) if "msgid_plural" in e]
    assert plurals
    for entry in plurals:
        assert entry.get("msgstr[0]", "").strip() and entry.get("msgstr[1]", "").strip(), entry["msgid"]


def test_an_english_browser_still_gets_chinese_until_english_is_chosen(client, db):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "登录" in response.content.decode()
    assert response["Content-Language"] == "zh-hans"


def test_every_error_message_constant_is_in_the_english_catalogue():
    # Services raise _(ERR_…): xgettext never sees the text, so core's makemessages extracts it.
    from core.management.commands.makemessages import error_constants

    catalogue = {e["msgid"] for e in _po_entries(PO_FILE) if e.get("msgid")}
    constants = error_constants(Path(settings.BASE_DIR))
    assert len(constants) > 200
    missing = [f"{where}: {text}" for where, text in constants if text not in catalogue]
    assert not missing, f"run makemessages and translate: {missing}"


def test_words_used_both_as_a_state_and_as_a_button_translate_by_context():
    from django.utils import translation
    from django.utils.translation import gettext, pgettext

    with translation.override("en"):
        assert (gettext("启用"), pgettext("button", "启用")) == ("Active", "Enable")
        assert (gettext("停用"), pgettext("button", "停用")) == ("Inactive", "Disable")
        # 申报项目 heads the claims tables (the item claimed) and is the school's button to submit a 校本 project.
        assert (gettext("申报项目"), pgettext("button", "申报项目")) == ("Claim item", "Submit project")
        assert gettext("学时记录") != gettext("学分记录")
