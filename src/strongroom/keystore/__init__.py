"""The Keystore service."""
