"""Recording stock and equipment alerts, and telling the inventory managers about new ones.

`refresh_alerts` is idempotent: a condition that is still true keeps its one open alert; one
that has cleared is resolved; one that comes back is raised again. Only alerts nobody has been
told about yet are emailed, so running it every hour sends each alert once.
"""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from accounts.choices import Role
from inventory.choices import AlertKind
from inventory.models import Asset, Batch, StockAlert, StockLevel


@dataclass(frozen=True)
class AlertWindows:
    expiry_days: int = 90
    calibration_days: int = 30
    maintenance_days: int = 30
    warranty_days: int = 90


@dataclass
class RefreshResult:
    raised: list[StockAlert]
    still_open: int
    resolved: int
    emailed_to: list[str]


def current_conditions(*, today: date, windows: AlertWindows) -> dict[str, dict]:
    """Every alert condition true today, keyed by what it is about."""
    found: dict[str, dict] = {}
    low = StockLevel.objects.below_reorder_level(today=today).select_related("item", "location")
    for level in low:
        found[f"low_stock:{level.item_id}:{level.location_id}"] = {
            "kind": AlertKind.LOW_STOCK,
            "item": level.item,
            "location": level.location,
            "message": (
                f"Low stock: {level.item.name} at {level.location.name}: {level.available_quantity} left "
                f"(reorder level {level.reorder_level}, reorder {level.reorder_quantity})."
            )[:300],
        }
    expiring = Batch.objects.expiring_within(windows.expiry_days, today=today).select_related("item", "location")
    for batch in expiring:
        found[f"expiry:{batch.pk}"] = {
            "kind": AlertKind.EXPIRY,
            "item": batch.item,
            "location": batch.location,
            "batch": batch,
            "due_date": batch.expiry_date,
            "message": (
                f"Expiring: {batch.item.name} batch {batch.batch_number} at {batch.location.name}: "
                f"{batch.quantity} expire on {batch.expiry_date}."
            )[:300],
        }
    asset_checks = [
        (
            AlertKind.CALIBRATION_DUE,
            Asset.objects.calibration_due_within(windows.calibration_days, today=today),
            "next_calibration_due",
            "Calibration due",
        ),
        (
            AlertKind.MAINTENANCE_DUE,
            Asset.objects.maintenance_due_within(windows.maintenance_days, today=today),
            "next_maintenance_due",
            "Service due",
        ),
        (
            AlertKind.WARRANTY_EXPIRING,
            Asset.objects.warranty_expiring_within(windows.warranty_days, today=today),
            "warranty_expiry",
            "Warranty ends",
        ),
    ]
    for kind, assets, field, label in asset_checks:
        for asset in assets.select_related("location"):
            due = getattr(asset, field)
            where = f" at {asset.location.name}" if asset.location_id else ""
            found[f"{kind}:{asset.pk}:{due}"] = {
                "kind": kind,
                "asset": asset,
                "location": asset.location,
                "due_date": due,
                "message": f"{label}: {asset.asset_tag} {asset.asset_name}{where} on {due}."[:300],
            }
    return found


def inventory_manager_emails() -> list[str]:
    users = get_user_model().objects.filter(is_active=True, groups__name=Role.INVENTORY_MANAGER.label).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


@transaction.atomic
def refresh_alerts(
    *, today: date | None = None, windows: AlertWindows | None = None, notify: bool = True
) -> RefreshResult:
    today = today or timezone.localdate()
    windows = windows or AlertWindows()
    now = timezone.now()
    found = current_conditions(today=today, windows=windows)

    known = {alert.key: alert for alert in StockAlert.objects.select_for_update().filter(key__in=found)}
    raised, seen = [], []
    for key, fields in found.items():
        alert = known.get(key)
        if alert is None:
            raised.append(StockAlert(key=key, raised_at=now, last_seen_at=now, **fields))
            continue
        if alert.resolved_at is not None:
            # The condition came back: raise it again, and tell people again.
            alert.raised_at, alert.resolved_at, alert.notified_at = now, None, None
        alert.last_seen_at = now
        alert.message = fields["message"]
        alert.due_date = fields.get("due_date")
        seen.append(alert)
    StockAlert.objects.bulk_create(raised)
    StockAlert.objects.bulk_update(
        seen, ["raised_at", "resolved_at", "notified_at", "last_seen_at", "message", "due_date"]
    )
    resolved = StockAlert.objects.open().exclude(key__in=found).update(resolved_at=now)

    emailed_to: list[str] = []
    pending = list(StockAlert.objects.open().filter(notified_at__isnull=True).order_by("kind", "message"))
    if notify and pending:
        emailed_to = inventory_manager_emails()
        if emailed_to:
            send_mail(
                subject=f"POLMED stock alerts: {len(pending)} new",
                message=_email_body(pending),
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=emailed_to,
            )
            StockAlert.objects.filter(pk__in=[a.pk for a in pending]).update(notified_at=now)
    return RefreshResult(raised=raised, still_open=len(seen), resolved=resolved, emailed_to=emailed_to)


def _email_body(alerts: list[StockAlert]) -> str:
    lines = ["New stock and equipment alerts:", ""]
    for kind in AlertKind:
        group = [a for a in alerts if a.kind == kind]
        if group:
            lines.append(f"{kind.label} ({len(group)})")
            lines.extend(f"  - {a.message}" for a in group)
            lines.append("")
    lines.append("Open the back office to act on them.")
    return "\n".join(lines)
