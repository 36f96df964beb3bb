import { heartbeatsAndCpu, perLaunch, reading, redisCommandCalls, samples } from './counters';

const METRICS = `# HELP berth_db_statements_total Statements
# TYPE berth_db_statements_total counter
berth_db_statements_total{kind="select"} 30
berth_db_statements_total{kind="begin"} 5
berth_db_statements_total{kind="commit"} 5
# TYPE berth_api_http_requests_total counter
berth_api_http_requests_total{method="POST",route="/v1/containers",status="202"} 10
berth_api_http_requests_total{method="POST",route="/v1/containers",status="409"} 2
berth_api_http_requests_total{method="GET",route="/metrics",status="200"} 3
berth_api_http_requests_total{method="GET",route="/v1/x/\\"q\\"",status="200"} 1
berth_api_http_requests_total_other 99
berth_api_http_request_duration_seconds_sum{method="POST",route="/v1/agent/heartbeat"} 1.5
berth_api_http_request_duration_seconds_count{method="POST",route="/v1/agent/heartbeat"} 300
berth_api_http_request_duration_seconds_count{method="POST",route="/v1/containers"} 12
berth_api_process_cpu_seconds_total 12.5
`;

const INFO = `# Commandstats\r
cmdstat_evalsha:calls=40,usec=100,usec_per_call=2.5,rejected_calls=0,failed_calls=0\r
cmdstat_info:calls=2,usec=10,usec_per_call=5\r
cmdstat_client|setname:calls=3,usec=1\r
`;

describe('samples', () => {
  it('reads one metric with its labels, and nothing of a metric whose name only starts the same', () => {
    const s = samples(METRICS, 'berth_api_http_requests_total');
    expect(s).toHaveLength(4);
    expect(s[0]).toEqual({ labels: { method: 'POST', route: '/v1/containers', status: '202' }, value: 10 });
    expect(s[3]!.labels.route).toBe('/v1/x/"q"');
  });
});

describe('redisCommandCalls', () => {
  it('reads calls per command, subcommands included', () => {
    expect(redisCommandCalls(INFO)).toEqual(
      new Map([
        ['evalsha', 40],
        ['info', 2],
        ['client|setname', 3],
      ]),
    );
  });
});

describe('reading and perLaunch', () => {
  it('sums statements by kind and requests by route, whatever the status', () => {
    const r = reading(METRICS, INFO);
    expect(r.statements).toBe(40);
    expect(r.requestsByRoute.get('POST /v1/containers')).toBe(12);
    expect(r.requests).toBe(16);
    expect(r.redisCommands).toBe(45);
  });

  it('divides the difference by the launches, without the bench’s own requests and commands', () => {
    const before = reading(METRICS, INFO);
    const after = reading(
      METRICS.replace('{kind="select"} 30', '{kind="select"} 130')
        .replace('status="202"} 10', 'status="202"} 60')
        .replace('route="/metrics",status="200"} 3', 'route="/metrics",status="200"} 4'),
      INFO.replace('evalsha:calls=40', 'evalsha:calls=540').replace('info:calls=2', 'info:calls=3'),
    );
    const p = perLaunch(before, after, 50, { requests: new Map([['GET /metrics', 1]]), redisCommands: 1 });
    expect(p.statements).toBe(2);
    expect(p.statementsByKind).toEqual(new Map([['select', 2]]));
    expect(p.requests).toBe(1);
    expect(p.requestsByRoute).toEqual(new Map([['POST /v1/containers', 1]]));
    expect(p.redisCommands).toBe(10);
    expect(p.redisByCommand).toEqual(
      new Map([
        ['evalsha', 10],
        ['info', 0.02],
      ]),
    );
  });

  it('refuses to divide by no launches', () => {
    const r = reading(METRICS, INFO);
    expect(() => perLaunch(r, r, 0)).toThrow('no launches');
  });
});

describe('heartbeatsAndCpu', () => {
  it("reads heartbeats from the duration histogram's count and sum, and the API's CPU, between two readings", () => {
    const before = reading(METRICS, INFO);
    expect(before.heartbeats).toEqual({ count: 300, seconds: 1.5 });
    expect(before.apiCpuSeconds).toBe(12.5);
    const after = {
      ...before,
      heartbeats: { count: 500, seconds: 2.5 },
      apiCpuSeconds: 13.5,
    };
    expect(heartbeatsAndCpu(before, after, 2000)).toEqual({
      heartbeatsPerS: 100,
      heartbeatMeanMs: 5,
      apiCpuCores: 0.5,
    });
    expect(heartbeatsAndCpu(before, before, 2000).heartbeatMeanMs).toBeNaN();
  });
});
