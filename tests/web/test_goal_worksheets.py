"""A goals draft that holds worksheets (words too thin for a goal) shows them to its reviewer
and keeps them through an edit made in the form."""

from __future__ import annotations

from companion.domain import Draft, DraftKind, DraftStatus
from companion.domain.content import parse_content
from companion.web.render import TEMPLATES
from companion.web.routes.drafts_pages import content_from_form

QUESTIONS = ["What would people see you doing differently by 2027-06-30?",
             "Who would notice first?", "What could you count to see progress?"]


def test_worksheets_are_shown_with_their_questions() -> None:
    draft = Draft(id="dr-0123456789ab", program="P", kind=DraftKind.goals,
                  participant_id="me-1", generator="offline",
                  status=DraftStatus.pending_review,
                  content={"goals": [], "worksheets": [{"goal": "network more",
                                                        "questions": QUESTIONS}]})
    html = str(TEMPLATES.get_template("drafts/_content.html").render(draft=draft))
    assert "Worksheet: network more" in html
    assert all(f"<li>{q}</li>" in html for q in QUESTIONS)


def test_the_edit_form_keeps_worksheets() -> None:
    fields = {"worksheets-0-goal": "network more",
              "worksheets-0-questions": "\n".join(QUESTIONS) + "\n\n"}
    content = content_from_form(DraftKind.goals, fields)
    assert content == {"goals": [], "worksheets": [{"goal": "network more",
                                                    "questions": QUESTIONS}]}
    parse_content(DraftKind.goals, content)  # raises on a bad shape
