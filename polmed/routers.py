from rest_framework.routers import SimpleRouter


class OptionalSlashRouter(SimpleRouter):
    """The spec's paths have no trailing slash; accept both forms."""

    def __init__(self):
        super().__init__()
        self.trailing_slash = "/?"
