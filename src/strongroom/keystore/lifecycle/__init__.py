"""An account's later life on the Keystore: new credentials (passphrase or secret key) and KEK rotation."""
