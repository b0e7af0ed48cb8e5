"""Personal data outside the event log, and the mail it lets the service send (ADR 0028)."""
