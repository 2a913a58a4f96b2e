"""What an import did: counts, rejected rows, cleaned values and warnings, as text and JSON."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field


@dataclass
class Issue:
    line: int
    source_id: str
    field: str
    value: str
    reason: str


@dataclass
class ImportReport:
    file: str = ""
    source: str = ""
    format: str = ""
    dry_run: bool = False
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    absent: int = 0  # places of this source in the database but not in the file (left as they are)
    rejected: list[Issue] = field(default_factory=list)
    cleaned: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    interrupted: bool = False
    rolled_back: bool = False
    seconds: float = 0.0

    def reject(self, record, field_name, value, reason) -> Issue:
        issue = Issue(record.line, record.source_id, field_name, str(value), reason)
        self.rejected.append(issue)
        return issue

    def clean(self, record, field_name, value, reason) -> Issue:
        issue = Issue(record.line, record.source_id, field_name, str(value), reason)
        self.cleaned.append(issue)
        return issue

    def warn(self, record, field_name, value, reason) -> Issue:
        issue = Issue(record.line, record.source_id, field_name, str(value), reason)
        self.warnings.append(issue)
        return issue

    def as_dict(self) -> dict:
        data = asdict(self)
        data["counts"] = {
            "read": self.read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": len(self.rejected),
            "cleaned": len(self.cleaned),
            "warnings": len(self.warnings),
            "absent": self.absent,
        }
        return data

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=2)

    def lines(self, details: int = 10) -> list[str]:
        status = ""
        if self.interrupted:
            status = " — INTERROMPU, base inchangée"
        elif self.rolled_back:
            status = " — ÉCHEC, base inchangée"
        elif self.dry_run:
            status = " — essai à blanc (--dry-run), rien n'est écrit"
        out = [
            f"Import {self.file} ({self.format}, source « {self.source} »){status}",
            f"Lus : {self.read} ; créés : {self.created} ; mis à jour : {self.updated} ;"
            f" inchangés : {self.unchanged} ; rejetés : {len(self.rejected)} ;"
            f" avertissements : {len(self.warnings)} ; nettoyages : {len(self.cleaned)}"
            f" ({self.seconds:.1f} s)",
        ]
        if self.absent:
            out.append(
                f"Lieux de cette source absents du fichier (laissés tels quels) : {self.absent}"
            )
        for title, issues in (
            ("Rejetés", self.rejected),
            ("Avertissements", self.warnings),
            ("Nettoyages", self.cleaned),
        ):
            if not issues:
                continue
            reasons = Counter(_kind(issue.reason) for issue in issues)
            summary = ", ".join(f"{reason} ({n})" for reason, n in reasons.most_common(6))
            out.append(f"{title} : {summary}")
            for issue in sorted(issues, key=lambda i: i.line)[:details]:
                out.append(
                    f"  ligne {issue.line} [id {issue.source_id}] {issue.field} = "
                    f"« {issue.value[:60]} » : {issue.reason}"
                )
            if details and len(issues) > details:
                out.append(f"  ... et {len(issues) - details} autres (--report FICHIER les liste)")
        return out


def _kind(reason: str) -> str:
    """A reason without its particular values, to count alike issues together."""
    return reason.split(" « ")[0].split(" : ")[0][:70]
