"""Confidentiality rules for drafts: text that contradicts
knowledge/confidentiality-and-boundaries.md, one plain-language rule per pattern set."""

from __future__ import annotations

import re
from dataclasses import dataclass

_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-"})

# --- confidentiality --------------------------------------------------------------------------
# Each rule restates one line of knowledge/confidentiality-and-boundaries.md and lists the
# phrasings that contradict it. Sentences are judged one at a time, and a match is not a
# violation when
# - the clause before it is negated ("never report …", "the mentor does not act as …"),
# - the sentence warns against it ("… erodes trust") or fits the rule's own `allow`,
# - for rules where consent matters: the sentence names one of the guideline's exceptions (risk
#   of harm, a legal or ethical breach, harassment), or asks for consent, leaves the choice to
#   the mentee or rehearses the mentee's own conversation — unless it says "without consent".
# A framework's pitfalls are not scanned at all: they list what to avoid.


@dataclass(frozen=True)
class ConfidentialityRule:
    """A guideline rule and the regular expressions that flag text contradicting it."""

    name: str
    rule: str
    patterns: tuple[re.Pattern[str], ...]
    consent_matters: bool = True
    allow: re.Pattern[str] | None = None


def _rx(*parts: str) -> re.Pattern[str]:
    return re.compile("".join(parts), re.IGNORECASE)


_SHARE = (r"\b(?:report\w*|shar(?:e|es|ed|ing)|pass(?:es|ed|ing)? on|relay\w*|forward\w*|"
          r"disclos\w*|send\w*|sent|summari[sz]\w*|feed(?:s|ing)? back|brief\w*|updat\w*|"
          r"inform\w*|tell\w*|told|let\w* \w+ know|circulat\w*|cc|copy\w*|e-?mail\w*|"
          r"distribut\w*|post(?:s|ed|ing)?|publish\w*|repeat\w*)\b")
_TELL = r"\b(?:tell|inform|brief|updat|e-?mail|cc|copy|contact|call|messag|notif)\w*\s+"
_NEAR = r"[^.;!?]{0,80}?"
_THEIR = r"(?:the mentee['’]s|your mentee['’]s|their|his|her|the)\s+"
_MANAGER = r"(?:line\s+)?(?:manager|boss|supervisor)\b"
_HR = r"(?:(?-i:HR)|human resources|the people team)\b"
_OUTSIDERS = (r"(?:(?:the |your |their |his |her |the mentee['’]s )?(?:line )?(?:manager|boss|"
              r"supervisor|coordinator|sponsor|director|team|colleagues?)|(?-i:HR)|"
              r"human resources|leadership|others|other people|anyone|everyone|peers|"
              r"other (?:mentees|mentors|participants)|the group|stakeholders)\b")
_SESSION_TALK = (
    r"(?:what (?:was|is|gets|has been) (?:said|shared|discussed)|what (?:the mentee|your mentee|"
    r"they|he|she|you|we|your mentor|the mentor) (?:said|says?|shared|shares|discuss(?:ed)?|"
    r"told you|tells you|confided)|(?:the )?(?:contents?|details|substance|specifics|a summary|"
    r"summaries|minutes|a transcript|transcripts|a record) of (?:the |each |every |our |your |"
    r"their |this )?(?:mentoring )?(?:sessions?|conversations?|discussions?|meetings?)|"
    r"(?:session|mentoring|our|their|the mentee['’]s|your mentor['’]s) (?:conversations?|"
    r"discussions?|content)|everything (?:the mentee|they|you|he|she) (?:said|shared|told))")
_OTHERS = (r"(?:other|another|fellow)\s+(?:mentees?|mentors?|participants?|pairs?|pairings?|"
           r"group members?|cohort members?)")
_SESSION = (r"(?:the |this |each |every |our |your |their |all )?(?:mentoring )?(?:sessions?|"
            r"conversations?|meetings?|calls?|discussions?)\b")

