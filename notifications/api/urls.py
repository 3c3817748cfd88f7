from django.urls import re_path

from notifications.api.views import SmsDeliveryReportView

urlpatterns = [
    re_path(
        r"^notifications/sms/delivery-reports/?$",
        SmsDeliveryReportView.as_view(),
        name="notification-sms-delivery-reports",
    ),
]
