from polmed.routers import OptionalSlashRouter

router = OptionalSlashRouter()

urlpatterns = router.urls
