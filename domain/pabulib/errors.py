"""What is wrong with a Pabulib file, and where."""

from __future__ import annotations


class PabulibFormatError(ValueError):
    """A .pb text that cannot be read; `line` is the 1-based line where the problem is."""

    def __init__(self, line: int, problem: str) -> None:
        super().__init__(f"line {line}: {problem}")
        self.line = line
        self.problem = problem
