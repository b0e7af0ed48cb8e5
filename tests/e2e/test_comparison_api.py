"""The comparison of a cycle with its predecessors over HTTP, on both backends: the API gives,
per cycle and per budget pot, what the cycle page shows (one query behind both); areas match
across the years by id, else by name."""

from __future__ import annotations

import html
import re
from typing import Any

from service.pages import i18n
from tests.e2e.api_client import API, DECISION, Api
from tests.e2e.exports_support import VOTES, published_cycle

YOUNG_AREA = {"id": "ungdom", "name": "  unga 13\u201325 ÅR ", "kind": "group", "budget": 60_000,
              "eligibility": {"min_age": 13, "max_age": 25},
              "voting_rule": {"kind": "knapsack", "min_choices": 1}}
SOUTH_AREA = {"id": "soder", "name": "Planeringsområde Söder", "kind": "territorial",
              "budget": "70000.50", "eligibility": {"residence": "soder"}}


def two_years(api: Api) -> tuple[str, str, dict[str, Any]]:
    """Last year's cycle (results published, adopted, 900 kr spent on one project) and this
    year's (in draft: its young people's area renamed in id, a new area in the south)."""
    last = published_cycle(api)
    results = api.ok("GET", f"{API}/cycles/{last.id}/results")
    api.admin("PUT", f"{API}/cycles/{last.id}/adoption", json=dict(DECISION))
    api.fire(last.id, "adopt")
    api.admin("POST", f"{API}/proposals/{last.proposals['hostile']}/progress",
              json={"percent": 50, "note": "halvvägs", "spent": 900})
    this = api.admin("POST", f"{API}/cycles/{last.id}/successor", 201,
                     json={"name": "Medborgarbudget Testby 2028"})
    base = f"{API}/cycles/{this['id']}/areas"
    api.admin("DELETE", f"{base}/unga")
    api.admin("POST", base, 201, json=YOUNG_AREA)
    api.admin("POST", base, 201, json=SOUTH_AREA)
    return last.id, this["id"], results


def test_the_comparison_per_cycle_and_per_pot(api: Api) -> None:
    last, this, results = two_years(api)
    shown = api.ok("GET", f"{API}/cycles/{this}/comparison",
                   params={"position": api.stored()})
    assert shown["cycle_id"] == this
    assert [c["id"] for c in shown["cycles"]] == [this, last]
    newest, oldest = shown["cycles"]
    assert (newest["budget"], newest["budget_minor"], newest["proposals"],
            newest["ballots"]) == ("230000.50", 23_000_050, 0, 0)
    norr_selected = len(results["areas"]["norr"]["selected"])
    assert norr_selected > 0
    assert (oldest["budget"], oldest["proposals"], oldest["ballots"], oldest["selected"],
            oldest["spent"], oldest["spent_minor"]) == (
        150_000, 8, len(VOTES), norr_selected + len(results["areas"]["unga"]["selected"]),
        900, 90_000)
    pots = {p["id"]: p for p in shown["pots"]}
    assert list(pots) == ["norr", "ungdom", "soder"]
    norr = pots["norr"]["cycles"]
    assert [(c["cycle_id"], c["area"]) for c in norr] == [(this, "norr"), (last, "norr")]
    assert (norr[1]["proposals"], norr[1]["ballots"], norr[1]["selected"],
            norr[1]["spent_minor"], norr[1]["budget"]) == (5, len(VOTES), norr_selected,
                                                           90_000, 100_000)
    # Matched by name (letter case and spacing aside), though the id changed.
    assert [(c["cycle_id"], c["area"]) for c in pots["ungdom"]["cycles"]] == [
        (this, "ungdom"), (last, "unga")]
    assert (pots["ungdom"]["cycles"][1]["proposals"], pots["ungdom"]["cycles"][1]["budget"]) \
        == (3, 50_000)
    assert [c["cycle_id"] for c in pots["soder"]["cycles"]] == [this]


def test_the_api_says_what_the_cycle_page_shows(api: Api) -> None:
    _, this, _ = two_years(api)
    position = api.stored()
    shown = api.ok("GET", f"{API}/cycles/{this}/comparison", params={"position": position})
    for lang in ("sv", "en"):
        page = api.request("GET", f"/cycles/{this}", params={"position": position,
                                                             "lang": lang}).text
        section = page[page.index('id="history-heading"'):]
        section = section[:section.index("</table>")]
        rows = re.findall(r'<tr><th scope="row"><a href="/cycles/([0-9a-f-]+)[^"]*">([^<]*)</a>'
                          r'</th>((?:<td class="num"[^>]*>[^<]*</td>)+)</tr>', section)
        assert [r[0] for r in rows] == [c["id"] for c in shown["cycles"]]
        for (_, name, cells), cycle in zip(rows, shown["cycles"], strict=True):
            assert name == cycle["name"]
            assert re.findall(r'<td class="num"[^>]*>([^<]*)</td>', cells) == [
                i18n.money(cycle["budget_minor"], cycle["currency"], lang),
                str(cycle["proposals"]), i18n.number(cycle["ballots"], lang),
                str(cycle["selected"]), str(cycle["completed"])]
        names = {c["id"]: c["name"] for c in shown["cycles"]}
        section = page[page.index('id="pots-heading"'):]
        section = section[:section.index("</table>")]
        rows = re.findall(r'<tr><th scope="row">([^<]*)</th><td[^>]*>([^<]*)</td>'
                          r'((?:<td class="num"[^>]*>[^<]*</td>)+)</tr>', section)
        expected = [(html.escape(c["name"]), names[c["cycle_id"]], [
            i18n.money(c["budget_minor"], c["currency"], lang), str(c["proposals"]),
            i18n.number(c["ballots"], lang), str(c["selected"]), str(c["completed"]),
            i18n.money(c["spent_minor"], c["currency"], lang)])
            for pot in shown["pots"] for c in pot["cycles"]]
        assert [(name, cycle, re.findall(r'<td class="num"[^>]*>([^<]*)</td>', cells))
                for name, cycle, cells in rows] == expected
        assert len(expected) == 5  # norr and the young twice, soder once


def test_a_comparison_of_no_cycle_is_not_found(api: Api) -> None:
    for cycle in ("00000000-0000-0000-0000-000000000000", "x" * 300, "'; DROP TABLE x"):
        api.refused("GET", f"{API}/cycles/{cycle}/comparison", 404)
    api.refused("GET", f"{API}/cycles/00000000-0000-0000-0000-000000000000/comparison", 401,
                headers={"Authorization": "Bearer forged"})
