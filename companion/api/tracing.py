"""Optional OpenTelemetry tracing of HTTP requests (the `[otel]` extra).

Off unless COMPANION_OTEL_ENDPOINT or the standard OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT names
a collector. One server span per request, named by the route template; it carries the
request id and the status, never a raw path, a query string or a header value (ids and
search questions stay out of traces as they stay out of the logs).
"""

from __future__ import annotations

import os
from typing import Any

from companion.api.observability import route_template
from companion.config import Settings
from companion.errors import ConfigurationError

_STATE = "companion.otel_span"
#: Attributes the instrumentation sets from the raw request; overwritten with the template.
_RAW = ("http.target", "http.url", "url.path", "url.full", "url.query")


def otel_endpoint(settings: Settings) -> str | None:
    return (settings.otel_endpoint or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
            or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or None)


def install_tracing(app: Any, settings: Settings, *, exporter: Any = None) -> bool:
    """Trace `app`'s requests when an endpoint is configured (or `exporter` is given: tests);
    False when tracing stays off."""
    endpoint = otel_endpoint(settings)
    if exporter is None and endpoint is None:
        return False
    try:
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
    except ImportError as exc:
        raise ConfigurationError(
            "tracing is configured (COMPANION_OTEL_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT) "
            "but OpenTelemetry is not installed: pip install 'companion[otel]', or unset it"
        ) from exc
    provider = TracerProvider(resource=Resource.create({"service.name": "companion"}))
    if exporter is None:
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    else:
        provider.add_span_processor(SimpleSpanProcessor(exporter))

    def on_request(span: Any, scope: dict[str, Any]) -> None:
        scope[_STATE] = span

    def on_response(_send_span: Any, scope: dict[str, Any], message: dict[str, Any]) -> None:
        span = scope.get(_STATE)
        if span is None or message.get("type") != "http.response.start":
            return
        for name, value in message.get("headers") or ():
            if name.lower() == b"x-request-id":
                span.set_attribute("companion.request_id", value.decode("latin-1"))
        template = route_template(scope)
        for key in _RAW:
            span.set_attribute(key, template)

    FastAPIInstrumentor.instrument_app(app, tracer_provider=provider,
                                       server_request_hook=on_request,
                                       client_response_hook=on_response)
    return True
