"""Values as HR exports write them, normalised: languages to ISO 639 codes, lists in one cell,
role words and yes/no answers in English, German and French.

Pure functions; the language tables come from `langcodes` and `language_data` (CLDR names of
every language in every language), looked up once per distinct text (`lru_cache`): an import
of thousands of rows names a handful of languages."""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from companion.domain.enums import Role

if TYPE_CHECKING:
    import langcodes

#: Separators of a list in one cell: `;`, `,` and ` / ` (spaces around the slash, so that
#: `CI/CD` stays one skill).
_LIST_SPLIT = re.compile(r"\s*[;,]\s*|\s+/\s+")
#: Languages also split on a bare slash (`English/German`): no language name holds one.
_LANGUAGE_SPLIT = re.compile(r"\s*[;,/]\s*")
#: A trailing remark in brackets: a region (`Portuguese (Brazil)`) or a level (`German (fluent)`).
_BRACKETED = re.compile(r"\s*[(\[][^()\[\]]*[)\]]\s*$")
_TAG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$")
#: Codes that name no language: undetermined, multiple, no linguistic content, missing.
_NOT_LANGUAGES = frozenset({"und", "mul", "zxx", "mis"})
_PRIVATE_USE = re.compile(r"^q[a-t][a-z]$")


LIST_EXPECTED = "expected a text separated by ';', ',' or ' / ', a JSON array or a list of texts"


