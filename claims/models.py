"""Claims (one sentence of a seed), their citations, and the reviewers' decisions."""

from django.conf import settings
from django.db import connections, models
from django.db.models import Exists, F, Func, OuterRef, Q, TextField, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from sources.models import Document, Source, SourceSnapshot
from workbench.models import TimeStampedModel


class Verdict(models.TextChoices):
    UNREVIEWED = "unreviewed", "Unreviewed"
    CORROBORATED = "corroborated", "Corroborated"
    DISPUTED = "disputed", "Disputed"
    REFUTED = "refuted", "Refuted"


class Stance(models.TextChoices):
    """What one source says of the claim that cites it."""

    SUPPORTS = "supports", "Supports"
    DISPUTES = "disputes", "Disputes"
    REFUTES = "refutes", "Refutes"
    NOT_IN_SOURCE = "not_in_source", "Not in source"
    UNAVAILABLE = "unavailable", "Source unavailable"


class Position(models.TextChoices):
    LEADING = "leading", "Leading (start of the line)"
    INLINE = "inline", "Inline"
    TRAILING = "trailing", "Trailing"


class Attribution(models.TextChoices):
    AS_PRINTED = "as_printed", "As printed"
    CONFIRMED = "confirmed", "Confirmed"
    MOVED = "moved", "Moved"
    DETACHED = "detached", "Detached"


def tag_q(tag: str) -> Q:
    """Return a filter for claims carrying the cleanup tag `tag` (tags are `;`-joined)."""
    return (
        Q(tags=tag)
        | Q(tags__startswith=f"{tag};")
        | Q(tags__endswith=f";{tag}")
        | Q(tags__contains=f";{tag};")
    )


def _pending_citation() -> Exists:
    return Exists(Citation.objects.pending().filter(claim=OuterRef("pk")))


def _any_citation() -> Exists:
    return Exists(Citation.objects.filter(claim=OuterRef("pk")))


class ClaimQuerySet(models.QuerySet):
    def live(self) -> "ClaimQuerySet":
        """Claims still in their document (not withdrawn by a re-import)."""
        return self.filter(withdrawn_at__isnull=True)

    def reviewed(self) -> "ClaimQuerySet":
        return self.exclude(verdict=Verdict.UNREVIEWED)

    def attribution_pending(self, pending: bool = True) -> "ClaimQuerySet":
        """Claims with a leading citation nobody has confirmed, moved or detached yet."""
        return self.filter(_pending_citation() if pending else ~_pending_citation())

    def needs_review(self) -> "ClaimQuerySet":
        """What the review queue serves: unreviewed, awaiting an attribution check, or decided on
        footnotes that have changed since."""
        return (
            self.live()
            .filter(locked=False)
            .filter(Q(verdict=Verdict.UNREVIEWED) | Q(needs_rereview=True) | _pending_citation())
        )

    def needs_decision(self) -> "ClaimQuerySet":
        """What the review queue serves: open claims never decided, or decided on footnotes
        that have changed since. A decided claim awaiting only an attribution check is not here:
        it is attribution work (`attribution_work`)."""
        return (
            self.live()
            .filter(locked=False)
            .filter(Q(verdict=Verdict.UNREVIEWED) | Q(needs_rereview=True))
        )

    def attribution_work(self) -> "ClaimQuerySet":
        """What the attribution queue serves: open claims with a leading footnote to settle."""
        return self.live().filter(locked=False).filter(_pending_citation())

    def unsourced(self, unsourced: bool = True) -> "ClaimQuerySet":
        return self.filter(~_any_citation() if unsourced else _any_citation())

    def text_contains(self, words: str) -> "ClaimQuerySet":
        """Claims whose text contains `words`, in any case of any alphabet.

        PostgreSQL folds case with UPPER … LIKE, which the trigram index claim_text_trgm
        (migration 0014) answers without reading every row; SQLite folds ASCII only, so it
        compares Python's casefold of both sides (a registered function, workbench/db.py).
        """
        if connections[self.db].vendor == "sqlite":
            folded = Func(F("text"), function="workbench_casefold", output_field=TextField())
            return self.alias(folded_text=folded).filter(folded_text__contains=words.casefold())
        return self.filter(text__icontains=words)

    def with_tag(self, tag: str) -> "ClaimQuerySet":
        return self.filter(tag_q(tag))

    def citing_label(self, label: str) -> "ClaimQuerySet":
        return self.filter(
            Exists(Citation.objects.filter(claim=OuterRef("pk"), source__label=label))
        )

    def citing_reliability(self, reliability: str) -> "ClaimQuerySet":
        return self.filter(
            Exists(Citation.objects.filter(claim=OuterRef("pk"), source__reliability=reliability))
        )


