"""Send a reminder to everyone booked for tomorrow's clinics (or a given day).

Idempotent and safe to schedule hourly: each booking is claimed (`reminder_sent_at` set by a
conditional update) before its message goes out, so a second or parallel run sends nothing
twice. A message whose sending fails is released again for the next run; a booking the
backend cannot reach (e.g. email without an address) counts as done.
"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from scheduling.choices import AppointmentStatus, NotificationKind
from scheduling.models import Appointment
from scheduling.notifications import FAILED, SENT, notify


class Command(BaseCommand):
    help = "Send appointment reminders for tomorrow's clinics (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Clinic day to remind about (YYYY-MM-DD); default: tomorrow.")
        parser.add_argument("--dry-run", action="store_true", help="Count the reminders without sending them.")

    def handle(self, *args, date=None, dry_run=False, verbosity=1, **options):
        if date:
            try:
                day = datetime.date.fromisoformat(date)
            except ValueError as error:
                raise CommandError("--date must be YYYY-MM-DD.") from error
        else:
            day = timezone.localdate() + datetime.timedelta(days=1)
        due = Appointment.objects.filter(
            slot__stop__date=day,
            slot__stop__is_blocked=False,
            status=AppointmentStatus.BOOKED,
            reminder_sent_at__isnull=True,
        ).select_related("slot__stop__location")
        if dry_run:
            self.stdout.write(f"{due.count()} reminders due for {day:%Y-%m-%d} (dry run, nothing sent).")
            return
        sent = unreachable = failed = 0
        for appointment in due.iterator(chunk_size=200):
            claimed = Appointment.objects.filter(pk=appointment.pk, reminder_sent_at__isnull=True).update(
                reminder_sent_at=timezone.now()
            )
            if not claimed:
                continue  # another run got there first
            result = notify(NotificationKind.REMINDER, appointment)
            if result == SENT:
                sent += 1
            elif result == FAILED:
                Appointment.objects.filter(pk=appointment.pk).update(reminder_sent_at=None)
                failed += 1
            else:
                unreachable += 1
        if verbosity:
            self.stdout.write(
                f"Sent {sent} reminders for {day:%Y-%m-%d}; {failed} failed (retried next run); "
                f"{unreachable} not reachable by this backend."
            )
