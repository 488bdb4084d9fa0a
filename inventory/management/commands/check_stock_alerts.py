"""Record low-stock, expiry, calibration, service and warranty alerts and email the inventory
managers about new ones. Safe to run from cron as often as you like: each alert is sent once.

    python manage.py check_stock_alerts [--expiry-days 90] [--dry-run]
"""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from inventory.alerts import AlertWindows, current_conditions, refresh_alerts


class Command(BaseCommand):
    help = "Record stock and equipment alerts and email the inventory managers about new ones."

    def add_arguments(self, parser):
        parser.add_argument("--expiry-days", type=int, default=90, help="Batches expiring within this many days.")
        parser.add_argument("--calibration-days", type=int, default=30)
        parser.add_argument("--maintenance-days", type=int, default=30)
        parser.add_argument("--warranty-days", type=int, default=90)
        parser.add_argument("--no-email", action="store_true", help="Record alerts without emailing anyone.")
        parser.add_argument("--dry-run", action="store_true", help="Show what is alerting; record and send nothing.")

    def handle(
        self,
        *args,
        expiry_days,
        calibration_days,
        maintenance_days,
        warranty_days,
        no_email,
        dry_run,
        verbosity=1,
        **options,
    ):
        windows = AlertWindows(
            expiry_days=expiry_days,
            calibration_days=calibration_days,
            maintenance_days=maintenance_days,
            warranty_days=warranty_days,
        )
        if dry_run:
            with transaction.atomic():  # a consistent snapshot of stock
                found = current_conditions(today=timezone.localdate(), windows=windows)
            for fields in found.values():
                self.stdout.write(fields["message"])
            self.stdout.write(f"{len(found)} alert condition(s); nothing recorded (dry run).")
            return
        result = refresh_alerts(windows=windows, notify=not no_email)
        if verbosity >= 2:
            for alert in result.raised:
                self.stdout.write(f"  new: {alert.message}")
        self.stdout.write(
            f"{len(result.raised)} new, {result.still_open} still open, {result.resolved} resolved; "
            f"emailed {len(result.emailed_to)} inventory manager(s)."
        )
