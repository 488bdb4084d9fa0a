from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        from django.db.models.signals import post_migrate

        import accounts.schema  # noqa: F401  (registers the OpenAPI auth extension)
        from accounts.roles import sync_roles_after_migrate

        # Permissions of apps migrated after accounts exist only once every migration ran.
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="accounts.sync_roles")
