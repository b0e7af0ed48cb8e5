"""Why a command was refused, in words a person understands.

Every refusal names what was wrong; a refused command records nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence


class DomainError(Exception):
    """A command was refused; nothing was recorded."""

    title = "The request was refused"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    """A field of a command is missing or has a value the rules do not allow."""

    title = "Invalid input"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message


class NotFound(DomainError):
    title = "Not found"


class NotYours(DomainError):
    """The item is someone else's: only its author may do this (403)."""

    title = "Not yours"


class Conflict(DomainError):
    """The command does not fit the current state (phase, duplicate, concurrent change)."""

    title = "Conflict with the current state"


class PhaseError(Conflict):
    """The cycle's phase does not allow this command or trigger. `allowed`: the triggers allowed
    now. `cycle_id`, when given, says that `allowed` was worked out from the cycle alone, and
    the service completes it with what the guards know of the cycle's proposals
    (`Medborgarbudget.explained`), so that a refusal lists what `GET .../transitions` lists."""

    title = "Not allowed in the current phase"

    def __init__(self, message: str, phase: str, allowed: Sequence[str],
                 cycle_id: str | None = None) -> None:
        allowed_text = ", ".join(allowed) if allowed else "none"
        super().__init__(f"{message} The cycle is in phase '{phase}'; allowed now: {allowed_text}.")
        self.why = message
        self.phase = phase
        self.allowed = tuple(allowed)
        self.cycle_id = cycle_id

    def with_allowed(self, allowed: Sequence[str]) -> PhaseError:
        """The same refusal, listing `allowed` as the triggers allowed now."""
        return type(self)(self.why, self.phase, allowed)


class GuardRefused(PhaseError):
    """The trigger exists from this phase, but a guard's condition is not met."""

    title = "A condition for this transition is not met"


class DuplicateBallot(Conflict):
    title = "A ballot already exists"

    def __init__(self, area: str) -> None:
        # Say that a ballot exists, never what it contains or through which channel it came.
        super().__init__(f"This voter already has a ballot in area '{area}'; only one is allowed.")
        self.area = area


def known_fields(data: object, field: str, known: Collection[str], shape: str,
                 ) -> Mapping[str, object]:
    """Input that must be an object of no fields but `known`: refused as `field` when it is not
    an object (`shape` says what it must be) or has a field of another name."""
    if not isinstance(data, Mapping):
        raise InvalidInput(field, shape)
    unknown = set(data) - set(known)
    if unknown:
        raise InvalidInput(field, f"unknown field(s): {', '.join(sorted(unknown))}")
    return data


def true_or_false(data: Mapping[str, object], key: str, field: str) -> bool:
    """`data[key]` as a flag (absent: false), refused as `field` when it is not a boolean."""
    value = data.get(key, False)
    if type(value) is not bool:
        raise InvalidInput(field, "must be true or false")
    return value
