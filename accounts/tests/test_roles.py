from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission

from accounts.choices import Role
from accounts.management.commands.roles_table import render_roles_markdown
from accounts.roles import permissions_for

pytestmark = pytest.mark.django_db


def test_every_role_is_a_group_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.labels)


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMINISTRATOR])
def test_each_group_holds_exactly_the_declared_permissions(role):
    group = Group.objects.get(name=role.label)
    granted = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}

    assert granted == permissions_for(role)


def test_administrators_hold_every_permission():
    assert Group.objects.get(name="Administrator").permissions.count() == Permission.objects.count()


def test_every_declared_permission_exists():
    existing = {f"{a}.{c}" for a, c in Permission.objects.values_list("content_type__app_label", "codename")}
    declared = set().union(*(permissions_for(role) for role in Role))

    assert declared - existing == set()


def test_docs_roles_md_matches_the_code():
    assert (Path(settings.BASE_DIR) / "docs" / "roles.md").read_text() == render_roles_markdown()
