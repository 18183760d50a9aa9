"""A small per-address throttle for the pages django-axes does not cover (password reset)."""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse


def throttled(view: Callable, *, key: str) -> Callable:
    """Wrap `view` so one address may POST to it THROTTLE_POSTS times per THROTTLE_SECONDS.

    Counts live in Django's cache (per process with the default local-memory cache; point
    CACHES at a shared cache when running several workers). GETs are never counted.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "POST":
            address = request.META.get("REMOTE_ADDR", "")
            slot = f"throttle:{key}:{address}"
            count = cache.get_or_set(slot, 0, settings.THROTTLE_SECONDS)
            if count >= settings.THROTTLE_POSTS:
                return HttpResponse(
                    "Too many requests from this address: wait a few minutes and try again.\n",
                    status=429,
                    content_type="text/plain; charset=utf-8",
                    headers={"Retry-After": str(settings.THROTTLE_SECONDS)},
                )
            try:
                cache.incr(slot)
            except ValueError:  # the slot expired between get and incr
                cache.set(slot, 1, settings.THROTTLE_SECONDS)
        return view(request, *args, **kwargs)

    return wrapper
