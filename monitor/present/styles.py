"""How verdicts look wherever they are drawn (dashboard, review): one style per verdict."""

from __future__ import annotations

from monitor.session.analyzer import Verdict

VERDICT_STYLE = {Verdict.GO: "bold green", Verdict.CAUTION: "bold yellow", Verdict.END: "bold reverse red"}
