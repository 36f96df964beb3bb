/** The `Idempotency-Key` header as the OpenAPI document describes it on every POST that creates or acts. */
export const IDEMPOTENCY_HEADER = {
  name: 'Idempotency-Key',
  required: false,
  description: 'Same key and body: the first answer again. Same key, other body: 409.',
};
