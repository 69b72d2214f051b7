"""Any OpenAI-compatible endpoint (Infomaniak's EurIA by default) through the openai library.

openai's own retries are off (`max_retries=0`); `core.resilience` retries instead.
openai is imported where the client is built: it weighs ~35 MB and a second of start-up,
which no process that never calls the AI endpoint (the web server, most workers) should pay.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings

from core.clients.base import client_cached, user_agent
from core.resilience import BadResponse, cached_value_forget, resilient_call
from core.resilience.services import service_timeout

if TYPE_CHECKING:
    import openai

SERVICE = "ai"


def ai_client() -> openai.OpenAI:
    return client_cached(service=SERVICE, settings_used=("AI_API_KEY", "AI_BASE_URL"), build=_build)


def _build() -> openai.OpenAI:
    import openai

    timeout = service_timeout(service=SERVICE)
    return openai.OpenAI(api_key=settings.AI_API_KEY, base_url=settings.AI_BASE_URL, max_retries=0,
                         timeout=openai.Timeout(timeout, connect=min(5.0, timeout)),
                         default_headers={"User-Agent": user_agent()})


def ai_models(*, retries: int | None = None) -> list[str]:
    client = ai_client()
    return resilient_call(SERVICE, lambda: [model.id for model in client.models.list()], what="models",
                          retries=retries)


def ai_complete(*, messages: list[dict], cache_key: str | None = None, max_tokens: int = 800,
                temperature: float = 0.3, force_refresh: bool = False) -> dict:
    """One chat completion with `AI_MODEL`: `{"content", "finish_reason", "model"}`.

    `finish_reason == "length"` means the answer was cut off; the caller decides what to keep.
    """
    client = ai_client()
    model = settings.AI_MODEL

    def fetch() -> dict:
        completion = client.chat.completions.create(model=model, messages=messages, max_tokens=max_tokens,
                                                    temperature=temperature)
        if not getattr(completion, "choices", None):  # openai hands back a str for a non-JSON (HTML) body
            raise BadResponse(SERVICE, "the AI endpoint answered without choices")
        choice = completion.choices[0]
        return {"content": choice.message.content or "", "finish_reason": choice.finish_reason,
                "model": completion.model or model}

    return resilient_call(SERVICE, fetch, what=f"completion with {model}",
                          cache_key=None if cache_key is None else f"{model}:{cache_key}", ttl_kind="ai",
                          force_refresh=force_refresh)


def ai_complete_forget(*, cache_key: str) -> None:
    """Drop a cached `ai_complete` answer (one the caller rejected), so the next run asks again."""
    cached_value_forget(service=SERVICE, cache_key=f"{settings.AI_MODEL}:{cache_key}")
