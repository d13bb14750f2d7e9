"""Prometheus metrics that any layer may move: model calls and request latency.

Under `companion serve --workers N` (N > 1) each worker writes its samples to files under
`$COMPANION_HOME/prometheus` (prometheus-client's multiprocess mode, switched on by
`PROMETHEUS_MULTIPROC_DIR` before the workers start), and `/metrics` sums them across workers.
"""

from __future__ import annotations

import os
import re

from prometheus_client import Counter, Histogram

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

MODEL_CALLS = Counter(
    "companion_model_calls", "Calls to a chat model, by provider kind and outcome.",
    ["provider", "outcome"])

REQUEST_LATENCY = Histogram(
    "companion_http_request_duration_seconds",
    "HTTP request latency by route template, method and status class.",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0))

_PROVIDER = re.compile(r"[a-z0-9_]{1,32}")


def provider_kind(model: str, *, offline: bool = False) -> str:
    """The provider part of a litellm model string (`openai/gpt-4o` → `openai`), never the
    rest of it (a model string may carry a deployment name or a key by mistake)."""
    if offline:
        return "offline"
    prefix = model.split("/", 1)[0].strip().lower() if "/" in model else ""
    return prefix if _PROVIDER.fullmatch(prefix) else "other"


def multiprocess_dir() -> str | None:
    """The folder the workers share their samples in, when several workers serve."""
    return os.environ.get(MULTIPROC_ENV) or None
