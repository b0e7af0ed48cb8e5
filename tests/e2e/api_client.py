"""Driving the HTTP API in tests: tokens for every role, refusals checked to store nothing, and a
budget cycle configured and taken through its first phases by the requests a municipality's
staff and residents would send.

Everything goes through HTTP; the application is used only to read how far the event log goes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.api.auth import Role, TokenVerifier
from service.application import Medborgarbudget
from tests.identities import personnummer_for

PROBLEM = "application/problem+json"
API = "/api/v1"

ADULT = date(1980, 5, 1)


def aged(years: int) -> date:
    """A birth date that makes someone `years` old today (and for months to come)."""
    today = datetime.now(UTC).date()
    return date(today.year - years, 1, 1) if today.month > 6 else date(today.year - years - 1, 7, 1)


YOUNG = aged(17)

AREAS: tuple[Mapping[str, Any], ...] = (
    {"id": "norr", "name": "Planeringsområde Norr", "kind": "territorial", "budget": 100_000,
     "eligibility": {"residence": "norr"}},
    {"id": "unga", "name": "Unga 13\u201325 år", "kind": "group", "budget": 50_000,
     "eligibility": {"min_age": 13, "max_age": 25},
     "voting_rule": {"kind": "knapsack", "min_choices": 1}, "allocation_rule": "greedy"},
)
VOTING_RULE: Mapping[str, Any] = {"kind": "approval", "min_choices": 1, "max_choices": 2}
TIMELINE: Mapping[str, str] = {
    "ideas": "2027-02-01", "review": "2027-03-15", "voting": "2027-04-20",
    "counting": "2027-05-10", "results": "2027-05-17", "implementation": "2027-06-15",
    "evaluation": "2028-01-15", "closed": "2028-03-01",
}
DECISION: Mapping[str, str] = {
    "body": "Kommunfullmäktige", "date": "2026-11-26", "reference": "KF § 142/2026",
}

# (key, area, title, estimated cost, official cost or None for infeasible)
IDEAS: tuple[tuple[str, str, str, int, int | None], ...] = (
    ("utegym", "norr", "Utegym vid sjön", 60_000, 65_000),
    ("belysning", "norr", "Belysning längs ån", 30_000, 30_000),
    ("angar", "norr", "Blomsterängar i parken", 20_000, 20_000),
    ("simhall", "norr", "Ny simhall", 5_000_000, None),
    ("cafe", "unga", "Ungdomscafé på fredagar", 20_000, 25_000),
    ("graffiti", "unga", "Graffitivägg vid stationen", 15_000, 15_000),
    ("studio", "unga", "Musikstudio i Folkets hus", 40_000, 40_000),
)
REJECTION = "Kostnaden är långt över områdets budget på 100 000 kr."


def proposer(key: str) -> str:
    """The personnummer of the resident who proposed idea `key`."""
    return personnummer_for(f"proposer of {key}", ADULT)


@dataclass
class Api:
    """A test client for one API instance, and the application behind it."""

    client: TestClient
    app: Medborgarbudget

    @property
    def api(self) -> FastAPI:
        application: FastAPI = self.client.app  # type: ignore[assignment]
        return application

    @property
    def tokens(self) -> TokenVerifier:
        verifier: TokenVerifier = self.api.state.tokens
        return verifier

    def stored(self) -> int:
        """Position of the last event in the store (0 when empty)."""
        return self.app.recorder.max_notification_id() or 0

    def token(self, role: Role | str, subject: str | None = None, *,
              birth_date: date | None = None, residence: str | None = None,
              lifetime: int = 3600) -> str:
        """A token; a resident's subject is a personnummer (a test may name its residents:
        each name stands for a personnummer of its own, tests/identities.py)."""
        subject = subject or f"test-{Role(role).value}"
        if Role(role) is Role.RESIDENT:
            subject = personnummer_for(subject, birth_date)
        return self.tokens.mint(role, subject, lifetime, birth_date, residence)

    def headers(self, role: Role | str | None = None, subject: str | None = None, *,
                key: str | None = None, birth_date: date | None = None,
                residence: str | None = None) -> dict[str, str]:
        headers: dict[str, str] = {}
        if role is not None:
            token = self.token(role, subject, birth_date=birth_date, residence=residence)
            headers["Authorization"] = f"Bearer {token}"
        if key is not None:
            headers["Idempotency-Key"] = key
        return headers

    def request(self, method: str, path: str, *, role: Role | str | None = None,
                subject: str | None = None, json: Any = None, key: str | None = None,
                birth_date: date | None = None, residence: str | None = None,
                params: Mapping[str, Any] | None = None,
                headers: Mapping[str, str] | None = None) -> httpx.Response:
        sent = self.headers(role, subject, key=key, birth_date=birth_date, residence=residence)
        sent.update(headers or {})
        return self.client.request(method, path, json=json, headers=sent,
                                   params=dict(params) if params else None)

    def ok(self, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        """Send a request that must succeed with `status`; its JSON body."""
        response = self.request(method, path, **kwargs)
        assert response.status_code == status, (
            f"{method} {path}: expected {status}, got {response.status_code}: {response.text}"
        )
        assert response.headers["content-type"].startswith("application/json"), response.headers
        return response.json()

    def refused(self, method: str, path: str, status: int, **kwargs: Any) -> dict[str, Any]:
        """Send a request that must be refused with `status` as problem+json, storing nothing;
        the problem document."""
        before = self.stored()
        response = self.request(method, path, **kwargs)
        assert response.status_code == status, (
            f"{method} {path}: expected {status}, got {response.status_code}: {response.text}"
        )
        assert response.headers["content-type"].startswith(PROBLEM), response.headers
        body: dict[str, Any] = response.json()
        assert body["status"] == status
        assert body["title"] and body["detail"]
        assert self.stored() == before, f"{method} {path} was refused but stored events"
        return body

    # ---- roles ---------------------------------------------------------------------------

    def admin(self, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        return self.ok(method, path, status, role=Role.ADMIN, subject="processledare", **kwargs)

    def reviewer(self, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        return self.ok(method, path, status, role=Role.REVIEWER, subject="tjansteperson",
                       **kwargs)

    def resident(self, method: str, path: str, status: int = 200, *, subject: str,
                 birth_date: date = ADULT, residence: str | None = "norr",
                 **kwargs: Any) -> Any:
        return self.ok(method, path, status, role=Role.RESIDENT, subject=subject,
                       birth_date=birth_date, residence=residence, **kwargs)

    def fire(self, cycle: str, trigger: str, reason: str = "", **kwargs: Any) -> Any:
        return self.admin("POST", f"{API}/cycles/{cycle}/transitions",
                          json={"trigger": trigger, "reason": reason or f"test: {trigger}"},
                          **kwargs)


@dataclass
class Cycle:
    """A cycle built over HTTP, and the ids of what was done on the way."""

    id: str
    phase: str = "draft"
    proposals: dict[str, str] = field(default_factory=dict)  # idea key -> proposal id

    def feasible(self, area: str) -> list[str]:
        return [self.proposals[key] for key, a, _, _, official in IDEAS
                if a == area and official is not None and key in self.proposals]


def decided_cycle(api: Api, name: str, municipality: str = "Testby kommun",
                  decision: Mapping[str, str] = DECISION, **fields: Any) -> tuple[str, str]:
    """A cycle created in draft (`fields`: more of the cycle, e.g. its currency) with its
    political decision recorded; its id, and its path in the API."""
    created = api.admin("POST", f"{API}/cycles", 201,
                        json={"name": name, "municipality": municipality, **fields})
    base = f"{API}/cycles/{created['id']}"
    api.admin("PUT", f"{base}/decision", json=dict(decision))
    return str(created["id"]), base


def create_configured_cycle(api: Api, name: str = "Medborgarbudget Testby 2027",
                            areas: Sequence[Mapping[str, Any]] = AREAS) -> Cycle:
    """A cycle in draft with its decision, areas, voting rule, allocation rule and timeline."""
    created = api.admin("POST", f"{API}/cycles", 201,
                        json={"name": name, "municipality": "Testby kommun"})
    cycle = Cycle(created["id"])
    configure(api, cycle.id, areas)
    return cycle


def configure(api: Api, cycle_id: str, areas: Sequence[Mapping[str, Any]] = AREAS) -> Any:
    """Record the decision and set the areas, rules and timeline of a cycle in draft; the cycle
    as the last response shows it."""
    base = f"{API}/cycles/{cycle_id}"
    api.admin("PUT", f"{base}/decision", json=dict(DECISION))
    for area in areas:
        api.admin("POST", f"{base}/areas", 201, json=dict(area))
    api.admin("PUT", f"{base}/voting-rule", json={**VOTING_RULE, "allow_ballot_changes": False})
    api.admin("PUT", f"{base}/allocation-rule", json={"rule": "greedy-threshold", "threshold": 3})
    return api.admin("PUT", f"{base}/timeline", json=dict(TIMELINE))


def submit(api: Api, cycle: Cycle, key: str) -> str:
    _, area, title, estimate, _ = next(idea for idea in IDEAS if idea[0] == key)
    proposal = api.resident(
        "POST", f"{API}/cycles/{cycle.id}/proposals", 201, subject=proposer(key),
        json={"area": area, "title": title, "description": f"Beskrivning: {title}.",
              "estimated_cost": estimate, "category": "test"},
    )
    cycle.proposals[key] = proposal["id"]
    return str(proposal["id"])


def review(api: Api, proposal_id: str, official: int | None) -> Any:
    body = ({"feasible": True, "official_cost": official} if official is not None
            else {"feasible": False, "reason": REJECTION})
    return api.reviewer("POST", f"{API}/proposals/{proposal_id}/review", json=body)


def submit_every_idea(api: Api, cycle: Cycle) -> None:
    """Opens a configured cycle for ideas and submits every idea of IDEAS."""
    api.fire(cycle.id, "open_ideas")
    for key, *_ in IDEAS:
        submit(api, cycle, key)
    cycle.phase = "ideas"


def review_every_idea(api: Api, cycle: Cycle) -> None:
    """Closes the ideas and reviews every idea as IDEAS says (feasible at its official cost, or
    not)."""
    api.fire(cycle.id, "close_ideas")
    for key, _, _, _, official in IDEAS:
        review(api, cycle.proposals[key], official)
    cycle.phase = "review"


def build_cycle(api: Api, phase: str, name: str = "Medborgarbudget Testby 2027") -> Cycle:
    """A configured cycle taken over HTTP into `phase` (draft, ideas, review or voting): in ideas
    every idea is submitted, from review on every one is reviewed."""
    cycle = create_configured_cycle(api, name)
    if phase == "draft":
        return cycle
    submit_every_idea(api, cycle)
    if phase == "ideas":
        return cycle
    review_every_idea(api, cycle)
    if phase == "review":
        return cycle
    api.fire(cycle.id, "open_voting")
    cycle.phase = "voting"
    if phase == "voting":
        return cycle
    raise ValueError(f"build_cycle goes up to voting, not {phase}")