class Claim(TimeStampedModel):
    """One sentence of a seed document, as a reviewer decides on it."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="claims")
    line = models.PositiveIntegerField(help_text="Physical line in the seed, 1-based.")
    text = models.TextField(help_text="The sentence without its markers, tags and notes.")
    raw = models.TextField(help_text="The seed's line, verbatim.")
    fingerprint = models.CharField(
        max_length=64,
        help_text="SHA-256 of the line and the markers-only lines after it: a re-import keeps "
        "the claim while this is unchanged.",
    )
    tags = models.TextField(
        blank=True, help_text='Cleanup tags, ";"-joined, e.g. "citation needed".'
    )
    notes = models.CharField(max_length=200, blank=True, help_text='Lettered notes, "a;b".')
    verdict = models.CharField(
        max_length=16,
        choices=Verdict.choices,
        default=Verdict.UNREVIEWED,
        help_text="The verdict of the latest decision (kept in step by claim_decide).",
    )
    version = models.PositiveIntegerField(
        default=1, help_text="Bumped by every change, so a stale review form is refused."
    )
    last_decision = models.ForeignKey(
        "Decision", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    locked = models.BooleanField(default=False, help_text="Locked claims refuse decisions.")
    withdrawn_at = models.DateTimeField(
        null=True, blank=True, help_text="When a re-import no longer found the line."
    )
    section = models.CharField(
        max_length=500,
        blank=True,
        db_default="",
        help_text='The headings above the sentence, outermost first: "History › 2022".',
    )
    source_changed = models.BooleanField(
        default=False,
        db_default=False,
        help_text="A newer snapshot of a cited source no longer holds a quote its assessment "
        "found: the source changed since it was checked.",
    )
    needs_rereview = models.BooleanField(
        "needs re-review",
        default=False,
        db_default=False,  # COPY and raw inserts that do not name it get False
        help_text="A footnote was added to or taken from the claim after its last decision: "
        "its verdict stands on evidence that changed until someone decides it again.",
    )
    published_decision = models.ForeignKey(
        "Decision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The decision the public review page shows (set by claim_publish); a later "
        "decision changes nothing public until an editor publishes again.",
    )
    published_at = models.DateTimeField(
        null=True, blank=True, help_text="When an editor last published the claim's review."
    )
    published_citations = models.TextField(
        blank=True,
        db_default="",  # COPY and raw inserts that do not name it get ""
        help_text="The ids of the footnotes attached when the review was published, sorted and "
        'comma-joined ("12,15"): a footnote added, moved or detached since takes the public '
        "page down until the claim is decided and published again.",
    )

    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["document_id", "line", "id"]
        permissions = [("lock_claim", "Can lock and reopen claims")]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "line"],
                condition=Q(withdrawn_at__isnull=True),
                name="claim_unique_live_line",
            ),
            models.CheckConstraint(condition=Q(line__gte=1), name="claim_line_positive"),
            models.CheckConstraint(
                condition=Q(verdict__in=Verdict.values), name="claim_verdict_valid"
            ),
        ]
        indexes = [
            # The default claim list order and its keyset pagination.
            models.Index(fields=["document", "line", "id"], name="claim_document_line"),
            # The counts per verdict (capped, index-only) and the verdict filter, live claims.
            models.Index(
                fields=["verdict", "document", "line", "id"],
                condition=Q(withdrawn_at__isnull=True),
                name="claim_live_verdict",
            ),
            # Sorting by last decision.
            models.Index(fields=["last_decision", "id"], name="claim_last_decision"),
            models.Index(fields=["fingerprint"], name="claim_fingerprint"),
            # The public index of reviews and its feed: newest publication first, by keyset.
            models.Index(
                fields=["-published_at", "-id"],
                condition=Q(published_decision__isnull=False),
                name="claim_published",
            ),
        ]

    def __str__(self) -> str:
        short = self.text if len(self.text) <= 60 else self.text[:59] + "…"
        return f"{self.document.name}:{self.line} {short}" if self.document_id else short

    @property
    def tag_list(self) -> list[str]:
        return self.tags.split(";") if self.tags else []

    @property
    def note_list(self) -> list[str]:
        return self.notes.split(";") if self.notes else []


class VerdictCount(models.Model):
    """How many live claims of a document have each verdict: the dashboard's figures.

    Kept by database triggers on the claims table (claims/migrations/0015_verdict_counts.py),
    so every write path (services, COPY imports, bulk decisions, withdrawals, deletes) keeps it
    exact without a GROUP BY over every claim on each page. A document's row goes when its
    count reaches zero; there is no foreign key, so deleting a document's claims and the
    document in either order leaves nothing behind.
    """

    document = models.ForeignKey(
        Document, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    verdict = models.CharField(max_length=20, choices=Verdict.choices)
    n = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["document", "verdict"], name="verdictcount_unique")
        ]

    def __str__(self) -> str:
        return f"{self.document_id} {self.verdict}: {self.n}"


class CitationQuerySet(models.QuerySet):
    def pending(self) -> "CitationQuerySet":
        """Leading citations still awaiting an attribution check."""
        return self.filter(position=Position.LEADING, attribution=Attribution.AS_PRINTED)

    def attached(self) -> "CitationQuerySet":
        return self.exclude(attribution=Attribution.DETACHED)


class Citation(models.Model):
    """One footnote marker: the claim it is attached to and the source it names."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="citations")
    source = models.ForeignKey(Source, on_delete=models.RESTRICT, related_name="citations")
    position = models.CharField(max_length=8, choices=Position.choices)
    order = models.PositiveSmallIntegerField(help_text="0-based order within the claim.")
    page = models.CharField(
        max_length=50,
        blank=True,
        db_default="",
        help_text='The page(s) the footnote points at: "34", "34–36".',
    )
    attribution = models.CharField(
        max_length=12,
        choices=Attribution.choices,
        default=Attribution.AS_PRINTED,
        help_text="Leading markers closed the previous sentence in the original article: "
        "confirm that they belong here, move them, or detach them.",
    )
    assessment = models.ForeignKey(
        "Assessment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The latest assessment of this citation (kept in step by claim_decide).",
    )

    objects = CitationQuerySet.as_manager()

    class Meta:
        ordering = ["claim_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "order"], name="citation_unique_order"),
        ]
        indexes = [
            # The attribution-check filter and the review queue.
            models.Index(
                fields=["claim"],
                condition=Q(position="leading", attribution="as_printed"),
                name="citation_pending",
            ),
            # A source's page lists its citing claims in import order, a page at a time.
            models.Index(fields=["source", "claim", "order"], name="citation_source_claims"),
        ]

    def __str__(self) -> str:
        return f"[{self.source.label}] on claim {self.claim_id}"

    @property
    def label(self) -> str:
        return self.source.label

    @property
    def pending(self) -> bool:
        """A leading footnote nobody has confirmed, moved or detached yet."""
        return self.position == Position.LEADING and self.attribution == Attribution.AS_PRINTED

    @property
    def printed_before(self) -> bool:
        """Printed before its sentence (leading), and still on the claim it was printed on."""
        return self.position == Position.LEADING and self.attribution in (
            Attribution.AS_PRINTED,
            Attribution.CONFIRMED,
        )


