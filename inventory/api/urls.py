from django.urls import re_path

from inventory.api import views
from polmed.routers import OptionalSlashRouter

router = OptionalSlashRouter()
router.register("inventory/locations", views.StockLocationViewSet, basename="inventory-location")
router.register("inventory/suppliers", views.SupplierViewSet, basename="inventory-supplier")
router.register("inventory/asset-categories", views.AssetCategoryViewSet, basename="inventory-asset-category")
router.register("inventory/assets", views.AssetViewSet, basename="inventory-asset")
router.register("inventory/asset-maintenance", views.AssetMaintenanceViewSet, basename="inventory-asset-maintenance")
router.register("inventory/items", views.ItemViewSet, basename="inventory-item")
router.register("inventory/stock-levels", views.StockLevelViewSet, basename="inventory-stock-level")
router.register("inventory/batches", views.BatchViewSet, basename="inventory-batch")
router.register("inventory/movements", views.StockMovementViewSet, basename="inventory-movement")
router.register("inventory/purchase-orders", views.PurchaseOrderViewSet, basename="inventory-purchase-order")
router.register("inventory/alerts/recorded", views.StockAlertViewSet, basename="inventory-alert")

urlpatterns = [
    re_path(r"^inventory/alerts/expiry/?$", views.ExpiryAlertView.as_view(), name="inventory-alerts-expiry"),
    re_path(r"^inventory/alerts/low-stock/?$", views.LowStockAlertView.as_view(), name="inventory-alerts-low-stock"),
    re_path(
        r"^inventory/alerts/calibration/?$", views.CalibrationDueView.as_view(), name="inventory-alerts-calibration"
    ),
    re_path(
        r"^inventory/alerts/maintenance/?$", views.MaintenanceDueView.as_view(), name="inventory-alerts-maintenance"
    ),
    re_path(r"^inventory/alerts/warranty/?$", views.WarrantyExpiringView.as_view(), name="inventory-alerts-warranty"),
    re_path(r"^inventory/usage/?$", views.UsageView.as_view(), name="inventory-usage"),
    *router.urls,
]
