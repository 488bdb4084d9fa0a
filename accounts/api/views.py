from django.contrib.auth.signals import user_logged_in
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, viewsets
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.api.serializers import (
    CurrentUserSerializer,
    LoginResponseSerializer,
    LoginSerializer,
    RefreshSerializer,
    TokenPairSerializer,
    UserSerializer,
    UserSummarySerializer,
)
from accounts.lockout import lockout_message
from accounts.models import User
from polmed.api import created, success


class LockedOut(exceptions.APIException):
    status_code = 429
    default_code = "locked_out"


class TokenEndpoint(APIView):
    """Base for endpoints that take credentials in the body rather than a bearer token."""

    authentication_classes = []
    permission_classes = [AllowAny]

    def get_authenticate_header(self, request):
        # Keeps failed credentials a 401 (DRF turns them into 403 when no scheme is named).
        return 'Bearer realm="api"'


class LoginView(TokenEndpoint):
    """Exchange email and password for an access token and a refresh token."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(
        auth=[],
        request=LoginSerializer,
        responses={200: LoginResponseSerializer, 401: OpenApiResponse(description="Wrong credentials")},
    )
    def post(self, request):
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.authenticate(request)
        if getattr(request._request, "axes_locked_out", False):
            raise LockedOut(lockout_message())
        if user is None or not user.is_active:
            raise exceptions.AuthenticationFailed("Invalid email or password.")
        refresh = RefreshToken.for_user(user)
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        return success(
            {"token": str(refresh.access_token), "refresh": str(refresh), "user": UserSummarySerializer(user).data},
            message="Login successful",
        )


class RefreshView(TokenEndpoint):
    """Exchange a refresh token for a new pair; the old refresh token is blacklisted."""

    @extend_schema(auth=[], request=RefreshSerializer, responses={200: TokenPairSerializer})
    def post(self, request):
        serializer = TokenRefreshSerializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except TokenError as error:
            raise InvalidToken(error.args[0]) from error
        return success({"token": serializer.validated_data["access"], "refresh": serializer.validated_data["refresh"]})


class LogoutView(TokenEndpoint):
    """Blacklist a refresh token so it can no longer be used."""

    @extend_schema(auth=[], request=RefreshSerializer, responses={200: OpenApiResponse(description="Logged out")})
    def post(self, request):
        serializer = RefreshSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            RefreshToken(serializer.validated_data["refresh"]).blacklist()
        except TokenError as error:
            raise InvalidToken(error.args[0]) from error
        return success(message="Logged out successfully")


class MeView(APIView):
    """The logged-in user."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: CurrentUserSerializer})
    def get(self, request):
        return success(CurrentUserSerializer(request.user).data)


class UserViewSet(viewsets.ModelViewSet):
    """Staff accounts (administrators only). Deleting a user deactivates it, keeping the audit trail."""

    queryset = User.objects.prefetch_related("groups").order_by("email")
    serializer_class = UserSerializer
    filterset_fields = ["is_active"]
    search_fields = ["email", "first_name", "last_name"]
    ordering_fields = ["email", "last_name", "last_login"]

    def create(self, request, *args, **kwargs):
        response = super().create(request, *args, **kwargs)
        return created(response.data, message="User created successfully")

    def perform_destroy(self, instance):
        instance.is_active = False
        instance.save(update_fields=["is_active"])
