import { expectError, TestHttpClient, TestStack, type HttpResult } from '@berth/testing';

jest.setTimeout(120_000);

/**
 * Tenancy at the HTTP edge (DESIGN.md, "Tenancy"): another tenant's object is a 404 with the object's
 * own not-found code, never a 403 and never a success, on every tenant route that names an object; lists
 * never show another tenant's objects; and every credential is accepted only where it belongs.
 *
 * The route table below is data, and a test checks it against /v1/openapi.json: a new tenant route
 * with a path parameter fails this file until it gets its cross-tenant case.
 */

/** Routes that are not the tenant's: operator and agent routes have their own credentials. */
const OPERATOR_PREFIX = '/v1/admin/';
const AGENT_PREFIX = '/v1/agent/';
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
/**
 * Tenant routes whose path parameter names no object: an invoice is a month of the caller's own usage,
 * so every tenant has its own `2026-11`. Isolation there is checked by content (see below).
 */
const PARAMETERS_NAMING_NO_OBJECT = new Set(['GET /v1/invoices/{id}']);

/** What tenant A owns, for the table to point at. */
interface Owned {
  readonly tenantId: string;
  readonly keyId: string;
  readonly containerId: string;
  readonly containerName: string;
  readonly operationId: string;
  readonly imageId: string;
  readonly imageReference: string;
  readonly registry: string;
  readonly networkId: string;
  readonly networkName: string;
  readonly groupId: string;
  readonly groupName: string;
  readonly ruleId: string;
  readonly fipId: string;
  readonly fipAddress: string;
  readonly fipName: string;
  readonly volumeId: string;
  readonly volumeName: string;
  readonly snapshotId: string;
  readonly snapshotName: string;
}

interface Case {
  /** The route as the OpenAPI document names it, e.g. `GET /v1/keys/{id}`. */
  readonly route: string;
  readonly label: string;
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly path: string;
  /** A valid body, so that only ownership can make the request fail. */
  readonly body?: unknown;
  readonly code: string;
}

