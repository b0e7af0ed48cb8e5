"""Composition: the application service, configuration, CLI (and later API and pages)."""