RULES: tuple[ConfidentialityRule, ...] = (
    ConfidentialityRule(
        "no_reporting_to_manager_or_hr",
        "the mentor never reports on the mentee to their line manager or HR without the "
        "mentee's explicit consent",
        (_rx(_SHARE, _NEAR, r"\b(?:to|with|for)\s+", _THEIR, _MANAGER),
         _rx(_TELL, _THEIR, _MANAGER),
         _rx(_SHARE, _NEAR, r"\b(?:to|with|for)\s+(?:the\s+)?", _HR),
         _rx(_TELL, r"(?:the\s+)?", _HR),
         _rx(r"\b(?:keep|loop)\w*\s+(?:in\s+)?(?:", _THEIR, r")?(?:", _MANAGER, r"|", _HR,
             r")\s+(?:informed|updated|posted|in the loop|aware)"))),
    ConfidentialityRule(
        "session_content_stays_in_the_pair",
        "what is said in a mentoring conversation is shared beyond the pair only with the "
        "consent of the person it concerns (the coordinator sees status, not content)",
        (_rx(_SHARE, r"[^.;!?]{0,40}?", _SESSION_TALK, r"[^.;!?]{0,60}?\b(?:to|with)\s+",
             _OUTSIDERS),
         _rx(_TELL, r"(?:the |your |their )?", _OUTSIDERS, r"\s+(?:about\s+)?", _SESSION_TALK))),
    ConfidentialityRule(
        "notes_stay_private",
        "session notes are confidential to the people in the relationship and are not shared "
        "with anyone else",
        (_rx(_SHARE, r"[^.;!?]{0,40}?\bnotes\b[^.;!?]{0,40}?\b(?:to|with)\s+", _OUTSIDERS),
         _rx(r"\bnotes\s+(?:are|will be|get|should be)\s+(?:shared|circulated|sent|forwarded|"
             r"posted|published|copied)\b(?!\s+(?:only\s+)?(?:with|between)\s+(?:your mentor|"
             r"your mentee|the mentee|the mentor|each other|the pair|the two of you|you two))"),
         _rx(r"\b(?:post|upload|publish|put|store|save)\w*\b[^.;!?]{0,40}?\bnotes\b"
             r"[^.;!?]{0,40}?\b(?:shared drive|intranet|wiki|team site|channel|slack|"
             r"sharepoint|public)"))),
    ConfidentialityRule(
        "no_recording_without_consent",
        "sessions are not recorded unless both people have agreed to it",
        (_rx(r"\b(?:record|video-?record|audio-?record|video-?tap|tape|film)\w*\s+", _SESSION,
             r"(?!['’]s|\s+(?:dates?|held|logs?|numbers?|times?|status|outcomes?|actions?|"
             r"commitments?|notes?))"),
         _rx(r"\brecording\s+(?:of\s+)?", _SESSION),
         _rx(r"\b(?:video|audio)[- ]?record\w*"))),
    ConfidentialityRule(
        "no_discussing_other_participants",
        "participants never discuss or compare other participants, their goals, progress or "
        "pairings",
        (_rx(r"\b(?:compar\w*|rank\w*|benchmark\w*|contrast\w*)\b[^.;!?]{0,60}?\b", _OTHERS),
         _rx(r"\b", _OTHERS, r"['’]s?\s+(?:goals?|progress|difficult\w*|struggles?|problems?|"
             r"performance|pairings?|notes|situations?|feedback|results?|mentors?|mentees?)"),
         _rx(r"\b(?:discuss\w*|talk\w* about|gossip\w* about|speculat\w* about|ask\w* about|"
             r"mention\w*|nam(?:e|es|ed|ing))\s+(?:the\s+|any\s+|an\s+)?", _OTHERS)),
        consent_matters=False,
        allow=_rx(r"\b(?:inside|within) (?:the|your) group\b")),
    ConfidentialityRule(
        "confidentiality_has_exceptions",
        "confidentiality is strong but not absolute: never promise it without the exceptions "
        "(risk of harm, legal or ethical breaches, harassment)",
        (_rx(r"\b(?:total|absolute|complete|full|unconditional|unlimited|100\s*%|guaranteed|"
             r"perfect|airtight|watertight)\s+(?:confidentiality|secrecy|privacy)\b"),
         _rx(r"\b(?:confidential|private|secret|between (?:us|you and me|the two of (?:us|you)|"
             r"you two))\b[^.;!?]{0,50}?\b(?:no matter what|without (?:any )?exceptions?|under "
             r"(?:any|all) circumstances|in all cases|whatever happens|no exceptions|forever)"),
         _rx(r"\b(?:no|without)\s+(?:any\s+)?exceptions?\b[^.;!?]{0,60}?\bconfidential"),
         _rx(r"\b(?:promis|guarante|assur|swear|vow)\w*\b[^.;!?]{0,40}?\b(?:nothing|never|"
             r"everything|anything)\b[^.;!?]{0,60}?\b(?:leaves?|go(?:es)? (?:any ?further|"
             r"beyond|outside)|be (?:shared|repeated|told|passed on|disclosed)|stays?|remains?|"
             r"kept)\b")),
        consent_matters=False,
        allow=_rx(r"\b(?:except\w*|unless|apart from|other than|but not|limits?|narrow|"
                  r"not absolute|risk|harm|without (?:\w+['’]s |their |your )?consent)")),
    ConfidentialityRule(
        "mentor_is_not_an_assessor",
        "the mentor does not assess the mentee or give ratings, references or input for "
        "performance reviews, promotion, pay or HR",
        (_rx(r"\b(?:rat(?:e|es|ed|ing)|assess\w*|evaluat\w*|scor(?:e|es|ed|ing)|"
             r"grad(?:e|es|ed|ing)|apprais\w*|judg\w*)\b[^.;!?]{0,30}?\b(?:the mentee|your "
             r"mentee)(?:['’]s)?\s+(?:\w+\s+){0,2}?(?:performance|competenc\w*|promotab\w*|"
             r"readiness|suitability|potential|capabilit\w*|effectiveness)\b"),
         _rx(r"\b(?:rat(?:e|es|ed|ing)|assess\w*|evaluat\w*|scor(?:e|es|ed|ing)|apprais\w*)\b"
             r"[^.;!?]{0,40}?\b(?:performance|competenc\w*|potential)\b[^.;!?]{0,40}?\b(?:for|"
             r"to|in|into)\s+(?:the |their |his |her |the mentee['’]s )?(?:(?-i:HR)|human "
             r"resources|performance reviews?|appraisals?|promotion|pay|talent reviews?|"
             r"calibration)"),
         _rx(r"\b(?:rating|score|grade|reference|assessment|evaluation|appraisal|"
             r"recommendation|input|report)s?\b[^.;!?]{0,40}?\b(?:the mentee|your mentee|their|"
             r"his|her)\b[^.;!?]{0,30}?\b(?:performance reviews?|appraisals?|promotion|pay "
             r"(?:review|decision|rise)s?|talent reviews?|calibration|(?-i:HR)|human resources)"),
         _rx(r"\b(?:rate|score|grade|rank)\s+(?:the|your)\s+mentee\b")),
        consent_matters=False,
        allow=_rx(r"\b(?:declin\w*|refus\w*|politely|own|self-?assess\w*|self-?rat\w*)")),
)

