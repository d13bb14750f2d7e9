"""Signing in with a one-time link, in Chromium: the link works once, the cookie is HttpOnly
and SameSite=Lax, forms carry a CSRF token, signing out ends the session."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import expect

from tests.web.conftest import Site, mentee_of, shot


def test_a_link_signs_in_once_and_sign_out_ends_the_session(site: Site, page: Any) -> None:
    link = site.link("mentee", mentee_of(site))
    page.goto(link)
    expect(page.get_by_role("status")).to_have_text("You are signed in.")
    cookie = next(c for c in page.context.cookies() if c["name"] == "companion_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    # the same link a second time (another browser, or a forwarded e-mail) does not work
    again = httpx.get(link, follow_redirects=False)
    assert again.status_code == 400 and "used already or has expired" in again.text
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to Companion")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("You are signed out.")
    # the old cookie is dead: the start page asks to sign in instead of showing the mentee's
    dead = httpx.get(f"{site.url}/", cookies={"companion_session": cookie["value"]},
                     follow_redirects=False)
    assert dead.status_code == 200 and "Sign in to Companion" in dead.text


def test_the_sign_in_page_without_a_link(site: Site, page: Any) -> None:
    page.goto(site.url)
    expect(page.get_by_role("heading", name="Sign in to Companion")).to_be_visible()
    shot(page, "sign-in")
    page.goto(f"{site.url}/sign-in/not-a-real-link")
    expect(page.get_by_role("alert")).to_contain_text("does not work")


def test_a_form_without_the_csrf_token_is_refused(site: Site, page: Any) -> None:
    page.goto(site.link("mentee", mentee_of(site)))
    cookie = next(c for c in page.context.cookies() if c["name"] == "companion_session")
    forged = httpx.post(f"{site.url}/sign-out", cookies={"companion_session": cookie["value"]},
                        data={"csrf_token": "forged"}, follow_redirects=False)
    assert forged.status_code == 403 and "did not come from this site" in forged.text
    assert "Traceback" not in forged.text


def test_a_missing_page_and_a_hidden_one_look_the_same(site: Site, page: Any) -> None:
    page.goto(site.link("mentee", mentee_of(site)))
    page.goto(f"{site.url}/no/such/page")
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    missing = page.content()
    assert "Traceback" not in missing and "problem+json" not in missing
