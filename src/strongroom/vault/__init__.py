"""The Vault service."""
