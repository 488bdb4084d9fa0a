"""Audit trail helpers. Changes are logged by django-auditlog's model registry; reads are
logged here, because auditlog's access mixin hooks `render_to_response`, which DRF never calls."""

from collections.abc import Iterable

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone


def log_reads(instances: Iterable[models.Model], *, actor=None, remote_addr: str | None = None) -> int:
    """Record that `actor` read each instance: one ACCESS entry per record, in one query."""
    instances = [obj for obj in instances if obj.pk is not None]
    if not instances:
        return 0
    content_types = ContentType.objects.get_for_models(*{type(obj) for obj in instances})
    actor = actor if actor is not None and actor.is_authenticated else None
    now = timezone.now()
    entries = [
        LogEntry(
            content_type=content_types[type(obj)],
            object_pk=str(obj.pk),
            object_id=obj.pk if isinstance(obj.pk, int) else None,
            object_repr=f"{obj._meta.verbose_name} #{obj.pk}",
            action=LogEntry.Action.ACCESS,
            changes=None,
            actor=actor,
            actor_email=getattr(actor, "email", None),
            remote_addr=remote_addr,
            timestamp=now,
        )
        for obj in instances
    ]
    LogEntry.objects.bulk_create(entries)
    return len(entries)


def client_address(request) -> str | None:
    forwarded = request.headers.get("X-Forwarded-For")
    return forwarded.split(",")[0].strip() if forwarded else request.META.get("REMOTE_ADDR")


class ReadAuditMixin:
    """For DRF viewsets over patient data: logs each record returned by list and retrieve."""

    def audit_reads(self, instances):
        log_reads(instances, actor=self.request.user, remote_addr=client_address(self.request))

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            self.audit_reads(page)
        return page

    def get_object(self):
        obj = super().get_object()
        if self.request.method in ("GET", "HEAD"):
            self.audit_reads([obj])
        return obj
