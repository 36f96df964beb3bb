import { isImageError } from './image-errors';
import { formatImageReference, manifestReference, parseDigest, parseImageReference } from './image-reference';

const D = `sha256:${'a'.repeat(64)}`;

describe('parseImageReference', () => {
  it.each([
    ['busybox', 'docker.io', 'library/busybox', 'latest', undefined],
    ['busybox:1.36', 'docker.io', 'library/busybox', '1.36', undefined],
    ['library/busybox', 'docker.io', 'library/busybox', 'latest', undefined],
    ['team/app', 'docker.io', 'team/app', 'latest', undefined],
    ['docker.io/busybox', 'docker.io', 'library/busybox', 'latest', undefined],
    ['docker.io/library/x', 'docker.io', 'library/x', 'latest', undefined],
    ['index.docker.io/library/x:1', 'docker.io', 'library/x', '1', undefined],
    ['registry-1.docker.io/team/x', 'docker.io', 'team/x', 'latest', undefined],
    ['127.0.0.1:5000/team/app:tag', '127.0.0.1:5000', 'team/app', 'tag', undefined],
    ['localhost/app', 'localhost', 'app', 'latest', undefined],
    ['localhost:5000/app:v1', 'localhost:5000', 'app', 'v1', undefined],
    ['ghcr.io/owner/repo/sub:v1.2.3', 'ghcr.io', 'owner/repo/sub', 'v1.2.3', undefined],
    ['Registry.Example.COM/app', 'registry.example.com', 'app', 'latest', undefined],
    ['[::1]:5000/app:v1', '[::1]:5000', 'app', 'v1', undefined],
    [`repo@${D}`, 'docker.io', 'library/repo', undefined, D],
    [`127.0.0.1:5000/a/b@${D}`, '127.0.0.1:5000', 'a/b', undefined, D],
    [`busybox:1.36@${D}`, 'docker.io', 'library/busybox', '1.36', D],
    ['team/a_b__c-d--e.f', 'docker.io', 'team/a_b__c-d--e.f', 'latest', undefined],
  ])('parses %s', (input, registry, repository, tag, digest) => {
    expect(parseImageReference(input)).toEqual({ registry, repository, tag, digest });
  });

  it('takes a port-like suffix without a slash as a tag, as docker does', () => {
    expect(parseImageReference('host:5000')).toEqual({
      registry: 'docker.io',
      repository: 'library/host',
      tag: '5000',
      digest: undefined,
    });
  });

  it('treats a first component without . or : as a path, not a registry', () => {
    expect(parseImageReference('myregistry/app').registry).toBe('docker.io');
    expect(parseImageReference('myregistry/app').repository).toBe('myregistry/app');
  });

  it.each([
    ['', 'empty'],
    ['  busybox', 'white space'],
    ['Busybox', 'lowercase'],
    ['busybox:', 'tag'],
    ['busybox:-bad', 'tag'],
    [`busybox:${'x'.repeat(129)}`, 'tag'],
    ['busybox@sha256:abc', 'digest'],
    [`busybox@md5:${'a'.repeat(32)}`, 'not supported'],
    [`busybox@sha256:${'A'.repeat(64)}`, 'well-formed'],
    ['busybox@', 'digest'],
    ['127.0.0.1:5000/', 'missing'],
    ['a//b', 'empty path component'],
    ['a/b/', 'empty path component'],
    ['-a', 'path component'],
    ['a-/b', 'path component'],
    ['a..b', 'path component'],
    ['a___b', 'path component'],
    ['bad_host.:5000/app', 'registry host'],
    [':tag', 'missing'],
    [`ghcr.io/${'a'.repeat(250)}`, 'longer than 255'],
  ])('rejects %j (%s)', (input, why) => {
    let err: unknown;
    try {
      parseImageReference(input);
    } catch (e) {
      err = e;
    }
    expect(isImageError(err, 'image/invalid_reference')).toBe(true);
    expect((err as Error).message).toContain(why);
    expect((err as Error).message).toContain('invalid image reference');
  });

  it('formats the canonical form', () => {
    expect(formatImageReference(parseImageReference('busybox'))).toBe('docker.io/library/busybox:latest');
    expect(formatImageReference(parseImageReference(`127.0.0.1:5000/a@${D}`))).toBe(`127.0.0.1:5000/a@${D}`);
    expect(formatImageReference(parseImageReference(`a:1@${D}`))).toBe(`docker.io/library/a:1@${D}`);
  });

  it('asks the registry for the digest when there is one, else the tag', () => {
    expect(manifestReference(parseImageReference(`a:1@${D}`))).toBe(D);
    expect(manifestReference(parseImageReference('a:1'))).toBe('1');
    expect(manifestReference(parseImageReference('a'))).toBe('latest');
  });

  it('accepts sha512 digests', () => {
    const d = `sha512:${'b'.repeat(128)}`;
    expect(parseDigest(d)).toBe(d);
  });
});
