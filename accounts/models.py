from auditlog.registry import auditlog
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, Group, PermissionsMixin
from django.db import models
from django.utils import timezone
from phonenumber_field.modelfields import PhoneNumberField

from accounts.choices import Role


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("Users must have an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        user = self._create_user(email, password, **extra_fields)
        user.set_role(Role.ADMINISTRATOR)
        return user

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A member of clinic, back-office or management staff. Logs in with an email address;
    the one group the user belongs to is the user's role."""

    email = models.EmailField(unique=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    phone_number = PhoneNumberField(region="ZA", blank=True)
    is_staff = models.BooleanField(default=False, help_text="May log in to the back office (the Django admin).")
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    class Meta:
        ordering = ["email"]

    def __str__(self):
        return self.get_full_name() or self.email

    def get_full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self):
        return self.first_name or self.email

    @property
    def role(self) -> Role | None:
        """The user's role, from its group (prefetch `groups` when listing users)."""
        for group in self.groups.all():
            role = Role.from_group_name(group.name)
            if role is not None:
                return role
        return Role.ADMINISTRATOR if self.is_superuser else None

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    def set_role(self, role: Role) -> None:
        """Make `role` the user's only role group."""
        role_groups = Group.objects.filter(name__in=Role.labels)
        self.groups.remove(*role_groups.exclude(name=role.label))
        self.groups.add(Group.objects.get_or_create(name=role.label)[0])


# Passwords (even hashed) and login timestamps stay out of the audit trail.
auditlog.register(User, exclude_fields=["password", "last_login"], m2m_fields={"groups"})