/** Every tenant route that takes an object, aimed at tenant A's objects; tenant B calls each one. */
function crossTenantCases(a: Owned): Case[] {
  const cases: Case[] = [
    {
      route: 'GET /v1/keys/{id}',
      label: 'show key',
      method: 'GET',
      path: `/v1/keys/${a.keyId}`,
      code: 'api_key/not_found',
    },
    {
      route: 'DELETE /v1/keys/{id}',
      label: 'revoke key',
      method: 'DELETE',
      path: `/v1/keys/${a.keyId}`,
      code: 'api_key/not_found',
    },
    {
      route: 'GET /v1/operations/{id}',
      label: 'show operation',
      method: 'GET',
      path: `/v1/operations/${a.operationId}`,
      code: 'operation/not_found',
    },
    {
      route: 'GET /v1/operations/{id}',
      label: 'wait on operation',
      method: 'GET',
      path: `/v1/operations/${a.operationId}?wait=2`,
      code: 'operation/not_found',
    },
  ];
  // Containers are named by id or by name: both must be scoped to the caller.
  for (const [how, ref] of [
    ['id', a.containerId],
    ['name', a.containerName],
  ] as const) {
    const base = `/v1/containers/${encodeURIComponent(ref)}`;
    cases.push(
      {
        route: 'GET /v1/containers/{ref}',
        label: `show container by ${how}`,
        method: 'GET',
        path: base,
        code: 'container/not_found',
      },
      {
        route: 'POST /v1/containers/{ref}/start',
        label: `start container by ${how}`,
        method: 'POST',
        path: `${base}/start`,
        code: 'container/not_found',
      },
      {
        route: 'POST /v1/containers/{ref}/stop',
        label: `stop container by ${how}`,
        method: 'POST',
        path: `${base}/stop`,
        code: 'container/not_found',
      },
      {
        route: 'POST /v1/containers/{ref}/restart',
        label: `restart container by ${how}`,
        method: 'POST',
        path: `${base}/restart`,
        code: 'container/not_found',
      },
      {
        route: 'DELETE /v1/containers/{ref}',
        label: `delete container by ${how}`,
        method: 'DELETE',
        path: base,
        code: 'container/not_found',
      },
      {
        route: 'DELETE /v1/containers/{ref}',
        label: `force-delete container by ${how}`,
        method: 'DELETE',
        path: `${base}?force=true`,
        code: 'container/not_found',
      },
      {
        route: 'POST /v1/containers/{ref}/exec',
        label: `exec in container by ${how}`,
        method: 'POST',
        path: `${base}/exec`,
        body: { command: ['true'] },
        code: 'container/not_found',
      },
      {
        route: 'GET /v1/containers/{ref}/logs',
        label: `logs of container by ${how}`,
        method: 'GET',
        path: `${base}/logs?tail=10`,
        code: 'container/not_found',
      },
      {
        route: 'POST /v1/containers/{ref}/security-groups',
        label: `attach a security group to container by ${how}`,
        method: 'POST',
        path: `${base}/security-groups`,
        body: { group: a.groupId },
        code: 'container/not_found',
      },
      {
        route: 'DELETE /v1/containers/{ref}/security-groups/{group}',
        label: `detach a security group from container by ${how}`,
        method: 'DELETE',
        path: `${base}/security-groups/${a.groupId}`,
        code: 'container/not_found',
      },
    );
  }
  // Networks are named by id or by name.
  for (const [how, ref] of [
    ['id', a.networkId],
    ['name', a.networkName],
  ] as const) {
    const path = `/v1/networks/${encodeURIComponent(ref)}`;
    cases.push(
      {
        route: 'GET /v1/networks/{ref}',
        label: `show network by ${how}`,
        method: 'GET',
        path,
        code: 'network/not_found',
      },
      {
        route: 'DELETE /v1/networks/{ref}',
        label: `delete network by ${how}`,
        method: 'DELETE',
        path,
        code: 'network/not_found',
      },
    );
  }
  // Security groups are named by id or by name; their rules only through them.
  for (const [how, ref] of [
    ['id', a.groupId],
    ['name', a.groupName],
  ] as const) {
    const path = `/v1/security-groups/${encodeURIComponent(ref)}`;
    cases.push(
      {
        route: 'GET /v1/security-groups/{ref}',
        label: `show security group by ${how}`,
        method: 'GET',
        path,
        code: 'security_group/not_found',
      },
      {
        route: 'DELETE /v1/security-groups/{ref}',
        label: `delete security group by ${how}`,
        method: 'DELETE',
        path,
        code: 'security_group/not_found',
      },
      {
        route: 'POST /v1/security-groups/{ref}/rules',
        label: `add a rule to security group by ${how}`,
        method: 'POST',
        path: `${path}/rules`,
        body: { direction: 'ingress', protocol: 'all', cidr: '0.0.0.0/0' },
        code: 'security_group/not_found',
      },
      {
        route: 'DELETE /v1/security-groups/{ref}/rules/{ruleId}',
        label: `remove a rule of security group by ${how}`,
        method: 'DELETE',
        path: `${path}/rules/${a.ruleId}`,
        code: 'security_group/not_found',
      },
    );
  }
  // Floating IPs are named by id, by address or by name.
  for (const [how, ref] of [
    ['id', a.fipId],
    ['address', a.fipAddress],
    ['name', a.fipName],
  ] as const) {
    const path = `/v1/fips/${encodeURIComponent(ref)}`;
    cases.push(
      {
        route: 'GET /v1/fips/{ref}',
        label: `show floating IP by ${how}`,
        method: 'GET',
        path,
        code: 'fip/not_found',
      },
      {
        route: 'POST /v1/fips/{ref}/name',
        label: `rename floating IP by ${how}`,
        method: 'POST',
        path: `${path}/name`,
        body: { name: 'stolen' },
        code: 'fip/not_found',
      },
      {
        route: 'POST /v1/fips/{ref}/attach',
        label: `attach floating IP by ${how}`,
        method: 'POST',
        path: `${path}/attach`,
        body: { container: a.containerId },
        code: 'fip/not_found',
      },
      {
        route: 'POST /v1/fips/{ref}/detach',
        label: `detach floating IP by ${how}`,
        method: 'POST',
        path: `${path}/detach`,
        code: 'fip/not_found',
      },
      {
        route: 'DELETE /v1/fips/{ref}',
        label: `release floating IP by ${how}`,
        method: 'DELETE',
        path,
        code: 'fip/not_found',
      },
    );
  }
  // Images are named by id or by reference.
  for (const [how, ref] of [
    ['id', a.imageId],
    ['reference', a.imageReference],
  ] as const) {
    const path = `/v1/images/${encodeURIComponent(ref)}`;
    cases.push(
      {
        route: 'GET /v1/images/{ref}',
        label: `show image by ${how}`,
        method: 'GET',
        path,
        code: 'image/not_found',
      },
      {
        route: 'DELETE /v1/images/{ref}',
        label: `remove image by ${how}`,
        method: 'DELETE',
        path,
        code: 'image/not_found',
      },
    );
  }
  // Volumes and snapshots are named by id or by name.
  for (const [how, ref] of [
    ['id', a.volumeId],
    ['name', a.volumeName],
  ] as const) {
    const path = `/v1/volumes/${encodeURIComponent(ref)}`;
    cases.push(
      {
        route: 'GET /v1/volumes/{ref}',
        label: `show volume by ${how}`,
        method: 'GET',
        path,
        code: 'volume/not_found',
      },
      {
        route: 'DELETE /v1/volumes/{ref}',
        label: `delete volume by ${how}`,
        method: 'DELETE',
        path,
        code: 'volume/not_found',
      },
      {
        route: 'POST /v1/volumes/{ref}/snapshots',
        label: `snapshot volume by ${how}`,
        method: 'POST',
        path: `${path}/snapshots`,
        body: {},
        code: 'volume/not_found',
      },
      {
        route: 'GET /v1/volumes/{ref}/snapshots',
        label: `list snapshots of volume by ${how}`,
        method: 'GET',
        path: `${path}/snapshots`,
        code: 'volume/not_found',
      },
    );
  }
  for (const [how, ref] of [
    ['id', a.snapshotId],
    ['name', a.snapshotName],
  ] as const) {
    const path = `/v1/snapshots/${encodeURIComponent(ref)}`;
    cases.push(
      {
        route: 'GET /v1/snapshots/{ref}',
        label: `show snapshot by ${how}`,
        method: 'GET',
        path,
        code: 'snapshot/not_found',
      },
      {
        route: 'DELETE /v1/snapshots/{ref}',
        label: `delete snapshot by ${how}`,
        method: 'DELETE',
        path,
        code: 'snapshot/not_found',
      },
      {
        route: 'POST /v1/snapshots/{ref}/restore',
        label: `restore snapshot by ${how}`,
        method: 'POST',
        path: `${path}/restore`,
        body: { name: 'stolen-data' },
        code: 'snapshot/not_found',
      },
    );
  }
  cases.push({
    route: 'DELETE /v1/registry-credentials/{registry}',
    label: 'forget registry login',
    method: 'DELETE',
    path: `/v1/registry-credentials/${encodeURIComponent(a.registry)}`,
    code: 'registry_credential/not_found',
  });
  return cases;
}

