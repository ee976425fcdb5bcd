"""Server infrastructure shared by the services: settings, database, errors, auth, limits, logs."""
