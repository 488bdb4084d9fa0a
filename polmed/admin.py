"""Back-office conventions shared by the apps' admin modules."""

from django.contrib import admin

from accounts.choices import Role


def is_administrator(request) -> bool:
    return request.user.is_active and request.user.role == Role.ADMINISTRATOR


class AdministratorOnlyAdmin(admin.ModelAdmin):
    """Shown only to administrators. Other back-office users (inventory managers) may hold
    read permissions for the API, but their back office shows inventory alone."""

    def has_module_permission(self, request):
        return is_administrator(request) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return is_administrator(request) and super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return is_administrator(request) and super().has_change_permission(request, obj)
