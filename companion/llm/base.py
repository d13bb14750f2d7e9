"""The `ChatModel` interface every part of Companion talks to, its errors, and the switch that
keeps tests from reaching a real model.

Nothing here imports litellm, so the interface and the test doubles load instantly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Protocol, runtime_checkable

from companion.errors import CompanionError

#: When False, every model call that would leave the process (anything but the offline drafter
#: and the fakes) raises `ModelRequestsBlocked` before a request is made. Tests switch it off
#: (see `block_model_requests`) so a forgotten real call fails loudly instead of silently
#: spending money or hanging on the network. Read at call time: set it on this module.
ALLOW_MODEL_REQUESTS = True

Message = dict[str, Any]


@dataclass(frozen=True)
class ChatResult:
    """What a model answered: the raw text (never repaired here), the model that actually
    answered (a fallback's name when one was used) and the token counts it reported."""

    text: str
    model: str
    usage: dict[str, int] = field(default_factory=dict)


@runtime_checkable
class ChatModel(Protocol):
    """A chat model: messages in, one text answer out."""

    name: str

    def complete(self, messages: list[Message], *, json_mode: bool = True) -> ChatResult:
        """Answer `messages`; with `json_mode` ask the provider for a single JSON object."""
        ...


class ModelError(CompanionError):
    """A model call failed after retries and fallbacks; the draft cannot be written now."""

    http_status = 502
    title = "Model error"

    def __init__(self, message: str, *, model: str | None = None) -> None:
        super().__init__(message)
        self.model = model


class ModelRateLimited(ModelError):
    """The provider kept answering 429 (rate limit or quota)."""

    http_status = 503
    title = "Model rate-limited"
    #: Seconds the provider asked us to wait (its Retry-After header), when it said.
    retry_after: float | None = None


class ModelTimeout(ModelError):
    """The provider did not answer within the time-out."""

    http_status = 504
    title = "Model timed out"


class ModelUnavailable(ModelError):
    """The provider could not be reached or answered with a server error."""

    http_status = 503
    title = "Model unavailable"


class ModelRequestsBlocked(RuntimeError):
    """A network model call was attempted while `ALLOW_MODEL_REQUESTS` is False.

    Deliberately not a `CompanionError`: code that turns model errors into a `failed` draft
    must not swallow it — in tests it is a bug, not a provider outage.
    """


def check_model_requests_allowed(model: str) -> None:
    """Raise `ModelRequestsBlocked` if network model calls are switched off."""
    if not ALLOW_MODEL_REQUESTS:
        raise ModelRequestsBlocked(
            f"a request to model {model!r} was attempted while "
            "companion.llm.base.ALLOW_MODEL_REQUESTS is False; use FakeChatModel, the "
            "offline model, or the fake_openai fixture with allow_model_requests()"
        )


class _ModelRequestsSwitch:
    """Sets the flag at once; used as a context manager, restores the old value on exit."""

    def __init__(self, allowed: bool) -> None:
        global ALLOW_MODEL_REQUESTS
        self._previous = ALLOW_MODEL_REQUESTS
        ALLOW_MODEL_REQUESTS = allowed

    def __enter__(self) -> _ModelRequestsSwitch:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        global ALLOW_MODEL_REQUESTS
        ALLOW_MODEL_REQUESTS = self._previous


def block_model_requests() -> _ModelRequestsSwitch:
    """Switch network model calls off: `block_model_requests()` for good, or
    `with block_model_requests(): ...` for a block (the previous value comes back after)."""
    return _ModelRequestsSwitch(False)


def allow_model_requests() -> _ModelRequestsSwitch:
    """Switch network model calls on, for good or (as a context manager) for a block."""
    return _ModelRequestsSwitch(True)
