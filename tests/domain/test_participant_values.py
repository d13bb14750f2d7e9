"""Normalised values in participant records: languages as ISO 639 codes, list separators,
role words and booleans as HR exports write them (issue 13)."""

from __future__ import annotations

import time
from datetime import date

import pytest
from pydantic import ValidationError

from companion.domain import Participant, Program, ProgramType, Role
from companion.domain.values import language_code
from companion.matching.constraints import pair_violation

BASE = {"id": "e1", "name": "Ada", "role": "mentee"}


def _person(**fields: object) -> Participant:
    return Participant.model_validate({**BASE, **fields})


# --- 1. languages as ISO 639 codes -----------------------------------------------------------

@pytest.mark.parametrize(("raw", "code"), [
    ("en", "en"), ("EN", "en"), ("English", "en"), ("english", "en"), ("ENGLISH", "en"),
    ("Englisch", "en"), ("anglais", "en"), ("eng", "en"),
    ("Deutsch", "de"), ("German", "de"), ("allemand", "de"), ("deu", "de"), ("ger", "de"),
    ("Français", "fr"), ("French", "fr"), ("Französisch", "fr"), ("francais", "fr"),
    ("Español", "es"), ("Spanish", "es"), ("Spanisch", "es"), ("espagnol", "es"),
    ("pt-BR", "pt"), ("pt_BR", "pt"), ("Portuguese (Brazil)", "pt"), ("Brazilian Portuguese", "pt"),
    ("en-GB", "en"), ("English (UK)", "en"), ("German (fluent)", "de"),
    ("Mandarin", "zh"), ("Chinese", "zh"), ("中文", "zh"), ("Hindi", "hi"), ("Farsi", "fa"),
    ("Norwegian", "no"), ("no", "no"),
    ("haw", "haw"),  # no 2-letter code: the ISO 639-3 one
])
def test_a_language_becomes_its_iso_639_code(raw: str, code: str) -> None:
    assert _person(languages=raw).languages == [code]


def test_names_and_codes_of_the_same_language_collapse_to_one_code() -> None:
    assert _person(languages="English; en; EN; Englisch; Deutsch; de").languages == ["en", "de"]
    assert _person(languages=["English", "anglais", "French"]).languages == ["en", "fr"]


@pytest.mark.parametrize("spellings", [
    ["zh", "cmn", "Mandarin", "Chinese", "zh-Hant"],
    ["he", "iw", "Hebrew", "heb"],
    ["tl", "Tagalog", "fil", "Filipino"],
    ["ak", "tw", "Twi", "Akan"],
])
def test_every_spelling_of_a_language_gives_the_same_code(spellings: list[str]) -> None:
    assert len({tuple(_person(languages=s).languages) for s in spellings}) == 1


