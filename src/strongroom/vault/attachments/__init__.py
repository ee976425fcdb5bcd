"""Encrypted file attachments (see README.md)."""