class DecisionKind(models.TextChoices):
    """How a decision came about: one reviewer, two agreeing blind reviews, or an editor."""

    DECISION = "decision", "Decision"
    AGREEMENT = "agreement", "Two reviews agreed"
    ADJUDICATION = "adjudication", "Adjudicated"


#: The kinds of decision that settle a pair of blind reviews.
SETTLING = (DecisionKind.AGREEMENT, DecisionKind.ADJUDICATION)


class Decision(models.Model):
    """A reviewer's verdict on a claim. Append-only: triggers refuse UPDATE and DELETE."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="decisions")
    verdict_from = models.CharField(max_length=16, choices=Verdict.choices)
    verdict_to = models.CharField(max_length=16, choices=Verdict.choices)
    suggested = models.CharField(
        max_length=16,
        choices=Verdict.choices,
        blank=True,
        help_text="The verdict the assessments suggested when the reviewer decided.",
    )
    rationale = models.TextField(blank=True)
    evidence_url = models.URLField("evidence URL", max_length=2000, blank=True)
    evidence_quote = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="decisions"
    )
    at = models.DateTimeField(default=timezone.now)
    claim_version = models.PositiveIntegerField(help_text="The claim's version it produced.")
    kind = models.CharField(
        max_length=12,
        choices=DecisionKind.choices,
        default=DecisionKind.DECISION,
        db_default=DecisionKind.DECISION,  # COPY and bulk inserts that do not name it
        help_text="A reviewer's decision, or the verdict of two blind reviews: agreed, or "
        "adjudicated by an editor.",
    )
    first_review = models.ForeignKey(
        "Review",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The first of the two blind reviews this decision settled.",
    )
    second_review = models.ForeignKey(
        "Review",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The second of the two blind reviews this decision settled.",
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            # A decision settles two reviews exactly when it is an agreement or adjudication.
            models.CheckConstraint(
                condition=(
                    Q(kind=DecisionKind.DECISION)
                    & Q(first_review__isnull=True)
                    & Q(second_review__isnull=True)
                )
                | (
                    Q(kind__in=[DecisionKind.AGREEMENT, DecisionKind.ADJUDICATION])
                    & Q(first_review__isnull=False)
                    & Q(second_review__isnull=False)
                ),
                name="decision_kind_reviews",
            ),
        ]
        indexes = [
            # A claim's history, newest first.
            models.Index(fields=["claim", "-id"], name="decision_claim"),
            # "My recent decisions" on the dashboard and the reviewer filter.
            models.Index(fields=["actor", "-id"], name="decision_actor"),
            # "Decided between" and the admin's date hierarchy.
            models.Index(fields=["at"], name="decision_at"),
        ]

    def __str__(self) -> str:
        return f"Claim {self.claim_id}: {self.verdict_from} → {self.verdict_to}"


class Assessment(models.Model):
    """What one cited source says of its claim, recorded with a decision. Append-only."""

    citation = models.ForeignKey(Citation, on_delete=models.PROTECT, related_name="assessments")
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="assessments")
    stance = models.CharField(max_length=16, choices=Stance.choices)
    quote = models.TextField(blank=True, help_text="The passage of the source, verbatim.")
    page = models.CharField(max_length=50, blank=True)
    snapshot = models.ForeignKey(
        SourceSnapshot,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The snapshot of the source the reviewer had in front of them.",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessments"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["citation", "-id"], name="assessment_citation")]

    def __str__(self) -> str:
        return f"{self.get_stance_display()} (citation {self.citation_id})"


class Passage(models.Model):
    """One of the passages of a source's snapshot that best match a claim citing it.

    Derived data, computed when a snapshot arrives (claims/services/evidence.py), so the claim
    page only reads it. `segments` is the passage cut into [text, matched] pieces.
    """

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="passages")
    snapshot = models.ForeignKey(SourceSnapshot, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField()
    text = models.TextField()
    start = models.PositiveIntegerField(help_text="Offset of the passage in the snapshot text.")
    end = models.PositiveIntegerField()
    page = models.CharField(max_length=20, blank=True)
    score = models.FloatField()
    segments = models.JSONField(default=list)

    class Meta:
        ordering = ["claim_id", "snapshot_id", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "snapshot", "rank"], name="passage_unique_rank"
            ),
        ]

    def __str__(self) -> str:
        return f"Passage {self.rank} of snapshot {self.snapshot_id} for claim {self.claim_id}"


class QuoteStatus(models.TextChoices):
    FOUND = "found", "Found in the source"
    CLOSE = "close", "Close match"
    NOT_FOUND = "not_found", "Not found"


class QuoteCheck(models.Model):
    """Where an assessment's quote is in one snapshot of its source (derived data)."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="quote_checks"
    )
    snapshot = models.ForeignKey(SourceSnapshot, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=12, choices=QuoteStatus.choices)
    score = models.FloatField()
    page = models.CharField(max_length=20, blank=True)
    sentence = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="The 0-based index of the snapshot's sentence where the quote starts.",
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "snapshot"], name="quote_check_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()} (assessment {self.assessment_id})"

    @property
    def summary(self) -> str:
        """Return the check as a reviewer reads it: "found in the source (p. 12)"."""
        if self.status == QuoteStatus.FOUND:
            return f"found in the source{f' (p. {self.page})' if self.page else ''}"
        if self.status == QuoteStatus.CLOSE:
            return f"close match ({self.score:.0f}%){f', p. {self.page}' if self.page else ''}"
        return "not found in the source"


