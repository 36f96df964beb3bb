import { parseWwwAuthenticate } from './www-authenticate';

describe('parseWwwAuthenticate', () => {
  it('parses a Docker Hub bearer challenge', () => {
    expect(
      parseWwwAuthenticate(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"',
      ),
    ).toEqual([
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.docker.io/token',
          service: 'registry.docker.io',
          scope: 'repository:library/busybox:pull',
        },
      },
    ]);
  });

  it('parses a basic challenge', () => {
    expect(parseWwwAuthenticate('Basic realm="berth-test"')).toEqual([
      { scheme: 'basic', params: { realm: 'berth-test' } },
    ]);
  });

  it('keeps commas and spaces inside quoted values', () => {
    expect(
      parseWwwAuthenticate('Bearer realm="https://a/t", scope="repository:a/b:pull,push repository:c:pull"'),
    ).toEqual([
      {
        scheme: 'bearer',
        params: { realm: 'https://a/t', scope: 'repository:a/b:pull,push repository:c:pull' },
      },
    ]);
  });

  it('unescapes quoted-pairs', () => {
    expect(parseWwwAuthenticate('Basic realm="say \\"hi\\" \\\\ there"')[0]?.params.realm).toBe(
      'say "hi" \\ there',
    );
  });

  it('lowercases scheme and parameter names, not values', () => {
    expect(parseWwwAuthenticate('BEARER Realm="https://A/T",SERVICE=Reg')).toEqual([
      { scheme: 'bearer', params: { realm: 'https://A/T', service: 'Reg' } },
    ]);
  });

  it('takes unquoted tokens and tolerates white space around =', () => {
    expect(parseWwwAuthenticate('Bearer realm = https://auth.example.com/token , service=example')).toEqual([
      { scheme: 'bearer', params: { realm: 'https://auth.example.com/token', service: 'example' } },
    ]);
  });

  it('splits several challenges in one header (as fetch joins repeated headers)', () => {
    expect(parseWwwAuthenticate('Basic realm="r1", Bearer realm="https://t",service="s"')).toEqual([
      { scheme: 'basic', params: { realm: 'r1' } },
      { scheme: 'bearer', params: { realm: 'https://t', service: 's' } },
    ]);
  });

  it('parses a challenge without parameters followed by another', () => {
    expect(parseWwwAuthenticate('Negotiate, Basic realm="x"')).toEqual([
      { scheme: 'negotiate', params: {} },
      { scheme: 'basic', params: { realm: 'x' } },
    ]);
  });

  it('parses the token68 form', () => {
    expect(parseWwwAuthenticate('Negotiate abc+/def==, Basic realm="x"')).toEqual([
      { scheme: 'negotiate', params: {}, token68: 'abc+/def==' },
      { scheme: 'basic', params: { realm: 'x' } },
    ]);
  });

  it('returns nothing for a missing or empty header', () => {
    expect(parseWwwAuthenticate(null)).toEqual([]);
    expect(parseWwwAuthenticate(undefined)).toEqual([]);
    expect(parseWwwAuthenticate('')).toEqual([]);
    expect(parseWwwAuthenticate(' , ')).toEqual([]);
  });

  it('takes what there is from an unterminated quoted value', () => {
    expect(parseWwwAuthenticate('Bearer realm="https://t')).toEqual([
      { scheme: 'bearer', params: { realm: 'https://t' } },
    ]);
  });
});
