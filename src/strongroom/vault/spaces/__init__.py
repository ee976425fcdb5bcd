"""The Vault's half of encryption spaces: ``POST /connections/{id}/encryption_space``."""
