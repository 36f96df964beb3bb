import type { TestHttpClient } from './http-client';

/**
 * The operation `id` once it is done, or as it stands after `waitSeconds` (the API's long poll,
 * `GET /v1/operations/:id?wait=`). Expects the read itself to succeed (200); what state the operation
 * ended in is the caller's to assert.
 */
export async function waitOp(http: TestHttpClient, id: string, waitSeconds = 30): Promise<any> {
  const res = await http.get(`/v1/operations/${id}?wait=${waitSeconds}`);
  expect(res.status).toBe(200);
  return res.body;
}
