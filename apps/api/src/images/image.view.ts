import type { ImageView } from '@berth/contracts';
import type { ImageEntity } from '@berth/db';

export function imageView(i: ImageEntity): ImageView {
  return {
    id: i.id,
    reference: i.reference,
    state: i.state,
    digest: i.digest,
    sizeBytes: i.sizeBytes === null ? null : Number(i.sizeBytes),
    config: i.config,
    error: i.error,
    createdAt: i.createdAt.toISOString(),
    updatedAt: i.updatedAt.toISOString(),
  };
}
