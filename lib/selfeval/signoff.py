"""Sign-off of a self-evaluation: ``params/commentary/<period_end>/signoff.yaml``.

```yaml
approved_by: Jane Smith
role: Director of Children's Services
date: 2022-04-20
status: final        # draft | final
```

A pack without the file is a draft. A final sign-off needs who approved it, their role and the
date; a bad file is a ``UserError`` naming the file, field, value and what was expected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from selfeval.errors import UserError

STATUSES = ("draft", "final")
FIELDS = ("approved_by", "role", "date", "status")


@dataclass(frozen=True)
class SignOff:
    status: str = "draft"
    approved_by: str = ""
    role: str = ""
    date: date | None = None
    source: str = ""

    @property
    def is_final(self) -> bool:
        return self.status == "final"

    def text(self) -> str:
        """One line for the index, every page and every export."""
        if self.is_final:
            when = self.date.strftime("%-d %B %Y") if self.date else ""
            return f"Final: approved by {self.approved_by}, {self.role}, on {when}."
        who = f" (to be approved by {self.approved_by}, {self.role})" if self.approved_by else ""
        return f"Draft: not yet signed off{who}."


def signoff_path(params: Path, period_end: date) -> Path:
    return params / "commentary" / period_end.isoformat() / "signoff.yaml"


def _fail(path: Path, field: str, value: object, expected: str) -> UserError:
    return UserError(f"{path}: {field} is {value!r}; expected {expected}.")


def parse_signoff(raw: object, path: Path) -> SignOff:
    """A ``SignOff`` from the YAML mapping read from ``path`` (which names it in errors)."""
    if raw is None:
        return SignOff(source=str(path))
    if not isinstance(raw, dict):
        raise _fail(path, "the file", raw, f"a mapping with {', '.join(FIELDS)}")
    unknown = sorted(set(map(str, raw)) - set(FIELDS))
    if unknown:
        raise _fail(path, "field", unknown[0], f"one of {', '.join(FIELDS)}")
    status = str(raw.get("status") or "draft").strip().lower()
    if status not in STATUSES:
        raise _fail(path, "status", raw.get("status"), "draft or final")
    when = raw.get("date")
    if isinstance(when, str) and when.strip():
        try:
            when = date.fromisoformat(when.strip())
        except ValueError:
            raise _fail(path, "date", when, "a date as YYYY-MM-DD") from None
    elif when is not None and not isinstance(when, date):
        raise _fail(path, "date", when, "a date as YYYY-MM-DD")
    out = SignOff(
        status=status,
        approved_by=str(raw.get("approved_by") or "").strip(),
        role=str(raw.get("role") or "").strip(),
        date=when or None,
        source=str(path),
    )
    if out.is_final:
        for field in ("approved_by", "role", "date"):
            if not getattr(out, field):
                raise _fail(path, field, raw.get(field), "a value when status is final")
    return out


def read_signoff(params: Path, period_end: date) -> SignOff:
    """The period's sign-off; a draft when the file does not exist."""
    path = signoff_path(params, period_end)
    if not path.is_file():
        return SignOff(source=str(path))
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise UserError(f"{path}: not valid YAML ({exc})") from None
    return parse_signoff(raw, path)


__all__ = ["SignOff", "read_signoff", "parse_signoff", "signoff_path"]
