import { canonicalRegistry, DOCKER_HUB, imageRegistryOf, looksLikeRegistryHost } from './image-registry';

describe('imageRegistryOf', () => {
  it.each([
    ['busybox', DOCKER_HUB],
    ['busybox:1.36', DOCKER_HUB],
    ['library/busybox', DOCKER_HUB],
    ['team/app:tag', DOCKER_HUB],
    ['docker.io/library/x', DOCKER_HUB],
    ['index.docker.io/library/x', DOCKER_HUB],
    ['Registry-1.Docker.io/library/x', DOCKER_HUB],
    ['127.0.0.1:5000/team/app:tag', '127.0.0.1:5000'],
    ['localhost/app', 'localhost'],
    ['localhost:5000/app', 'localhost:5000'],
    ['[::1]:5000/app', '[::1]:5000'],
    ['GHCR.io/x/y@sha256:' + 'a'.repeat(64), 'ghcr.io'],
    ['repo@sha256:' + 'b'.repeat(64), DOCKER_HUB],
  ])('%s is on %s', (reference, registry) => {
    expect(imageRegistryOf(reference)).toBe(registry);
  });

  it('tells hosts from path components', () => {
    expect(looksLikeRegistryHost('team')).toBe(false);
    expect(looksLikeRegistryHost('my.registry')).toBe(true);
    expect(looksLikeRegistryHost('host:5000')).toBe(true);
    expect(canonicalRegistry('Example.COM:443')).toBe('example.com:443');
  });
});
