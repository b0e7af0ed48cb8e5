"""The domain model: budget cycles, proposals, ballots and the rules that govern them.

Nothing here knows about HTTP, SQL or pages."""
