"""Report reads over NATS carry the same Python values as in-process calls."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from projections.endpoints_report import ConnectedEndpoint
from projections.report_reads import CODEC, FUNCTIONS, UnknownRead, name_of


def round_trip(value: object) -> object:
    return CODEC.loads(CODEC.dumps(value))


def test_values_come_back_with_their_types() -> None:
    berlin = datetime(2025, 10, 26, 2, 30, fold=1, tzinfo=ZoneInfo("Europe/Berlin"))
    value = (
        3,
        [
            {
                "date": datetime(2025, 1, 2, 3, 4, 5, 6, tzinfo=ZoneInfo("Etc/UTC")),
                "local": berlin,
                "offset": datetime(2025, 1, 2, tzinfo=timezone(timedelta(hours=-3))),
                "naive": datetime(2025, 1, 2, 3, 4),
                "utc": datetime(2025, 1, 2, tzinfo=UTC),
                "day": date(2025, 1, 2),
                "long": timedelta(days=2, seconds=5, microseconds=7),
                "money": Decimal("1.10"),
                "id": uuid4(),
                "raw": b"\x00\xff",
                "details": {"$": "not a tag", "nested": [1, 2.5, None, True, "x"], 4: "int key"},
                "pair": ("a", ("b",)),
            }
        ],
    )
    back = round_trip(value)
    assert repr(back) == repr(value)
    assert back == value


def test_filter_dataclasses_travel_and_unknown_types_do_not() -> None:
    filters = {"date_from": datetime(2025, 1, 1, tzinfo=UTC), "events": ("login",)}
    assert round_trip(filters) == filters
    assert round_trip([ConnectedEndpoint("e", "u", None, "g")]) == [
        ConnectedEndpoint("e", "u", None, "g")
    ]
    with pytest.raises(TypeError):
        CODEC.dumps(object())
    forged = b'{"$": "dataclass", "type": "os.PathLike", "v": {}}'
    with pytest.raises(TypeError):
        CODEC.loads(forged)


def test_every_registered_function_has_a_name_and_others_are_refused() -> None:
    for name, function in FUNCTIONS.items():
        assert name_of(function) == name
    assert "events.query" in FUNCTIONS and "endpoints.count_older" in FUNCTIONS
    with pytest.raises(UnknownRead):
        name_of(round_trip)
