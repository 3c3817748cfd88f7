from rest_framework import serializers


class SmsDeliveryReportSerializer(serializers.Serializer):
    """Africa's Talking's delivery report (form-encoded); its other fields (networkCode, retryCount…) are ignored."""

    id = serializers.CharField(max_length=128)
    status = serializers.CharField(max_length=64)
    phoneNumber = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    failureReason = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class SmsDeliveryReportResultSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The provider message id of the report.")
    matched = serializers.BooleanField(help_text="Whether a notification had that provider message id.")
    notification = serializers.IntegerField(allow_null=True)
    status = serializers.CharField(allow_null=True, help_text="The notification's status after the report.")