/** Operator and agent routes, aimed at A where they take an object; a tenant key must open none of them. */
function foreignRoutes(
  a: Owned,
): Array<{ route: string; method: 'GET' | 'POST' | 'DELETE'; path: string; body?: unknown }> {
  return [
    {
      route: 'POST /v1/admin/tenants',
      method: 'POST',
      path: '/v1/admin/tenants',
      body: { name: 'intruder' },
    },
    { route: 'GET /v1/admin/tenants', method: 'GET', path: '/v1/admin/tenants' },
    { route: 'GET /v1/admin/tenants/{id}', method: 'GET', path: `/v1/admin/tenants/${a.tenantId}` },
    {
      route: 'POST /v1/admin/tenants/{id}/suspend',
      method: 'POST',
      path: `/v1/admin/tenants/${a.tenantId}/suspend`,
    },
    {
      route: 'POST /v1/admin/tenants/{id}/reactivate',
      method: 'POST',
      path: `/v1/admin/tenants/${a.tenantId}/reactivate`,
    },
    {
      route: 'POST /v1/admin/tenants/{id}/quotas',
      method: 'POST',
      path: `/v1/admin/tenants/${a.tenantId}/quotas`,
      body: { containers: 100000 },
    },
    { route: 'GET /v1/admin/hosts', method: 'GET', path: '/v1/admin/hosts' },
    {
      route: 'POST /v1/admin/hosts/{ref}/readmit',
      method: 'POST',
      path: '/v1/admin/hosts/host-a/readmit',
      body: {},
    },
    { route: 'POST /v1/admin/join-tokens', method: 'POST', path: '/v1/admin/join-tokens', body: {} },
    { route: 'GET /v1/admin/join-tokens', method: 'GET', path: '/v1/admin/join-tokens' },
    {
      route: 'DELETE /v1/admin/join-tokens/{id}',
      method: 'DELETE',
      path: '/v1/admin/join-tokens/jtk_01j9z6w2m4q8r7t5v3x1y0b2c4',
    },
    { route: 'GET /v1/admin/billing/dead-letters', method: 'GET', path: '/v1/admin/billing/dead-letters' },
    {
      route: 'GET /v1/admin/billing/reconciliations',
      method: 'GET',
      path: '/v1/admin/billing/reconciliations',
    },
    {
      route: 'POST /v1/agent/register',
      method: 'POST',
      path: '/v1/agent/register',
      body: {
        name: 'rogue-host',
        address: '127.0.0.1',
        capacity: { vcpu: 64, memoryMib: 65536, diskGib: 1000 },
      },
    },
    { route: 'POST /v1/agent/heartbeat', method: 'POST', path: '/v1/agent/heartbeat', body: {} },
    { route: 'GET /v1/agent/containers', method: 'GET', path: '/v1/agent/containers' },
    { route: 'GET /v1/agent/dataplane', method: 'GET', path: '/v1/agent/dataplane' },
    { route: 'GET /v1/agent/containers/{id}', method: 'GET', path: `/v1/agent/containers/${a.containerId}` },
    {
      route: 'POST /v1/agent/containers/{id}/events',
      method: 'POST',
      path: `/v1/agent/containers/${a.containerId}/events`,
      body: { event: 'exited', exitCode: 137, at: new Date().toISOString(), generation: 1 },
    },
    {
      route: 'GET /v1/agent/registry-credentials',
      method: 'GET',
      path: `/v1/agent/registry-credentials?tenantId=${a.tenantId}&registry=${encodeURIComponent(a.registry)}`,
    },
    { route: 'GET /v1/agent/storage', method: 'GET', path: '/v1/agent/storage' },
    {
      route: 'POST /v1/agent/operations/{operationId}/claim',
      method: 'POST',
      path: `/v1/agent/operations/${a.operationId}/claim`,
      body: { at: new Date().toISOString() },
    },
    {
      route: 'POST /v1/agent/operations/{operationId}/result',
      method: 'POST',
      path: `/v1/agent/operations/${a.operationId}/result`,
      body: { type: 'failure', error: { code: 'x', message: 'forged' } },
    },
  ];
}

