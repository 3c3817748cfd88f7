"""Receivers of other apps' signals (connected in NotificationsConfig.ready)."""
