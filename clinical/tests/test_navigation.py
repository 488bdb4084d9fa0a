"""The main navigation shows each role only the staff pages it may open."""

import re

import pytest

from accounts.choices import Role

pytestmark = pytest.mark.django_db

EXPECTED = {
    Role.ADMINISTRATOR: {
        "Dashboard",
        "Patients",
        "Today's clinic",
        "Appointments",
        "Referrals",
        "Van stock",
        "Reports",
        "Back office",
    },
    Role.DOCTOR: {"Dashboard", "Patients", "Today's clinic", "Appointments", "Referrals", "Van stock", "Reports"},
    Role.NURSE: {"Dashboard", "Patients", "Today's clinic", "Appointments", "Referrals", "Van stock", "Reports"},
    Role.CLERK: {"Dashboard", "Patients", "Today's clinic", "Appointments", "Reports"},
    Role.SOCIAL_WORKER: {"Dashboard", "Patients", "Today's clinic", "Appointments", "Referrals", "Reports"},
    Role.INVENTORY_MANAGER: {"Dashboard", "Van stock", "Reports", "Back office"},
    Role.FINANCE: {"Dashboard", "Reports"},
    Role.VIEWER: {"Dashboard", "Reports"},
}


def nav_links(html: str) -> set[str]:
    nav = re.search(r'<nav aria-label="Main".*?</nav>', html, re.S).group(0)
    return set(re.findall(r"<a [^>]*>([^<]+)</a>", nav))


@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.value)
def test_each_role_sees_only_the_pages_it_may_use(client, user_with_role, role):
    client.force_login(user_with_role(role))

    html = client.get("/login/", follow=True).content.decode()

    assert nav_links(html) == EXPECTED[role]
