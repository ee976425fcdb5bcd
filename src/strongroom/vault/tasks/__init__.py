"""Client tasks: ``GET``/``PUT /client_task_queue`` and the queue other Vault packages push work onto."""
