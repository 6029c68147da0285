"""Random codes people read aloud and type on small keyboards: no 0/O, no 1/I/L."""
import secrets

READABLE = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def readable_code(length: int, alphabet: str = READABLE) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))
