"""Reaching members: the channel each chose per topic, and SMS through a gateway (Kannel or a provider's API)."""
