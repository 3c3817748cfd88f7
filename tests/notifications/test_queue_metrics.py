"""The delivery queue on /metrics: ecommerce_notifications_pending, _oldest_pending_age_seconds, _retrying."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from notifications.models import Channel, Notification
from notifications.services import notification_send
from tests.notifications.fakes import Reply
from tests.notifications.helpers import place_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def scrape(client) -> dict[tuple[str, str], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    wanted = {
        "ecommerce_notifications_pending",
        "ecommerce_notifications_oldest_pending_age_seconds",
        "ecommerce_notifications_retrying",
    }
    return {
        (sample.name, sample.labels["channel"]): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        if family.name in wanted
        for sample in family.samples
    }


def test_the_queue_metrics_follow_the_queue(client, database_tasks, at_settings, fake_at):
    assert scrape(client)[("ecommerce_notifications_pending", "sms")] == 0
    orders = [place_order(), place_order()]
    Notification.objects.filter(order=orders[0]).update(created_at=timezone.now() - timedelta(seconds=120))

    queued = scrape(client)
    assert queued[("ecommerce_notifications_pending", "sms")] == 2
    assert queued[("ecommerce_notifications_pending", "email")] == 2
    assert 120 <= queued[("ecommerce_notifications_oldest_pending_age_seconds", "sms")] < 180
    assert queued[("ecommerce_notifications_retrying", "sms")] == 0

    # the old order's SMS fails transiently (retry scheduled), its email goes out
    fake_at.script.append(lambda r: Reply(503, b"Service Unavailable", "text/plain"))
    old = {n.channel: n for n in Notification.objects.filter(order=orders[0])}
    notification_send(notification_id=old[Channel.SMS].pk)
    notification_send(notification_id=old[Channel.EMAIL].pk)

    later = scrape(client)
    assert later[("ecommerce_notifications_pending", "sms")] == 1
    assert later[("ecommerce_notifications_retrying", "sms")] == 1
    assert later[("ecommerce_notifications_pending", "email")] == 1
    assert later[("ecommerce_notifications_oldest_pending_age_seconds", "sms")] < 60

    for notification in Notification.objects.filter(order=orders[1]):
        notification_send(notification_id=notification.pk)
    drained = scrape(client)
    assert drained[("ecommerce_notifications_pending", "sms")] == 0
    assert drained[("ecommerce_notifications_pending", "email")] == 0
    assert drained[("ecommerce_notifications_oldest_pending_age_seconds", "email")] == 0


def test_a_scrape_reads_the_queue_in_two_queries(client, database_tasks, at_settings, django_assert_num_queries):
    for _ in range(3):
        place_order()

    with django_assert_num_queries(2):
        client.get("/metrics")


def test_the_queue_query_reads_its_index(mysql_only, database_tasks, at_settings):
    place_order()
    queryset = (
        Notification.objects.filter(status__in=["pending", "sending"])
        .values("channel")
        .annotate(count=Count("pk"), oldest=Min("created_at"))
        .order_by()
    )
    with connection.cursor() as cursor:
        sql, params = queryset.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert "notif_queue_idx" in plan
