"""Members' rights: consent, a copy of their data, erasure, retention of idle accounts."""
