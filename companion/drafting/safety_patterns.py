"""The phrasings `safety.py` looks for: instruction-like text aimed at the model, and
special-category data (GDPR art. 9: health incl. pregnancy and disability, religion or belief,
sexual orientation or sex life, ethnicity, political opinion, trade-union membership, genetic
or biometric data). English, with common German and French forms.

Both lists are built to miss ordinary mentoring language: "ignore the noise", "act as a
sounding board", "stress-testing the budget", "a healthy pipeline", "the union of two teams",
"good faith", "a race against time", "a blind spot" all pass.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

# --- instruction-like text --------------------------------------------------------------------

_AI = (r"(?:(?:drafting|writing|ai|a\.i\.|language|large\s+language)\s+)?(?:ai|a\.i\.|"
       r"assistants?|llms?|language\s+models?|chat\s?bots?|bots?|gpt|chatgpt|claude|gemini|"
       r"copilot|models?|agents?|drafters?|ki|ia)(?:\s+(?:assistants?|tools?|models?|agents?|"
       r"systems?))?")
_DROP = (r"(?:ignore|disregard|forget|override|overrule|bypass|skip|abandon|discard|set\s+"
         r"aside|throw\s+out|ditch)")
_RULES = (r"(?:instructions?|rules?|prompts?|guidelines?|guidance|directions?|directives?|"
          r"constraints?|guardrails?|polic(?:y|ies)|programming|restrictions?|context|"
          r"messages?|commands?|orders?|system\s+prompt)")
_WHEN = (r"(?:previous|previously\s+given|earlier|prior|above|preceding|foregoing|original|"
         r"initial|system|safety)")
_LANGS = (r"(?:spanish|french|german|italian|portuguese|dutch|polish|russian|chinese|"
          r"mandarin|japanese|korean|arabic|hindi|turkish|latin|klingon|pirate(?:\s+speak)?|"
          r"capitals|capital\s+letters|upper-?case|lower-?case|all\s+caps|caps|rhymes?|verse|"
          r"poems?|emojis?|leetspeak|morse(?:\s+code)?|base64|binary|reverse|backwards|"
          r"another\s+language|a\s+different\s+language|\w+\s+language)")
_ITEMS = (r"(?:questions?|goals?|agenda\s+items?|items?|answers?|responses?|drafts?|titles?|"
          r"steps?|sentences?|outputs?|replies|prompts?|purposes?|statements?|checkpoints?)")
_SECRETS = (r"(?:phone\s*numbers?|telephone(?:\s+numbers?)?|mobile(?:\s+numbers?)?|e-?mail"
            r"(?:\s+address(?:es)?)?s?|contact\s+details|home\s+address(?:es)?|passwords?|"
            r"salar(?:y|ies)|api\s+keys?|credentials|system\s+prompt|hidden\s+instructions|"
            r"instructions|prompt|(?:other|all)\s+(?:participants|mentees|mentors))")

_INSTRUCTION_PATTERNS: tuple[str, ...] = (
    # ignore / disregard / forget (all|your|the|any) (previous|earlier|prior|above) instructions
    rf"\b{_DROP}\s+(?:(?:all|any|every|each|of|the|these|those|my|your|its|that)\s+){{0,4}}"
    rf"{_WHEN}\s+(?:\w+\s+)?{_RULES}\b",
    rf"\b{_DROP}\s+(?:all|any|every|your|all\s+(?:of\s+)?(?:your|the|my)|any\s+of\s+(?:your|"
    rf"the))\s+{_RULES}\b",
    rf"\b{_DROP}\s+(?:everything|anything|all|what(?:ever)?\s+(?:you\s+were|you've\s+been|"
    rf"was|i)\s+(?:told|said|given|wrote|asked))\s*(?:above|before|previously|earlier|so\s+far|"
    rf"you\s+(?:were|have\s+been)\s+told|in\s+(?:the|your)\s+(?:prompt|instructions))\b",
    rf"\b{_DROP}\s+(?:the|these|those)\s+{_RULES}\s+(?:you\s+(?:were|have\s+been|got|received)\s+"
    r"(?:given|told|sent)|above|before\s+this)\b",
    rf"\b{_DROP}\s+(?:all\s+(?:of\s+)?)?the\s+(?:above|foregoing|program(?:me)?['’]?s?\s+(?:dates|calendar|rules|"
    rf"limits|end\s+date|guidelines)|(?:confidentiality|privacy|safety)\s+(?:rules|checks|"
    rf"guidelines))\b",
    r"\b(?:do\s+not|don['’]t|stop|no\s+longer)\s+(?:follow(?:ing)?|obey(?:ing)?|apply(?:ing)?)"
    rf"\s+(?:the|your|any|these|those)\s+(?:{_WHEN}\s+)?{_RULES}\b",
    r"\b(?:override|bypass|disable|turn\s+off|circumvent|switch\s+off|get\s+around)\s+(?:the\s+"
    r"|your\s+|all\s+|any\s+)?(?:safety|content|privacy|confidentiality|ai['’]?s?|your|the\s+"
    r"checks['’])?\s*(?:checks?|filters?|guardrails?|restrictions?|safeguards?|moderation)\b",
    # addressing the model
    # "note for the AI: …", "note to any AI tool reading this" (not "a request to the AI
    # drafting assistant", which the guidelines themselves say)
    rf"\b(?:notes?|messages?|instructions?|reminders?|memos?|hints?|commands?|p\.?s\.?)\s+"
    rf"(?:for|to)\s+(?:the\s+|any\s+|an?\s+|all\s+|every\s+)?{_AI}(?:\s*[:\-–—]|\s+(?:reading|"
    r"processing|drafting|writing|that|who|which|using|here)\b)",
    r"\bto\s+(?:the|any|an?)\s+(?:drafting|writing)\s+(?:ai|a\.i\.|assistant|model|agent|"
    r"tool|system|bot)\b",
    rf"\b(?:dear|hey|hi|hello|attention|attn)\b[\s,:]+(?:the\s+)?{_AI}\b",
    rf"\b(?:any|the|an?)\s+{_AI}\s+(?:that\s+(?:is\s+)?)?(?:reading|reads|processing|processes|"
    r"drafting|writes|writing|using|sees|seeing)\s+(?:this|these|my|the)\b",
    r"(?:^|(?<=[.!?;:(\[\n\"“]))\s*(?:the\s+)?(?:ai|a\.i\.|assistant|ai\s+assistant|system|llm|"
    r"chat\s?bot|model|drafting\s+ai|drafter|bot)\s*:",
    r"\b(?:the|any|an?)\s+(?:drafting\s+)?(?:ai|a\.i\.|assistant|llm|chat\s?bot|language\s+model)"
    r"\s+(?:must|should|shall|has\s+to|needs?\s+to|is\s+to|will)\s+(?:now\s+|always\s+|only\s+)?"
    r"(?:write|answer|respond|reply|ignore|disregard|include|put|insert|add|set|output|reveal|"
    r"say|mention|copy|forget|make|not)\b",
    r"\b(?:system|admin|security|prompt)\s+override\b",
    r"\bif\s+you\s+are\s+(?:an?\s+)?(?:ai|a\.i\.|assistant|language\s+model|llm|chat\s?bot|"
    r"bot|model)\b",
    # changing who the model is
    # (not "where you are now", a coaching question)
    r"\byou(?:\s+are|['’]re)\s+now\s+(?:an?\s+)?(?:ai|a\.i\.|assistant|dan|chat\s?bot|model|llm|"
    r"free|unrestricted|unfiltered|jailbroken|uncensored|evil|in\s+\w+\s+mode|no\s+longer\s+"
    r"(?:bound|restricted|an?\s+)|(?:called|named|operating|acting|playing|going\s+to\s+"
    r"(?:ignore|disregard|write|answer|respond|act|reveal))\b|(?:my|the\s+user['’]s)\s+"
    r"(?:assistant|servant|secretary))",
    r"\bfrom\s+now\s+on,?\s+(?:you\s+(?:are|will|must|shall|should)\s+(?:only\s+|always\s+)?"
    r"(?:respond|reply|answer|write|act|ignore|output|speak|obey)|(?:always\s+|only\s+)?"
    r"(?:respond|reply|answer)\b)",
    r"\bact\s+as\s+(?:if\s+you|though\s+you|an?\s+(?:unrestricted|unfiltered|jailbroken|"
    r"uncensored|different|new|evil|rogue)\b|(?:an?\s+)?(?:dan|ai|a\.i\.|assistant|chat\s?bot|"
    r"llm|language\s+model|system|developer|admin(?:istrator)?|root)\b)",
    r"\bpretend\s+(?:that\s+)?(?:you\s+are|you['’]re|to\s+be\s+(?:an?\s+)?(?:ai|assistant|"
    r"different|unrestricted|dan|human)\b)",
    r"\b(?:role-?play|roleplay)\s+as\b",
    r"\b(?:new|updated|real|actual|true|secret|hidden|additional|extra|override)\s+"
    r"(?:instructions?|rules|system\s+prompt|task|persona)\s*(?::|follow|are\b)",
    r"\b(?:your|the|this)\s+(?:system|hidden|initial|original|secret)\s+(?:prompt|"
    r"instructions|message)\b|\byour\s+(?:prompt|programming|instructions)\b",
    r"\bdeveloper\s+mode\b|\bjailbr(?:eak|oken)\w*|\bdan\s+mode\b|\bdo\s+anything\s+now\b|"
    r"\b(?:god|sudo|admin|unrestricted|unfiltered)\s+mode\b",
    # taking over the output
    r"\b(?:write|reply|respond|answer|output|produce|return|draft|format|give)\s+(?:your|all\s+"
    r"your)\s+(?:(?:whole|entire|full|complete)\s+)?(?:answer|response|reply|output|draft|"
    r"text|content|result)s?\s+(?:only\s+|entirely\s+|exclusively\s+)?(?:in|as|using)\b",
    rf"\b(?:write|reply|respond|answer|output|produce|return|draft|format)\s+(?:the|all|every|"
    rf"each|this)\s+(?:(?:whole|entire|full|complete)\s+)?(?:answer|response|reply|output|"
    rf"draft|text|content|{_ITEMS})\s+(?:only\s+|entirely\s+)?(?:in|as|using)\s+{_LANGS}\b",
    rf"\b(?:respond|reply|answer)\s+(?:only\s+|exclusively\s+)?in\s+{_LANGS}\b",
    rf"\b(?:write|reply|respond|answer|output)\s+(?:everything|it\s+all)\s+(?:only\s+)?in\s+"
    rf"{_LANGS}\b",
    rf"\b(?:begin|start|end|finish)\s+(?:your|the|every|each)\s+(?:answer|response|reply|output|"
    rf"draft|{_ITEMS})\s+with\b",
    r"\b(?:respond|reply|answer|say|output|print|return)\s+(?:only|just|exactly|nothing\s+but)"
    r"\s+(?:with\s+)?[\"'“‘]",
    r"\b(?:set|make|move|change|push|put)\s+(?:every|each|all(?:\s+(?:of\s+)?(?:the|my))?)\s+"
    r"(?:deadlines?|due\s+dates?|dates?|time[_ -]?bounds?|target\s+dates?|checkpoints?|"
    r"durations?)\s+(?:to|at|on|as|=|exactly|\d|one|two|three|four|five|six|seven|eight|nine|"
    r"ten|twenty|a\s+(?:year|decade|century))\b",
    rf"\b(?:put|insert|add|include|append|prepend|mention|repeat|place|embed|paste)\b"
    rf"[^.!?\n]{{0,80}}?\b(?:in|into|to|inside|at\s+the\s+(?:start|end|beginning|top|bottom)\s+"
    rf"of)\s+(?:every|each|all(?:\s+(?:of\s+)?the)?)\s+(?:single\s+)?{_ITEMS}\b",
    rf"\b(?:reveal|disclose|leak|expose|dump|print\s+out)\b[^.!?\n]{{0,60}}?\b{_SECRETS}",
    # chat-template and markup tokens
    r"<\|?\s*(?:im_start|im_end|system|endoftext|assistant)\s*\|?>|\[/?INST\]|<<\s*/?SYS\s*>>|"
    r"</?\s*(?:system|instructions?|prompt)\s*>|(?m:^\s*#{2,}\s*(?:system|instructions?)\b)|"
    r"```\s*system\b",
    # German and French
    r"\b(?:ignorier\w*|vergiss|vergessen\s+sie)\s+(?:\w+\s+){0,3}?(?:anweisungen|regeln|"
    r"instruktionen|vorgaben)\b",
    r"\b(?:hinweis|nachricht|anweisung)\s+(?:für|an)\s+(?:die|den|das)\s+(?:ki|assistent\w*)\b",
    r"\b(?:ignore[rz]?|oublie[rz]?)\s+(?:\w+\s+){0,3}?(?:instructions|consignes|règles)\b",
    r"\bnote\s+(?:pour|à)\s+l['’]\s*(?:ia|assistant)\b",
)
INSTRUCTIONS = re.compile("|".join(f"(?:{p})" for p in _INSTRUCTION_PATTERNS), re.IGNORECASE)


_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))


def normalized(text: str) -> str:
    """`text` as screening reads it: compatibility forms folded (full-width letters), invisible
    characters that split a word ("ig\u200bnore") dropped."""
    return unicodedata.normalize("NFKC", text).translate(_INVISIBLE)


def find_instructions(text: str) -> list[tuple[int, int]]:
    """(start, end) of each instruction-like phrase in `text` (pass it `normalized` first:
    the spans are positions in the text as given)."""
    return [m.span() for m in INSTRUCTIONS.finditer(text)]


# --- special categories -----------------------------------------------------------------------

CATEGORY_LABELS: dict[str, str] = {
    "health": "health information",
    "religion": "information on religion or belief",
    "sexuality": "information on sexual orientation or sex life",
    "ethnicity": "information on ethnicity",
    "politics": "information on political opinion",
    "union": "information on trade-union membership",
    "genetic": "genetic or biometric information",
}

Form = Literal["noun", "adj", "leave", "away"]


@dataclass(frozen=True)
class Term:
    """A special-category phrase and how it is replaced."""

    category: str
    pattern: re.Pattern[str]
    #: noun → "a personal matter"; adj → dropped, or "affected by a personal matter";
    #: leave → "time away from work"; away → "away from work"
    form: Form


_B, _E = r"(?<![\w-])", r"(?![\w-])"
_HEALTH_NOUNS = (
    r"burn-?outs?|ill-?health|illness(?:es)?|sickness(?:es)?|diseases?|diagnos[ie]s|"
    r"depression|depressive\s+episodes?|anxiety\s+disorders?|panic\s+(?:attacks?|disorder)|"
    r"mental\s+(?:health\s+)?(?:illness(?:es)?|conditions?|issues?|problems?|disorders?|"
    r"crisis|crises|struggles?|breakdowns?)|nervous\s+breakdowns?|medications?|"
    r"antidepressants?|chemo(?:therapy)?|radiotherapy|cancer|tumou?rs?|heart\s+attacks?|"
    r"surgery|surgeries|hospital\s+stays?|long\s+covid|diabetes|epilepsy|asthma|migraines?|"
    r"adhd|autism|dyslexia|dyspraxia|bipolar(?:\s+disorder)?|schizophrenia|ptsd|ocd|"
    r"eating\s+disorders?|anorexia|bulimia|addictions?|alcoholism|insomnia|"
    r"sleep\s+disorders?|chronic\s+(?:pain|fatigue|conditions?)|"
    r"(?:health|medical)\s+(?:conditions?|issues?|problems?|reasons|scares?|crisis|crises|"
    r"treatments?|history|records?|appointments?)|pregnanc(?:y|ies)|miscarriages?|ivf|"
    r"fertility\s+treatments?|menopause|disabilit(?:y|ies)|handicaps?|hearing\s+loss|"
    r"neurodivergence|hiv|krankheit(?:en)?|depressionen|therapie|schwangerschaft|behinderung|"
    r"krebs|maladie|dépression|grossesse|thérapie|épuisement\s+professionnel")
_HEALTH_ADJS = (r"expecting\s+(?:a|our|my|their)\s+(?:baby|child)|depressed|burn(?:ed|t)\s+out|"
                r"pregnant|disabled|handicapped|autistic|"
                r"dyslexic|diabetic|epileptic|bipolar|neurodivergent|hospitali[sz]ed|"
                r"visually\s+impaired|hearing\s+impaired|deaf|(?:seriously|terminally|"
                r"chronically|mentally)\s+ill|medicated|krank|schwanger|behindert|enceinte|"
                r"handicapée?")
_MODIFIERS = (r"(?:severe|serious|chronic|mild|long-?term|short-?term|recent|ongoing|terminal|"
              r"mental|physical|major|minor|sudden|clinical|diagnosed|full|total|complete|"
              r"bad|real)")
_OWNER = (r"(?:(?P<owner>my|his|her|their|our|your|a|an|the|[\w’']+['’]s)\s+)?"
          rf"(?:{_MODIFIERS}\s+)?")
_LEAVE_HEAD = (r"(?:long-?term\s+)?(?:sick|sickness|medical|health|stress|burn-?out|disability|"
               r"maternity|pregnancy|mental\s+health|convalescent)\s+(?:leave|absences?)|"
               r"sick\s+(?:days?|notes?)")
_TAIL = (rf"(?:\s+(?:for|due\s+to|because\s+of|after|with|following|from)\s+(?:(?:a|an|my|his|"
         rf"her|their|the)\s+)?(?:{_MODIFIERS}\s+)?(?:{_HEALTH_NOUNS}|stress|exhaustion|"
         rf"anxiety|an?\s+operation|{_HEALTH_ADJS}|being\s+(?:{_HEALTH_ADJS})){_E})?")
_VERB = (r"(?:(?P<verb>\b(?:am|is|are|was|were|be|been|being|become|becomes|became|got|get|"
         r"gets|getting|feel|feels|felt|feeling|went|remain|remained|stay|stayed)|['’](?:m|s|re))"
         r"\s+(?:(?:very|quite|so|really|seriously|clinically|openly|now|still|also)\s+)?|"
         r"(?P<article>\b(?:a|an)\s+))?")

_RELIGION_NOUNS = (
    r"religions?|religious\s+(?:beliefs?|views?|practices?|holidays?|festivals?|observance|"
    r"community|services?)|spiritual\s+beliefs?|(?:christian|muslim|jewish|hindu|buddhist|sikh|"
    r"religious|catholic|islamic)\s+faith|(?:my|his|her|their|our)\s+faith|churche?s|"
    r"mosques?|synagogues?|gurdwaras?|prayers?|ramadan|eid|sabbath|shabbat|yom\s+kippur|"
    r"passover|diwali|hijabs?|headscarf|headscarves|kippah|christianity|islam|judaism|"
    r"hinduism|buddhism|sikhism|atheism|catholicism|religion|kirche|moschee|"
    r"kopftuch|église|mosquée")
_RELIGION_ADJS = (r"religious|christian|muslim|jewish|hindu|buddhist|sikh|atheist|agnostic|"
                  r"catholic|protestant|evangelical|mormon|orthodox\s+jewish|kosher|halal|"
                  r"praying|muslimisch|jüdisch|christlich|musulmane?|juive?|chrétienne?")
_SEX_NOUNS = (r"sexual\s+(?:orientation|identity|preferences?|relationships?|partners?|"
              r"health)|sexuality|sex\s+life|bisexuality|homosexuality|same-?sex\s+(?:partner|"
              r"marriage|relationship|spouse)s?|sexuelle\s+orientierung|orientation\s+sexuelle|"
              r"lgbt\w*\+?")
_SEX_ADJS = (r"gay|lesbian|bisexual|homosexual|heterosexual|queer|transgender|non-?binary|"
             r"schwul|lesbisch|homosexuell|bisexuell|homosexuelle?")
_ETHNIC_NOUNS = (r"ethnicit(?:y|ies)|ethnic\s+(?:origins?|backgrounds?|minorit(?:y|ies)|"
                 r"groups?|identity)|racism|(?:my|his|her|their|our)\s+race|race\s+and\s+"
                 r"ethnicity|(?:people|person|woman|women|man|men)\s+of\s+colou?r|bame|bipoc|"
                 r"(?:migration|migrant)\s+background|migrationshintergrund|ethnische\s+"
                 r"herkunft|origine\s+ethnique")
_ETHNIC_ADJS = r"racial(?:ly)?|racist"
_POLITICS_NOUNS = (r"political\s+(?:part(?:y|ies)|views?|opinions?|beliefs?|affiliations?|"
                   r"leanings?|activism|activities|campaigns?|membership)|party\s+(?:members?|"
                   r"membership)|(?:members?|membership)\s+of\s+(?:the\s+)?\w+\s+party|"
                   r"(?:left|right)-?wing\s+(?:views?|politics|party|activism)|politische\s+"
                   r"(?:meinung|einstellung|partei)|parteimitglied\w*|parti\s+politique|"
                   r"opinions?\s+politiques?")
_POLITICS_ADJS = r"politically\s+active|(?:left|right)-wing"
_UNION_NOUNS = (r"(?:trade|labou?r)\s+unions?(?:\s+(?:membership|members?|reps?|"
                r"representatives?|activit(?:y|ies)|meetings?))?|union\s+(?:membership|members?|"
                r"reps?|representatives?|stewards?|dues|cards?)|(?:my|his|her|their)\s+union|"
                r"gewerkschaft\w*|syndicats?")
_UNION_ADJS = r"unioni[sz]ed|syndiquée?"
_GENETIC_NOUNS = (r"genetic\s+(?:tests?|testing|data|conditions?|disorders?|information|"
                  r"predispositions?|screening|results?)|dna\s+(?:tests?|results?|profiles?)|"
                  r"biometric\s+(?:data|information|identifiers?|scans?)|biometrics|gentests?")


_AWAY = (rf"{_B}on\s+(?P<term>{_LEAVE_HEAD}){_TAIL}|{_B}off\s+sick{_TAIL}|"
         rf"{_B}called\s+in\s+sick{_E}|{_B}in\s+(?:the\s+)?hospital{_TAIL}|"
         rf"{_B}krankgeschrieben{_E}")
_LEAVE = (rf"{_B}(?:(?:a|an)\s+)?(?P<term>{_LEAVE_HEAD}){_TAIL}|{_B}(?:krankschreibung|"
          r"krankenstand|mutterschutz|arrêt\s+(?:de\s+)?(?:maladie|travail)|congé\s+(?:de\s+)?"
          rf"(?:maladie|maternité)){_E}")
_ILL = (r"(?P<verb>\b(?:am|is|are|was|were|be|been|being|become|becomes|became|fell|falls|"
        r"falling|feel|feels|felt|feeling|got|get|gets|getting)|['’](?:m|s|re))\s+(?:(?:very|"
        rf"quite|so|really|seriously|terminally|chronically|mentally|still)\s+)?(?P<term>ill){_E}"
        r"(?!\s+at\s+ease)")
_CARE = (r"(?:(?:in|into|to|see(?:ing)?|sees|saw|need(?:ing)?|needs|start(?:ed|ing)?|go(?:ing)?"
         r"\s+to|went\s+to|attend(?:ing|s)?|hav(?:e|ing)|has|had|after|from)\s+(?:a\s+|my\s+)?|"
         r"(?:my|his|her|their)\s+)(?P<term>therap(?:y|ist)|psychotherap(?:y|ist)|counsell?ing|"
         r"counsell?or|psychologist|psychiatrist|rehab)")
# A term naming a field of work, not a person's data: "burnout prevention", "the early signs of
# burnout", "diversity and ethnicity training".
_TOPICAL_AFTER = (r"(?!\s+(?:prevention|awareness|research|polic(?:y|ies)|training|workshops?|"
                  r"programmes?|programs?|first\s+aid|risks?|charit(?:y|ies)|campaigns?|"
                  r"initiatives?|networks?|strateg(?:y|ies)|specialists?|experts?|coach(?:es|"
                  r"ing)?|recovery\s+programmes?|support\s+(?:services|programmes?|groups?))\b)"
                  # one ground in a list of grounds: "because of ethnicity, gender, disability"
                  r"(?!,?\s+(?:or\s+|and\s+)?(?:gender|age|class|sex|social\s+background)\b)")
_TOPICAL_BEFORE = (r"(?<!signs\sof\s)(?<!sign\sof\s)(?<!preventing\s)(?<!prevent\s)"
                   r"(?<!awareness\sof\s)(?<!avoid\s)(?<!avoiding\s)(?<!gender,\s)"
                   r"(?<!age,\s)(?<!class,\s)(?<!gender\sor\s)(?<!gender\sand\s)")


def _noun(category: str, nouns: str) -> Term:
    return Term(category, re.compile(rf"{_B}{_OWNER}{_TOPICAL_BEFORE}(?P<term>{nouns}){_E}"
                                     rf"{_TOPICAL_AFTER}", re.IGNORECASE), "noun")


def _adj(category: str, adjs: str) -> Term:
    return Term(category, re.compile(rf"{_VERB}{_B}(?P<term>{adjs}){_E}", re.IGNORECASE), "adj")


#: In the order they are applied: the longer leave phrases before the nouns they contain.
TERMS: tuple[Term, ...] = (
    Term("health", re.compile(_AWAY, re.IGNORECASE), "away"),
    Term("health", re.compile(_LEAVE, re.IGNORECASE), "leave"),
    Term("health", re.compile(_ILL, re.IGNORECASE), "adj"),
    Term("health", re.compile(rf"{_B}{_CARE}{_E}", re.IGNORECASE), "noun"),
    _noun("health", _HEALTH_NOUNS),
    _adj("health", _HEALTH_ADJS),
    _noun("religion", _RELIGION_NOUNS),
    _adj("religion", _RELIGION_ADJS),
    _noun("sexuality", _SEX_NOUNS),
    _adj("sexuality", _SEX_ADJS),
    _noun("ethnicity", _ETHNIC_NOUNS),
    _adj("ethnicity", _ETHNIC_ADJS),
    _noun("politics", _POLITICS_NOUNS),
    _adj("politics", _POLITICS_ADJS),
    _noun("union", _UNION_NOUNS),
    _adj("union", _UNION_ADJS),
    _noun("genetic", _GENETIC_NOUNS),
)


def special_categories(text: str) -> list[str]:
    """The special categories `text` mentions (keys of CATEGORY_LABELS), in a fixed order."""
    found = {term.category for term in TERMS if term.pattern.search(text)}
    return [c for c in CATEGORY_LABELS if c in found]


def special_terms(text: str) -> set[str]:
    """The special-category terms in `text`, as comparable keys ("health:pregna" for both
    "pregnant" and "pregnancy"; any leave or absence for health reasons is "health:leave")."""
    keys: set[str] = set()
    for term in TERMS:
        for match in term.pattern.finditer(text):
            keys.add(f"{term.category}:{_key(match, term)}")
    return keys


def _key(match: re.Match[str], term: Term) -> str:
    if term.form in ("leave", "away"):
        return "leave"
    core = match.groupdict().get("term") or match.group()
    words = re.findall(r"[^\W_]+", core.casefold().replace("-", ""))
    return " ".join(w[:6] for w in words)