def json_array(value: Any) -> Any:
    """`value` as a list when it is a JSON array in one cell (`["en", "de"]`), else as given."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("[") and text.endswith("]"):
            try:
                return json.loads(text)
            except ValueError:
                return value
    return value


def split_items(value: Any, *, languages: bool = False) -> list[str]:
    """The items of a list field (skills, languages): a list of texts, a JSON array in one cell
    (`["en", "de"]`, or `[English, German]`) or a text separated by `;`, `,` or ` / `
    (languages: any `/`). Blank items are dropped; anything else raises ValueError."""
    value = json_array(value)
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("[") and text.endswith("]"):  # a list, just not JSON
            text = text[1:-1]
        pattern = _LANGUAGE_SPLIT if languages else _LIST_SPLIT
        return [item for item in (i.strip() for i in pattern.split(text)) if item]
    return texts(value)


def texts(value: Any) -> list[str]:
    """`value` as a list of non-blank texts, or ValueError."""
    if not isinstance(value, list | tuple) or not all(isinstance(i, str) for i in value):
        raise ValueError(LIST_EXPECTED)
    return [item for item in (i.strip() for i in value) if item]


@lru_cache(maxsize=4096)
def language_code(text: str) -> str | None:
    """The ISO 639 code of a language name or code, or None when `text` is neither.

    ISO 639-1 where the language has one (`English`, `eng`, `Englisch`, `anglais` → `en`),
    else ISO 639-3 (`Hawaiian` → `haw`). Names count in any language CLDR knows (English,
    German, French, the language's own name, …) and any case; a region or a remark in brackets
    is dropped (`pt-BR`, `Portuguese (Brazil)`, `German (fluent)` → `pt`, `de`), and a variety
    is read as its macrolanguage (`Mandarin` → `zh`), so that matching compares like with like.
    """
    name = _BRACKETED.sub("", text).strip() or text.strip()
    if not name:
        return None
    import langcodes  # ~30 ms: only when a record names a language

    language: langcodes.Language | None = None
    if _TAG.match(name):
        try:
            tag = langcodes.Language.get(name.replace("_", "-"), normalize=True)
        except ValueError:
            tag = None
        if tag is not None and tag.is_valid() and tag.language:
            language = tag
    # A Latin text of one or two letters is a code or nothing (`e` names a language in CLDR).
    if language is None and (len(name) >= 3 or not name.isascii()):
        language = _named(name) or _named_without_accents(name)
    if language is None or not language.language:
        return None
    # Names and codes through the same aliases (`iw` → `he`, `tl` and `Tagalog` → `fil`) and
    # varieties to their macrolanguage (`cmn` and `Mandarin` → `zh`, `tw` → `ak`).
    code = langcodes.Language.get(language.language, normalize=True).prefer_macrolanguage() \
        .language
    if not code or code in _NOT_LANGUAGES or _PRIVATE_USE.match(code) or "-" in code:
        return None
    return code


def _named(name: str) -> langcodes.Language | None:
    import langcodes

    try:
        found = langcodes.Language.find(name)
    except LookupError:
        return None
    # Not a fuzzy prefix match: `Klingonish` is not Klingon, nor a typo of it.
    return found if _exact_name(name, found.language) else None


def _named_without_accents(name: str) -> langcodes.Language | None:
    """`Francais`, `Espanol`, `Portugues`: a name typed without its accents, when every name it
    could be is of one language."""
    candidates = _names_by_folded_spelling().get(_fold(name.casefold()))
    if not candidates:
        return None
    found = {f.language: f for f in (_named(n) for n in candidates) if f is not None}
    return next(iter(found.values())) if len(found) == 1 else None


@lru_cache(maxsize=1)
def _names_by_folded_spelling() -> dict[str, tuple[str, ...]]:
    """Every accented language name by its spelling without accents (built once, ~0.1 s)."""
    from language_data.names import TRIES, name_to_code

    name_to_code("language", "en")  # loads the trie
    folded: dict[str, list[str]] = {}
    for key in TRIES["und/name_to_language"].keys():
        plain = _fold(key)
        if plain != key:
            folded.setdefault(plain, []).append(key)
    return {k: tuple(v) for k, v in folded.items()}


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _exact_name(name: str, code: str | None) -> bool:
    """Whether `name` is one of the names `language_data` knows exactly (not only a prefix of
    one: its lookup also takes 'Hakka dialect' for 'Hakka', and so 'Klingonish' for Klingon)."""
    if code is None:
        return False
    from language_data.names import TRIES, code_to_names, normalize_name

    key = normalize_name(name)
    trie = TRIES.get("und/name_to_language")  # loaded by the lookup that found `code`
    if trie is not None and key in trie:
        return True
    return key in {normalize_name(n) for n in code_to_names(code).values()}


def language_codes(items: list[str]) -> tuple[list[str], list[str]]:
    """The codes of `items` in order without repeats, and the items that are no language."""
    codes: dict[str, None] = {}
    unknown: list[str] = []
    for item in items:
        code = language_code(item)
        if code is None:
            unknown.append(item)
        else:
            codes.setdefault(code, None)
    return list(codes), unknown


def unknown_languages_message(unknown: list[str]) -> str:
    """`'Klingonish' is not a language name or ISO 639 code`, naming every such value."""
    shown = ", ".join(f"'{u}'" for u in unknown)
    verb = "is not a language name or ISO 639 code" if len(unknown) == 1 else (
        "are not language names or ISO 639 codes")
    return f"{shown} {verb}: use a code such as en or de, or a name such as English or Deutsch"



#: Role words, lower case without accents, in English, German, French and Spanish.
_ROLE_WORDS: dict[str, Role] = {
    **dict.fromkeys(("mentor", "mentorin", "mentora"), Role.mentor),
    # `mentore` is French `mentoré` typed without its accent (Italian's mentor is rarer here)
    **dict.fromkeys(("mentee", "mentoree", "mentore", "mentorand", "mentorandin",
                     "mentorado", "mentorada"), Role.mentee),
    **dict.fromkeys(("both", "beides", "beide", "les deux", "tous les deux", "ambos"),
                    Role.both),
}
#: Between the two role words of `Mentor & Mentee`, `Mentee/Mentor`, `Mentor und Mentee` …
_ROLE_JOIN = re.compile(r"\s*(?:[&+/,;]|\band\b|\bund\b|\bet\b|\by\b)\s*")
ROLE_EXPECTED = "use mentor, mentee or both"


def role_value(text: str) -> Role | None:
    """The role a role word names (`Mentor`, `Mentée`, `Beides`, `Les deux`, `Mentor & Mentee`),
    or None."""
    plain = _plain(text)
    if plain in _ROLE_WORDS:
        return _ROLE_WORDS[plain]
    parts = [p for p in _ROLE_JOIN.split(plain) if p]
    roles = {_ROLE_WORDS.get(p) for p in parts}
    if len(parts) >= 2 and roles == {Role.mentor, Role.mentee}:
        return Role.both
    return None


_TRUE = frozenset({"true", "yes", "y", "1", "x", "ja", "j", "wahr", "oui", "vrai"})
_FALSE = frozenset({"false", "no", "n", "0", "nein", "falsch", "non", "faux"})
BOOL_EXPECTED = "use yes/no, true/false, 1/0, ja/nein, oui/non, or x for yes"


def bool_value(value: Any) -> bool | None:
    """A yes/no answer as HR exports write it (`Yes`, `ja`, `Oui`, `x`, `0`, `1.0`), or None."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value) if value in (0, 1) else None
    text = str(value).strip().casefold()
    return True if text in _TRUE else False if text in _FALSE else None


def _plain(text: str) -> str:
    """Lower case without accents or extra spaces: `Mentée ` → `mentee`."""
    return " ".join(_fold(text.casefold()).split())
