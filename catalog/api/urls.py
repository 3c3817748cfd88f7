from catalog.api.views import CategoryViewSet, ProductViewSet
from ecommerce.ids import ApiRouter

router = ApiRouter()
router.register("categories", CategoryViewSet, basename="category")
router.register("products", ProductViewSet, basename="product")

urlpatterns = router.urls
