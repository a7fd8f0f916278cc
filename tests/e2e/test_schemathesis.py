"""The whole OpenAPI schema, fuzzed by schemathesis against a live `quorum serve` with an
admin token (issue 8 item 5): no 5xx, no reply that its schema does not describe."""

from __future__ import annotations

import os
from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from tests.support import ServeProcess, quorum_cli

EXAMPLES = int(os.environ.get("QUORUM_FUZZ_EXAMPLES", "3"))
"""Per operation and mode: 3 runs the whole schema in under a minute on 2 cores; set
QUORUM_FUZZ_EXAMPLES higher for a deeper hunt."""
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]

# Operations that would end the run itself, not find bugs in it:
# - POST /server/restart re-executes the server under the test's feet;
# - DELETE /admin/session logs the test's own admin token out.
EXCLUDED = [("POST", "/api/v4/server/restart"), ("DELETE", "/api/v4/admin/session")]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServeProcess, str]]:
    data_dir = tmp_path_factory.mktemp("schemathesis") / "var"
    serve = ServeProcess(data_dir).start()
    try:
        added = quorum_cli(
            *("admin", "add", "root", "--role", "admin", "--password-stdin"),
            data_dir=data_dir,
            stdin="correct horse\n",
        )
        assert added.returncode == 0, added.stderr
        reply = httpx.post(
            f"{serve.base_url}/admin/session", json={"login": "root", "password": "correct horse"}
        )
        assert reply.status_code == 200, reply.text
        yield serve, reply.json()["access_token"]
    finally:
        serve.stop()


def _locks_the_admin_out(case: schemathesis.Case) -> bool:
    """The security section holds the admin IP allowlist and who may sign in: an edit
    there could refuse the test's own admin from 127.0.0.1 for the rest of the run."""
    return (
        case.method == "PATCH"
        and case.path == "/api/v4/settings/{section}"
        and (case.path_parameters or {}).get("section") in ("security", "auth-zones")
    )


def _fuzz(operation: APIOperation, mode: GenerationMode, root: str, token: str) -> None:
    # schemathesis' own pytest plugin (from_fixture/parametrize) breaks on pytest 9, so
    # each operation is one plain Hypothesis run, derandomized: the same cases every time.
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        if _locks_the_admin_out(case):
            return
        case.call_and_validate(
            base_url=root,
            headers={"Authorization": f"Bearer {token}"},
            checks=CHECKS,
            timeout=30,
        )

    run()


def test_no_server_errors_and_every_reply_matches_its_schema(
    live: tuple[ServeProcess, str],
) -> None:
    serve, token = live
    root = serve.base_url.removesuffix("/api/v4")
    schema: schemathesis.BaseSchema = schemathesis.openapi.from_url(f"{root}/openapi.json")
    for method, path in EXCLUDED:
        schema = schema.exclude(method=method, path=path)
    failures: list[str] = []
    for result in schema.get_all_operations():
        if not isinstance(result, Ok):
            failures.append(f"the schema is invalid: {result.err()}")
            continue
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzz(operation, mode, root, token)
            except Unsatisfiable:
                continue  # no invalid input exists for it (e.g. no parameters at all)
            except (AssertionError, BaseExceptionGroup) as e:
                failures.append(f"{operation.label} [{mode.value}]: {e}")
    assert not failures, "\n\n".join(failures)
