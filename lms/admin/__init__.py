"""Administrators: partner organisations, the audit log, and the `flask users` and `flask orgs` commands."""
