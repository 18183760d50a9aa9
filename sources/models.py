"""Seed documents and the sources behind their footnotes."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Length
from django.utils import timezone

from workbench.models import TimeStampedModel
from workbench.validators import validate_http_url


class Reliability(models.TextChoices):
    """The scale of Wikipedia's perennial-sources list."""

    UNRATED = "unrated", "Unrated"
    GENERALLY_RELIABLE = "generally_reliable", "Generally reliable"
    NO_CONSENSUS = "no_consensus", "No consensus"
    GENERALLY_UNRELIABLE = "generally_unreliable", "Generally unreliable"
    DEPRECATED = "deprecated", "Deprecated"

    @classmethod
    def parse(cls, text: str) -> "Reliability":
        """Return the rating named by its value or label, in any case ("No consensus")."""
        wanted = " ".join(text.replace("_", " ").replace("-", " ").split()).lower()
        for choice in cls:
            if wanted in (choice.value.replace("_", " "), choice.label.lower()):
                return choice
        names = ", ".join(c.value for c in cls)
        raise ValueError(f"unknown reliability {text!r} (expected one of: {names})")


#: Ratings that never corroborate a claim on their own.
UNRELIABLE = frozenset({Reliability.GENERALLY_UNRELIABLE, Reliability.DEPRECATED})


class Document(TimeStampedModel):
    """One imported seed file: its sentences become claims, its footnotes sources."""

    name = models.CharField(max_length=255, unique=True, help_text="The seed's file name.")
    title = models.CharField(max_length=500, blank=True)
    origin_url = models.URLField(
        "origin URL", max_length=2000, blank=True, validators=[validate_http_url]
    )
    sha256 = models.CharField("SHA-256", max_length=64, help_text="Of the file last imported.")
    imported_at = models.DateTimeField(default=timezone.now)
    line_count = models.PositiveIntegerField(default=0, help_text="Physical lines in the file.")
    format = models.CharField(
        max_length=16, default="seed", help_text="The import format: seed, wikitext or html."
    )
    author = models.CharField(
        max_length=300,
        blank=True,
        help_text='Who wrote the article ("Wikipedia contributors" for a Wikipedia article).',
    )
    revised_on = models.DateField(
        null=True, blank=True, help_text="When the article was last revised, where it says."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Source(TimeStampedModel):
    """The work behind one footnote label of one document ([110] cited twice is one source)."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="sources")
    label = models.CharField(max_length=20, help_text="The footnote number as printed, e.g. 19.")
    title = models.CharField(max_length=500, blank=True)
    url = models.URLField("URL", max_length=2000, blank=True, validators=[validate_http_url])
    publisher = models.CharField(max_length=300, blank=True)
    author = models.CharField(max_length=300, blank=True)
    published_on = models.DateField(null=True, blank=True)
    accessed_on = models.DateField(null=True, blank=True)
    archive_url = models.URLField(
        "archive URL", max_length=2000, blank=True, validators=[validate_http_url]
    )
    archive_date = models.DateField(null=True, blank=True)
    doi = models.CharField("DOI", max_length=200, blank=True)
    isbn = models.CharField("ISBN", max_length=20, blank=True)
    pages = models.CharField(max_length=100, blank=True, help_text="The pages the work spans.")
    reference = models.TextField(
        blank=True, help_text="The reference as the article prints it, markup removed."
    )
    version = models.PositiveIntegerField(
        default=1, help_text="Bumped by every change, so a stale edit form is refused."
    )
    # Caches kept by the snapshot service (sources/snapshots.py), not editorial fields: they
    # change without a version bump, so an open edit form is not made stale by a fetch.
    snapshot = models.ForeignKey(
        "SourceSnapshot",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The latest snapshot with text: what the passages and quote checks read.",
    )
    link_status = models.CharField(
        max_length=8,
        blank=True,
        db_default="",
        help_text='How the last fetch ended: "ok", "dead" (404, 410, no such host) or "error".',
    )
    link_checked_at = models.DateTimeField(null=True, blank=True)
    fetch_task_id = models.CharField(
        max_length=64, blank=True, db_default="", help_text="The background fetch last asked for."
    )
    reliability = models.CharField(
        max_length=24,
        choices=Reliability.choices,
        default=Reliability.UNRATED,
        help_text="Generally unreliable and deprecated sources never corroborate on their own.",
    )

    #: The fields `source_update` may change (and the admin and the import may set).
    EDITABLE_FIELDS = (
        "title",
        "url",
        "publisher",
        "author",
        "published_on",
        "accessed_on",
        "archive_url",
        "archive_date",
        "doi",
        "isbn",
        "pages",
        "reliability",
    )

    class Meta:
        # Numeric order of digit labels: "9" before "10".
        ordering = ["document", Length("label"), "label"]
        constraints = [
            models.UniqueConstraint(fields=["document", "label"], name="source_unique_label"),
        ]
        indexes = [
            # The claims filter "cites source label 19" across documents.
            models.Index(fields=["label"], name="source_label"),
            # The sources register filtered by reliability.
            models.Index(fields=["reliability"], name="source_reliability"),
            # The register's order (sources.selectors.source_list): a deep page is a range scan.
            models.Index("document", Length("label"), "label", "id", name="source_register"),
        ]

    def __str__(self) -> str:
        return f"[{self.label}] {self.title}" if self.title else f"[{self.label}] ({self.document})"


class SnapshotOrigin(models.TextChoices):
    UPLOAD = "upload", "Uploaded file"
    URL = "url", "Fetched from its URL"
    ARCHIVE = "archive", "Fetched from its archive URL"


class SourceSnapshot(models.Model):
    """A source's content at one moment, as the workbench read it. Append-only.

    A fetch that failed is a snapshot too (no text, its status and message): "the link was dead
    on 3 May" is what a reviewer needs to know. `sha256` is of the original bytes, which are not
    kept; `text` is what extraction made of them.
    """

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="snapshots")
    origin = models.CharField(max_length=8, choices=SnapshotOrigin.choices)
    url = models.CharField(
        max_length=2000, blank=True, help_text="The URL fetched, or the uploaded file's name."
    )
    outcome = models.CharField(
        max_length=8, help_text='"ok", or for a fetch "dead" or "error" (then no text).'
    )
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0, help_text="Bytes of the original.")
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    text = models.TextField(blank=True, help_text="The main text extracted from it.")
    #: PDF pages as [[start offset in text, page number, printed label], …]; [] otherwise.
    pages = models.JSONField(default=list, blank=True)
    #: What the file says about itself (title, author, date, site) and extraction notes.
    metadata = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True, help_text="How the fetch or upload went, in words.")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who uploaded it or asked for the fetch.",
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        indexes = [
            # A source's snapshots, newest first (its page, the claim page's link status).
            models.Index(fields=["source", "-id"], name="snapshot_source"),
        ]

    def __str__(self) -> str:
        return f"Snapshot {self.pk} of {self.source_id} ({self.outcome}, {self.at:%Y-%m-%d})"

    @property
    def page_offsets(self) -> list[tuple[int, int]]:
        """Return the pages as (start offset, page number) pairs, what the evidence code takes."""
        return [(start, number) for start, number, *_ in self.pages]

    def page_label(self, number: int | None) -> str:
        """Return the printed label of PDF page `number` (its number when it has none)."""
        for _, page, *label in self.pages:
            if page == number:
                return (label[0] if label else "") or str(page)
        return "" if number is None else str(number)
