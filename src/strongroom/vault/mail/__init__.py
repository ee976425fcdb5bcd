"""Mail that is never lost: an outbox table written in the transaction of what it tells about, and a
delivery worker (SMTP, or a maildir folder) that sends each row once."""
