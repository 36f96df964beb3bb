// Docker-style image references, parsed and normalised the way the docker CLI and containerd do
// (github.com/distribution/reference): `busybox` is `docker.io/library/busybox:latest`.
import { canonicalRegistry, DOCKER_HUB, looksLikeRegistryHost } from '@berth/domain';
import { ImageError } from './image-errors';

export { DOCKER_HUB };
export const DEFAULT_TAG = 'latest';

/** A parsed, normalised image reference. */
export interface ImageReference {
  /** Registry host with its port when it has one: `docker.io`, `127.0.0.1:5000`, `[::1]:5000`. */
  readonly registry: string;
  /** Path inside the registry: `library/busybox`, `team/app`. */
  readonly repository: string;
  /** The tag; `latest` when the input had neither tag nor digest, undefined when it had only a digest. */
  readonly tag: string | undefined;
  /** `sha256:<64 hex>` (or `sha512:<128 hex>`) when the input pinned one; it wins over the tag. */
  readonly digest: string | undefined;
}

// The grammar of github.com/distribution/reference (regexp.go).
const ALNUM = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const PATH_COMPONENT = new RegExp(`^${ALNUM}(?:${SEPARATOR}${ALNUM})*$`);
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(
  `^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`,
);
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST_SHAPE = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const SUPPORTED_DIGEST: Readonly<Record<string, RegExp>> = {
  sha256: /^sha256:[a-f0-9]{64}$/,
  sha512: /^sha512:[a-f0-9]{128}$/,
};
const NAME_MAX = 255;

function invalid(input: string, why: string): ImageError {
  return new ImageError('image/invalid_reference', `invalid image reference "${input}": ${why}`, {
    reference: input,
  });
}

/** Checks a digest's shape and algorithm; returns it unchanged. */
export function parseDigest(digest: string, input = digest): string {
  if (!DIGEST_SHAPE.test(digest)) throw invalid(input, `"${digest}" is not a digest (algorithm:hex)`);
  const algorithm = digest.slice(0, digest.indexOf(':'));
  const exact = SUPPORTED_DIGEST[algorithm];
  if (!exact) throw invalid(input, `digest algorithm "${algorithm}" is not supported (sha256, sha512)`);
  if (!exact.test(digest)) throw invalid(input, `"${digest}" is not a well-formed ${algorithm} digest`);
  return digest;
}

/**
 * Parses `busybox`, `busybox:1.36`, `127.0.0.1:5000/team/app:tag`, `repo@sha256:...`,
 * `docker.io/library/x`, `name:tag@digest`. Throws ImageError 'image/invalid_reference'.
 */
export function parseImageReference(input: string): ImageReference {
  if (typeof input !== 'string' || input.length === 0) throw invalid(String(input), 'it is empty');
  if (/\s/.test(input)) throw invalid(input, 'it contains white space');

  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = parseDigest(rest.slice(at + 1), input);
    rest = rest.slice(0, at);
  }

  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) {
      throw invalid(input, `"${tag}" is not a valid tag (letters, digits, '_', '.', '-', at most 128)`);
    }
  }
  if (rest.length === 0) throw invalid(input, 'the repository name is missing');

  let registry = DOCKER_HUB;
  let path = rest;
  const slash = rest.indexOf('/');
  if (slash >= 0 && looksLikeRegistryHost(rest.slice(0, slash))) {
    registry = rest.slice(0, slash);
    path = rest.slice(slash + 1);
    if (!DOMAIN.test(registry)) throw invalid(input, `"${registry}" is not a valid registry host`);
    registry = canonicalRegistry(registry);
  }
  if (path.length === 0) throw invalid(input, 'the repository name is missing');

  const components = path.split('/');
  for (const c of components) {
    if (c.length === 0) throw invalid(input, 'the repository name has an empty path component');
    if (!PATH_COMPONENT.test(c)) {
      throw invalid(
        input,
        c.toLowerCase() !== c
          ? 'the repository name must be lowercase'
          : `"${c}" is not a valid path component (lowercase letters, digits and single separators . _ __ -)`,
      );
    }
  }

  if (registry === DOCKER_HUB && components.length === 1) path = `library/${path}`;
  if (`${registry}/${path}`.length > NAME_MAX) {
    throw invalid(input, `the repository name is longer than ${NAME_MAX} characters`);
  }
  if (tag === undefined && digest === undefined) tag = DEFAULT_TAG;
  return { registry, repository: path, tag, digest };
}

/** The canonical string: `docker.io/library/busybox:latest`, `host:5000/a/b@sha256:...`. */
export function formatImageReference(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag !== undefined ? `:${ref.tag}` : ''}${
    ref.digest !== undefined ? `@${ref.digest}` : ''
  }`;
}

/** What to ask the registry's manifest endpoint for: the digest when pinned, else the tag. */
export function manifestReference(ref: ImageReference): string {
  return ref.digest ?? ref.tag ?? DEFAULT_TAG;
}
