"""Administrators: people, their roles, suspension, password resets."""
