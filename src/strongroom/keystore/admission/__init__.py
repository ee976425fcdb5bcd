"""Admission to the Vault: the single-use Vault admission token each Keystore account may obtain once."""
