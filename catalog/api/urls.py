from catalog.api.views import CategoryViewSet, ProductViewSet
from ecommerce.ids import ApiRouter

router = ApiRouter()
# Products first: the busiest routes are tried first.
router.register("products", ProductViewSet, basename="product")
router.register("categories", CategoryViewSet, basename="category")

urlpatterns = router.urls
