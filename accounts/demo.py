"""Demo staff: one user per role, all with the same password (see `seed_demo`)."""

from accounts.choices import ADMIN_SITE_ROLES, Role
from accounts.models import User

DEMO_DOMAIN = "demo.polmed.co.za"

DEMO_STAFF = [
    (Role.ADMINISTRATOR, "admin", "Thandi", "Mokoena"),
    (Role.DOCTOR, "doctor", "Sipho", "Ndlovu"),
    (Role.NURSE, "nurse", "Lerato", "Dlamini"),
    (Role.CLERK, "clerk", "Pieter", "van der Merwe"),
    (Role.SOCIAL_WORKER, "socialworker", "Nomsa", "Khumalo"),
    (Role.INVENTORY_MANAGER, "inventory", "Ayesha", "Patel"),
    (Role.FINANCE, "finance", "Johan", "Botha"),
    (Role.VIEWER, "viewer", "Zanele", "Mthembu"),
]


def seed(*, password: str, log) -> None:
    for role, local_part, first_name, last_name in DEMO_STAFF:
        email = f"{local_part}@{DEMO_DOMAIN}"
        user, created = User.objects.get_or_create(
            email=email,
            defaults={
                "first_name": first_name,
                "last_name": last_name,
                "is_staff": role in ADMIN_SITE_ROLES,
                "is_superuser": role == Role.ADMINISTRATOR,
            },
        )
        user.set_password(password)
        user.save(update_fields=["password"])
        user.set_role(role)
        log(f"{'Created' if created else 'Updated'} {role.label}: {email}")
