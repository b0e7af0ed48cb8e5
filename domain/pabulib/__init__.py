"""The Pabulib .pb format: read, write, and turn into an Election.

No file access here: the caller opens the file and passes its text or stream.
"""

from domain.pabulib.convert import to_election
from domain.pabulib.errors import PabulibFormatError
from domain.pabulib.model import PabulibFile, PabulibProject, PabulibVote, numbered_votes
from domain.pabulib.reader import parse_pabulib, read_pabulib
from domain.pabulib.writer import format_pabulib, write_pabulib

__all__ = [
    "PabulibFile",
    "PabulibFormatError",
    "PabulibProject",
    "PabulibVote",
    "format_pabulib",
    "numbered_votes",
    "parse_pabulib",
    "read_pabulib",
    "to_election",
    "write_pabulib",
]