# --- Double review ---------------------------------------------------------------------------
#
# In double-review mode a reviewer's decision on a claim is a blind Review, not the verdict.
# The reviews of a claim's current round are those made since its latest decision (`follows`)
# that still stand on exactly the footnotes the claim has now: a footnote added, moved away or
# detached after a review voids it (the round restarts), while confirming a footnote, locking
# or reopening the claim does not. Two reviews in a round that agree settle the claim (a
# Decision of kind "agreement"); two that disagree wait for an editor ("adjudication").


class ReviewQuerySet(models.QuerySet):
    def standing(self) -> "ReviewQuerySet":
        """Reviews whose footnotes are still exactly their claim's attached footnotes.

        A review keeps a row for every footnote it saw (ReviewAssessment, stance or none), so
        two NOT EXISTS say it: no attached footnote it did not see, no footnote it saw that has
        since left the claim or been detached.
        """
        seen = ReviewAssessment.objects.filter(
            review=OuterRef(OuterRef("pk")), citation=OuterRef("pk")
        )
        unseen = Citation.objects.attached().filter(claim=OuterRef("claim")).filter(~Exists(seen))
        gone = ReviewAssessment.objects.filter(review=OuterRef("pk")).filter(
            ~Q(citation__claim=OuterRef("claim")) | Q(citation__attribution=Attribution.DETACHED)
        )
        return self.filter(~Exists(unseen), ~Exists(gone))

    def visible(self) -> "ReviewQuerySet":
        """Reviews anyone may read: the second of a pair, a first that met its second, or one a
        decision followed (the claim was settled after it, whatever became of its round)."""
        return self.filter(
            Q(pairs_with__isnull=False)
            | Exists(Review.objects.filter(pairs_with=OuterRef("pk")))
            | Exists(
                Decision.objects.filter(
                    claim=OuterRef("claim"), id__gt=Coalesce(OuterRef("follows_id"), Value(0))
                )
            )
        )

    def in_round_of(self, claim: "Claim") -> "ReviewQuerySet":
        """The reviews of `claim`'s current round, first first."""
        rows = self.filter(claim_id=claim.pk)
        if claim.last_decision_id is None:
            rows = rows.filter(follows__isnull=True)
        else:
            rows = rows.filter(follows_id=claim.last_decision_id)
        return rows.standing().order_by("id")

    def in_round_of_outer(self) -> "ReviewQuerySet":
        """The reviews of the current round of the claim an outer query names (OuterRef)."""
        return (
            self.filter(claim=OuterRef("pk"))
            .alias(round_basis=Coalesce("follows_id", Value(0)))
            .filter(round_basis=Coalesce(OuterRef("last_decision_id"), Value(0)))
            .standing()
        )


