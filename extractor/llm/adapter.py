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

Every HTTP call and its token usage is counted through instructor's hooks; the
tokens of what is actually sent are counted from each request's body (the
budget never trusts the server's count alone). Answers are bounded before any
parser sees them: a body over ``max_answer_bytes`` or nested deeper than
``max_answer_depth`` is refused. A ``Retry-After`` header sets the wait (a longer
one than ``retry_after_max_s`` or the time left ends the retries). All calls of
one document share a wall-clock budget (each call's timeout is cut to what is
left). After ``down_after_failures`` connection failures in a row the endpoint
is marked down for the rest of the batch (``EndpointHealth``): one warning on
stderr, and every later request fails at once without a call.
Nothing here raises for a failed call: the answer is a ``SectionResponse``
whose status says what happened. ``openai`` and ``instructor`` are imported
only when an adapter is built.
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import json
import logging
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tenacity import RetryCallState, Retrying, retry_if_exception, wait_exponential, wait_random

from extractor.errors import ConfigError, ExtractorError, MissingDependencyError
from extractor.llm.schemas import SectionAnswer, lenient_flat
from extractor.llm.settings import RUN_ID_ENV, LLMSettings
from extractor.llm.types import DocumentBudget, SectionRequest, SectionResponse

# Unit tests set this to False (tests/conftest.py): any real model call then fails loudly.
ALLOW_MODEL_REQUESTS = True
TRANSIENT_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})
MAX_ERROR_CHARS = 1500


class ModelRequestsBlocked(ExtractorError):
    """A real model call was attempted while ``ALLOW_MODEL_REQUESTS`` is False."""


class AnswerRefused(ExtractorError):
    """An answer over the size or nesting bound, refused before parsing. Not retried."""


class BudgetSpent(ExtractorError):
    """A request that would take the document over its token budget: not sent."""


class EndpointDown(ExtractorError):
    """The endpoint was marked down after repeated connection failures."""


def estimate_tokens(text: str) -> int:
    """An upper estimate of the tokens of ``text``: one per non-ASCII character, one per 3 ASCII ones."""
    ascii_chars = sum(1 for char in text if char < "\x80")
    return (len(text) - ascii_chars) + (ascii_chars + 2) // 3


def bracket_depth(data: bytes) -> int:
    """The deepest nesting of ``{`` and ``[`` in ``data`` (strings included: an upper bound)."""
    depth = deepest = 0
    for byte in data.translate(None, bytes(b for b in range(256) if b not in b"{}[]")):
        if byte in b"{[":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def retry_after_seconds(error: BaseException | None) -> float | None:
    """Seconds a ``Retry-After`` (or ``retry-after-ms``) header of the error's response asks for."""
    for cause in _causes(error) if error is not None else []:
        response = getattr(cause, "response", None)
        headers = getattr(response, "headers", None)
        if headers is None:
            continue
        milliseconds = headers.get("retry-after-ms")
        if milliseconds:
            with contextlib.suppress(ValueError):
                return max(0.0, float(milliseconds) / 1000)
        value = headers.get("retry-after")
        if not value:
            return None
        with contextlib.suppress(ValueError):
            return max(0.0, float(value))
        with contextlib.suppress(TypeError, ValueError):
            moment = email.utils.parsedate_to_datetime(value)
            return max(0.0, moment.timestamp() - time.time())
        return None
    return None


_HEALTH: dict[str, dict[str, Any]] = {}  # run id and endpoint -> failures in a row, and why it is down