/** `METHOD /path` for every operation in the document. */
function documentedRoutes(doc: any): string[] {
  const out: string[] = [];
  for (const [p, item] of Object.entries<Record<string, unknown>>(doc.paths ?? {})) {
    for (const m of HTTP_METHODS) if (item[m]) out.push(`${m.toUpperCase()} ${p}`);
  }
  return out;
}

function send(
  client: TestHttpClient,
  c: { method: string; path: string; body?: unknown },
): Promise<HttpResult> {
  return client.request(c.method, c.path, c.body);
}

describe('cross-tenant isolation and credentials (api + agent processes)', () => {
  const stack = new TestStack('cross-tenant', { BERTH_FIP_POOL: '203.0.113.0/29' });
  let a: { id: string; key: string; http: TestHttpClient };
  let b: { id: string; key: string; http: TestHttpClient };
  let owned: Owned;
  let extraKeySecret: string;
  let doc: any;
  /** A's objects as A saw them before B tried anything. */
  let before: {
    container: unknown;
    operations: unknown;
    keys: unknown;
    network: unknown;
    group: unknown;
    fip: unknown;
  };

  const CREATE_BODY = {
    image: 'busybox:latest',
    name: 'a-private-web',
    command: ['sh', '-c', 'sleep 3600'],
    labels: { owner: 'tenant-a' },
  };
  const IDEMPOTENCY_KEY = 'create-a-private-web';

  /** The fields of A's keys that nobody but A may change (lastUsedAt moves with A's own use). */
  const keyFacts = (page: any): unknown =>
    page.data.map((k: any) => ({ id: k.id, name: k.name, prefix: k.prefix, revokedAt: k.revokedAt }));

  beforeAll(async () => {
    await stack.start();
    await stack.startAgent({ name: 'host-a' });
    a = await stack.tenant('tenant-a');
    b = await stack.tenant('tenant-b');

    const extra = await a.http.post('/v1/keys', { name: 'a-extra' });
    expect(extra.status).toBe(201);
    extraKeySecret = extra.body.secret;

    const created = await a.http.post('/v1/containers', CREATE_BODY, { 'idempotency-key': IDEMPOTENCY_KEY });
    expect(created.status).toBe(202);
    const done = await a.http.get(`/v1/operations/${created.body.operation.id}?wait=30`);
    expect(done.body).toMatchObject({ state: 'succeeded', error: null });
    expect((await a.http.get(`/v1/containers/${created.body.data.id}`)).body.state).toBe('running');

    // An image record and a stored registry login. The reference points at a closed loopback port, so
    // the pull fails without any traffic leaving the machine; the record exists all the same.
    const registry = '127.0.0.1:9';
    const imageReference = `${registry}/tenant-a/private:1`;
    const pulled = await a.http.post('/v1/images/pull', { image: imageReference });
    expect(pulled.status).toBe(202);
    const login = await a.http.post('/v1/registry-credentials', {
      registry,
      username: 'a',
      password: 'a-secret',
    });
    expect(login.status).toBe(200);
    // Let the pull end (it retries an unreachable registry with backoff) so that A's operations hold still.
    const pullDone = await a.http.get(`/v1/operations/${pulled.body.operation.id}?wait=60`);
    expect(pullDone.body).toMatchObject({ state: 'failed', error: { code: 'image/registry_unreachable' } });

    // A network, a security group with a rule, and a floating IP pointed at A's container.
    const network = await a.http.post('/v1/networks', { name: 'a-net', cidr: '10.77.0.0/24' });
    expect(network.status).toBe(201);
    const group = await a.http.post('/v1/security-groups', {
      name: 'a-sg',
      rules: [{ direction: 'ingress', protocol: 'tcp', portFrom: 443, cidr: '0.0.0.0/0' }],
    });
    expect(group.status).toBe(201);
    const rule = group.body.rules.find((r: any) => r.direction === 'ingress');
    const fip = await a.http.post('/v1/fips', { name: 'a-fip' });
    expect(fip.status).toBe(201);
    const attached = await a.http.post(`/v1/fips/${fip.body.id}/attach`, { container: created.body.data.id });
    expect(attached.status).toBe(200);

    // A volume with a snapshot (the host's pool is real, even under the hollow simulation).
    const volume = await a.http.post('/v1/volumes', { name: 'a-vol', sizeGb: 1 });
    expect(volume.status).toBe(201);
    const snapshot = await a.http.post('/v1/volumes/a-vol/snapshots', { name: 'a-snap' });
    expect(snapshot.status).toBe(202);
    expect((await a.http.get(`/v1/operations/${snapshot.body.operation.id}?wait=30`)).body.state).toBe(
      'succeeded',
    );

    owned = {
      tenantId: a.id,
      keyId: extra.body.id,
      containerId: created.body.data.id,
      containerName: CREATE_BODY.name,
      operationId: created.body.operation.id,
      imageId: pulled.body.data.id,
      imageReference,
      registry,
      networkId: network.body.id,
      networkName: 'a-net',
      groupId: group.body.id,
      groupName: 'a-sg',
      ruleId: rule.id,
      fipId: fip.body.id,
      fipAddress: fip.body.address,
      fipName: 'a-fip',
      volumeId: volume.body.id,
      volumeName: 'a-vol',
      snapshotId: snapshot.body.data.id,
      snapshotName: 'a-snap',
    };

    // B has objects of its own, so that its lists are not trivially empty.
    const own = await b.http.post('/v1/containers', {
      image: 'busybox:latest',
      name: 'b-own',
      labels: { owner: 'tenant-b' },
    });
    expect(own.status).toBe(202);
    expect((await b.http.get(`/v1/operations/${own.body.operation.id}?wait=30`)).body.state).toBe(
      'succeeded',
    );

    doc = (await stack.anonymous().get('/v1/openapi.json')).body;

    before = {
      container: (await a.http.get(`/v1/containers/${owned.containerId}`)).body,
      operations: (await a.http.get('/v1/operations')).body,
      keys: keyFacts((await a.http.get('/v1/keys')).body),
      network: (await a.http.get(`/v1/networks/${owned.networkId}`)).body,
      group: (await a.http.get(`/v1/security-groups/${owned.groupId}`)).body,
      fip: (await a.http.get(`/v1/fips/${owned.fipId}`)).body,
    };
  });

  afterAll(() => stack.stop());

  describe('route table', () => {
    it('covers every tenant route with a path parameter in /v1/openapi.json', () => {
      const documented = documentedRoutes(doc);
      const tenantParamRoutes = documented.filter((r) => {
        const path = r.split(' ')[1]!;
        return (
          path.includes('{') &&
          !path.startsWith(OPERATOR_PREFIX) &&
          !path.startsWith(AGENT_PREFIX) &&
          !PARAMETERS_NAMING_NO_OBJECT.has(r)
        );
      });
      expect(tenantParamRoutes.length).toBeGreaterThanOrEqual(7);
      for (const r of PARAMETERS_NAMING_NO_OBJECT) expect(documented).toContain(r);
      const covered = new Set(crossTenantCases(owned).map((c) => c.route));
      expect(tenantParamRoutes.filter((r) => !covered.has(r))).toEqual([]);
      // And the table names no route that does not exist (a typo would make a case test nothing).
      expect([...covered].filter((r) => !documented.includes(r))).toEqual([]);
    });

    it('covers every operator and agent route in /v1/openapi.json', () => {
      const documented = documentedRoutes(doc);
      const foreign = documented.filter((r) => {
        const path = r.split(' ')[1]!;
        return path.startsWith(OPERATOR_PREFIX) || path.startsWith(AGENT_PREFIX);
      });
      const covered = new Set(foreignRoutes(owned).map((c) => c.route));
      expect(foreign.filter((r) => !covered.has(r))).toEqual([]);
      expect([...covered].filter((r) => !documented.includes(r))).toEqual([]);
    });
  });

  describe("tenant B reaching for tenant A's objects", () => {
    it('gets 404 with the coded error on every route, never 403 or success', async () => {
      const results: Array<{ label: string; status: number; code: unknown }> = [];
      for (const c of crossTenantCases(owned)) {
        const res = await send(b.http, c);
        results.push({ label: c.label, status: res.status, code: res.body?.error?.code });
        if (res.status === 404) expect(res.body.error.requestId).toBe(res.headers.get('x-request-id'));
      }
      expect(results).toEqual(
        crossTenantCases(owned).map((c) => ({ label: c.label, status: 404, code: c.code })),
      );
    });

    it("never lists A's objects, with or without filters", async () => {
      const secretsOfA = [
        owned.keyId,
        owned.containerId,
        owned.containerName,
        owned.operationId,
        'tenant-a',
        owned.networkId,
        owned.networkName,
        owned.groupId,
        owned.groupName,
        owned.fipId,
        owned.fipAddress,
        owned.fipName,
        owned.volumeId,
        owned.volumeName,
        owned.snapshotId,
        owned.snapshotName,
      ];
      const lists = [
        '/v1/keys',
        '/v1/containers',
        `/v1/containers?name=${owned.containerName}`,
        '/v1/containers?label=owner=tenant-a',
        `/v1/containers?state=running&label=owner=tenant-a&name=${owned.containerName}`,
        '/v1/operations',
        `/v1/operations?targetId=${owned.containerId}`,
        '/v1/networks',
        '/v1/security-groups',
        '/v1/fips',
        '/v1/volumes',
        '/v1/snapshots',
        // Usage and invoices are the caller's own: A's running container never shows in B's.
        '/v1/usage?groupBy=container',
        '/v1/usage/live',
        '/v1/invoices',
        `/v1/invoices/${new Date().toISOString().slice(0, 7)}`,
      ];
      for (const path of lists) {
        const res = await b.http.get(path);
        expect({ path, status: res.status }).toEqual({ path, status: 200 });
        const text = JSON.stringify(res.body);
        for (const s of secretsOfA)
          expect({ path, leaked: text.includes(s) ? s : null }).toEqual({ path, leaked: null });
      }
      // The filtered lists found nothing, and the unfiltered ones show B's own objects.
      expect((await b.http.get(`/v1/containers?name=${owned.containerName}`)).body.data).toEqual([]);
      expect((await b.http.get('/v1/containers?label=owner=tenant-a')).body.data).toEqual([]);
      expect((await b.http.get(`/v1/operations?targetId=${owned.containerId}`)).body.data).toEqual([]);
      const bContainers = (await b.http.get('/v1/containers')).body.data.map((c: any) => c.name);
      expect(bContainers).toEqual(['b-own']);
      expect((await b.http.get('/v1/keys')).body.data).toHaveLength(1);
      expect((await b.http.get('/v1/operations')).body.data.length).toBeGreaterThanOrEqual(1);
    });

    it("leaves A's objects unchanged: the container still runs, the key still works", async () => {
      const container = await a.http.get(`/v1/containers/${owned.containerId}`);
      expect(container.body.state).toBe('running');
      expect(container.body).toEqual(before.container);
      expect((await a.http.get('/v1/operations')).body).toEqual(before.operations);
      expect(keyFacts((await a.http.get('/v1/keys')).body)).toEqual(before.keys);
      expect((await a.http.get(`/v1/networks/${owned.networkId}`)).body).toEqual(before.network);
      expect((await a.http.get(`/v1/security-groups/${owned.groupId}`)).body).toEqual(before.group);
      expect((await a.http.get(`/v1/fips/${owned.fipId}`)).body).toEqual(before.fip);
      expect((before.fip as { containerId: string }).containerId).toBe(owned.containerId);

      const key = await a.http.get(`/v1/keys/${owned.keyId}`);
      expect(key.body).toMatchObject({ id: owned.keyId, revokedAt: null });
      const withExtra = new TestHttpClient(stack.apiUrl, extraKeySecret);
      const seen = await withExtra.get(`/v1/containers/${owned.containerName}`);
      expect(seen.status).toBe(200);
      expect(seen.body.id).toBe(owned.containerId);
    });

    it("keeps names and idempotency keys per tenant: B's identical create makes B's own container", async () => {
      const res = await b.http.post('/v1/containers', CREATE_BODY, { 'idempotency-key': IDEMPOTENCY_KEY });
      expect(res.status).toBe(202);
      expect(res.headers.get('idempotent-replayed')).toBeNull();
      expect(res.body.data.id).not.toBe(owned.containerId);
      expect(res.body.operation.id).not.toBe(owned.operationId);
      expect((await b.http.get(`/v1/operations/${res.body.operation.id}?wait=30`)).body.state).toBe(
        'succeeded',
      );
      expect((await b.http.get(`/v1/containers/${CREATE_BODY.name}`)).body.id).toBe(res.body.data.id);
      expect((await a.http.get(`/v1/containers/${CREATE_BODY.name}`)).body.id).toBe(owned.containerId);
      expect((await a.http.get(`/v1/containers/${owned.containerId}`)).body).toEqual(before.container);
    });
  });

  describe('credentials', () => {
    const tenantRoutes = (): Array<{ method: 'GET' | 'POST' | 'DELETE'; path: string }> => [
      { method: 'GET', path: '/v1/containers' },
      { method: 'GET', path: '/v1/keys' },
      { method: 'GET', path: `/v1/containers/${owned.containerId}` },
      { method: 'POST', path: `/v1/containers/${owned.containerId}/stop` },
      { method: 'GET', path: `/v1/operations/${owned.operationId}` },
    ];

    async function expectRefused(client: TestHttpClient, status: number, code: string): Promise<void> {
      for (const r of tenantRoutes()) {
        const res = await send(client, r);
        expect({ route: `${r.method} ${r.path}`, status: res.status, code: res.body?.error?.code }).toEqual({
          route: `${r.method} ${r.path}`,
          status,
          code,
        });
        expectError(res, status, code);
      }
    }

    it('refuses a request without a token with 401 auth/unauthenticated', async () => {
      await expectRefused(stack.anonymous(), 401, 'auth/unauthenticated');
      const notBearer = await stack.anonymous().get('/v1/containers', { authorization: `Basic ${a.key}` });
      expectError(notBearer, 401, 'auth/unauthenticated');
    });

    it('refuses malformed keys and a real prefix with the wrong secret', async () => {
      const [kind, prefix] = a.key.split('_');
      const wrongSecret = `${kind}_${prefix}_${'A'.repeat(32)}`;
      for (const token of ['garbage', 'bk_short_x', `${a.key}x`, wrongSecret, stack.joinToken]) {
        await expectRefused(stack.anonymous().as(token), 401, 'auth/unauthenticated');
      }
    });

    it('refuses a revoked key at once, even right after it was used', async () => {
      const created = await a.http.post('/v1/keys', { name: 'to-revoke' });
      const doomed = new TestHttpClient(stack.apiUrl, created.body.secret);
      expect((await doomed.get('/v1/containers')).status).toBe(200);
      const revoked = await a.http.delete(`/v1/keys/${created.body.id}`);
      expect(revoked.status).toBe(200);
      expect(revoked.body.revokedAt).not.toBeNull();
      await expectRefused(doomed, 401, 'auth/unauthenticated');
      // The other keys of the tenant are untouched.
      expect((await a.http.get('/v1/containers')).status).toBe(200);
    });

    it("refuses a suspended tenant's keys with 403 tenant/suspended, and takes them back on reactivation", async () => {
      const c = await stack.tenant('tenant-c');
      expect((await c.http.get('/v1/containers')).status).toBe(200);
      expect((await stack.operator.post(`/v1/admin/tenants/${c.id}/suspend`)).status).toBe(200);
      await expectRefused(c.http, 403, 'tenant/suspended');
      // Suspending C does nothing to A.
      expect((await a.http.get(`/v1/containers/${owned.containerId}`)).body.state).toBe('running');
      expect((await stack.operator.post(`/v1/admin/tenants/${c.id}/reactivate`)).status).toBe(200);
      expect((await c.http.get('/v1/containers')).status).toBe(200);
    });

    it('refuses tenant keys on every operator and agent route with 401', async () => {
      for (const client of [a.http, new TestHttpClient(stack.apiUrl, extraKeySecret)]) {
        for (const r of foreignRoutes(owned)) {
          const res = await send(client, r);
          expect({ route: r.route, status: res.status, code: res.body?.error?.code }).toEqual({
            route: r.route,
            status: 401,
            code: 'auth/unauthenticated',
          });
        }
      }
      // Nothing happened: A is active, no tenant or host was added, A's container is as it was.
      expect((await stack.operator.get(`/v1/admin/tenants/${a.id}`)).body.state).toBe('active');
      const tenants = (await stack.operator.get('/v1/admin/tenants')).body.data.map((t: any) => t.name);
      expect(tenants).not.toContain('intruder');
      const hosts = (await stack.operator.get('/v1/admin/hosts')).body.data.map((h: any) => h.name);
      expect(hosts).toEqual(['host-a']);
      expect((await stack.operator.get('/v1/admin/join-tokens')).body.data).toEqual([]);
      expect((await a.http.get(`/v1/containers/${owned.containerId}`)).body).toEqual(before.container);
    });

    it('refuses the operator token on tenant routes (the operator is not a tenant)', async () => {
      await expectRefused(stack.operator, 401, 'auth/unauthenticated');
    });
  });
});
