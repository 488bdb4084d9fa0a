"""Messages to people who booked: confirmations, reminders, cancellations, cancelled clinic days.

Callers only ever call `notify(kind, appointment)`. Where a message goes is decided by the
backend named in the setting `SCHEDULING_NOTIFICATION_BACKEND` (a dotted path); an SMS gateway
is one more `NotificationBackend` subclass with a `send()` method, and callers do not change.
"""

import logging
import sys
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from scheduling.choices import NotificationKind

logger = logging.getLogger(__name__)

DEFAULT_BACKEND = "scheduling.notifications.ConsoleBackend"


@dataclass(frozen=True)
class Message:
    """One notice to one person; `phone` (E.164) and `email` are where it may be delivered."""

    kind: str
    subject: str
    body: str
    phone: str
    email: str
    reference: str


class NotificationBackend:
    """Delivers messages. Return True when the message was handed over, False when this backend
    cannot reach the person (e.g. email without an address)."""

    def send(self, message: Message) -> bool:
        raise NotImplementedError


class ConsoleBackend(NotificationBackend):
    """Development: writes messages to standard output (never to the log files)."""

    stream = None

    def send(self, message: Message) -> bool:
        stream = self.stream or sys.stdout
        stream.write(f"[{message.kind}] to {message.phone}: {message.subject}\n{message.body}\n\n")
        stream.flush()
        return True


class EmailBackend(NotificationBackend):
    """Sends the message by email through Django's EMAIL_BACKEND, when the booking has an address."""

    def send(self, message: Message) -> bool:
        if not message.email:
            return False
        send_mail(message.subject, message.body, settings.DEFAULT_FROM_EMAIL, [message.email])
        return True


class LocmemBackend(NotificationBackend):
    """Tests: keeps messages in `LocmemBackend.outbox`."""

    outbox: list[Message] = []

    def send(self, message: Message) -> bool:
        LocmemBackend.outbox.append(message)
        return True


def get_backend() -> NotificationBackend:
    return import_string(getattr(settings, "SCHEDULING_NOTIFICATION_BACKEND", DEFAULT_BACKEND))()


SUBJECTS = {
    NotificationKind.CONFIRMATION: "POLMED mobile clinic: appointment booked",
    NotificationKind.REMINDER: "POLMED mobile clinic: appointment tomorrow",
    NotificationKind.CANCELLATION: "POLMED mobile clinic: appointment cancelled",
    NotificationKind.NEEDS_RESCHEDULING: "POLMED mobile clinic: clinic day cancelled",
}


def build_message(kind: str, appointment) -> Message:
    slot = appointment.slot
    stop = slot.stop
    when = f"{stop.date:%a %d %b %Y} at {slot.start_time:%H:%M}"
    where = f"{stop.location.name}, {stop.location.address}".rstrip(", ")
    lines = {
        NotificationKind.CONFIRMATION: f"Your appointment is booked for {when}, {where}.",
        NotificationKind.REMINDER: f"Reminder: your appointment is tomorrow, {when}, {where}.",
        NotificationKind.CANCELLATION: f"Your appointment on {when} is cancelled.",
        NotificationKind.NEEDS_RESCHEDULING: (
            f"Sorry, the clinic on {stop.date:%a %d %b %Y} at {stop.location.name} cannot take place. "
            "We will contact you to book another day."
        ),
    }
    body = f"Dear {appointment.first_name}, {lines[kind]} Reference: {appointment.reference}."
    return Message(
        kind=kind,
        subject=SUBJECTS[kind],
        body=body,
        phone=appointment.phone,
        email=appointment.email,
        reference=appointment.reference,
    )


SENT, UNREACHABLE, FAILED = "sent", "unreachable", "failed"


def notify(kind: str, appointment, *, backend: NotificationBackend | None = None) -> str:
    """Send one notice: SENT, UNREACHABLE (this backend cannot reach the person) or FAILED.

    A failing gateway never undoes the booking: the error is logged without personal data."""
    try:
        delivered = (backend or get_backend()).send(build_message(kind, appointment))
    except Exception:
        logger.exception("Could not send %s notice for appointment %s", kind, appointment.pk)
        return FAILED
    return SENT if delivered else UNREACHABLE
