"""SRP-6a accounts and sessions: usernames, registration, challenges, logins and logouts."""
