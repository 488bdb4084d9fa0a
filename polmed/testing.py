"""Test helpers every app's suite uses: the role matrix and the error envelope."""

from dataclasses import dataclass, field

import pytest

from accounts.choices import Role

ALL_ROLES = tuple(Role)


@dataclass(frozen=True)
class Access:
    """One row of an app's permission matrix: who may call `method path`.

    `path` may contain `{name}` placeholders filled from the objects a test builds.
    `payload` is sent as JSON with writes; a permitted role may still get 400/404/409,
    but never 401 or 403.
    """

    method: str
    path: str
    allowed: frozenset[Role]
    payload: dict = field(default_factory=dict)

    def cases(self):
        for role in ALL_ROLES:
            yield pytest.param(self, role, role in self.allowed, id=f"{self.method} {self.path} as {role.value}")


def matrix_cases(matrix: list[Access]):
    """Parametrize a test over every (row, role) pair: `@pytest.mark.parametrize(MATRIX_ARGS, matrix_cases(M))`."""
    return [case for row in matrix for case in row.cases()]


MATRIX_ARGS = ("access", "role", "allowed")


def assert_error(response, status_code: int, *, contains: str | None = None) -> dict:
    """The response is an error envelope with this status (and, optionally, this text)."""
    assert response.status_code == status_code, (response.status_code, response.content[:500])
    body = response.json()
    assert body["success"] is False
    assert isinstance(body["error"], str) and body["error"]
    if contains is not None:
        assert contains.lower() in body["error"].lower(), body["error"]
    return body


def assert_access(response, allowed: bool) -> None:
    """Permitted roles get past authorisation; the others get the 403 envelope."""
    if allowed:
        assert response.status_code not in (401, 403), (response.status_code, response.content[:500])
    else:
        assert_error(response, 403)


def roles(*names: Role) -> frozenset[Role]:
    return frozenset(names) | {Role.ADMINISTRATOR}
