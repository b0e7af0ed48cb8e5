"""`medborgarbudget tally FILE.pb --rule RULE [--tie-break T] [--lang en|sv] [--json]`: count a
Pabulib file. The reasons are worded, and amounts written, in English or Swedish (the same
renderer as the pages: service/reason_text.py).

Exit codes: 0 counted, 2 bad input (missing or malformed file, unknown rule, a rule the file
cannot be counted with).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import click

from domain.allocation import RULES, Outcome, allocate
from domain.allocation.election import DEFAULT_TIE_BREAK, TIE_BREAKS
from domain.allocation.outcome import json_number
from domain.pabulib import PabulibFile, PabulibFormatError, read_pabulib, to_election
from domain.vocabulary import AllocationRule
from service.pages.i18n import N_, major, translations
from service.reason_text import reason_json, reason_text

MAX_PB_BYTES = 200 * 1024**2  # the largest published Pabulib files are a few tens of MiB


def too_large(file: Path) -> str | None:
    """Why FILE is refused before it is read (larger than MAX_PB_BYTES), else None."""
    size = file.stat().st_size
    if size > MAX_PB_BYTES:
        return (f"{file}: {size / 1024**2:,.0f} MiB is too large for a Pabulib file "
                f"(at most {MAX_PB_BYTES // 1024**2} MiB)")
    return None


class BadInput(click.ClickException):
    """Printed as 'Error: ...' on stderr, exit code 2 like click's usage errors."""

    exit_code = 2


@click.command("tally")
@click.argument(
    "file",
    type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path),
)
@click.option(
    "--rule",
    type=click.Choice(RULES),
    default=AllocationRule.GREEDY.value,
    show_default=True,
    help="Allocation rule.",
)
@click.option(
    "--tie-break",
    type=click.Choice(TIE_BREAKS),
    default=DEFAULT_TIE_BREAK,
    show_default=True,
    help="How equal scores (MES: equal prices) are ordered: the lower cost then the lower id, "
    "the lower id as text (pabutools), or the order of PROJECTS in the file.",
)
@click.option(
    "--lang",
    type=click.Choice(("en", "sv")),
    default="en",
    show_default=True,
    help="The language of the reasons and how amounts are written.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
def tally(file: Path, rule: str, tie_break: str, lang: str, as_json: bool) -> None:
    """Count the Pabulib election FILE with RULE and show which projects are funded."""
    if (refusal := too_large(file)) is not None:
        raise BadInput(refusal)
    try:
        with file.open(encoding="utf-8-sig", newline="") as stream:
            pb = read_pabulib(stream)
    except PabulibFormatError as error:
        raise BadInput(f"{file}: {error}") from None
    except UnicodeDecodeError as error:
        raise BadInput(f"{file}: not UTF-8 text ({error.reason})") from None
    try:
        election = to_election(pb, tie_break)
        outcome = allocate(election, rule)
    except ValueError as error:
        raise BadInput(f"{file}: cannot count with {rule}: {error}") from None
    if as_json:
        # Amounts in the file's units (an int when whole, else exact text), in `currency`.
        # The reasons in words, and as codes with parameters (amounts in minor units).
        data = {**outcome.to_json_dict(), "currency": election.currency}
        reasons = {pid: reason_json(r.to_dict(), lang) for pid, r in outcome.reasons.items()}
        data["reasons"] = {pid: reason["text"] for pid, reason in reasons.items()}
        data["reason_codes"] = {pid: reason["code"] for pid, reason in reasons.items()}
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo(_table(pb, outcome, election.currency, lang))


# The table's words, English message ids of the pages' catalog (Swedish with --lang sv).
COLUMNS = (N_("project"), N_("name"), N_("cost"), N_("score"), N_("selected"), N_("reason"))
SELECTED = {True: N_("yes"), False: N_("no")}


def _table(pb: PabulibFile, outcome: Outcome, currency: str, lang: str) -> str:
    words = translations(lang)

    def money(amount: Decimal) -> str:
        return major(amount, currency, lang)

    names = {p.id: p.name for p in pb.projects}
    costs = {p.id: p.cost for p in pb.projects}
    position = {pid: i for i, pid in enumerate(outcome.selected)}
    order = sorted(
        costs,
        key=lambda pid: (pid not in position, position.get(pid, 0), -outcome.scores[pid]),
    )
    rows = [tuple(words.gettext(column) for column in COLUMNS)]
    for pid in order:
        name = names[pid]
        if len(name) > 40:
            name = name[:39] + "…"
        rows.append(
            (
                pid,
                name,
                money(costs[pid]),
                str(json_number(outcome.scores[pid])),
                words.gettext(SELECTED[pid in position]),
                reason_text(outcome.reasons[pid], lang),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    right = {2, 3}
    lines = []
    for row in rows:
        cells = [
            row[i].rjust(widths[i]) if i in right else row[i].ljust(widths[i]) for i in range(5)
        ]
        lines.append("  ".join(cells) + "  " + row[5])
    lines.append("")
    lines.append(words.ngettext(
        "rule %(rule)s: %(funded)s of %(count)s project funded, %(cost)s of %(budget)s, "
        "%(left)s left; ties broken by %(tie_break)s",
        "rule %(rule)s: %(funded)s of %(count)s projects funded, %(cost)s of %(budget)s, "
        "%(left)s left; ties broken by %(tie_break)s",
        len(costs),
    ) % {"rule": outcome.rule, "funded": len(outcome.selected), "count": len(costs),
         "cost": money(outcome.cost), "budget": money(pb.budget), "left": money(outcome.left),
         "tie_break": outcome.tie_break})
    return "\n".join(lines)
