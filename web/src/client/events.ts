// Who read a share (`GET /vault/shares/{id}/events`, every page), as the SDK's share_events: for the card's
// owner and the share's sender; the owner also gets the on-shares made from it (who passed the card on, to whom).
import { type Core, seg } from "./core";
import { str } from "./http";

export interface ShareRead {
  id: string;
  shareId: string;
  readerId: string;
  readAt: string;
}

export interface OnShare {
  id: string;
  parentShareId: string | null;
  senderId: string;
  recipientId: string;
  createdAt: string | null;
}

export interface ShareActivity {
  events: ShareRead[];
  onShares: OnShare[];
}

export async function shareEvents(core: Core, shareId: string): Promise<ShareActivity> {
  const data = await core.pages(`/shares/${seg(shareId)}/events`, ["share_events", "on_shares"]);
  return {
    events: data.share_events!.map((e) => ({ id: e.id as string, shareId: str(e, "share_id") ?? shareId, readerId: str(e, "reader_id") ?? "", readAt: str(e, "read_at") ?? "" })),
    onShares: data.on_shares!.map((o) => ({
      id: o.id as string,
      parentShareId: str(o, "parent_share_id"),
      senderId: str(o, "sender_id") ?? "",
      recipientId: str(o, "recipient_id") ?? "",
      createdAt: str(o, "created_at"),
    })),
  };
}
