"""Print the roles and permissions table as Markdown (the source of docs/roles.md)."""

from django.core.management.base import BaseCommand

from accounts.choices import Role
from accounts.roles import ROLE_PERMISSIONS, permissions_for


def render_roles_markdown() -> str:
    lines = [
        "# Roles and permissions",
        "",
        "Generated from `accounts/roles.py` by `python manage.py roles_table > docs/roles.md`;",
        "a test fails when this file and the code disagree. Administrators hold every permission.",
        "An API request needs the `view` permission to read and `add`/`change`/`delete` to write.",
        "",
    ]
    for app_label in ROLE_PERMISSIONS:
        lines += [f"## {app_label}", ""]
        for role in Role:
            if role == Role.ADMINISTRATOR:
                continue
            granted = sorted(p.split(".", 1)[1] for p in permissions_for(role) if p.startswith(f"{app_label}."))
            lines.append(f"- **{role.label}**: {', '.join(f'`{p}`' for p in granted) if granted else 'none'}")
        lines.append("")
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Print the roles and permissions table (docs/roles.md)."

    def handle(self, *args, **options):
        self.stdout.write(render_roles_markdown(), ending="")
