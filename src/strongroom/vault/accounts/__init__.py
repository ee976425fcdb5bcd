"""Admission tokens, accounts (``/me``) and sessions."""