class EndpointHealth:
    """Connection failures in a row, per endpoint; shared by a batch's workers through a marker file.

    Within one process the state lives in ``_STATE``; across the workers of one batch
    (``$EXTRACTOR_RUN_ID``) a marker file in the temporary folder says the endpoint is
    down. Without a run id the state is this object's alone (one document).
    """

    def __init__(self, base_url: str, down_after: int) -> None:
        self.base_url = base_url
        self.down_after = down_after
        run_id = os.environ.get(RUN_ID_ENV)
        endpoint = hashlib.sha256(base_url.encode()).hexdigest()[:12]
        self.key = f"{run_id}-{endpoint}" if run_id else None
        self._own: dict[str, Any] = {"failures": 0, "down": None}

    @property
    def _state(self) -> dict[str, Any]:
        if self.key is None:
            return self._own
        return _HEALTH.setdefault(self.key, {"failures": 0, "down": None})

    def _marker(self) -> Path | None:
        return Path(tempfile.gettempdir()) / f"extractor-llm-down-{self.key}" if self.key else None

    def down(self) -> str | None:
        """Why the endpoint is down, or None."""
        if self._state["down"]:
            return str(self._state["down"])
        marker = self._marker()
        if marker is not None and marker.exists():
            with contextlib.suppress(OSError):
                self._state["down"] = marker.read_text(encoding="utf-8") or "marked down"
            return str(self._state["down"] or "marked down")
        return None

    def success(self) -> None:
        self._state["failures"] = 0

    def failure(self, error: BaseException) -> None:
        state = self._state
        state["failures"] += 1
        if state["failures"] < self.down_after or state["down"]:
            return
        reason = (
            f"the LLM endpoint {self.base_url} is marked down after {state['failures']} connection failures "
            f"in a row ({type(error).__name__}: {str(error)[:200]})"
        )
        state["down"] = reason
        marker = self._marker()
        first = True
        if marker is not None:
            try:
                with marker.open("x", encoding="utf-8") as handle:
                    handle.write(reason)
            except FileExistsError:
                first = False
            except OSError:
                pass
        if first:
            print(
                f"warning: {reason}; no more LLM calls in this run, results keep the rule parser's reading",
                file=sys.stderr,
                flush=True,
            )

    @staticmethod
    def forget(run_id: str) -> None:
        """Remove a finished batch's markers."""
        for marker in Path(tempfile.gettempdir()).glob(f"extractor-llm-down-{run_id}-*"):
            with contextlib.suppress(OSError):
                marker.unlink()