class Review(models.Model):
    """One reviewer's blind verdict on a claim in double-review mode. Append-only.

    Nobody else sees it until the second review of its round is in (or a decision follows it).
    """

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="reviews")
    follows = models.ForeignKey(
        Decision,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The claim's latest decision when the review was made (none if never "
        "decided): the round of reviews it belongs to.",
    )
    claim_version = models.PositiveIntegerField(help_text="The claim's version the reviewer saw.")
    pairs_with = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="For the second review of a round: the first, whose verdict it met.",
    )
    verdict = models.CharField(max_length=16, choices=Verdict.choices)
    suggested = models.CharField(
        max_length=16,
        choices=Verdict.choices,
        blank=True,
        help_text="The verdict the reviewer's own assessments suggested.",
    )
    rationale = models.TextField(blank=True)
    evidence_url = models.URLField("evidence URL", max_length=2000, blank=True)
    evidence_quote = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews"
    )
    at = models.DateTimeField(default=timezone.now)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(verdict__in=[Verdict.CORROBORATED, Verdict.DISPUTED, Verdict.REFUTED]),
                name="review_verdict_given",
            ),
        ]
        indexes = [
            # A claim's rounds: the reviews since its latest decision, in order.
            models.Index(fields=["claim", "follows", "id"], name="review_claim_round"),
            # "Has this reviewer reviewed it?" (the queue) and agreement per reviewer.
            models.Index(fields=["actor", "claim"], name="review_actor"),
        ]

    def __str__(self) -> str:
        return f"Review {self.pk} of claim {self.claim_id}"

    @property
    def stances(self) -> dict[int, str]:
        """Return {citation id: stance} of the footnotes it assessed (prefetched assessments)."""
        return {row.citation_id: row.stance for row in self.assessments.all() if row.stance}


