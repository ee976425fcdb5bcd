"""Server infrastructure shared by the Keystore and the Vault: settings, database, errors, auth, limits, logs."""
