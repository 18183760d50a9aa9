"""Publishing: the public, read-only review pages, their index and the Atom feed.

- selectors.py  what is public and how a review reads as of its published decision
- views.py      /reviews/, /reviews/<id>/, /reviews/feed.atom (no sign-in)
- feeds.py      the Atom feed
- urls.py       the routes, namespace "public"

The writes (claim_publish, claim_unpublish, document_publish) are in claims/services/publishing.py.
"""