class ReviewAssessment(models.Model):
    """What a review said of one footnote it saw: a stance, or none. Append-only.

    A row for every attached footnote, assessed or not: the rows are the footnotes the review
    stands on (ReviewQuerySet.standing).
    """

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="assessments")
    citation = models.ForeignKey(Citation, on_delete=models.PROTECT, related_name="+")
    stance = models.CharField(
        max_length=16, choices=Stance.choices, blank=True, help_text="Blank: not assessed."
    )
    quote = models.TextField(blank=True)
    page = models.CharField(max_length=50, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "citation"], name="review_assessment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_stance_display() or 'Not assessed'} (citation {self.citation_id})"


class ReviewPolicy(models.Model):
    """Whether a document's claims need two blind reviews (else WORKBENCH_DOUBLE_REVIEW says)."""

    document = models.OneToOneField(
        Document, on_delete=models.CASCADE, related_name="review_policy"
    )
    double_review = models.BooleanField(
        help_text="Each claim needs two independent, blind reviews; agreeing ones settle it, "
        "others go to an editor."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "review policies"

    def __str__(self) -> str:
        mode = "double review" if self.double_review else "single review"
        return f"{self.document.name}: {mode}"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Waiting for the worker"
    RUNNING = "running", "Being prepared"
    DONE = "done", "Ready"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Expired"


class ExportFormat(models.TextChoices):
    CLAIMS_CSV = "claims_csv", "Claims CSV"
    CITATIONS_CSV = "citations_csv", "Citations CSV"


class ExportJob(TimeStampedModel):
    """A web export too long to stream, written to a file by the background worker.

    Only its requester may download the file, until it expires (claims/exports/jobs.py).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs"
    )
    filters = models.JSONField(
        default=dict,
        blank=True,
        help_text="The claim list's filters as the request had them: {key: [values]}.",
    )
    options = models.JSONField(
        default=dict, blank=True, help_text="all, bom and raw, as the export took them."
    )
    format = models.CharField(max_length=16, choices=ExportFormat.choices)
    status = models.CharField(
        max_length=8, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    file_name = models.CharField(max_length=100, blank=True)
    rows = models.PositiveIntegerField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "export job"
        indexes = [
            # export_jobs_prune: the finished jobs older than the expiry.
            models.Index(fields=["status", "finished_at"], name="export_job_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.get_format_display()} for {self.user} ({self.get_status_display()})"


# --- The reviewer's day: queue holds and skips, assignments, discussion notes ----------------


class QueueHold(models.Model):
    """A claim the review queue handed to one reviewer, kept from the others for a while.

    Queue state, not an editorial change: it is not audited. A reviewer holds at most one
    claim (taking the next one lets the last one go) and a hold lapses at `until`.
    """

    claim = models.OneToOneField(Claim, on_delete=models.CASCADE, related_name="hold")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="queue_holds"
    )
    until = models.DateTimeField(help_text="The queue hands the claim to others after this.")

    class Meta:
        verbose_name = "queue hold"
        indexes = [
            # "Let go of my other holds" when a reviewer takes the next claim.
            models.Index(fields=["reviewer"], name="queue_hold_reviewer"),
        ]

    def __str__(self) -> str:
        return f"Claim {self.claim_id} held by user {self.reviewer_id} until {self.until:%H:%M}"


class SkipReason(models.TextChoices):
    LANGUAGE = "language", "Not in my language"
    EXPERT = "expert", "Needs an expert"
    UNREACHABLE = "unreachable", "Source unreachable"


class QueueSkip(models.Model):
    """A reviewer passed on a claim in the queue: it goes to the back of their queue."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="skips")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="queue_skips"
    )
    reason = models.CharField(max_length=16, choices=SkipReason.choices)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "queue skip"
        ordering = ["-id"]
        indexes = [
            # "Skipped by me" in the queue: an EXISTS probe per candidate claim.
            models.Index(fields=["reviewer", "claim"], name="queue_skip_reviewer"),
            # The skips shown on a claim's page.
            models.Index(fields=["claim", "-id"], name="queue_skip_claim"),
        ]

    def __str__(self) -> str:
        return f"Claim {self.claim_id} skipped: {self.get_reason_display()}"


