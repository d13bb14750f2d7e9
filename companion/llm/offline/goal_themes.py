"""What a goal is about, read from its verb and words, and the measure, checkpoints and
readjustment that suit it: delegation is measured by the share of the work others do without
rework, presenting by presentations given and what named audiences say, a decision by a written
decision by a date — never one measure for every goal.

Templates take slots from the mentee's own words: {core} (their intention, lower-case), {obj}
(what the verb acts on), {whom} (the people named), {target} (the goal's date).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from companion.llm.offline.goal_text import GoalText, Measure

_BOUNDARY = re.compile(r"\s+(?:to|with|for|at|in|on|about|between|instead of|without|so that|"
                       r"because|rather than|when|by|through|from|across|and)\s+|[,;]", re.I)
_PARTICLE = re.compile(r"^(?:over|off|up|out|back|on)\s+", re.I)
_WHOM = re.compile(r"\b(?:to|with|from|for)\s+((?:each of |all of |both of |all )?(?:my|our|the|"
                   r"a|both|each|every)\s+[\w' -]+?)(?=\s+(?:about|with|instead|without|so|"
                   r"because|rather|when|by|in|on|at|for|and)\b|[,;.]|$)", re.I)


@dataclass(frozen=True)
class Slots:
    core: str
    obj: str
    whom: str
    target: str

    def fill(self, template: str) -> str:
        return template.format(core=self.core, obj=self.obj, whom=self.whom,
                               target=self.target, Obj=self.obj[:1].upper() + self.obj[1:])


def slots(goal: GoalText, target: str, theme: Theme) -> Slots:
    """The words a template needs, from the goal's core; the theme's defaults where the goal
    names no object or people."""
    rest = _PARTICLE.sub("", goal.core.split(" ", 1)[1] if " " in goal.core else goal.core)
    if re.match(r"(?:whether|if|how|what|which|between)\b", rest, re.I):
        obj = rest  # "decide whether to move …": the whole question is the object
    else:
        obj = _BOUNDARY.split(rest, maxsplit=1)[0].strip() or rest
    if theme.things and not re.search(theme.things, obj, re.I):
        obj = theme.thing
    people = next((m.text for m in goal.measures if m.kind == "people"), None)
    whom = people or (m.group(1).strip() if (m := _WHOM.search(goal.core)) else "")
    return Slots(core=goal.core_lower, obj=obj, whom=whom or theme.people, target=target)


@dataclass(frozen=True)
class Theme:
    """One kind of leadership goal and the texts that fit it."""

    name: str
    pattern: re.Pattern[str]
    specific: str
    measure: str
    evidence: str
    checks: tuple[str, str, str]
    trigger: str
    change: str
    achievable: str
    sustain: str
    stretch: str
    people: str = "the people I work with"
    """Who is involved when the goal names nobody."""
    things: str = ""
    """A pattern the object must match to be used; else `thing` stands in for it."""
    thing: str = ""


def _t(name: str, pattern: str, **texts: str | tuple[str, str, str]) -> Theme:
    return Theme(name=name, pattern=re.compile(pattern, re.I), **texts)  # type: ignore[arg-type]


THEMES: list[Theme] = [
    _t("delegation", r"\bdelegat|\bhand(?:ing)?\s+(?:over|off|the|my)\b|\blet go\b|"
       r"bottleneck|stop (?:checking|approving|redoing|rescuing)|\bownership\b|empower",
       specific="Hand over {obj} to {whom} with a clear brief, the decisions they may take "
                "alone and agreed check-in points, and stop correcting the work myself.",
       measure="Share of {obj} done by {whom} without rework from me: the baseline written "
               "down now, then counted each cycle, reaching all of it for at least three cycles "
               "in a row by {target}.",
       evidence="who did each cycle and how much I reworked",
       checks=("Is the brief for {obj} agreed with {whom}, and have they done the first cycle?",
               "How much of {obj} did {whom} do without my rework since the last checkpoint?",
               "Has {obj} run for three cycles with no rework from me?"),
       trigger="if someone leaves or quality drops",
       change="narrow the handover to one part of {obj} and extend the date by four weeks",
       achievable="It is in my own hands: I decide what I hand over and how I brief it; the "
                  "first cycles need extra check-ins, about an hour a week until {target}.",
       sustain="{whom} keep running {obj} with no rework from me for the last four weeks, and "
               "the brief is written down so it survives the program",
       stretch="hand over a second recurring task on the same terms before {target}",
       people="members of my team"),
    _t("presenting", r"\bpresent|\bspeak|\bnerves\b|\bpitch|public speaking|presence|\btalk to\b|"
       r"\bconcise",
       specific="Prepare {obj} for {whom} and present in person, opening with a one-minute "
                "headline and answering questions directly, and rehearse each time with my "
                "mentor.",
       measure="At least three presentations or contributions to {whom} by {target}, each "
               "rated 1–5 by me for nerves and clarity; after the third, at least three of five "
               "people present say I came across as clear and composed.",
       evidence="my ratings and what the audience said",
       checks=("Have I rehearsed with my mentor and given the first one, and how did I rate it?",
               "What did I change after the second, and what did the people present say?",
               "Do at least three of five people present say I was clear and composed?"),
       trigger="if the meetings are cancelled or I get fewer chances to present",
       change="replace the missing occasions with two comparable audiences and keep the "
              "feedback measure",
       achievable="The occasions are already in my calendar or can be asked for, and my mentor "
                  "can rehearse each one with me before {target}.",
       sustain="I keep giving {obj} to {whom} without extra rehearsal time, and three of five "
               "people asked still say I come across as clear",
       stretch="take on one presentation to a more senior or more critical audience",
       people="my audiences",
       things=r"result|report|update|plan|proposal|case|strategy|work|finding|presentation|"
              r"pitch|talk|review|figures|budget|numbers",
       thing="each presentation"),
    _t("decision", r"\bdecide\b|\bdecision whether|\bwhether to\b|\bchoose\b|\bwork out whether|"
       r"find out whether|\bcareer\b|apply for",
       specific="Work through the decision ({obj}): list the options, the criteria that "
                "matter to me, and talk to people who know the role or the path before "
                "deciding.",
       measure="A written decision by {target}, with the options, my criteria and the evidence "
               "for each; at least three conversations with people who know the path held "
               "before I decide.",
       evidence="my notes from the conversations and the criteria",
       checks=("Have I written down the options and my criteria for this decision?",
               "Have I held at least three conversations, and what did they tell me?",
               "Is the decision made and written down, with my reasons?"),
       trigger="if the role or the timing changes",
       change="shift the decision date to the next real deadline and narrow the options to two",
       achievable="It needs my time and a few conversations, not anyone's approval; about two "
                  "hours a month until {target}.",
       sustain="the decision is written down with its reasons and the next two steps are booked",
       stretch="test the preferred option in practice (a shadowing day or a trial project) "
               "before deciding",
       people="people who know the path"),
    _t("conflict", r"\bconflict|\bdisagree|\btension|\bfriction|\bdispute|\bargument|\bclash|"
       r"\bsettle\b",
       specific="Agree with {whom} a way of handling {obj}, and raise problems in the meeting "
                "where they start instead of after it.",
       measure="Each month, from today's baseline, I log each time it comes up ({obj}): "
               "whether it was raised where it started or only after, and whether it flared "
               "up — aiming for at most one flare-up a month by {target}, with both sides "
               "confirming an agreed way of handling it.",
       evidence="the monthly count of flare-ups and what each side says",
       checks=("Have I met each side, and is the baseline count written down?",
               "Is a rule agreed, and how many flare-ups were there last month?",
               "Is it at most one flare-up a month, and do both sides say the rule works?"),
       trigger="if the disagreement turns out to be about something deeper than {obj}",
       change="narrow the goal to one recurring situation and extend the date by four weeks",
       achievable="Both sides report to me or work with me every week, so I can convene them; "
                  "it takes a meeting or two and a monthly tally.",
       sustain="the agreed rule holds without me stepping in, with at most one flare-up in the "
               "last four weeks",
       stretch="have both sides run the next review of the rule without me",
       people="both sides"),
    _t("feedback", r"\bfeedback\b|difficult conversation|hard conversation|\bconversation with\b|"
       r"raise problems|speak up about|\bconfront",
       specific="Hold the conversation with {whom}, using situation, behaviour and impact: say "
                "what I have seen, agree what changes, and follow it up within two weeks.",
       measure="The conversation with {whom} held by the first checkpoint and followed up "
               "within two weeks; what was agreed written down, and the issue it is about "
               "counted monthly from today's baseline, down by at least half by {target}.",
       evidence="what was agreed and whether it changed since",
       checks=("Has the conversation with {whom} taken place, and what was agreed?",
               "Was it followed up, and has the issue changed since?",
               "Is the change holding, counted against the baseline?"),
       trigger="if the issue turns out to be workload rather than behaviour",
       change="reshape the goal around the real cause and move the follow-up date",
       achievable="I already meet {whom} regularly and can use those slots; preparing each "
                  "conversation takes about an hour with my mentor.",
       sustain="feedback moments keep happening in my regular meetings without a plan, logged "
               "for the last four weeks",
       stretch="ask {whom} for feedback on how I handled it as well",
       people="the person concerned"),
    _t("one-to-ones", r"one-to-ones?|one to ones?|\b1[:-]1s?\b|one-on-ones?|development "
       r"conversations?|check-ins?|\bcoaching\b",
       specific="Run {obj} with {whom} on a fixed rhythm, each with a short agenda they can add "
                "to, ending with one agreed action.",
       measure="{Obj} held on schedule with {whom} in at least 90% of planned slots (tracked in "
               "my calendar), each ending with one agreed action written down; at the "
               "mid-point, {whom} asked whether the conversations help, aiming for at least "
               "four out of five.",
       evidence="the calendar record and the actions agreed",
       checks=("Are {obj} booked with {whom} for the coming months?",
               "Were at least 90% held, and what do {whom} say about them?",
               "Are they still running on schedule, each ending with an agreed action?"),
       trigger="if the team changes or the rhythm proves too heavy",
       change="change the rhythm to every second week and keep the quality measure",
       achievable="They fit in my existing week (about half an hour each), and I decide when "
                  "they happen.",
       sustain="{obj} keep running on schedule for the last four weeks and {whom} know the "
               "rhythm continues after the program",
       stretch="add a development conversation with each person about their next step",
       people="each person in my team"),
    _t("influence", r"\bsupport\b|\binfluenc|stakeholder|buy-in|formal authority|\bpersuad|"
       r"\bconvinc|\bwin\b|\balign",
       specific="Map the people whose support {obj} needs, meet each one-to-one to understand "
                "their priorities, and shape the proposal with them before the formal meeting.",
       measure="At least two one-to-one conversations with each key stakeholder ({whom}) by "
               "{target}, their support recorded as agreed, conditional or opposed, moving to "
               "agreement from all of them at the decision meeting.",
       evidence="the stakeholder map and where each person stands",
       checks=("Is my stakeholder map for {obj} complete and reviewed with my mentor?",
               "Have I met each stakeholder once, and where does each stand?",
               "Do I have their support, recorded at the decision meeting?"),
       trigger="if the decision meeting moves or a stakeholder changes",
       change="shift the agreement date to the next meeting and rebuild the map first",
       achievable="The people are reachable through my manager or my mentor, and the "
                  "conversations fit in my usual working week.",
       sustain="I keep a monthly conversation with each stakeholder going after the decision",
       stretch="win an explicit sponsor among them who argues for it in the meeting",
       people="the key stakeholders"),
    _t("strategy", r"strateg|three-year|long-term|\bvision\b|\bdirection\b|big picture|"
       r"\bfuture\b|firefighting",
       specific="Protect regular time for {obj}: scan trends and data, draft options, and test "
                "them with my manager and peers.",
       measure="The protected time kept in at least 80% of planned weeks (tracked in my "
               "calendar from today's baseline), and a two-page draft on {obj} shared with at "
               "least two people by {target}.",
       evidence="the calendar record of protected time and the draft",
       checks=("Have I kept the protected time so far, and listed the main trends?",
               "Do I have options drafted, and who has seen them?",
               "Is the two-page draft shared and discussed?"),
       trigger="if operational pressure takes the protected time three weeks running",
       change="change the rhythm rather than the goal (shorter, more frequent slots)",
       achievable="I control my calendar enough to protect the time if I delegate one "
                  "recurring meeting, and my manager has asked for this kind of input.",
       sustain="the protected time stays in my calendar after the program, and the draft has "
               "a named owner for its next revision",
       stretch="present the direction at a leadership meeting",
       people="my manager and peers"),
    _t("change", r"\bswitch|\btransition|\bchange\b|\broll-?out|\bmigrat|reorgani|restructur|"
       r"\bintroduc|\bimplement|\bmove to\b",
       specific="Lead the people side of {obj}: explain why, hold a listening session, involve "
                "two champions, and update the team weekly.",
       measure="A listening session held before launch, weekly updates in at least 90% of "
               "weeks, and adoption of {obj} tracked monthly from today's baseline, with no "
               "more than two escalated complaints.",
       evidence="the adoption figures and the concerns logged",
       checks=("Is the listening session done and are the concerns logged?",
               "Are the champions in place and the weekly updates running?",
               "Where is adoption against the baseline, and how many escalations were there?"),
       trigger="if the rollout date slips",
       change="shift all dates by the same amount, keeping the target inside the program",
       achievable="Another team handles the technical side; I own how my people experience "
                  "the change.",
       sustain="the new way of working runs without my weekly updates and the champions "
               "handle questions",
       stretch="keep every experienced person through the change",
       people="my team"),
    _t("leading a team", r"\blead\b|\bmanag|\bteam I used to|former peers|\bfriend|"
       r"\bhard calls|\bauthority",
       specific="Set clear expectations with {whom}, make the hard calls on time, and explain "
                "them in person.",
       measure="Hard calls made within a week of being needed (logged, from today's baseline), "
               "and a short team pulse question answered at the start and at {target}, "
               "averaging at least four out of five.",
       evidence="the log of decisions and the pulse answers",
       checks=("Are the expectations set with {whom}, and is the baseline logged?",
               "How many hard calls did I make on time, and what was the pulse?",
               "Is the pulse at four out of five or above?"),
       trigger="if the team changes or a relationship breaks down",
       change="narrow the goal to the one relationship that matters most and move the pulse "
              "date",
       achievable="The decisions are mine to make in my role; the log and pulse take minutes a "
                  "week.",
       sustain="the routines hold without my mentor's prompting for the last four weeks",
       stretch="ask two team members for direct feedback on how I lead",
       people="my team"),
]
DEFAULT = _t(
    "general", r"$^",
    specific="Practise {core} in the meetings and projects where it matters most, starting "
             "with the one I agree with my mentor.",
    measure="Each time I {core}, logged in a simple tally from today's written baseline — "
            "aiming for at least two a month — and at least three of five colleagues asked at "
            "the start, middle and end say they see the change.",
    evidence="the tally and what colleagues said",
    checks=("Is the baseline written down, and what happened the first times I tried?",
            "How many times have I managed it, and what do colleagues say?",
            "Is the change visible, judged against the baseline and the feedback?"),
    trigger="if my role or priorities change",
    change="narrow it to the one situation that matters most and adjust the target",
    achievable="It is within my own role and influence, with my mentor helping me plan and "
               "review each step; about two hours a month until {target}.",
    sustain="it keeps happening for the last four weeks without a plan, and I have written "
            "down what helps",
    stretch="double the count, or take it to a harder setting")


def theme_for(goal: GoalText) -> Theme:
    """The first theme whose words occur in the goal, else the general one."""
    text = goal.intention
    for theme in THEMES:
        if theme.pattern.search(text):
            return theme
    return DEFAULT


def own_measures(measures: list[Measure], skip_people: bool = False) -> list[str]:
    """The mentee's measures as measurable sentences (people left out with `skip_people`,
    when the theme's measure already names them)."""
    out: list[str] = []
    for measure in measures:
        if skip_people and measure.kind == "people":
            continue
        text = measure.text[:1].upper() + measure.text[1:]
        if measure.kind == "frequency":
            out.append(f"{text}, as I set it: tracked in my calendar from today's baseline and "
                       "kept in at least four of every five weeks.")
        elif measure.kind == "people":
            out.append(f"{text}: every one of them covered, ticked off as each is done.")
        else:
            out.append(f"{text}, counted from today's baseline.")
    return out


def reason_measures(reasons: list[str]) -> list[str]:
    """Indicators from the mentee's reasons: "instead of X" becomes a count of X going down."""
    out: list[str] = []
    for reason in reasons:
        if reason.startswith(("instead of", "rather than")):
            rest = reason.split(" ", 2)[2]
            out.append(f"How often I still end up {rest}, logged weekly against today's "
                       "baseline, falls to zero.")
        elif reason.startswith("without"):
            out.append(f"Checked at each checkpoint against my own condition: "
                       f"{reason}.")
        elif reason.startswith(("so that", "so I can", "in order to")):
            out.append(f"The outcome I want ({reason}) confirmed by asking the people "
                       "concerned at the last checkpoint.")
    return out
