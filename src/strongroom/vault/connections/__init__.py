"""Connections: two records per pair of users, made by accepting an invitation."""
