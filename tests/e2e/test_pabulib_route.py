"""An area's election as a Pabulib file over HTTP, on both backends: the file the CLI writes,
counted again to the same winners, for auditors and administrators only, and only once voting
has closed."""

from __future__ import annotations

from domain.allocation import allocate
from domain.pabulib import format_pabulib, parse_pabulib, to_election
from service.api.auth import Role
from service.pabulib_cycles import export_area
from tests.e2e.api_client import API, Api, build_cycle
from tests.e2e.exports_support import HOSTILE_TITLE, VOTES, published_cycle


def test_the_pabulib_file_is_the_clis_and_counts_to_the_same_winners(api: Api) -> None:
    cycle = published_cycle(api, name="Medborgarbudget Nässjö 2027")
    results = api.ok("GET", f"{API}/cycles/{cycle.id}/results")
    for role in (Role.AUDITOR, Role.ADMIN):
        response = api.request("GET", f"{API}/cycles/{cycle.id}/areas/norr/pabulib", role=role)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "text/plain; charset=utf-8"
        assert response.headers["content-disposition"] == (
            f'attachment; filename="medborgarbudget-nassjo-2027-{cycle.id[:8]}-norr.pb"')
        assert response.text == format_pabulib(export_area(api.app, cycle.id, "norr"))
    pb = parse_pabulib(response.text)
    assert pb.meta["rule"] == "greedy-threshold" and pb.meta["num_votes"] == str(len(VOTES))
    assert [v.voter_id for v in pb.votes] == [str(n) for n in range(1, len(VOTES) + 1)]
    assert HOSTILE_TITLE in {p.fields["name"] for p in pb.projects}
    recount = allocate(to_election(pb), pb.meta["rule"]).selected
    assert sorted(recount) == sorted(results["areas"]["norr"]["selected"])
    assert recount  # the cycle selected something: a recount of nothing proves nothing
    # A second area, with no ballots, is a file too.
    unga = api.request("GET", f"{API}/cycles/{cycle.id}/areas/unga/pabulib", role=Role.AUDITOR)
    assert parse_pabulib(unga.text).meta["num_votes"] == "0"


def test_the_ballots_stay_sealed_until_voting_has_closed(api: Api) -> None:
    cycle = build_cycle(api, "voting")
    api.resident("POST", f"{API}/cycles/{cycle.id}/ballots", 201, subject="early voter",
                 json={"area": "norr", "selections": cycle.feasible("norr")[:1]})
    for role in (Role.AUDITOR, Role.ADMIN):
        problem = api.refused("GET", f"{API}/cycles/{cycle.id}/areas/norr/pabulib", 409,
                              role=role)
        assert "'voting'" in problem["detail"]
    # Cancelled while it voted: the vote never closed, so the ballots stay unread.
    api.fire(cycle.id, "cancel")
    problem = api.refused("GET", f"{API}/cycles/{cycle.id}/areas/norr/pabulib", 409,
                          role=Role.AUDITOR)
    assert "'cancelled'" in problem["detail"]
    review = build_cycle(api, "review", name="Ett annat år")
    problem = api.refused("GET", f"{API}/cycles/{review.id}/areas/norr/pabulib", 409,
                          role=Role.ADMIN)
    assert "'review'" in problem["detail"]


def test_only_auditors_and_administrators_download_and_only_what_exists(api: Api) -> None:
    cycle = published_cycle(api)
    path = f"{API}/cycles/{cycle.id}/areas/norr/pabulib"
    api.refused("GET", path, 401)
    for role in (Role.RESIDENT, Role.REVIEWER, Role.OFFICIAL):
        api.refused("GET", path, 403, role=role)
    api.refused("GET", f"{API}/cycles/{cycle.id}/areas/soder/pabulib", 404, role=Role.ADMIN)
    api.refused("GET", f"{API}/cycles/00000000-0000-0000-0000-000000000000/areas/norr/pabulib",
                404, role=Role.ADMIN)
    api.refused("GET", f"{API}/cycles/{cycle.id}/areas/{'x' * 300}/pabulib", 404,
                role=Role.ADMIN)
