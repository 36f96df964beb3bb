// Container names and labels: what a tenant may type. Names follow Docker's rule (so the
// docker-compatible facade accepts what docker accepts) but cap the length at 63 so a name can
// serve as a DNS label on the tenant's network.
import { DomainError } from './errors';

export const CONTAINER_NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/;

// Kubernetes-like keys: alphanumeric at both ends, with . _ / - inside, at most 63 characters.
export const LABEL_KEY_PATTERN = /^[a-z0-9]([a-z0-9._/-]{0,61}[a-z0-9])?$/i;
export const MAX_LABELS = 64;
export const MAX_LABEL_VALUE_LENGTH = 255;

export function isValidContainerName(name: unknown): name is string {
  return typeof name === 'string' && CONTAINER_NAME_PATTERN.test(name);
}

/** Throws DomainError('request/invalid') when `name` is not a valid container name. */
export function validateContainerName(name: unknown): asserts name is string {
  if (!isValidContainerName(name)) {
    throw new DomainError(
      'request/invalid',
      'container name must be 1 to 63 characters: letters, digits, _ . or -, starting with a letter or digit',
      { field: 'name' },
    );
  }
}

/**
 * Throws DomainError('request/invalid') when there are more than 64 labels, a key does not
 * match LABEL_KEY_PATTERN, or a value is not a string or is longer than 255 characters.
 * Characters are counted as Unicode code points, as Postgres counts them for varchar(255).
 */
export function validateLabels(labels: Record<string, string>): void {
  const entries = Object.entries(labels);
  if (entries.length > MAX_LABELS) {
    throw new DomainError(
      'request/invalid',
      `a container may have at most ${MAX_LABELS} labels, got ${entries.length}`,
      {
        field: 'labels',
        count: entries.length,
        max: MAX_LABELS,
      },
    );
  }
  for (const [key, value] of entries) {
    if (!LABEL_KEY_PATTERN.test(key)) {
      throw new DomainError(
        'request/invalid',
        `label key "${key.slice(0, 100)}" is not valid: use 1 to 63 letters, digits, . _ / or -, starting and ending with a letter or digit`,
        { field: 'labels', key: key.slice(0, 100) },
      );
    }
    // Request bodies are untyped JSON until validated, so the declared type is not trusted here.
    if (typeof value !== 'string') {
      throw new DomainError('request/invalid', `label "${key}" must have a string value`, {
        field: 'labels',
        key,
      });
    }
    const length = [...value].length;
    if (length > MAX_LABEL_VALUE_LENGTH) {
      throw new DomainError(
        'request/invalid',
        `label "${key}" has a value of ${length} characters; the limit is ${MAX_LABEL_VALUE_LENGTH}`,
        { field: 'labels', key, length, max: MAX_LABEL_VALUE_LENGTH },
      );
    }
  }
}
