"""A report declaration (projections/report_spec.py): its filters parse the query
parameters once, name the field they refuse, and a deletion's record of them gives
back the same values, hence the same rows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.operations.report_deletion import filters_record
from domain.shared.errors import InvalidInput
from projections.call_history import INVITES_REPORT
from projections.events_report import EVENTS_REPORT


def test_parameters_parse_once_and_a_bad_one_is_named() -> None:
    values = EVENTS_REPORT.values({"date_from": "0", "event": ["login"], "source": "user"})
    assert values["date_from"] == datetime(1970, 1, 1, tzinfo=UTC)
    assert values["events"] == ("login",) and values["source"] == "user"
    for name, bad in (("source", "nobody"), ("date_to", "yesterday")):
        with pytest.raises(InvalidInput) as refused:
            EVENTS_REPORT.values({name: bad})
        assert refused.value.problems[0].field == name


def test_a_deletions_record_gives_back_its_filters_and_condition() -> None:
    values = EVENTS_REPORT.values({"date_from": "2025-03-01T10:00:00+01:00", "event": ["a"]})
    record = filters_record(values)
    assert EVENTS_REPORT.values_from(record) == {k: v for k, v in values.items() if v}
    assert EVENTS_REPORT.deleted(EVENTS_REPORT.values_from(record), 9) == EVENTS_REPORT.deleted(
        values, 9
    )


def test_route_set_filters_are_not_query_parameters() -> None:
    names = [f.parameter for f in INVITES_REPORT.parameters()]
    assert names == ["date_from", "date_to", "inviter", "recipient", "accepted"]