@pytest.mark.parametrize("raw", ["Klingonish", "Englishman", "xx", "und", "qaa", "x-foo", "e"])
def test_an_unknown_language_is_a_field_error_naming_the_value(raw: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _person(languages=f"en; {raw}")
    (error,) = caught.value.errors()
    assert error["loc"] == ("languages",)
    assert f"'{raw}' is not a language name or ISO 639 code" in error["msg"]


def test_several_unknown_languages_are_all_named() -> None:
    with pytest.raises(ValidationError, match="'Elvish', 'Klingonish' are not language names"):
        _person(languages="Elvish, English, Klingonish")


def test_english_and_en_now_share_a_language_for_matching() -> None:
    """The cross-organisation program of issue 13: host 'English', partner 'en'."""
    program = Program(name="x", type=ProgramType.cross_org, start_date=date(2027, 1, 5))
    host = Participant.model_validate({"id": "m1", "name": "Host", "role": "mentor",
                                       "languages": "English", "organization": "Host"})
    partner = Participant.model_validate({"id": "p1", "name": "Partner", "role": "mentee",
                                          "languages": "en", "organization": "Partner"})
    assert program.require_shared_language
    assert pair_violation(program, partner, host, managers={}, mentor_load=0, blocked={},
                          rejected=set()) is None


# --- 2. list fields: `,` `;` ` / ` and JSON arrays ---------------------------------------

@pytest.mark.parametrize(("field", "raw", "parsed"), [
    ("languages", "English, German", ["en", "de"]),
    ("languages", "English; German", ["en", "de"]),
    ("languages", "English / German / French", ["en", "de", "fr"]),
    ("languages", "English/German", ["en", "de"]),
    ("languages", '["English", "de"]', ["en", "de"]),
    ("languages", " [ \"fr\" ] ", ["fr"]),
    ("languages", "[English, Deutsch]", ["en", "de"]),
    ("languages", "[]", []),
    ("skills", "coaching / finance; M&A, public speaking", ["coaching", "finance", "M&A",
                                                          "public speaking"]),
    ("skills", "CI/CD; A/B testing", ["CI/CD", "A/B testing"]),
    ("skills", '["CI/CD", "Budgeting, forecasting"]', ["CI/CD", "Budgeting, forecasting"]),
    ("goals", '["Lead a team, then a department", "Present to the board"]',
     ["Lead a team, then a department", "Present to the board"]),
    ("goals", "Lead a team, then a department;;Present", ["Lead a team, then a department",
                                                         "Present"]),
    ("goals", "[Draft] a plan for my first 90 days", ["[Draft] a plan for my first 90 days"]),
])
def test_list_fields_take_separators_and_json_arrays(field: str, raw: str,
                                                     parsed: list[str]) -> None:
    assert getattr(_person(**{field: raw}), field) == parsed


@pytest.mark.parametrize(("field", "raw"), [
    ("skills", '["coaching", 3]'),
    ("languages", '{"en": true}'),
    ("goals", '["one", null]'),
])
def test_a_json_cell_that_is_no_list_of_texts_names_the_field(field: str, raw: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _person(**{field: raw})
    (error,) = caught.value.errors()
    assert error["loc"] == (field,)
    assert "list of texts" in error["msg"] or "language name" in error["msg"]


# --- 3. role words and booleans ----------------------------------------------------------

@pytest.mark.parametrize(("raw", "role"), [
    ("Mentor", Role.mentor), ("MENTOR", Role.mentor), ("mentor ", Role.mentor),
    ("Mentorin", Role.mentor), ("mentora", Role.mentor),
    ("Mentee", Role.mentee), ("mentée", Role.mentee), ("Mentée", Role.mentee),
    ("Mentoré", Role.mentee), ("mentorée", Role.mentee), ("Mentorand", Role.mentee),
    ("Both", Role.both), ("both", Role.both), ("Beides", Role.both), ("beide", Role.both),
    ("Les deux", Role.both), ("les  deux", Role.both), ("Ambos", Role.both),
    ("Mentor & Mentee", Role.both), ("mentor and mentee", Role.both),
    ("Mentee/Mentor", Role.both), ("Mentor und Mentee", Role.both),
    ("Mentor et mentoré", Role.both), ("Mentor + Mentee", Role.both),
])
def test_role_words_in_any_case_and_a_few_languages(raw: str, role: Role) -> None:
    assert _person(role=raw).role is role


@pytest.mark.parametrize("raw", ["Mentr", "Coach", "Mentor & Coach", "Mentor & Mentor", "&"])
def test_an_unknown_role_word_names_the_value(raw: str) -> None:
    with pytest.raises(ValidationError, match=f"unknown role '{raw}': use mentor, mentee or both"):
        _person(role=raw)


@pytest.mark.parametrize(("raw", "value"), [
    ("yes", True), ("Yes", True), ("TRUE", True), ("1", True), ("ja", True), ("Ja", True),
    ("oui", True), ("Oui", True), ("x", True), ("X", True), ("y", True), (1, True), (1.0, True),
    (True, True), ("wahr", True), ("vrai", True),
    ("no", False), ("No", False), ("false", False), ("0", False), ("nein", False),
    ("Non", False), ("n", False), (0, False), (False, False), ("falsch", False), ("faux", False),
])
def test_booleans_in_english_german_and_french(raw: object, value: bool) -> None:
    assert _person(prefer_cross_department=raw).prefer_cross_department is value


@pytest.mark.parametrize("raw", ["maybe", "2", "si", 2])
def test_an_unknown_boolean_names_the_value_and_what_is_expected(raw: object) -> None:
    with pytest.raises(ValidationError) as caught:
        _person(prefer_cross_department=raw)
    (error,) = caught.value.errors()
    assert error["loc"] == ("prefer_cross_department",)
    assert f"'{raw}' is not true or false: use yes/no, true/false, 1/0, ja/nein, oui/non" \
        in error["msg"]


# --- 4. thousands of rows ------------------------------------------------------------------

def test_ten_thousand_records_look_each_language_spelling_up_once() -> None:
    spellings = ["English; Deutsch", "en, fr", "pt-BR / Español", "Englisch;anglais",
                 "Mandarin, English (UK)"]
    rows = [{"id": f"e{i}", "name": f"Person {i}", "role": ["Mentor", "Mentée", "Beides"][i % 3],
             "languages": spellings[i % 5], "skills": "coaching; finance / budgeting",
             "prefer_cross_department": ["ja", "0", "x"][i % 3]} for i in range(10_000)]
    language_code.cache_clear()
    started = time.perf_counter()
    people = [Participant.model_validate(row) for row in rows]
    elapsed = time.perf_counter() - started

    assert language_code.cache_info().misses == 10  # one per distinct spelling
    assert people[2].languages == ["pt", "es"] and people[2].role is Role.both
    assert elapsed < 5, f"10,000 records took {elapsed:.2f} s"  # ~0.4 s on one idle core
