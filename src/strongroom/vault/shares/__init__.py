"""Shares: ``/shares``, ``/shares/{id}``, ``/shares/{id}/accept`` and ``/items/incoming`` (see README.md)."""
