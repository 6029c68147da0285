"""Translating a course in the browser, next to its source, with review."""
