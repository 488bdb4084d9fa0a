from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils import timezone

from clinical.choices import STAGE_ORDER, VisitStage, VisitType
from polmed.exceptions import ConflictError, RuleViolation

from .patients import Patient


class VisitQuerySet(models.QuerySet):
    def open(self):
        return self.filter(closed_at__isnull=True)

    def on(self, day):
        return self.filter(visit_date=day)

    def queue(self, *, day, stage=None, location=None, include_closed=False):
        """A clinic's queue for one day, longest waiting in the current stage first."""
        qs = self.on(day)
        if not include_closed:
            qs = qs.open()
        if stage:
            qs = qs.filter(stage=stage)
        if location:
            qs = qs.filter(location=location)
        return qs.order_by("stage_entered_at", "id")


class Visit(models.Model):
    """One attendance of a patient at a mobile clinic, from registration to closure.

    It moves forward one stage at a time (counseling may be skipped); each move is recorded
    in `stage_changes`. Staff may record what their role allows on any visit that is still open;
    once closed, a visit is not edited.
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="visits")
    visit_date = models.DateField(default=timezone.localdate)
    visit_time = models.TimeField(null=True, blank=True)
    visit_type = models.CharField(max_length=20, choices=VisitType.choices, default=VisitType.WALK_IN)
    chief_complaint = models.TextField(blank=True)
    route = models.ForeignKey(
        "scheduling.Route", null=True, blank=True, on_delete=models.PROTECT, related_name="visits"
    )
    location = models.ForeignKey(
        "scheduling.Location", null=True, blank=True, on_delete=models.PROTECT, related_name="visits"
    )
    stage = models.CharField(max_length=20, choices=VisitStage.choices, default=VisitStage.REGISTRATION)
    stage_entered_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        ordering = ["-visit_date", "-id"]
        indexes = [
            models.Index(fields=["visit_date", "stage"], name="visit_queue_idx"),
            models.Index(fields=["location", "visit_date"], name="visit_location_day_idx"),
            models.Index(fields=["patient", "visit_date"], name="visit_patient_idx"),
        ]
        permissions = [
            ("advance_from_registration", "Can move a visit from registration to assessment"),
            ("advance_from_assessment", "Can move a visit from assessment to consultation"),
            ("advance_from_consultation", "Can move a visit from consultation to counseling or closure"),
            ("advance_from_counseling", "Can move a visit from counseling to closure"),
            ("close_visit", "Can close a visit at the closure stage"),
        ]

    def __str__(self):
        return f"Visit #{self.pk} on {self.visit_date} ({self.get_stage_display()})"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def stock_location(self):
        """The van's stock that medicines for this visit are dispensed from."""
        unit = self.route.mobile_unit if self.route_id else None
        return unit.stock_location if unit else None

    def ensure_open(self) -> None:
        if self.is_closed:
            raise ConflictError(
                "This visit is closed and cannot be changed; record an amendment on a new visit.",
                code="visit_closed",
            )

    def next_stages(self) -> list[str]:
        """Where the visit may move next: the following stage, and closure straight from consultation."""
        if self.is_closed or self.stage == VisitStage.CLOSURE:
            return []
        following = STAGE_ORDER[STAGE_ORDER.index(self.stage) + 1]
        if self.stage == VisitStage.CONSULTATION:
            return [following, VisitStage.CLOSURE]
        return [following]

    def advance_to(self, stage: str | None = None, *, by) -> "VisitStageChange":
        """Move to `stage` (by default the next one), recording who moved it and when."""
        with transaction.atomic():
            locked = Visit.objects.select_for_update().get(pk=self.pk)
            locked.ensure_open()
            allowed = locked.next_stages()
            if not allowed:
                raise ConflictError("The visit is at closure; close it instead.", code="visit_at_closure")
            target = stage or allowed[0]
            if target not in VisitStage.values:
                raise RuleViolation(f'"{target}" is not a visit stage.', field="stage")
            if target not in allowed:
                raise ConflictError(
                    f"A visit at {locked.get_stage_display().lower()} can move only to "
                    + " or ".join(VisitStage(s).label.lower() for s in allowed)
                    + ".",
                    code="stage_order",
                )
            if not by.has_perm(f"clinical.advance_from_{locked.stage}"):
                raise PermissionDenied
            now = timezone.now()
            change = VisitStageChange.objects.create(
                visit=locked, from_stage=locked.stage, to_stage=target, changed_by=by, changed_at=now
            )
            locked.stage, locked.stage_entered_at = target, now
            locked.save(update_fields=["stage", "stage_entered_at"])
        self.stage, self.stage_entered_at = locked.stage, locked.stage_entered_at
        return change

    def close(self, *, by) -> None:
        """Close the visit at the closure stage; after this it is read-only."""
        if not by.has_perm("clinical.close_visit"):
            raise PermissionDenied
        with transaction.atomic():
            locked = Visit.objects.select_for_update().get(pk=self.pk)
            locked.ensure_open()
            if locked.stage != VisitStage.CLOSURE:
                raise ConflictError("Only a visit at the closure stage can be closed.", code="stage_order")
            locked.closed_at, locked.closed_by = timezone.now(), by
            locked.save(update_fields=["closed_at", "closed_by"])
        self.closed_at, self.closed_by = locked.closed_at, locked.closed_by

    def waiting_seconds(self, now=None) -> int:
        """How long the visit has been in its current stage (until closing, once closed)."""
        end = self.closed_at or now or timezone.now()
        return max(0, int((end - self.stage_entered_at).total_seconds()))


class VisitStageChange(models.Model):
    """One move of a visit into a stage: who moved it and when (the basis of waiting-time reports)."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(max_length=20, choices=VisitStage.choices, blank=True)
    to_stage = models.CharField(max_length=20, choices=VisitStage.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self):
        return f"{self.from_stage or 'opened'} -> {self.to_stage}"
