from rest_framework.routers import SimpleRouter

from catalog.api.views import CategoryViewSet, ProductViewSet

router = SimpleRouter()
# No trailing slash, and the same path with one answers too (no redirect). Set after __init__:
# DRF's constructor turns any truthy `trailing_slash` into "/".
router.trailing_slash = "/?"
# Products first: the busiest routes are tried first.
router.register("products", ProductViewSet, basename="product")
router.register("categories", CategoryViewSet, basename="category")

urlpatterns = router.urls
