"""A user's keys: the one KEK, data encryption keys, and RSA keypairs with metadata and external ids."""
