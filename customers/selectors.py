"""Read use-cases of the customers app."""

from __future__ import annotations

from functools import cache

from django.db import connections, router
from django.db.models import QuerySet

from customers.models import Customer, User
from ecommerce.db.rows import column_sql, converted, fields_of, instance_from_values

# Every column of both rows, in the models' field order (nothing deferred: no lazy query later).
_USER_FIELDS = fields_of(User)
_CUSTOMER_FIELDS = fields_of(Customer)


def customer_visible_to(*, user: User) -> QuerySet[Customer]:
    """The profiles `user` may see: all for staff, otherwise only their own (others are 404)."""
    customers = Customer.objects.select_related("user").order_by("user_id")
    if user.is_staff:
        return customers
    return customers.filter(user_id=user.pk)


def user_with_customer(*, user_id: int) -> User | None:
    """The user of `user_id` with their customer profile (`user.customer`, or none: no query either way), or None.

    What `User.objects.select_related("customer").filter(pk=user_id).first()` returns, from the same one SELECT
    (a LEFT JOIN on the profile's primary key), the SQL made once per database: building and compiling that
    queryset again on every request cost the bearer authentication about 1 ms of CPU (`ecommerce.db.rows`
    makes the instances as the queryset would).
    """
    alias = router.db_for_read(User)
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(_user_with_customer_sql(connection.vendor, alias), [user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    values = converted(connection, _USER_FIELDS + _CUSTOMER_FIELDS, row)
    split = len(_USER_FIELDS)
    user = instance_from_values(User, alias, _USER_FIELDS, values[:split])
    customer = None
    if values[split] is not None:
        customer = instance_from_values(Customer, alias, _CUSTOMER_FIELDS, values[split:])
        Customer.user.field.set_cached_value(customer, user)
    User.customer.related.set_cached_value(user, customer)
    return user


@cache
def _user_with_customer_sql(vendor: str, alias: str) -> str:
    """The SELECT of `user_with_customer` (one user id parameter), in the database's quoting."""
    connection = connections[alias]
    quote = connection.ops.quote_name
    users, customers = quote(User._meta.db_table), quote(Customer._meta.db_table)
    columns = [column_sql(connection, field) for field in _USER_FIELDS + _CUSTOMER_FIELDS]
    user_pk = column_sql(connection, *fields_of(User, "id"))
    customer_user = column_sql(connection, *fields_of(Customer, "user"))
    return (
        f"SELECT {', '.join(columns)} FROM {users} LEFT OUTER JOIN {customers} "  # noqa: S608 (quoted names only)
        f"ON ({user_pk} = {customer_user}) WHERE {user_pk} = %s"
    )
