"""Administrators: people and their accounts, partner organisations, the audit log, and the `flask users` and
`flask orgs` commands; staff's password resets (``/people/<id>/password``)."""
