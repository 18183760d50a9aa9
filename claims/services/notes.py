"""Discussion services: post a note on a claim, naming reviewers with @username.

Notes are append-only (database triggers refuse UPDATE and DELETE) and each is audited
(`claim.note`, its text in the event), so the discussion is part of the claim's history and
of the hash chain. A reviewer named in a note sees it on their dashboard.
"""

import re

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from claims.models import Claim, ClaimNote, NoteMention
from workbench.actions import AuditAction
from workbench.audit import audit_log
from workbench.permissions import require_perm

#: The longest note: a paragraph or two of discussion.
NOTE_MAX = 5000
#: "@bob", "@anna.k": a name after an @ that does not follow a word character (an e-mail).
MENTION = re.compile(r"(?<![\w@])@([\w.+-]+)")


def mentioned_users(text: str) -> list:
    """Return the active users named as @username in `text`, in order, each once."""
    names = []
    for match in MENTION.finditer(text):
        name = match.group(1).rstrip(".-")  # "@bob." ends a sentence
        if name and name not in names:
            names.append(name)
    if not names:
        return []
    users = {
        user.get_username(): user
        for user in get_user_model().objects.filter(username__in=names, is_active=True)
    }
    return [users[name] for name in names if name in users]


def claim_note_add(*, claim: Claim, author, text: str) -> ClaimNote:
    """Post a note on `claim` by `author`; record who it mentions. Audited, never editable."""
    require_perm(author, "claims.add_decision", "post notes")
    text = text.strip()
    if not text:
        raise ValidationError({"text": "Write something first."})
    if len(text) > NOTE_MAX:
        raise ValidationError({"text": f"A note holds at most {NOTE_MAX:,} characters."})
    mentions = [user for user in mentioned_users(text) if user.pk != author.pk]
    with transaction.atomic():
        note = ClaimNote.objects.create(claim=claim, author=author, text=text)
        NoteMention.objects.bulk_create([NoteMention(note=note, user=user) for user in mentions])
        audit_log(
            actor=author,
            action=AuditAction.CLAIM_NOTE,
            obj=claim,
            after={
                "note": note.pk,
                "text": text,
                "mentions": [user.get_username() for user in mentions],
            },
        )
    return note
