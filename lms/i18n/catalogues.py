"""How complete the interface catalogues in translations/ are."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from babel.messages.pofile import read_po


@dataclass
class CatalogueStats:
    language: str
    translated: int
    total: int
    fuzzy: int

    @property
    def percent(self) -> float:
        return 100.0 * self.translated / self.total if self.total else 100.0

    def __str__(self) -> str:
        return f"{self.language}\t{self.translated}/{self.total}\t{self.percent:.1f}%" + (
            f"\t{self.fuzzy} fuzzy" if self.fuzzy else "")


def catalogue_stats(directory: Path, languages: list[str]) -> list[CatalogueStats]:
    """Counted against messages.pot, so a string missing from a .po counts as untranslated."""
    with open(directory / "messages.pot", "rb") as f:
        wanted = [m.id for m in read_po(f) if m.id]
    result = []
    for language in languages:
        path = directory / language / "LC_MESSAGES" / "messages.po"
        catalog = {}
        if path.is_file():
            with open(path, "rb") as f:
                catalog = {m.id: m for m in read_po(f) if m.id}
        done = fuzzy = 0
        for message_id in wanted:
            message = catalog.get(message_id)
            strings = message.string if message and isinstance(message.string, tuple) else (
                (message.string,) if message else ("",))
            if message and message.fuzzy:
                fuzzy += 1
            elif all(strings):
                done += 1
        result.append(CatalogueStats(language, done, len(wanted), fuzzy))
    return result
