// Which registry an image reference names, the way the docker CLI and containerd decide it
// (github.com/distribution/reference): the first path component when it looks like a host, else Docker
// Hub. The agent's full parser and the API's check of which registry login a host may read both ask here,
// so the two can never disagree about whose login a pull needs.

export const DOCKER_HUB = 'docker.io';

/** A first component is a registry when it has a '.' or ':', is 'localhost', or is an [IPv6] address. */
export function looksLikeRegistryHost(component: string): boolean {
  return (
    component.includes('.') ||
    component.includes(':') ||
    component === 'localhost' ||
    component.startsWith('[')
  );
}

/** Lowercases a registry host and folds Docker Hub's other names into `docker.io`. */
export function canonicalRegistry(host: string): string {
  const lower = host.toLowerCase();
  return lower === 'index.docker.io' || lower === 'registry-1.docker.io' ? DOCKER_HUB : lower;
}

/**
 * The registry of `busybox` (docker.io), `127.0.0.1:5000/a/b:1`, `ghcr.io/x/y@sha256:...`. Does not
 * validate the rest of the reference (the agent's parser does, before any pull).
 */
export function imageRegistryOf(reference: string): string {
  const slash = reference.indexOf('/');
  if (slash < 0) return DOCKER_HUB;
  const first = reference.slice(0, slash);
  return looksLikeRegistryHost(first) ? canonicalRegistry(first) : DOCKER_HUB;
}
