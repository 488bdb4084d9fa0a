import json

import pytest

from accounts.choices import Role
from polmed.testing import MATRIX_ARGS, Access, assert_access, matrix_cases, roles

pytestmark = pytest.mark.django_db

MATRIX = [
    Access("GET", "/api/users", roles()),
    Access("POST", "/api/users", roles(), {"email": "x@test.polmed.co.za", "role": "nurse", "password": "Xy-77-long!"}),
    Access("GET", "/api/users/{user}", roles()),
    Access("PATCH", "/api/users/{user}", roles(), {"first_name": "New"}),
    Access("DELETE", "/api/users/{user}", roles()),
    Access("GET", "/api/auth/me", frozenset(Role)),
]


@pytest.mark.parametrize(MATRIX_ARGS, matrix_cases(MATRIX))
def test_role_matrix(client_for, user_with_role, access, role, allowed):
    target = user_with_role(Role.CLERK)
    client = client_for(role)

    response = client.generic(
        access.method,
        access.path.format(user=target.pk),
        data=json.dumps(access.payload) if access.payload else "",
        content_type="application/json",
    )

    assert_access(response, allowed)