_NEGATION = _rx(r"\b(?:never|not|no|don't|do not|doesn't|does not|won't|will not|shouldn't|"
                r"should not|mustn't|must not|cannot|can't|nor|avoid\w*|refrain\w*|rather than|"
                r"instead of|without|declin\w*|refus\w*|resist\w*)\b")
_EXCEPTION = _rx(r"\b(?:risk|harm\w*|self-harm|danger\w*|unsafe|safety|safeguard\w*|harass\w*|"
                 r"bully\w*|discriminat\w*|abus\w*|fraud\w*|brib\w*|theft|illegal|unlawful|"
                 r"breach\w*|code of conduct|vulnerable|emergency)")
_WITHOUT_CONSENT = _rx(r"\bwithout\s+(?:\S+\s+){0,3}?(?:consent|permission|agreement|asking|"
                       r"telling|knowledge|knowing)\b|\b(?:secretly|covertly|behind (?:their|"
                       r"the mentee['’]s|his|her) back)\b")
_CONSENT = _rx(
    r"\b(?:with|given|after|gets?|getting|seek\w*|ask\w*(?: for)?|obtain\w*|has|have|only "
    r"(?:with|after|if))\s+(?:\S+\s+){0,3}?(?:consent|permission|agreement|approval)\b|"
    r"\bif (?:\w+\s+){0,3}?(?:asks?|requests?|agrees?|agreed|consents?|chooses?|wants?|wishes|"
    r"decides?|prefers?)\b|\bmentees? (?:may|can|could|might)\b|\b(?:mentees?|they|he|she|you) "
    r"(?:(?:may|can|could|might) )?(?:chooses? to|decides? to|wants? to|wish(?:es)? to|"
    r"(?:is|are) free to)\b|\bencourag\w*|\bask\w* (?:\S+\s+){0,4}?"
    r"before\b|\b(?:their|your|the mentee['’]s) (?:own )?(?:choice|decision)\b|\b(?:agree|"
    r"consent)\w* to (?:the |being )?record|\b(?:practi[sc]\w*|rehears\w*|role-?play\w*)\b")
_WARNS = _rx(r"\b(?:erod\w*|undermin\w*|damag\w*|betray\w*|violat\w*|breaks? (?:the |their |"
             r"your )?trust|against the (?:rules|guidelines?))")
_LEADING_CONDITION = _rx(r"^\s*(?:if|when|whenever|unless|once|after|before|although|though|"
                         r"while|even if)\b[^,]*,")
_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+")


def confidentiality_problems(text: str) -> list[tuple[str, str]]:
    """(phrase, rule) for each sentence of `text` that contradicts a confidentiality rule."""
    found: list[tuple[str, str]] = []
    for sentence in _SENTENCES.split(text.translate(_QUOTES)):
        for rule in RULES:
            match = _violation(rule, sentence)
            if match:
                found.append((match[:80], rule.rule))
    return found


def _violation(rule: ConfidentialityRule, sentence: str) -> str | None:
    for pattern in rule.patterns:
        for match in pattern.finditer(sentence):
            if _NEGATION.search(_governing_clause(sentence[:match.start()])):
                continue
            if _WARNS.search(sentence):
                continue
            if rule.allow is not None and rule.allow.search(sentence):
                continue
            if rule.consent_matters:
                if _EXCEPTION.search(sentence):
                    continue
                if _CONSENT.search(sentence) and not _WITHOUT_CONSENT.search(sentence):
                    continue
            return match.group()
    return None


def _governing_clause(prefix: str) -> str:
    # The text a negation before the match can govern: back to the last ';', ':' or dash, and
    # without a leading condition ("If the mentee does not improve, report …" is not negated).
    clause = re.split(r"[;:—–]\s|\s-\s", prefix)[-1]
    return _LEADING_CONDITION.sub("", clause)
