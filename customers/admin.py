"""Back office for users (email login) and customers (profiles).

A customer's orders (count, links, the latest ones) are added by `backoffice.admin`: this app does not know orders.
"""

from typing import ClassVar

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from customers import services
from customers.models import Customer, User
from customers.phones import E164_HELP, PhoneInvalid, e164_parse
from ecommerce.admin_helpers import adopt


class UserCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("email",)
        field_classes = {}


class UserChangeAdminForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        field_classes = {}


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeAdminForm
    add_form = UserCreationForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Customer profile", {"fields": ("customer_link",)}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "usable_password", "password1", "password2")}),)
    list_display = ("email", "full_name", "phone", "is_staff", "is_active", "date_joined", "last_login")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    list_select_related = ("customer",)
    search_fields = ("email", "customer__first_name", "customer__last_name", "customer__phone")
    ordering = ("email",)
    show_full_result_count = False
    readonly_fields = ("last_login", "date_joined", "customer_link")

    @admin.display(description="Customer")
    def customer_link(self, user: User) -> str:
        customer = getattr(user, "customer", None)
        if customer is None:
            return "None (staff only)"
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:customers_customer_change", args=[customer.pk]), customer
        )

    @admin.display(description="Name", ordering="customer__last_name")
    def full_name(self, user: User) -> str:
        customer = getattr(user, "customer", None)
        return f"{customer.first_name} {customer.last_name}".strip() if customer else ""

    @admin.display(description="Phone")
    def phone(self, user: User) -> str:
        customer = getattr(user, "customer", None)
        return str(customer.phone) if customer and customer.phone else ""


class CustomerAdminForm(forms.ModelForm):
    """The phone as strictly as the API takes it (SPEC §6: `customers.phones`), not the model field's lenient parse."""

    phone = forms.CharField(max_length=32, required=False, help_text=E164_HELP)

    class Meta:
        model = Customer
        fields = ("first_name", "last_name", "phone")

    def clean_phone(self) -> str:
        text = self.cleaned_data["phone"]
        if not text:
            return ""
        try:
            return e164_parse(text)
        except PhoneInvalid as error:
            raise forms.ValidationError(str(error), code=error.code) from None


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    form = CustomerAdminForm
    list_display: tuple[str, ...] = ("email", "first_name", "last_name", "phone", "date_joined")
    list_display_links = ("email",)
    list_select_related = ("user",)
    search_fields = ("user__email", "first_name", "last_name", "phone")
    ordering = ("-user__date_joined",)
    fields: ClassVar[tuple[str, ...]] = ("user", "first_name", "last_name", "phone", "date_joined")
    readonly_fields: ClassVar[tuple[str, ...]] = ("user", "date_joined")
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Customers register through the API (POST /customers) or sign in through OpenID Connect.
        return False

    def save_model(self, request: HttpRequest, obj: Customer, form, change: bool) -> None:
        fields = {name: form.cleaned_data[name] for name in form.changed_data if name in ("first_name", "last_name")}
        if "phone" in form.changed_data:
            fields["phone"] = str(form.cleaned_data["phone"] or "")
        adopt(obj, services.customer_update(customer=obj, **fields))

    @admin.display(description="Email", ordering="user__email")
    def email(self, customer: Customer) -> str:
        return customer.user.email

    @admin.display(description="Joined", ordering="user__date_joined")
    def date_joined(self, customer: Customer):
        return customer.user.date_joined
