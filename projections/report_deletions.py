"""The rows a Call History deletion takes along in the other reports (SES-10): those
of its sessions, of stream sequence `through` or before. A deletion by filter removes
what its report's declaration selects (`Report.deleted`, projections/report_spec.py)."""

from __future__ import annotations

from collections.abc import Sequence

from projections.report_spec import Condition


def in_sessions(session_ids: Sequence[str], through: int) -> Condition:
    """The rows of these sessions, up to `through` (the Call History cascade)."""
    return "list_contains(?::VARCHAR[], session_id) AND seq <= ?", [list(session_ids), through]
