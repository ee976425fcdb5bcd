"""Public keys users register with the Vault (connection keys; private halves live in the Keystore)."""
