"""The web app: server-rendered pages (Jinja2 + htmx) for coordinators, mentees and mentors,
on the same services as the CLI and the API. It adds no rule of its own: every access decision
is a service's."""
