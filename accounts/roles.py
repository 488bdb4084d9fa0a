"""The single declared table of what each role may do: role -> Django model permissions.

Each app owns one block, keyed by its label. Groups are synchronised from this table by a
data migration and again after every `migrate` (Django creates permissions only after all
migrations have run). `docs/roles.md` is generated from it: `python manage.py roles_table`.
"""

from django.contrib.auth.management import create_permissions
from django.db import DEFAULT_DB_ALIAS

from accounts.choices import Role

VIEW, ADD, CHANGE, DELETE = "view", "add", "change", "delete"
CRUD = (VIEW, ADD, CHANGE, DELETE)


def perms(model: str, *actions: str) -> list[str]:
    """perms("clinical.patient", VIEW, ADD) -> ["clinical.view_patient", "clinical.add_patient"]."""
    app_label, model_name = model.split(".")
    return [f"{app_label}.{action}_{model_name}" for action in actions]


# Administrators hold every permission of every app; the table lists everyone else.
ROLE_PERMISSIONS: dict[str, dict[Role, list[str]]] = {
    "accounts": {
        Role.DOCTOR: [],
        Role.NURSE: [],
        Role.CLERK: [],
        Role.SOCIAL_WORKER: [],
        Role.INVENTORY_MANAGER: [],
        Role.FINANCE: [],
        Role.VIEWER: [],
    },
    "inventory": {
        Role.DOCTOR: [
            # Clinicians see what is in their van: items, batches, stock levels, the locations.
            *perms("inventory.item", VIEW),
            *perms("inventory.batch", VIEW),
            *perms("inventory.stocklevel", VIEW),
            *perms("inventory.stocklocation", VIEW),
        ],
        Role.NURSE: [
            # Clinicians see what is in their van: items, batches, stock levels, the locations.
            *perms("inventory.item", VIEW),
            *perms("inventory.batch", VIEW),
            *perms("inventory.stocklevel", VIEW),
            *perms("inventory.stocklocation", VIEW),
        ],
        Role.CLERK: [],
        Role.SOCIAL_WORKER: [],
        Role.INVENTORY_MANAGER: [
            *perms("inventory.stocklocation", *CRUD),
            *perms("inventory.supplier", *CRUD),
            *perms("inventory.assetcategory", *CRUD),
            *perms("inventory.asset", *CRUD),
            *perms("inventory.assetmaintenance", *CRUD),
            *perms("inventory.assetstatuschange", VIEW),
            *perms("inventory.item", *CRUD),
            *perms("inventory.stocklevel", *CRUD),
            *perms("inventory.batch", *CRUD),
            # The ledger is read-only for everyone: movements are written by the stock service only.
            *perms("inventory.stockmovement", VIEW),
            "inventory.view_usage",
            *perms("inventory.purchaseorder", *CRUD),
            "inventory.receive_purchaseorder",
            *perms("inventory.purchaseorderline", *CRUD),
            *perms("inventory.stockalert", VIEW),
        ],
        Role.FINANCE: [
            # Usage and cost, and asset book values; no writes.
            "inventory.view_usage",
            *perms("inventory.asset", VIEW),
            *perms("inventory.assetcategory", VIEW),
            *perms("inventory.stocklocation", VIEW),
        ],
        Role.VIEWER: [],
    },
    "scheduling": {
        # Clinic teams see where the van goes, make and manage bookings, and block a day or
        # change its capacity (a van breaks down); administrators plan routes, stops and slots.
        # Bookings hold names and phone numbers, so inventory, finance and viewers get none.
        Role.DOCTOR: [
            *perms("scheduling.location", VIEW),
            *perms("scheduling.mobileunit", VIEW),
            *perms("scheduling.route", VIEW),
            *perms("scheduling.routestop", VIEW, CHANGE),
            *perms("scheduling.appointmentslot", VIEW),
            *perms("scheduling.appointment", VIEW, ADD, CHANGE),
        ],
        Role.NURSE: [
            *perms("scheduling.location", VIEW),
            *perms("scheduling.mobileunit", VIEW),
            *perms("scheduling.route", VIEW),
            *perms("scheduling.routestop", VIEW, CHANGE),
            *perms("scheduling.appointmentslot", VIEW),
            *perms("scheduling.appointment", VIEW, ADD, CHANGE),
        ],
        Role.CLERK: [
            *perms("scheduling.location", VIEW),
            *perms("scheduling.mobileunit", VIEW),
            *perms("scheduling.route", VIEW),
            *perms("scheduling.routestop", VIEW, CHANGE),
            *perms("scheduling.appointmentslot", VIEW),
            *perms("scheduling.appointment", VIEW, ADD, CHANGE),
        ],
        Role.SOCIAL_WORKER: [
            *perms("scheduling.location", VIEW),
            *perms("scheduling.route", VIEW),
            *perms("scheduling.routestop", VIEW),
            *perms("scheduling.appointmentslot", VIEW),
            *perms("scheduling.appointment", VIEW),
        ],
        # Vans are stock locations: the inventory manager sees them and where they are going.
        Role.INVENTORY_MANAGER: [
            *perms("scheduling.location", VIEW),
            *perms("scheduling.mobileunit", VIEW),
            *perms("scheduling.route", VIEW),
            *perms("scheduling.routestop", VIEW),
        ],
        Role.FINANCE: [],
        Role.VIEWER: [],
    },
    "clinical": {
        # Doctors: everything clinical, including reading counseling notes and allergy overrides.
        Role.DOCTOR: [
            *perms("clinical.patient", VIEW, ADD, CHANGE),
            *perms("clinical.visit", VIEW, ADD, CHANGE),
            "clinical.advance_from_registration",
            "clinical.advance_from_assessment",
            "clinical.advance_from_consultation",
            "clinical.advance_from_counseling",
            "clinical.close_visit",
            *perms("clinical.visitstagechange", VIEW),
            *perms("clinical.vitalsigns", VIEW, ADD),
            *perms("clinical.consultationnote", VIEW, ADD),
            *perms("clinical.nursingnote", VIEW, ADD),
            *perms("clinical.counselingnote", VIEW),
            *perms("clinical.diagnosis", VIEW, ADD),
            *perms("clinical.medicine", VIEW),
            *perms("clinical.prescription", VIEW, ADD),
            *perms("clinical.prescriptionitem", VIEW),
            "clinical.override_allergy",
            *perms("clinical.dispensation", VIEW, ADD),
            *perms("clinical.referral", VIEW, ADD, CHANGE),
            *perms("clinical.patientappointment", VIEW, ADD),
        ],
        # Nurses: registration, assessment and dispensing; they read, never write, SOAP notes,
        # diagnoses and prescriptions.
        Role.NURSE: [
            *perms("clinical.patient", VIEW, ADD, CHANGE),
            *perms("clinical.visit", VIEW, ADD, CHANGE),
            "clinical.advance_from_registration",
            "clinical.advance_from_assessment",
            "clinical.advance_from_counseling",
            "clinical.close_visit",
            *perms("clinical.visitstagechange", VIEW),
            *perms("clinical.vitalsigns", VIEW, ADD),
            *perms("clinical.consultationnote", VIEW),
            *perms("clinical.nursingnote", VIEW, ADD),
            *perms("clinical.diagnosis", VIEW),
            *perms("clinical.medicine", VIEW),
            *perms("clinical.prescription", VIEW),
            *perms("clinical.prescriptionitem", VIEW),
            *perms("clinical.dispensation", VIEW, ADD),
            *perms("clinical.referral", VIEW),
            *perms("clinical.patientappointment", VIEW, ADD),
        ],
        # Clerks: registration (with the conditions, allergies and medications patients report),
        # opening visits and booking; no clinical records at all.
        Role.CLERK: [
            *perms("clinical.patient", VIEW, ADD, CHANGE),
            *perms("clinical.visit", VIEW, ADD, CHANGE),
            "clinical.advance_from_registration",
            *perms("clinical.visitstagechange", VIEW),
            *perms("clinical.patientappointment", VIEW, ADD),
        ],
        # Social workers: read patients and visits; counseling notes and referrals.
        Role.SOCIAL_WORKER: [
            *perms("clinical.patient", VIEW),
            *perms("clinical.visit", VIEW),
            "clinical.advance_from_counseling",
            *perms("clinical.visitstagechange", VIEW),
            *perms("clinical.counselingnote", VIEW, ADD),
            *perms("clinical.referral", VIEW, ADD, CHANGE),
        ],
        # The formulary is not patient data: inventory managers link its entries to stock items.
        Role.INVENTORY_MANAGER: [*perms("clinical.medicine", VIEW, CHANGE)],
        Role.FINANCE: [],
        Role.VIEWER: [],
    },
    "reports": {
        # Dashboard figures are bare counts; every staff role sees them.
        Role.DOCTOR: [
            "reports.view_dashboard",
            "reports.view_aggregate_reports",
            "reports.view_clinical_reports",
            "reports.view_small_counts",
        ],
        Role.NURSE: [
            "reports.view_dashboard",
            "reports.view_aggregate_reports",
            "reports.view_clinical_reports",
            "reports.view_small_counts",
        ],
        Role.CLERK: ["reports.view_dashboard", "reports.view_aggregate_reports", "reports.view_small_counts"],
        Role.SOCIAL_WORKER: [
            "reports.view_dashboard",
            "reports.view_aggregate_reports",
            "reports.view_clinical_reports",
            "reports.view_small_counts",
        ],
        # No patient access: aggregate reports with small counts hidden, and stock and asset reports.
        Role.INVENTORY_MANAGER: ["reports.view_dashboard", "reports.view_finance_reports"],
        Role.FINANCE: ["reports.view_dashboard", "reports.view_aggregate_reports", "reports.view_finance_reports"],
        Role.VIEWER: ["reports.view_dashboard", "reports.view_aggregate_reports"],
    },
}


