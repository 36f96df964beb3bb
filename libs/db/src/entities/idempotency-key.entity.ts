import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The first answer to a POST sent with an `Idempotency-Key`, per caller (`scope` is the tenant id or
 * `operator`), kept 24 hours from `createdAt`. `statusCode` is null while the first request is still being
 * handled. `requestHash` is a keyed HMAC of the request, never an unkeyed hash. An answer that holds a
 * secret is in `responseSealed` (SecretBox, bound to scope and key) and `responseBody` is null; any other
 * answer is in `responseBody`.
 */
@Entity({ name: 'idempotency_keys' })
export class IdempotencyKeyEntity {
  @PrimaryColumn({ type: 'text' })
  scope!: string;

  @PrimaryColumn({ type: 'text' })
  key!: string;

  @Column({ name: 'request_hash', type: 'text' })
  requestHash!: string;

  @Column({ name: 'status_code', type: 'integer', nullable: true })
  statusCode!: number | null;

  @Column({ name: 'response_body', type: 'jsonb', nullable: true })
  responseBody!: unknown;

  @Column({ name: 'response_sealed', type: 'text', nullable: true })
  responseSealed!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