class Assignment(models.Model):
    """Whose claim this is to review: an editor assigned it (one reviewer per claim)."""

    claim = models.OneToOneField(Claim, on_delete=models.CASCADE, related_name="assignment")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            # "Assigned to me" in the queue and the list.
            models.Index(fields=["assignee", "claim"], name="assignment_assignee"),
        ]

    def __str__(self) -> str:
        return f"Claim {self.claim_id} assigned to user {self.assignee_id}"


class ClaimNote(models.Model):
    """One message of the discussion about a claim. Append-only: triggers refuse UPDATE/DELETE."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="discussion")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="claim_notes"
    )
    text = models.TextField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "discussion note"
        ordering = ["id"]
        indexes = [models.Index(fields=["claim", "id"], name="claim_note_claim")]

    def __str__(self) -> str:
        return f"Note {self.pk} on claim {self.claim_id}"


class NoteMention(models.Model):
    """A reviewer named with @username in a note: it shows on their dashboard. Append-only."""

    note = models.ForeignKey(ClaimNote, on_delete=models.PROTECT, related_name="mentions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="note_mentions"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["note", "user"], name="note_mention_unique"),
        ]
        indexes = [
            # "Mentions of you" on the dashboard, newest first.
            models.Index(fields=["user", "-note"], name="note_mention_user"),
        ]

    def __str__(self) -> str:
        return f"User {self.user_id} in note {self.note_id}"
