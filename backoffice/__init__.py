"""The back office: the admin site and the admin pages that span apps.

The top of the layers (STYLE.md "Layers"): it may import every app, and nothing imports it; Django finds it
through `INSTALLED_APPS` (its app, templates, `admin.py` and commands) and the admin app's `default_site`.
"""
