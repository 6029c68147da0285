"""Accounts: sign-up, sign-in, sessions, the profile, and what guards them (limits, re-authentication)."""
