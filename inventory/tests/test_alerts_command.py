from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from inventory import services
from inventory.choices import AlertKind
from inventory.models import StockAlert
from inventory.tests.factories import AssetFactory, ItemFactory, StockLevelFactory, StockLocationFactory
from inventory.tests.helpers import stock

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def alerting_stock(inventory_manager):
    van = StockLocationFactory(code="VAN-01", name="Mobile Clinic 1")
    low = StockLevelFactory(location=van, reorder_level=10, item=ItemFactory(name="Enalapril 10 mg tablet"))
    stock(low.item, van, 4, by=inventory_manager, days=400)
    expiring = stock(ItemFactory(name="Amoxicillin 500 mg capsule"), van, 30, by=inventory_manager, days=20)
    asset = AssetFactory(
        asset_tag="MED-ECG-01",
        next_calibration_due=TODAY + timedelta(days=5),
        warranty_expiry=TODAY + timedelta(days=60),
    )
    return {"van": van, "low": low, "expiring": expiring, "asset": asset}


def test_the_command_records_alerts_and_emails_the_inventory_managers_once(alerting_stock, inventory_manager, nurse):
    call_command("check_stock_alerts", verbosity=0)

    kinds = sorted(StockAlert.objects.values_list("kind", flat=True))
    assert kinds == sorted(
        [AlertKind.LOW_STOCK, AlertKind.EXPIRY, AlertKind.CALIBRATION_DUE, AlertKind.WARRANTY_EXPIRING]
    )
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [inventory_manager.email]
    assert "Enalapril 10 mg tablet at Mobile Clinic 1: 4 left" in mail.outbox[0].body
    assert "MED-ECG-01" in mail.outbox[0].body

    call_command("check_stock_alerts", verbosity=0)

    assert StockAlert.objects.count() == 4
    assert len(mail.outbox) == 1


def test_an_alert_resolves_when_the_condition_clears_and_is_raised_again_when_it_returns(
    alerting_stock, inventory_manager
):
    van, low = alerting_stock["van"], alerting_stock["low"]
    call_command("check_stock_alerts", verbosity=0)
    key = f"low_stock:{low.item_id}:{van.pk}"

    stock(low.item, van, 50, by=inventory_manager, days=400, batch_number="TOPUP")
    call_command("check_stock_alerts", verbosity=0)
    assert StockAlert.objects.get(key=key).resolved_at is not None

    services.dispense(item=low.item, location=van, quantity=50, by=inventory_manager)
    call_command("check_stock_alerts", verbosity=0)
    alert = StockAlert.objects.get(key=key)
    assert alert.resolved_at is None
    assert len(mail.outbox) == 2 and "Enalapril" in mail.outbox[1].body


def test_a_dry_run_records_and_sends_nothing(alerting_stock, inventory_manager, capsys):
    call_command("check_stock_alerts", "--dry-run")

    assert "4 alert condition(s)" in capsys.readouterr().out
    assert (StockAlert.objects.count(), len(mail.outbox)) == (0, 0)


def test_without_inventory_managers_alerts_wait_to_be_sent(alerting_stock, inventory_manager):
    inventory_manager.is_active = False
    inventory_manager.save()

    call_command("check_stock_alerts", verbosity=0)

    assert len(mail.outbox) == 0
    assert StockAlert.objects.filter(notified_at__isnull=True).count() == 4


def test_alerts_wider_windows_come_from_the_options(alerting_stock):
    call_command("check_stock_alerts", "--expiry-days", "10", "--no-email", verbosity=0)

    assert not StockAlert.objects.filter(kind=AlertKind.EXPIRY).exists()
    assert len(mail.outbox) == 0
