"""The one object a program uses: :class:`Strongroom`, every client-side flow as an async method."""

from __future__ import annotations

from strongroom.client._attachments import AttachmentFlows
from strongroom.client._export import ExportFlows
from strongroom.client._lifecycle import LifecycleFlows
from strongroom.client._sessions import SessionFlows

__all__ = ["Strongroom"]


class Strongroom(LifecycleFlows, SessionFlows, ExportFlows, AttachmentFlows):
    """A client of one Strongroom server (Keystore and Vault) for one user at a time.

    Usage::

        async with Strongroom("http://127.0.0.1:8000") as alice:
            creds = await alice.sign_up("correct horse battery staple", email="alice@example.test")
            card = await alice.create_card("vehicle", "My car", {"make": "Volvo"})
            invitation = await alice.invite(nickname="Bob", email="bob@example.test")

    Accounts: :meth:`sign_up`, :meth:`log_in`, :meth:`resume`, :meth:`resume_unlocked` (with
    :attr:`unlock_key`), :meth:`log_out`, :meth:`me`, :meth:`update_profile`. Account lifecycle:
    :meth:`change_passphrase`, :meth:`new_secret_key`, :meth:`rotate_secret_key`, :meth:`rotate_keys`,
    :meth:`delete_account`, :meth:`export`, :meth:`import_export`, :meth:`share_events`,
    :meth:`create_template`. Sessions: :meth:`sessions`, :meth:`end_session`, :meth:`end_other_sessions`.
    Cards: :meth:`templates`, :meth:`template`, :meth:`create_card`, :meth:`cards`,
    :meth:`card`, :meth:`update_card`, :meth:`remove_slot`, :meth:`delete_card`. Connections: :meth:`invite`,
    :meth:`invitations`, :meth:`cancel_invitation`, :meth:`preview_invitation`, :meth:`accept_invitation`,
    :meth:`connections`, :meth:`connection`, :meth:`rename_connection`, :meth:`delete_connection`.
    Shares: :meth:`share`, :meth:`reshare`, :meth:`shares`, :meth:`get_share`, :meth:`read_share`,
    :meth:`accept_share`, :meth:`update_share`, :meth:`revoke_share`. Client tasks:
    :meth:`client_tasks`, :meth:`run_client_tasks`. Attachments: :meth:`attach_file`,
    :meth:`download_attachment`, :meth:`read_attachment_block`, :meth:`delete_attachment`. The typed
    per-endpoint clients are :attr:`keystore` (:class:`KeystoreClient`) and :attr:`vault`
    (:class:`VaultClient`).

    Keys stay in this object's memory until :meth:`log_out` or :meth:`aclose`.
    """
