"""`LiteLLMChatModel`: the `ChatModel` for any litellm model string, with retries, fallbacks and
litellm's exceptions turned into Companion's `ModelError`s. The only module that calls
`litellm.completion` (the offline provider plugs into litellm from `offline.py`)."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Sequence
from typing import Any

# companion.llm (this package's __init__, always imported first) has set
# LITELLM_LOCAL_MODEL_COST_MAP, so litellm does not fetch its cost map at import.
import litellm
import tenacity

from companion.llm import base
from companion.llm.base import (
    ChatResult,
    Message,
    ModelError,
    ModelRateLimited,
    ModelTimeout,
    ModelUnavailable,
)
from companion.llm.offline.draft import OFFLINE_ALIASES
from companion.llm.offline.provider import OFFLINE_MODEL, OFFLINE_NAME, register_offline_provider
from companion.metrics import MODEL_CALLS, provider_kind

litellm.suppress_debug_info = True
log = logging.getLogger(__name__)

_UNAVAILABLE = (litellm.APIConnectionError, litellm.ServiceUnavailableError,
                litellm.InternalServerError, litellm.BadGatewayError)


class LiteLLMChatModel:
    """A `ChatModel` that calls `litellm.completion`.

    Rate limits (429) and time-outs are retried `max_retries` times with exponential backoff
    and jitter (a Retry-After header wins when the provider sends one); after that, or on any
    other error, each fallback model is tried in turn with the same api_base and api_key.
    `sleep` is injectable so tests do not wait.
    """

    def __init__(self, model: str, api_base: str | None = None, api_key: str | None = None,
                 fallbacks: Sequence[str] = (), timeout: float = 60, max_retries: int = 3, *,
                 name: str | None = None, backoff_base: float = 1.0, backoff_max: float = 30.0,
                 sleep: Callable[[float], None] = time.sleep,
                 rng: random.Random | None = None,
                 extra: dict[str, Any] | None = None) -> None:
        self.model = model
        self.name = name or model
        self.api_base = api_base
        self.api_key = api_key
        self.fallbacks = list(fallbacks)
        self.timeout = timeout
        self.max_retries = max(0, max_retries)
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.extra = dict(extra or {})
        self._sleep = sleep
        self._rng = rng or random.Random()
        #: Models whose provider refused `response_format`; they are asked without it.
        self._no_json_mode: set[str] = set()

    def __repr__(self) -> str:
        return f"LiteLLMChatModel({self.model!r}, fallbacks={self.fallbacks!r})"

    # --- the ChatModel interface ----------------------------------------------------------
    def complete(self, messages: list[Message], *, json_mode: bool = True) -> ChatResult:
        """Answer `messages` with the first model that succeeds; the text is returned as the
        model wrote it (no JSON repair here)."""
        failures: list[ModelError] = []
        for model in [self.model, *self.fallbacks]:
            try:
                return self._with_retries(model, messages, json_mode)
            except ModelError as exc:
                failures.append(exc)
                log.warning("model %s failed: %s", model, exc)
        last = failures[-1]
        if len(failures) == 1:
            raise last
        summary = "; ".join(f"{exc.model}: {exc}" for exc in failures)
        raise type(last)(f"every model failed — {summary}", model=last.model) from last

    # --- internals ---------------------------------------------------------------------------
    def _with_retries(self, model: str, messages: list[Message], json_mode: bool) -> ChatResult:
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type((ModelRateLimited, ModelTimeout)),
            stop=tenacity.stop_after_attempt(self.max_retries + 1),
            wait=self._wait,
            sleep=self._sleep,
            before_sleep=lambda state: log.info(
                "retrying %s after attempt %d: %s", model, state.attempt_number,
                state.outcome.exception() if state.outcome else None),
            reraise=True,
        )
        try:
            return retrying(self._call_once, model, messages, json_mode)
        except ModelRateLimited as exc:
            raise ModelRateLimited(
                f"{model} is still rate-limited after {self.max_retries + 1} attempts ({exc}); "
                "wait and try again, lower the request rate, or configure a fallback model",
                model=model) from exc
        except ModelTimeout as exc:
            raise ModelTimeout(
                f"{model} timed out {self.max_retries + 1} times ({exc}); try again later or "
                "raise the time-out", model=model) from exc

    def _wait(self, state: tenacity.RetryCallState) -> float:
        """Exponential backoff (base, 2×base, 4×base … capped) with jitter in the upper half;
        a provider's Retry-After wins, capped the same way."""
        exc = state.outcome.exception() if state.outcome else None
        retry_after = getattr(exc, "retry_after", None)
        if isinstance(retry_after, int | float):
            return float(min(max(retry_after, 0.0), self.backoff_max))
        ceiling = min(self.backoff_max, self.backoff_base * 2 ** (state.attempt_number - 1))
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    def _call_once(self, model: str, messages: list[Message], json_mode: bool) -> ChatResult:
        if model not in OFFLINE_ALIASES:
            base.check_model_requests_allowed(model)
        else:
            register_offline_provider()
        kwargs: dict[str, Any] = {
            "model": OFFLINE_MODEL if model in OFFLINE_ALIASES else model,
            "messages": messages, "timeout": self.timeout,
            # Companion retries; litellm and the OpenAI client must not retry underneath.
            "num_retries": 0, "max_retries": 0, **self.extra,
        }
        if self.api_base and model not in OFFLINE_ALIASES:
            kwargs["api_base"] = self.api_base
        if self.api_key and model not in OFFLINE_ALIASES:
            kwargs["api_key"] = self.api_key
        wants_json = json_mode and model not in self._no_json_mode
        if wants_json:
            kwargs["response_format"] = {"type": "json_object"}
        offline = model in OFFLINE_ALIASES
        try:
            response = litellm.completion(**kwargs)
        except litellm.BadRequestError as exc:
            MODEL_CALLS.labels(provider_kind(model, offline=offline), "error").inc()
            if not (wants_json and _rejects_json_mode(exc)):
                raise (_map_error(exc, model) or ModelError(str(exc), model=model)) from exc
            log.info("%s refused response_format; asking again without it", model)
            self._no_json_mode.add(model)
            return self._call_once(model, messages, json_mode)
        except Exception as exc:
            MODEL_CALLS.labels(provider_kind(model, offline=offline), "error").inc()
            mapped = _map_error(exc, model)
            if mapped is None:
                raise
            raise mapped from exc
        MODEL_CALLS.labels(provider_kind(model, offline=offline), "ok").inc()
        return _result(response, model)


