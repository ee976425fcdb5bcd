"""Encryption spaces and shared keys: the Keystore's half of the key exchange of a share (see README.md)."""
