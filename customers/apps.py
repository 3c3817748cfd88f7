from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = "Customers"

    def ready(self) -> None:
        from django.db.models.signals import pre_save

        from customers import schema  # noqa: F401  (registers the OpenAPI auth extension)
        from customers.models import User
        from customers.receivers import user_tokens_end_on_deactivation

        pre_save.connect(user_tokens_end_on_deactivation, sender=User, dispatch_uid="user-tokens-end-on-deactivation")
