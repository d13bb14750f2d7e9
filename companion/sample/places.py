"""Offices (city, IANA time zone, languages, local naming mix) and the invented organisations.

Organisation domains use the reserved `.example` top-level domain (RFC 2606), so sample
e-mail addresses can never reach a real mailbox.
"""

from __future__ import annotations

from typing import NamedTuple


class Location(NamedTuple):
    """An office city. `primary` is the everyday language there ('en' where English is)."""

    timezone: str
    primary: str
    others: tuple[str, ...]
    traditions: tuple[tuple[str, int], ...]

    def languages(self) -> frozenset[str]:
        """Every language code someone based here may list."""
        return frozenset(("en", self.primary, *self.others))


LOCATIONS: dict[str, Location] = {
    "London, United Kingdom": Location(
        "Europe/London", "en", ("fr", "es", "pl", "hi", "ur", "pt", "it", "yo"),
        (("british", 6), ("south_asian", 2), ("irish", 1), ("polish", 1), ("west_african", 1),
         ("arabic", 1), ("chinese", 1), ("italian", 1), ("french", 1))),
    "Manchester, United Kingdom": Location(
        "Europe/London", "en", ("pl", "ur", "hi", "es"),
        (("british", 6), ("south_asian", 2), ("polish", 1), ("irish", 1), ("west_african", 1))),
    "Edinburgh, United Kingdom": Location(
        "Europe/London", "en", ("gd", "fr", "pl", "es"),
        (("british", 7), ("polish", 1), ("irish", 1))),
    "Dublin, Ireland": Location(
        "Europe/Dublin", "en", ("ga", "pl", "pt", "es"),
        (("irish", 6), ("british", 1), ("polish", 2), ("brazilian", 1))),
    "Berlin, Germany": Location(
        "Europe/Berlin", "de", ("tr", "pl", "ar", "fr", "es"),
        (("german", 6), ("turkish", 2), ("polish", 1), ("arabic", 1))),
    "Munich, Germany": Location(
        "Europe/Berlin", "de", ("it", "fr", "el", "tr"),
        (("german", 7), ("italian", 1), ("greek", 1), ("turkish", 1))),
    "Paris, France": Location(
        "Europe/Paris", "fr", ("es", "ar", "pt", "it"),
        (("french", 7), ("arabic", 2), ("west_african", 1), ("spanish", 1))),
    "Amsterdam, Netherlands": Location(
        "Europe/Amsterdam", "nl", ("de", "tr", "ar", "fr"),
        (("dutch", 6), ("turkish", 1), ("arabic", 1), ("german", 1), ("british", 1))),
    "Madrid, Spain": Location(
        "Europe/Madrid", "es", ("fr", "pt", "it"),
        (("spanish", 7), ("latin_american", 2))),
    "Barcelona, Spain": Location(
        "Europe/Madrid", "es", ("ca", "fr", "it"),
        (("spanish", 7), ("latin_american", 1), ("italian", 1))),
    "Lisbon, Portugal": Location(
        "Europe/Lisbon", "pt", ("es", "fr"),
        (("brazilian", 7), ("spanish", 1))),
    "Warsaw, Poland": Location(
        "Europe/Warsaw", "pl", ("de", "uk", "ru"),
        (("polish", 9),)),
    "Stockholm, Sweden": Location(
        "Europe/Stockholm", "sv", ("fi", "de", "ar"),
        (("nordic", 8), ("arabic", 1))),
    "Milan, Italy": Location(
        "Europe/Rome", "it", ("fr", "de", "es"),
        (("italian", 8),)),
    "Istanbul, Türkiye": Location(
        "Europe/Istanbul", "tr", ("de", "ar"),
        (("turkish", 9),)),
    "Dubai, United Arab Emirates": Location(
        "Asia/Dubai", "en", ("ar", "hi", "ur", "ml", "tl"),
        (("arabic", 3), ("south_asian", 4), ("filipino", 1), ("british", 1))),
    "Cairo, Egypt": Location(
        "Africa/Cairo", "ar", ("fr",),
        (("arabic", 9),)),
    "New York, United States": Location(
        "America/New_York", "en", ("es", "zh", "ko", "fr"),
        (("north_american", 6), ("latin_american", 2), ("chinese", 1), ("south_asian", 1),
         ("korean", 1), ("west_african", 1), ("italian", 1))),
    "Boston, United States": Location(
        "America/New_York", "en", ("es", "pt", "zh"),
        (("north_american", 6), ("irish", 1), ("chinese", 1), ("brazilian", 1))),
    "Toronto, Canada": Location(
        "America/Toronto", "en", ("fr", "zh", "pa", "tl", "ur"),
        (("north_american", 5), ("chinese", 2), ("south_asian", 2), ("filipino", 1),
         ("british", 1))),
    "Chicago, United States": Location(
        "America/Chicago", "en", ("es", "pl"),
        (("north_american", 6), ("latin_american", 2), ("polish", 1))),
    "Austin, United States": Location(
        "America/Chicago", "en", ("es", "vi", "hi"),
        (("north_american", 6), ("latin_american", 3), ("south_asian", 1))),
    "Denver, United States": Location(
        "America/Denver", "en", ("es",),
        (("north_american", 7), ("latin_american", 2))),
    "San Francisco, United States": Location(
        "America/Los_Angeles", "en", ("es", "zh", "tl", "hi", "ko"),
        (("north_american", 4), ("chinese", 2), ("south_asian", 2), ("latin_american", 1),
         ("filipino", 1), ("korean", 1))),
    "Seattle, United States": Location(
        "America/Los_Angeles", "en", ("zh", "hi", "vi", "es"),
        (("north_american", 5), ("chinese", 1), ("south_asian", 2), ("vietnamese", 1))),
    "Mexico City, Mexico": Location(
        "America/Mexico_City", "es", ("pt", "fr"),
        (("latin_american", 9),)),
    "Bogotá, Colombia": Location(
        "America/Bogota", "es", ("pt", "fr"),
        (("latin_american", 9),)),
    "Buenos Aires, Argentina": Location(
        "America/Argentina/Buenos_Aires", "es", ("it", "pt"),
        (("latin_american", 7), ("italian", 2))),
    "São Paulo, Brazil": Location(
        "America/Sao_Paulo", "pt", ("es", "it", "ja"),
        (("brazilian", 7), ("italian", 1), ("japanese", 1), ("latin_american", 1))),
    "Singapore, Singapore": Location(
        "Asia/Singapore", "en", ("zh", "ms", "ta"),
        (("chinese", 5), ("malay", 2), ("south_asian", 2), ("british", 1))),
    "Bengaluru, India": Location(
        "Asia/Kolkata", "en", ("kn", "hi", "ta", "te"),
        (("south_asian", 10),)),
    "Mumbai, India": Location(
        "Asia/Kolkata", "en", ("hi", "mr", "gu"),
        (("south_asian", 10),)),
    "Manila, Philippines": Location(
        "Asia/Manila", "en", ("tl",),
        (("filipino", 9),)),
    "Ho Chi Minh City, Vietnam": Location(
        "Asia/Ho_Chi_Minh", "vi", ("fr",),
        (("vietnamese", 9),)),
    "Tokyo, Japan": Location(
        "Asia/Tokyo", "ja", ("zh", "ko"),
        (("japanese", 9),)),
    "Seoul, South Korea": Location(
        "Asia/Seoul", "ko", ("ja", "zh"),
        (("korean", 9),)),
    "Hong Kong SAR": Location(
        "Asia/Hong_Kong", "en", ("zh",),
        (("chinese", 8), ("british", 1))),
    "Sydney, Australia": Location(
        "Australia/Sydney", "en", ("zh", "vi", "ar", "el", "hi"),
        (("british", 5), ("chinese", 2), ("vietnamese", 1), ("greek", 1), ("south_asian", 1),
         ("arabic", 1))),
    "Melbourne, Australia": Location(
        "Australia/Melbourne", "en", ("el", "it", "zh", "vi"),
        (("british", 5), ("greek", 1), ("italian", 1), ("chinese", 1), ("vietnamese", 1))),
    "Auckland, New Zealand": Location(
        "Pacific/Auckland", "en", ("mi", "sm", "zh"),
        (("british", 5), ("maori_pacific", 3), ("chinese", 1))),
    "Johannesburg, South Africa": Location(
        "Africa/Johannesburg", "en", ("zu", "af", "st", "xh"),
        (("southern_african", 7), ("british", 1), ("south_asian", 1))),
    "Cape Town, South Africa": Location(
        "Africa/Johannesburg", "en", ("af", "xh"),
        (("southern_african", 6), ("british", 1))),
    "Nairobi, Kenya": Location(
        "Africa/Nairobi", "en", ("sw",),
        (("east_african", 9),)),
    "Lagos, Nigeria": Location(
        "Africa/Lagos", "en", ("yo", "ig", "ha"),
        (("west_african", 9),)),
    "Accra, Ghana": Location(
        "Africa/Accra", "en", ("ak", "fr"),
        (("west_african", 9),)),
}