def permissions_for(role: Role) -> set[str]:
    return {perm for block in ROLE_PERMISSIONS.values() for perm in block.get(role, [])}


def sync_roles(apps, using=DEFAULT_DB_ALIAS) -> None:
    """Create the eight role groups and give each exactly the permissions the table declares."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for app_config in apps.get_app_configs():
        # Historical app configs in migrations have no models module; create_permissions skips those.
        stub = getattr(app_config, "models_module", None) is None
        if stub:
            app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=using)
        if stub:
            app_config.models_module = None

    all_permissions = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.using(using).values_list(
            "pk", "content_type__app_label", "codename"
        )
    }
    for role in Role:
        group, _ = Group.objects.using(using).get_or_create(name=role.label)
        if role == Role.ADMINISTRATOR:
            wanted = set(all_permissions.values())
        else:
            wanted = {all_permissions[p] for p in permissions_for(role) if p in all_permissions}
        group.permissions.set(wanted)


def sync_roles_after_migrate(sender, app_config=None, using=DEFAULT_DB_ALIAS, apps=None, **kwargs):
    # post_migrate fires once per app; sync once, after the last app in INSTALLED_APPS.
    from django.apps import apps as global_apps

    with_models = [config for config in global_apps.get_app_configs() if config.models_module is not None]
    if app_config is None or app_config is not with_models[-1]:
        return
    sync_roles(global_apps, using=using)
