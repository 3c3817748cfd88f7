from rest_framework.routers import SimpleRouter

from catalog.api.views import CategoryViewSet, ProductViewSet

# No trailing slash, and the same path with one answers too (no redirect).
router = SimpleRouter(trailing_slash="/?")
router.register("categories", CategoryViewSet, basename="category")
router.register("products", ProductViewSet, basename="product")

urlpatterns = router.urls
