from django.urls import re_path

from accounts.api import views
from polmed.routers import OptionalSlashRouter

router = OptionalSlashRouter()
router.register("users", views.UserViewSet, basename="user")

urlpatterns = [
    re_path(r"^auth/login/?$", views.LoginView.as_view(), name="auth-login"),
    re_path(r"^auth/refresh/?$", views.RefreshView.as_view(), name="auth-refresh"),
    re_path(r"^auth/logout/?$", views.LogoutView.as_view(), name="auth-logout"),
    re_path(r"^auth/me/?$", views.MeView.as_view(), name="auth-me"),
    *router.urls,
]
