"""Load demonstration data: staff for every role, then each app's demo records.

Each app may provide `<app>/demo.py` with `seed(password=..., log=...)`; they run in
INSTALLED_APPS order, so lower layers (accounts, inventory) exist before upper ones use them.
Running it again updates what exists instead of duplicating it.
"""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


class Command(BaseCommand):
    help = "Create (idempotently) demo users for every role and demo clinic data."

    def add_arguments(self, parser):
        parser.add_argument("--password", help="Password for every demo user (required when DEBUG is off).")

    def handle(self, *args, password=None, verbosity=1, **options):
        if not password:
            if not settings.DEBUG:
                raise CommandError("With DEBUG off, give the demo users' password explicitly: --password ...")
            password = settings.DEMO_PASSWORD

        def log(message):
            if verbosity >= 2:
                self.stdout.write(f"  {message}")

        for app_config in apps.get_app_configs():
            module_name = f"{app_config.name}.demo"
            if find_spec(module_name) is None:
                continue
            with transaction.atomic():
                import_module(module_name).seed(password=password, log=log)
            if verbosity >= 1:
                self.stdout.write(f"Seeded {app_config.label}")
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
