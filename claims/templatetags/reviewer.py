"""Template helpers of the reviewer's pages: a claim's text with its footnotes, verdict badges,
role granters, capped counts.

The claim text and the badge are drawn here in Python rather than by an {% include %} per row:
a list of 50 or 100 rows spent most of its time in includes (docs/performance.md).
"""

from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from claims.models import Citation
from claims.selectors import count_label
from claims.services.roles import role_granters

register = template.Library()


@register.filter
def capped(n: int, cap: int | None = None) -> str:
    """A count that stops at the cap, as shown: "1,204", "10,000+" ("{{ n|capped:1000 }}")."""
    return count_label(n, cap)


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


#: The icon before each verdict's label (colour is never the only cue).
BADGE_ICONS = {"corroborated": "✓", "disputed": "≈", "refuted": "✗"}


@register.simple_tag
def verdict_badge(verdict: str, label: str) -> SafeString:
    """A verdict as a badge: its icon and its label."""
    return format_html(
        '<span class="badge badge-{}"><span class="badge-icon" aria-hidden="true">{}</span> '
        "{}</span>",
        verdict,
        BADGE_ICONS.get(verdict, "○"),
        label,
    )


def _footnotes(citations) -> str:
    return "".join(f'<sup class="fn">[{escape(c.source.label)}]</sup>' for c in citations)


@register.simple_tag
def claim_text(claim, citations=None) -> SafeString:
    """A claim's sentence with its footnotes where they were printed, then its cleanup tags.

    `citations`: the claim's attached citations (with their sources), in order; by default
    claim.attached_citations, as the list and the claim page select them.
    """
    parts = printed_order(claim.attached_citations if citations is None else citations)
    html = []
    if parts["before"]:
        pending = parts["pending"]
        html.append(
            f'<span class="fn-lead{" fn-pending" if pending else ""}">'
            '<span class="visually-hidden">Printed before the sentence'
            f"{', awaiting an attribution check' if pending else ''}:</span>"
            f"{_footnotes(parts['before'])}</span> "
        )
    html.append(escape(claim.text))
    html.append(_footnotes(parts["after"]))
    html.extend(f' <span class="tag">[{escape(tag)}]</span>' for tag in claim.tag_list)
    return mark_safe("".join(html))  # noqa: S308 (every value above is escaped)


@register.simple_tag
def verdict_chart(doc: dict) -> SafeString:
    """One document's claims by verdict (dashboard): a bar, as an SVG (the Content-Security-
    Policy allows no style attribute), and a legend linking to each verdict's claims.

    `doc` is one of claims.selectors.dashboard_verdicts_by_document()'s rows. Drawn here, not
    in the template: at a hundred documents the template's loops took 130 ms a dashboard.
    """
    list_url = f"{reverse('claims:list')}?document={quote(doc['name'], safe='')}"
    bars = doc["bars"]
    described = ", ".join(f"{b['label']} {b['n']}" for b in bars)
    rects = "".join(
        format_html(
            '<rect class="seg-{}" x="{}" y="0" width="{}" height="10"/>',
            b["verdict"],
            b["offset"],
            b["percent"],
        )
        for b in bars
        if b["n"]
    )
    legend = "".join(
        format_html(
            '<li><a href="{}&amp;verdict={}">{} {}</a></li>',
            list_url,
            b["verdict"],
            verdict_badge(b["verdict"], b["label"]),
            b["n"],
        )
        for b in bars
    )
    return format_html(
        '<figure class="chart">\n<figcaption><a href="{}">{}</a> · {} claims</figcaption>\n'
        '<svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" '
        'aria-label="{}">{}</svg>\n<ul class="legend">{}</ul>\n</figure>',
        list_url,
        doc["name"],
        doc["total"],
        described,
        mark_safe(rects),  # noqa: S308 (format_html escaped every value)
        mark_safe(legend),  # noqa: S308 (format_html escaped every value)
    )
