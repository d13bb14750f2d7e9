"""Companion: an LLM-assisted mentoring companion for leadership-mentoring programs."""

__version__ = "0.1.0"
