"""Project-wide middleware: what every response of a signed-in user shares."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


def private_pages(get_response: Callable[[HttpRequest], HttpResponse]):
    """Mark every response to a signed-in user `Cache-Control: private, no-store`.

    Claim pages, exports and the ClaimReview JSON carry what only the team may read (reviewers'
    names, unpublished verdicts): no shared cache or browser history may keep them.
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response

    return middleware