def _rejects_json_mode(exc: Exception) -> bool:
    text = str(exc).lower()
    return isinstance(exc, litellm.UnsupportedParamsError) or "response_format" in text \
        or "json_object" in text or "json mode" in text


def _retry_after(exc: Exception) -> float | None:
    headers = getattr(exc, "litellm_response_headers", None) or {}
    value = headers.get("retry-after") if hasattr(headers, "get") else None
    try:
        return float(value) if value is not None else None
    except ValueError:  # an HTTP date: fall back to our own backoff
        return None


def _map_error(exc: Exception, model: str) -> ModelError | None:
    """litellm's exception as a `ModelError` subclass (None for non-litellm exceptions)."""
    detail = str(exc).strip() or type(exc).__name__
    mapped: ModelError
    if isinstance(exc, litellm.Timeout):
        mapped = ModelTimeout(f"{model} did not answer in time: {detail}", model=model)
    elif isinstance(exc, litellm.RateLimitError):
        limited = ModelRateLimited(f"{model} is rate-limited: {detail}", model=model)
        limited.retry_after = _retry_after(exc)
        mapped = limited
    elif isinstance(exc, _UNAVAILABLE):
        mapped = ModelUnavailable(
            f"{model} is unavailable: {detail}; check COMPANION_LLM_API_BASE and that the "
            "provider is up, or use the default offline model", model=model)
    elif isinstance(exc, litellm.AuthenticationError | litellm.PermissionDeniedError):
        mapped = ModelError(f"{model} refused the credentials: {detail}; check "
                            "COMPANION_LLM_API_KEY", model=model)
    elif isinstance(exc, litellm.NotFoundError):
        mapped = ModelError(f"{model} was not found: {detail}; check COMPANION_MODEL",
                            model=model)
    elif isinstance(exc, litellm.APIError | litellm.BadRequestError
                    | litellm.exceptions.OpenAIError):
        mapped = ModelError(f"{model} failed: {detail}", model=model)
    else:
        return None
    return mapped


def _result(response: Any, model: str) -> ChatResult:
    choice = response.choices[0] if getattr(response, "choices", None) else None
    text = (choice.message.content if choice is not None else None) or ""
    usage_obj = getattr(response, "usage", None)
    usage = {key: int(value) for key in ("prompt_tokens", "completion_tokens", "total_tokens")
             if isinstance(value := getattr(usage_obj, key, None), int)}
    return ChatResult(text=text, model=str(getattr(response, "model", None) or model),
                      usage=usage)


def offline_litellm_model() -> LiteLLMChatModel:
    """The offline drafter through litellm's custom-provider path, as a `ChatModel` named
    `offline-grounded-drafter-v2` (the same text as `OfflineChatModel`; tests compare them)."""
    register_offline_provider()
    return LiteLLMChatModel(OFFLINE_MODEL, max_retries=0, name=OFFLINE_NAME)
