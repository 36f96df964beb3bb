import type { ComponentChildren } from 'preact';
import { describeError } from '../api';

/** A page or part of one that is loading. */
export function Loading({ label = 'Loading…' }: { readonly label?: string }) {
  return (
    <p role="status" class="loading">
      {label}
    </p>
  );
}

/** A failure in words, with a way to try again. */
export function ErrorNotice({ error, onRetry }: { readonly error: unknown; readonly onRetry: () => void }) {
  return (
    <div role="alert" class="notice notice-error">
      <p>{describeError(error)}</p>
      <button type="button" onClick={onRetry}>
        Try again
      </button>
    </div>
  );
}

/** Nothing to show, said in words. */
export function Empty({ children }: { readonly children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}
