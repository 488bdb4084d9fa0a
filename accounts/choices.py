from django.db import models


class Role(models.TextChoices):
    """The spec's eight roles. The value is what the API returns; the label names the group."""

    ADMINISTRATOR = "administrator", "Administrator"
    DOCTOR = "doctor", "Doctor"
    NURSE = "nurse", "Nurse"
    CLERK = "clerk", "Clerk"
    SOCIAL_WORKER = "social_worker", "Social Worker"
    INVENTORY_MANAGER = "inventory_manager", "Inventory Manager"
    FINANCE = "finance", "Finance"
    VIEWER = "viewer", "Viewer"

    @classmethod
    def from_group_name(cls, name: str) -> "Role | None":
        return next((role for role in cls if role.label == name), None)


# Roles that work in the back office (the Django admin) as well as the staff pages.
ADMIN_SITE_ROLES = {Role.ADMINISTRATOR, Role.INVENTORY_MANAGER}
