"""A schema-driven fuzz run over the whole OpenAPI document: every operation, with
generated (valid and invalid) parameters and bodies, as an admin (the deepest reach) and as a
mentee. Not one answer may be a 5xx, and every answer must match the documented schema."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from companion.api.app import create_app
from companion.api.common import embedder_dep
from tests.api.conftest import World

app = create_app()
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance,
          status_code_conformance]
EXAMPLES = 25


@pytest.fixture
def fuzz_world(world: World) -> World:
    app.dependency_overrides[embedder_dep] = world.client.app.dependency_overrides[  # type: ignore[attr-defined]
        embedder_dep]
    return world


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@pytest.mark.parametrize("role", ["admin", "partner", "e1"])
def test_no_5xx_and_documented_shapes(case: schemathesis.Case, role: str,
                                      fuzz_world: World) -> None:
    case.call_and_validate(headers=fuzz_world.headers(role), checks=CHECKS)



def test_the_fuzz_run_covers_every_operation() -> None:
    """The parametrized run above is only as wide as the document: every route is in it."""
    from companion.api.routes import drafts, health, matching, people, programs

    documented = {(method.upper(), path) for path, ops in app.openapi()["paths"].items()
                  for method in ops}
    routed = {(method, f"/api/v1{route.path}")
              for module in (drafts, health, matching, people, programs)
              for route in module.router.routes
              for method in getattr(route, "methods", None) or () if method != "HEAD"}
    assert len(routed) >= 25
    assert routed <= documented, routed - documented