class Organization(NamedTuple):
    """An invented organisation and where its people sit (office → relative headcount)."""

    name: str
    domain: str
    offices: tuple[tuple[str, int], ...]


HOSTS: tuple[Organization, ...] = (
    Organization("Halverston Group", "halverston.example", (
        ("London, United Kingdom", 30), ("Manchester, United Kingdom", 8),
        ("Edinburgh, United Kingdom", 4), ("Dublin, Ireland", 4), ("Berlin, Germany", 6),
        ("Paris, France", 5), ("Madrid, Spain", 4), ("Warsaw, Poland", 5),
        ("New York, United States", 8), ("Chicago, United States", 5),
        ("São Paulo, Brazil", 4), ("Singapore, Singapore", 6), ("Bengaluru, India", 8),
        ("Sydney, Australia", 4), ("Johannesburg, South Africa", 3),
        ("Dubai, United Arab Emirates", 3))),
    Organization("Corvane Industries", "corvane.example", (
        ("Chicago, United States", 25), ("Austin, United States", 8),
        ("New York, United States", 8), ("Toronto, Canada", 6), ("Denver, United States", 4),
        ("Mexico City, Mexico", 6), ("São Paulo, Brazil", 5), ("London, United Kingdom", 8),
        ("Amsterdam, Netherlands", 5), ("Munich, Germany", 4), ("Bengaluru, India", 8),
        ("Manila, Philippines", 5), ("Tokyo, Japan", 3), ("Sydney, Australia", 3))),
    Organization("Aldermoor & Finch", "aldermoorfinch.example", (
        ("Amsterdam, Netherlands", 22), ("London, United Kingdom", 8), ("Berlin, Germany", 8),
        ("Stockholm, Sweden", 5), ("Milan, Italy", 5), ("Barcelona, Spain", 5),
        ("Lisbon, Portugal", 4), ("Istanbul, Türkiye", 4), ("Cairo, Egypt", 3),
        ("Nairobi, Kenya", 4), ("Lagos, Nigeria", 4), ("Singapore, Singapore", 6),
        ("Ho Chi Minh City, Vietnam", 4), ("Seoul, South Korea", 3),
        ("New York, United States", 6), ("Bogotá, Colombia", 4))),
)

