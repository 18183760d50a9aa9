"""The lost-update refusal every versioned edit shares: who changed the object, and when."""

from django.db.models import Model

from workbench.models import AuditEvent
from workbench.selectors import audit_events_of


class StaleEdit(Exception):
    """`obj` changed after its editor opened it (they saw `seen_version`); nothing was written.

    The message names the latest change from the audit trail: who, what and when. Subclasses
    say what the change was (`describe_change`), what was opened and what to do next.
    """

    #: What the user had open ("it", "this page"), and what to do now (ends the message).
    opened = "it"
    advice = ""

    def __init__(self, obj: Model, seen_version: int) -> None:
        self.seen_version = seen_version
        self.current_version = obj.version
        self.event = audit_events_of(obj).first()
        super().__init__(self.describe())

    def describe_change(self, event: AuditEvent) -> str:
        """Return what `event` did, as words after the actor's name."""
        raise NotImplementedError

    #: Said when the audit trail has no event about the object.
    unknown_change = "changed it"

    def describe(self) -> str:
        who, what, when = "someone", self.unknown_change, ""
        if self.event is not None:
            who = self.event.actor.get_username() if self.event.actor else "the system"
            what = self.describe_change(self.event)
            when = f" at {self.event.at:%Y-%m-%d %H:%M} UTC"
        return (
            f"{who} {what}{when}, after you opened {self.opened} (you saw version "
            f"{self.seen_version}; it is now at version {self.current_version}). {self.advice}"
        )
