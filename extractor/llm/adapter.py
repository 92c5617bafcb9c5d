"""The one adapter: instructor over the ``openai`` client, for any OpenAI-compatible endpoint.

Two retry loops, each doing one job:

- instructor re-asks on a validation error (bad JSON, a value not printed near
  its label, a tally broken by unprinted values), feeding the error back; at
  most ``request.max_attempts`` calls. (instructor's integer ``max_retries``
  counts retries *after* the first call; we hand it a tenacity ``Retrying``
  that counts calls, and also stops when the document's budget is spent.)
- tenacity retries transport failures (429, 5xx, timeouts, connection errors)
  with exponential backoff and jitter; the openai client's own retries are off
  so there is one retry policy.

Every HTTP call and its token usage is counted through instructor's hooks.
Nothing here raises for a failed call: the answer is a ``SectionResponse``
whose status says what happened. ``openai`` and ``instructor`` are imported
only when an adapter is built.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from typing import Any

from tenacity import RetryCallState, Retrying, retry_if_exception, wait_exponential, wait_random

from extractor.errors import ConfigError, ExtractorError, MissingDependencyError
from extractor.llm.schemas import SectionAnswer, lenient_flat
from extractor.llm.settings import LLMSettings
from extractor.llm.types import DocumentBudget, SectionRequest, SectionResponse

# Unit tests set this to False (tests/conftest.py): any real model call then fails loudly.
ALLOW_MODEL_REQUESTS = True
TRANSIENT_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})
MAX_ERROR_CHARS = 1500


class ModelRequestsBlocked(ExtractorError):
    """A real model call was attempted while ``ALLOW_MODEL_REQUESTS`` is False."""


class _StopAfter:
    """tenacity stop: after ``attempts`` attempts, or once the document budget is spent."""

    def __init__(self, attempts: int, budget: DocumentBudget) -> None:
        self.attempts = attempts
        self.budget = budget

    def __call__(self, state: RetryCallState) -> bool:
        return state.attempt_number >= self.attempts or self.budget.exhausted()


def _causes(error: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


class InstructorLanguageModel:
    """``LanguageModel`` over instructor + openai. Not thread-safe: one request at a time."""

    def __init__(
        self,
        settings: LLMSettings,
        http_client: Any = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not settings.configured():
            raise ConfigError(
                "no LLM endpoint: set EXTRACTOR_LLM_BASE_URL and EXTRACTOR_LLM_MODEL (or base_url/model in the "
                "config file named by EXTRACTOR_LLM_CONFIG)"
            )
        try:
            import instructor
            import openai
            from instructor.core.exceptions import IncompleteOutputException, ResponseParsingError
            from pydantic import ValidationError
        except ImportError as err:  # pragma: no cover - both are dependencies
            raise MissingDependencyError("the LLM engine", "instructor openai") from err
        self.settings = settings
        self._openai = openai
        self._incomplete = IncompleteOutputException
        self._reask_errors: tuple[type[BaseException], ...] = (
            ValidationError,
            json.JSONDecodeError,
            ResponseParsingError,
        )
        client = openai.OpenAI(
            base_url=settings.base_url,
            api_key=settings.api_key_value(),
            timeout=settings.timeout_s,
            max_retries=0,
            http_client=http_client,
        )
        # instructor logs every failed attempt at ERROR; here failures are values, reported in usage
        logging.getLogger("instructor").addHandler(logging.NullHandler())
        logging.getLogger("instructor").propagate = False
        self._client = instructor.from_openai(client, mode=instructor.Mode[settings.mode.upper()])
        self._client.on("completion:kwargs", self._on_call)
        self._client.on("completion:response", self._on_response)
        self._sleep = sleep
        self._budget: DocumentBudget | None = None
        self._calls = 0
        self._prompt_tokens = 0
        self._completion_tokens = 0

    @property
    def name(self) -> str:
        return self.settings.model or ""

    # -- hooks -------------------------------------------------------------
    def _on_call(self, *args: Any, **kwargs: Any) -> None:
        self._calls += 1
        if self._budget is not None:
            self._budget.charge_call()

    def _on_response(self, response: Any) -> None:
        usage = getattr(response, "usage", None)
        prompt = int(getattr(usage, "prompt_tokens", 0) or 0)
        completion = int(getattr(usage, "completion_tokens", 0) or 0)
        self._prompt_tokens += prompt
        self._completion_tokens += completion
        if self._budget is not None:
            self._budget.charge_tokens(prompt, completion)

    # -- errors ------------------------------------------------------------
    def _transient(self, error: BaseException) -> bool:
        openai = self._openai
        for cause in _causes(error):
            if isinstance(cause, openai.APITimeoutError | openai.APIConnectionError):
                return True
            if isinstance(cause, openai.APIStatusError):
                return cause.status_code in TRANSIENT_STATUS or cause.status_code >= 500
            if isinstance(cause, self._reask_errors):
                return False
        return False

    def _reask(self, error: BaseException) -> bool:
        return isinstance(error, self._reask_errors)

    # -- the one method --------------------------------------------------------
    def complete(self, request: SectionRequest) -> SectionResponse:
        if not ALLOW_MODEL_REQUESTS:
            raise ModelRequestsBlocked(
                "a real LLM call in a unit test: use the FakeLanguageModel fixture, or the allow_model_requests "
                "fixture for recorded/mocked HTTP"
            )
        self._budget = request.budget
        self._calls = self._prompt_tokens = self._completion_tokens = 0
        settings = self.settings
        transport = Retrying(
            stop=_StopAfter(1 + settings.max_transport_retries, request.budget),
            # exponential backoff plus jitter (a wait_exponential_jitter that works on tenacity 8 and 9)
            wait=wait_exponential(multiplier=settings.backoff_initial_s, max=settings.backoff_max_s)
            + wait_random(0, settings.backoff_initial_s),
            retry=retry_if_exception(self._transient),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            for attempt in transport:
                with attempt:
                    reask = Retrying(
                        stop=_StopAfter(request.max_attempts, request.budget),
                        retry=retry_if_exception(self._reask),
                        reraise=True,
                    )
                    answer, _completion = self._client.create_with_completion(
                        messages=[dict(m) for m in request.messages],  # type: ignore[misc]
                        response_model=request.response_model,
                        max_retries=reask,
                        context=request.context,
                        model=settings.model,
                        temperature=settings.temperature,
                        max_tokens=request.max_output_tokens,
                    )
        except Exception as error:
            return self._failure(request, error)
        finally:
            self._budget = None
        flat = answer.flat() if isinstance(answer, SectionAnswer) else lenient_flat(request.response_model, answer)
        return self._response(request, "ok", flat)

    def _response(
        self, request: SectionRequest, status: str, data: dict[str, Any] | None, error: str | None = None
    ) -> SectionResponse:
        return SectionResponse(
            section=request.section,
            status=status,  # type: ignore[arg-type]
            data=data,
            error=error[:MAX_ERROR_CHARS] if error else None,
            attempts=self._calls,
            prompt_tokens=self._prompt_tokens,
            completion_tokens=self._completion_tokens,
        )

    def _failure(self, request: SectionRequest, error: BaseException) -> SectionResponse:
        causes = _causes(error)
        if any(isinstance(c, self._incomplete) for c in causes):
            return self._response(
                request,
                "invalid",
                None,
                f"output truncated at max_output_tokens={request.max_output_tokens} (finish_reason=length)",
            )
        if self._transient(error) or any(isinstance(c, self._openai.APIError) for c in causes):
            api_error = next(c for c in causes if isinstance(c, self._openai.APIError))
            return self._response(request, "failed", None, f"{type(api_error).__name__}: {api_error}")
        reask_error = next((c for c in causes if isinstance(c, self._reask_errors)), None)
        if reask_error is not None:
            last = getattr(error, "last_completion", None)
            data = lenient_flat(request.response_model, _content_json(last))
            return self._response(request, "invalid", data, f"{type(reask_error).__name__}: {reask_error}")
        return self._response(request, "failed", None, f"{type(error).__name__}: {error}")


def _content_json(completion: Any) -> Any:
    """The JSON object in a chat completion's text or first tool call, or None."""
    try:
        message = completion.choices[0].message
        calls = message.tool_calls or []
        text = calls[0].function.arguments if calls else message.content or ""
    except (AttributeError, IndexError, TypeError):
        return None
    fenced = re.search(r"```(?:json)?\s*(.*?)```", text, re.DOTALL)
    if fenced:
        text = fenced.group(1)
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None