PARTNERS: tuple[Organization, ...] = (
    Organization("Brightwater Health Trust", "brightwaterhealth.example", (
        ("Manchester, United Kingdom", 5), ("London, United Kingdom", 3),
        ("Dublin, Ireland", 3), ("Edinburgh, United Kingdom", 2))),
    Organization("Kestrel Ridge Analytics", "kestrelridge.example", (
        ("Singapore, Singapore", 5), ("Bengaluru, India", 4), ("Sydney, Australia", 3),
        ("Hong Kong SAR", 2), ("Tokyo, Japan", 1))),
    Organization("Solenne Foods Cooperative", "solennefoods.example", (
        ("Paris, France", 5), ("Barcelona, Spain", 2), ("Madrid, Spain", 2),
        ("Milan, Italy", 2), ("Lisbon, Portugal", 1))),
    Organization("Umberfield Logistics", "umberfield.example", (
        ("Johannesburg, South Africa", 4), ("Cape Town, South Africa", 2),
        ("Nairobi, Kenya", 3), ("Lagos, Nigeria", 3), ("Accra, Ghana", 2),
        ("Cairo, Egypt", 1))),
    Organization("Pradera Renewables", "pradera.example", (
        ("São Paulo, Brazil", 4), ("Bogotá, Colombia", 3), ("Mexico City, Mexico", 3),
        ("Buenos Aires, Argentina", 3))),
    Organization("Northgate Civic Software", "northgatecivic.example", (
        ("Toronto, Canada", 4), ("Seattle, United States", 3),
        ("San Francisco, United States", 3), ("Austin, United States", 2),
        ("Boston, United States", 2), ("Auckland, New Zealand", 1),
        ("Melbourne, Australia", 1))),
)
