"""The caller's own Keystore sessions: ``GET /sessions``, ``DELETE /sessions/{id}``, ``DELETE /sessions``."""
