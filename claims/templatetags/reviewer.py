"""Template helpers of the reviewer's pages: footnotes where they were printed, role granters,
capped counts."""

from django import template

from claims.models import Citation
from claims.selectors import count_label
from claims.services.roles import role_granters

register = template.Library()


@register.filter
def capped(n: int) -> str:
    """A count that stops at the cap, as shown: "1,204", "10,000+"."""
    return count_label(n)


@register.filter
def printed_order(citations) -> dict[str, list[Citation] | bool]:
    """Split a claim's attached footnotes into those printed before its sentence ("before") and
    the rest ("after"); "pending" says whether any awaits an attribution check.

    A leading footnote stays where it was printed, before the sentence, until it is moved (to
    the claim before, whose sentence it then closes): that is the question the attribution
    check asks, so the page must not draw it after the full stop.
    """
    before = [c for c in citations if c.printed_before]
    return {
        "before": before,
        "after": [c for c in citations if not c.printed_before],
        "pending": any(c.pending for c in before),
    }


@register.simple_tag
def granters() -> str:
    """Return who may grant roles, for the read-only banner: "an admin (ann, bob)"."""
    names = role_granters()
    return f"an admin ({', '.join(names)})" if names else "an admin"