class _StopAfter:
    """tenacity stop: after ``attempts`` attempts, once the document budget is spent, the endpoint is
    down, or the server asks to wait longer than ``max_wait`` or the time left."""

    def __init__(
        self,
        attempts: int,
        budget: DocumentBudget,
        health: EndpointHealth | None = None,
        max_wait: float | None = None,
    ) -> None:
        self.attempts = attempts
        self.budget = budget
        self.health = health
        self.max_wait = max_wait

    def __call__(self, state: RetryCallState) -> bool:
        if state.attempt_number >= self.attempts or self.budget.exhausted():
            return True
        if self.health is not None and self.health.down():
            return True
        if self.max_wait is not None and state.outcome is not None:
            asked = retry_after_seconds(state.outcome.exception())
            if asked is not None and asked > min(self.max_wait, self.budget.time_left()):
                return True
        return False


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
        if http_client is None:
            http_client = openai.DefaultHttpxClient()
        hooks = dict(http_client.event_hooks)
        hooks["request"] = [*hooks.get("request", []), self._on_request]
        hooks["response"] = [*hooks.get("response", []), self._bound_answer]
        http_client.event_hooks = hooks
        self.health = EndpointHealth(settings.base_url or "", settings.down_after_failures)
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
    def _on_request(self, request: Any) -> None:
        """Count the tokens of what is sent; a request over the budget is not sent at all."""
        if self._budget is None:
            return
        body = request.content.decode("utf-8", errors="replace") if request.content else ""
        tokens = estimate_tokens(body)
        budget = self._budget
        if budget.sent_tokens + budget.completion_tokens + tokens > budget.max_tokens:
            raise BudgetSpent(
                f"the next request ({tokens} tokens) would pass the document's budget of {budget.max_tokens} tokens"
            )
        budget.charge_sent(tokens)

    def _bound_answer(self, response: Any) -> None:
        """Refuse an answer over the size or nesting bound before anything parses it."""
        settings = self.settings
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > settings.max_answer_bytes:
            response.close()
            raise AnswerRefused(f"answer of {int(declared):,} bytes, over the bound of {settings.max_answer_bytes:,}")
        body = response.read()
        if len(body) > settings.max_answer_bytes:
            raise AnswerRefused(f"answer of {len(body):,} bytes, over the bound of {settings.max_answer_bytes:,}")
        depth = bracket_depth(body)
        if depth > settings.max_answer_depth:
            raise AnswerRefused(f"answer nested {depth} deep, over the bound of {settings.max_answer_depth}")

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
        if self._refused(error):
            return False
        for cause in _causes(error):
            if isinstance(cause, openai.APITimeoutError | openai.APIConnectionError):
                return True
            if isinstance(cause, openai.APIStatusError):
                return cause.status_code in TRANSIENT_STATUS or cause.status_code >= 500
            if isinstance(cause, self._reask_errors):
                return False
        return False

    @staticmethod
    def _refused(error: BaseException) -> bool:
        return any(isinstance(c, AnswerRefused | BudgetSpent | EndpointDown) for c in _causes(error))

    def _unreachable(self, error: BaseException) -> bool:
        """A connection failure or timeout: no answer from the server at all."""
        if self._refused(error):
            return False
        return any(
            isinstance(c, self._openai.APITimeoutError | self._openai.APIConnectionError) for c in _causes(error)
        )

    def _wait(self, state: RetryCallState) -> float:
        """Exponential backoff with jitter, or the server's Retry-After when longer; never past the budget."""
        settings = self.settings
        backoff = (
            wait_exponential(multiplier=settings.backoff_initial_s, max=settings.backoff_max_s)
            + wait_random(0, settings.backoff_initial_s)
        )(state)
        asked = retry_after_seconds(state.outcome.exception() if state.outcome else None)
        wait = max(backoff, asked) if asked is not None else backoff
        budget = self._budget
        return max(0.0, min(wait, budget.time_left())) if budget is not None else wait

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
        down = self.health.down()
        if down:
            self._budget = None
            return self._response(request, "failed", None, f"not asked: {down}")
        transport = Retrying(
            stop=_StopAfter(
                1 + settings.max_transport_retries, request.budget, self.health, settings.retry_after_max_s
            ),
            wait=self._wait,
            retry=retry_if_exception(self._transient),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            for attempt in transport:
                with attempt:
                    time_left = request.budget.time_left()
                    if time_left <= 0:
                        raise BudgetSpent(
                            f"the document's LLM time budget of {settings.max_seconds_per_document:g} s is spent"
                        )
                    reask = Retrying(
                        stop=_StopAfter(request.max_attempts, request.budget),
                        retry=retry_if_exception(self._reask),
                        reraise=True,
                    )
                    try:
                        answer, _completion = self._client.create_with_completion(
                            messages=[dict(m) for m in request.messages],  # type: ignore[misc]
                            response_model=request.response_model,
                            max_retries=reask,
                            context=request.context,
                            model=settings.model,
                            temperature=settings.temperature,
                            max_tokens=request.max_output_tokens,
                            timeout=min(settings.timeout_s, time_left),
                        )
                    except Exception as error:
                        if self._unreachable(error):
                            self.health.failure(error)
                        elif not self._refused(error):
                            self.health.success()
                        raise
                    self.health.success()
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
        refused = next((c for c in causes if isinstance(c, AnswerRefused | BudgetSpent | EndpointDown)), None)
        if refused is not None:
            return self._response(request, "failed", None, f"{type(refused).__name__}: {refused}")
        down = self.health.down()
        if down and self._unreachable(error):
            return self._response(request, "failed", None, f"{down}; last error {type(error).__name__}: {error}")
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
    except (json.JSONDecodeError, RecursionError):
        return None
