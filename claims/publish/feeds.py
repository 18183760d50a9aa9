"""The Atom feed of published reviews, /reviews/feed.atom (Django's syndication framework)."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape, linebreaks

from claims.publish.selectors import FEED_SIZE, Review, public_reviews_page, public_url


class ReviewFeed(Feed):
    """The latest published reviews, newest first: one entry per claim, updated when an editor
    publishes a newer decision."""

    feed_type = Atom1Feed

    def title(self) -> str:
        return f"{settings.WORKBENCH_ORGANISATION}: published fact checks"

    def subtitle(self) -> str:
        return "Claims checked against the sources they cite, newest first."

    def link(self) -> str:
        return f"{settings.WORKBENCH_BASE_URL}{reverse('public:index')}"

    def feed_url(self) -> str:
        return f"{settings.WORKBENCH_BASE_URL}{reverse('public:feed')}"

    def author_name(self) -> str:
        return settings.WORKBENCH_ORGANISATION

    def items(self) -> list[Review]:
        return public_reviews_page(size=FEED_SIZE).reviews

    def item_title(self, review: Review) -> str:
        # Atom titles are plain text: the feed generator escapes them for XML.
        return f"{review.verdict_label}: {review.claim.text}"

    def item_description(self, review: Review) -> str:
        # Atom summaries are HTML here: escape the text so a reader shows it, never runs it.
        parts = [f"<p>{escape(review.claim.text)}</p>"]
        parts.append(f"<p>Verdict: {escape(review.verdict_label)}.</p>")
        if review.decision.rationale:
            parts.append(linebreaks(review.decision.rationale, autoescape=True))
        return "".join(parts)

    def item_link(self, review: Review) -> str:
        return public_url(review.claim.id)

    def item_guid(self, review: Review) -> str:
        return public_url(review.claim.id)

    def item_pubdate(self, review: Review):
        return review.claim.published_at

    def item_updateddate(self, review: Review):
        return review.claim.published_at
