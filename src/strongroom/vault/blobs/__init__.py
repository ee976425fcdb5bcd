"""Encrypted file attachments: blob storage behind a small interface, and the attachment records."""
