"""Locust users for bench/http_load.py (not run on its own: http_load.py starts locust with it).

The scenario and its fixture (tokens, ids) come from the environment:
BENCH_HTTP_SCENARIO = health | reads | suggestions | drafts, and BENCH_HTTP_FIXTURE = the path
of the JSON file http_load.py wrote. Closed loop: every user sends its next request as soon as
the previous answer is read (no think time), over a kept-alive connection.
"""

from __future__ import annotations

import json
import os
import random
from typing import Any
from urllib.parse import quote

from locust import constant, task
from locust.contrib.fasthttp import FastHttpUser

SCENARIO = os.environ.get("BENCH_HTTP_SCENARIO", "health")
FIXTURE: dict[str, Any] = json.loads(open(os.environ["BENCH_HTTP_FIXTURE"]).read()) \
    if "BENCH_HTTP_FIXTURE" in os.environ else {}
API = "/api/v1"
PROGRAM = quote(FIXTURE.get("program", ""), safe="")
KINDS = ["agenda", "questions", "goals", "framework"]
TOPIC = "feedback on missed deadlines"  # the one http_load.py warmed the caches with


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class Client(FastHttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        self.rng = random.Random()
        self.coordinator = bearer(FIXTURE.get("coordinator", ""))
        self.mentees: list[list[str]] = FIXTURE.get("mentees", [])  # [id, token]
        self.made: list[list[str]] = FIXTURE.get("drafts", [])  # [draft id, owner token]

    @task
    def step(self) -> None:
        getattr(self, SCENARIO)()

    # -- scenarios ------------------------------------------------------------------------
    def health(self) -> None:
        self.client.get(f"{API}/health", name="GET /health")

    def reads(self) -> None:
        """One of four reads, equally likely, each as the role that would make it."""
        pick = self.rng.randrange(4)
        if pick == 0:
            _, token = self.rng.choice(self.mentees)
            self.client.get(f"{API}/me", headers=bearer(token), name="GET /me")
        elif pick == 1:
            self.client.get(f"{API}/programs/{PROGRAM}/participants", headers=self.coordinator,
                            name="GET /programs/{p}/participants")
        elif pick == 2:
            self.client.get(f"{API}/programs/{PROGRAM}/pairings", headers=self.coordinator,
                            name="GET /programs/{p}/pairings")
        else:
            draft_id, token = self.rng.choice(self.made)
            self.client.get(f"{API}/drafts/{draft_id}", headers=bearer(token),
                            name="GET /drafts/{id}")

    def suggestions(self) -> None:
        mentee_id, _ = self.rng.choice(self.mentees)
        self.client.get(f"{API}/programs/{PROGRAM}/suggestions?mentee_id={mentee_id}&top=5",
                        headers=self.coordinator, name="GET /programs/{p}/suggestions")

    def drafts(self) -> None:
        _, token = self.rng.choice(self.mentees)
        kind = self.rng.choice(KINDS)
        body: dict[str, str] = {"kind": kind}
        if kind == "framework":
            body["topic"] = TOPIC
        self.client.post(f"{API}/programs/{PROGRAM}/drafts", json=body, headers=bearer(token),
                         name="POST /programs/{p}/drafts")
