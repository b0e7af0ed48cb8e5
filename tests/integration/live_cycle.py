"""A budget cycle taken through its phases over real HTTP, by the requests the municipality's
staff and its residents send to a running `medborgarbudget serve` (not a test client).

Tokens come from `mint(role, subject, birth_date, residence)`: the data folder's key read
in-process, or the `medborgarbudget token` command as an operator runs it. Shared by
tests/e2e/test_deployment_units.py and the soak benchmark (benchmarks/bench_soak.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx

API = "/api/v1"
ADMIN, REVIEWER = "processledare", "tjansteperson"
DECISION = {"body": "Kommunfullmäktige", "date": "2026-11-26", "reference": "KF § 142/2026"}
AREAS: tuple[Mapping[str, Any], ...] = (
    {"id": "norr", "name": "Planeringsområde Norr", "kind": "territorial", "budget": 500_000,
     "eligibility": {"residence": "norr"}},
    {"id": "soder", "name": "Planeringsområde Söder", "kind": "territorial", "budget": 500_000,
     "eligibility": {"residence": "soder"}},
)
VOTING_RULE = {"kind": "approval", "min_choices": 1, "max_choices": 3,
               "allow_ballot_changes": False}
REJECTION = "Marken ägs inte av kommunen."

# role, subject, birth date, residence -> a bearer token
Mint = Callable[[str, str, date | None, str | None], str]


class Refused(AssertionError):
    """A request that should have succeeded did not."""


@dataclass(frozen=True)
class Idea:
    area: str
    title: str
    cost: int
    feasible: bool = True


def ideas(count: int) -> list[Idea]:
    """`count` ideas spread over the areas; every seventh is not feasible (each area keeps
    feasible ones)."""
    return [Idea(AREAS[n % len(AREAS)]["id"], f"Förslag {n + 1}: {kind}",
                 20_000 + 15_000 * (n % 9), feasible=n % 7 != 6)
            for n, kind in ((n, ("utegym", "belysning", "blomsteräng", "lekplats", "bänkar",
                                 "cykelställ", "konstgräs")[n % 7]) for n in range(count))]


@dataclass
class LiveCycle:
    id: str
    proposals: dict[str, list[str]] = field(default_factory=dict)  # area -> feasible ids
    rejected: list[str] = field(default_factory=list)


@dataclass
class Live:
    """Staff and residents sending requests to one server."""

    client: httpx.Client
    mint: Mint
    _headers: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)

    def headers(self, role: str, subject: str, born: date | None = None,
                residence: str | None = None) -> dict[str, str]:
        key = (role, subject)
        if key not in self._headers:
            token = self.mint(role, subject, born, residence)
            self._headers[key] = {"Authorization": f"Bearer {token}"}
        return self._headers[key]

    def call(self, method: str, path: str, status: int, *, role: str | None = None,
             subject: str = "", born: date | None = None, residence: str | None = None,
             json: Any = None) -> Any:
        headers = self.headers(role, subject, born, residence) if role else {}
        answer = self.client.request(method, path, json=json, headers=headers)
        if answer.status_code != status:
            raise Refused(f"{method} {path}: expected {status}, got {answer.status_code}: "
                          f"{answer.text[:500]}")
        return answer.json() if "json" in answer.headers.get("content-type", "") else answer

    def admin(self, method: str, path: str, status: int = 200, json: Any = None) -> Any:
        return self.call(method, path, status, role="admin", subject=ADMIN, json=json)

    def fire(self, cycle: str, trigger: str, reason: str) -> Any:
        return self.admin("POST", f"{API}/cycles/{cycle}/transitions",
                          json={"trigger": trigger, "reason": reason})

    # ---- the phases ----------------------------------------------------------------------

    def create(self, name: str, predecessor: str | None = None,
               areas: Sequence[Mapping[str, Any]] = AREAS) -> str:
        """A cycle in draft, configured with `areas`: a new one, or next year's after
        `predecessor` (which copies the areas and rules)."""
        if predecessor is None:
            created = self.admin("POST", f"{API}/cycles", 201,
                                 json={"name": name, "municipality": "Soakby kommun"})
        else:
            created = self.admin("POST", f"{API}/cycles/{predecessor}/successor", 201,
                                 json={"name": name})
        cycle = str(created["id"])
        base = f"{API}/cycles/{cycle}"
        self.admin("PUT", f"{base}/decision", json=DECISION)
        if predecessor is None:
            for area in areas:
                self.admin("POST", f"{base}/areas", 201, json=dict(area))
            self.admin("PUT", f"{base}/voting-rule", json=VOTING_RULE)
            self.admin("PUT", f"{base}/allocation-rule", json={"rule": "greedy"})
        return cycle

    def propose(self, cycle: str, idea: Idea, proposer: str, born: date) -> str:
        body = {"area": idea.area, "title": idea.title, "estimated_cost": idea.cost,
                "description": f"{idea.title}, föreslaget av en invånare.", "category": "miljö"}
        made = self.call("POST", f"{API}/cycles/{cycle}/proposals", 201, role="resident",
                         subject=proposer, born=born, residence=idea.area, json=body)
        return str(made["id"])

    def review(self, proposal: str, idea: Idea) -> None:
        body = ({"feasible": True, "official_cost": idea.cost} if idea.feasible
                else {"feasible": False, "reason": REJECTION})
        self.call("POST", f"{API}/proposals/{proposal}/review", 200, role="reviewer",
                  subject=REVIEWER, json=body)

    def to_voting(self, cycle: str, proposed: Sequence[tuple[str, Idea]]) -> LiveCycle:
        """Ideas closed, every proposal reviewed, voting opened."""
        self.fire(cycle, "close_ideas", "Idéinsamlingen är slut")
        live = LiveCycle(cycle)
        for proposal, idea in proposed:
            self.review(proposal, idea)
            if idea.feasible:
                live.proposals.setdefault(idea.area, []).append(proposal)
            else:
                live.rejected.append(proposal)
        self.fire(cycle, "open_voting", "Alla förslag är prövade")
        return live

    def vote(self, cycle: str, voter: str, born: date, area: str,
             selections: Sequence[str]) -> dict[str, Any]:
        body: dict[str, Any] = self.call(
            "POST", f"{API}/cycles/{cycle}/ballots", 201, role="resident", subject=voter,
            born=born, residence=area, json={"area": area, "selections": list(selections)})
        return body

    def results(self, cycle: str) -> int:
        """Voting closed and the results published; the position of the publication."""
        self.fire(cycle, "close_voting", "Röstningen är slut")
        published = self.fire(cycle, "publish_results", "Rösterna är räknade")
        return int(published["position"])
