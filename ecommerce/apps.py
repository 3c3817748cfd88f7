import logging

from django.apps import AppConfig

logger = logging.getLogger("ecommerce")


class EcommerceConfig(AppConfig):
    name = "ecommerce"
    verbose_name = "Shop"

    def ready(self) -> None:
        from ecommerce.views import metrics_unrestricted_refused

        if metrics_unrestricted_refused():
            logger.warning(
                "/metrics refuses every scrape (403): DJANGO_DEBUG is off and neither METRICS_TOKEN nor "
                "METRICS_ALLOWED_IPS is set."
            )
