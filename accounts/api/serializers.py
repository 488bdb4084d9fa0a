from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import serializers

from accounts.choices import ADMIN_SITE_ROLES, Role
from accounts.models import User
from polmed.api import Conflict


class UserSummarySerializer(serializers.ModelSerializer):
    """The user block of the login response, as the spec shows it."""

    user_id = serializers.IntegerField(source="id", read_only=True)
    role = serializers.CharField(source="role.value", default=None, read_only=True)

    class Meta:
        model = User
        fields = ["user_id", "email", "first_name", "last_name", "role"]


class CurrentUserSerializer(serializers.ModelSerializer):
    """`GET /api/auth/me`, as the spec shows it."""

    phone_number = serializers.CharField(read_only=True)
    role_name = serializers.CharField(source="role.value", default=None, read_only=True)

    class Meta:
        model = User
        fields = ["id", "email", "first_name", "last_name", "phone_number", "role_name"]


class LoginSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"}, write_only=True)

    def authenticate(self, request) -> User | None:
        # Pass Django's request so django-axes can count failures and flag a lockout on it.
        return authenticate(
            request=request._request,
            email=self.validated_data["email"].lower(),
            password=self.validated_data["password"],
        )


class LoginResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
    refresh = serializers.CharField()
    user = UserSummarySerializer()


class RefreshSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class TokenPairSerializer(serializers.Serializer):
    token = serializers.CharField()
    refresh = serializers.CharField()


class UserSerializer(serializers.ModelSerializer):
    """Staff accounts, managed by administrators. The password is write-only and never returned."""

    role = serializers.ChoiceField(choices=Role.choices, source="role.value", required=True)
    password = serializers.CharField(write_only=True, required=False, style={"input_type": "password"})
    phone_number = PhoneNumberField(region="ZA", required=False, allow_blank=True)

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "first_name",
            "last_name",
            "phone_number",
            "role",
            "is_active",
            "last_login",
            "password",
        ]
        read_only_fields = ["id", "last_login"]
        extra_kwargs = {"email": {"validators": []}}

    def validate_email(self, value):
        value = value.lower()
        duplicate = User.objects.filter(email__iexact=value)
        if self.instance is not None:
            duplicate = duplicate.exclude(pk=self.instance.pk)
        if duplicate.exists():
            raise Conflict(f"A user with the email {value} already exists.")
        return value

    def validate_password(self, value):
        validate_password(value, user=self.instance)
        return value

    def validate(self, attrs):
        if self.instance is None and not attrs.get("password"):
            raise serializers.ValidationError({"password": ["A password is required for a new user."]})
        return attrs

    @transaction.atomic
    def create(self, validated_data):
        role = Role(validated_data.pop("role")["value"])
        user = User.objects.create_user(is_staff=role in ADMIN_SITE_ROLES, **validated_data)
        user.set_role(role)
        return user

    @transaction.atomic
    def update(self, instance, validated_data):
        role_data = validated_data.pop("role", None)
        password = validated_data.pop("password", None)
        for field, value in validated_data.items():
            setattr(instance, field, value)
        if password:
            instance.set_password(password)
        if role_data:
            instance.is_staff = Role(role_data["value"]) in ADMIN_SITE_ROLES or instance.is_superuser
        instance.save()
        if role_data:
            instance.set_role(Role(role_data["value"]))
        return instance
