"""``studybot doctor``'s output: the checks of bot/app/checks.py as a plain table, with the fixes."""

from __future__ import annotations

from bot.app.checks import Check, Status

MARKS = {Status.OK: "ok", Status.WARN: "WARN", Status.FAIL: "FAIL", Status.SKIP: "-"}


def render_table(checks: list[Check]) -> str:
    """A plain table (it reads the same in a terminal, a log and a CI job)."""
    width = max([len("check"), *(len(c.name) for c in checks)])
    lines = [f"{'check':<{width}}  {'status':<6}  detail", f"{'-' * width}  {'-' * 6}  {'-' * 40}"]
    for c in checks:
        lines.append(f"{c.name:<{width}}  {MARKS[c.status]:<6}  {c.detail}")
        if c.fix and c.status in (Status.WARN, Status.FAIL):
            lines.append(f"{'':<{width}}  {'':<6}  fix: {c.fix}")
    return "\n".join(lines)
