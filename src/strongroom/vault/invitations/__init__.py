"""Invitations to connect (see README.md for the state machine)."""
