"""What an import did: a count per outcome, the failures, the notes for the editor."""
from __future__ import annotations

from dataclasses import dataclass, field

from .items import ItemFailure

OUTCOMES = ("imported", "updated", "unchanged", "skipped", "failed")


@dataclass
class ImportReport:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    failures: list[ItemFailure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # e.g. edited articles left alone
    sources_read: int = 0
    dry_run: bool = False

    def count(self, outcome: str) -> None:
        self.counts[outcome] += 1

    def fail(self, failure: ItemFailure) -> None:
        self.failures.append(failure)
        self.count("failed")

    @property
    def exit_code(self) -> int:
        """0 all imported; 1 some items failed; 2 no source could be read at all."""
        if self.sources_read == 0:
            return 2
        return 1 if self.failures else 0

    def line(self) -> str:
        parts = ", ".join(f"{self.counts[o]} {o}" for o in OUTCOMES)
        return f"{'dry run, nothing written: ' if self.dry_run else ''}{parts}"
