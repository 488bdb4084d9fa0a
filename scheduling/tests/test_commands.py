import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from scheduling.choices import AppointmentStatus
from scheduling.models import Appointment
from scheduling.notifications import ConsoleBackend, EmailBackend, LocmemBackend, NotificationBackend, notify
from scheduling.tests.factories import AppointmentFactory, AppointmentSlotFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def outbox(settings):
    settings.SCHEDULING_NOTIFICATION_BACKEND = "scheduling.notifications.LocmemBackend"
    LocmemBackend.outbox.clear()
    yield LocmemBackend.outbox
    LocmemBackend.outbox.clear()


def run(*args):
    out = io.StringIO()
    call_command("send_appointment_reminders", *args, stdout=out)
    return out.getvalue()


def test_reminders_go_to_tomorrows_bookings_once(outbox):
    slot = AppointmentSlotFactory()
    tomorrow = AppointmentFactory(slot=slot)
    AppointmentFactory(slot=slot, status=AppointmentStatus.CANCELLED)
    AppointmentFactory(slot__stop__date=timezone.localdate() + datetime.timedelta(days=2))

    first = run()
    second = run()

    assert [(message.kind, message.reference) for message in outbox] == [("reminder", tomorrow.reference)]
    assert "Sent 1 reminders" in first
    assert "Sent 0 reminders" in second
    assert Appointment.objects.get(pk=tomorrow.pk).reminder_sent_at is not None


def test_no_reminders_for_a_blocked_day(outbox):
    AppointmentFactory(slot__stop__is_blocked=True)

    run()

    assert outbox == []


def test_dry_run_sends_nothing(outbox):
    AppointmentFactory()

    assert "1 reminders due" in run("--dry-run")

    assert outbox == []
    assert Appointment.objects.get().reminder_sent_at is None


def test_a_given_day_can_be_reminded(outbox):
    later = AppointmentFactory(slot__stop__date=datetime.date(2031, 5, 6))

    run("--date", "2031-05-06")

    assert [message.reference for message in outbox] == [later.reference]


def test_bad_date_is_refused():
    with pytest.raises(CommandError):
        run("--date", "tomorrow")


class BrokenGateway(NotificationBackend):
    def send(self, message):
        raise ConnectionError("gateway down")


def test_a_failed_reminder_is_retried_on_the_next_run(settings, outbox):
    settings.SCHEDULING_NOTIFICATION_BACKEND = "scheduling.tests.test_commands.BrokenGateway"
    appointment = AppointmentFactory()

    assert "1 failed" in run()
    assert Appointment.objects.get(pk=appointment.pk).reminder_sent_at is None

    settings.SCHEDULING_NOTIFICATION_BACKEND = "scheduling.notifications.LocmemBackend"
    run()
    assert [message.reference for message in outbox] == [appointment.reference]


def test_console_backend_writes_the_message():
    appointment = AppointmentFactory()
    stream = io.StringIO()
    backend = ConsoleBackend()
    backend.stream = stream

    assert notify("reminder", appointment, backend=backend) == "sent"

    assert appointment.reference in stream.getvalue()


def test_email_backend_sends_only_when_there_is_an_address(mailoutbox):
    with_email = AppointmentFactory(email="lindiwe@example.com")
    without = AppointmentFactory()

    assert notify("confirmation", with_email, backend=EmailBackend()) == "sent"
    assert notify("confirmation", without, backend=EmailBackend()) == "unreachable"

    assert [mail.to for mail in mailoutbox] == [["lindiwe@example.com"]]
    assert with_email.reference in mailoutbox[0].body


def test_bookings_the_backend_cannot_reach_are_not_retried_forever(settings):
    settings.SCHEDULING_NOTIFICATION_BACKEND = "scheduling.notifications.EmailBackend"
    AppointmentFactory(email="")

    assert "1 not reachable" in run()
    assert "Sent 0" in run() and "0 not reachable" in run()
