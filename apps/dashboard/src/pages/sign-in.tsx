import type { LiveUsageView } from '@berth/contracts';
import { useEffect, useRef, useState } from 'preact/hooks';
import { createApi, describeError } from '../api';

export interface Notice {
  readonly text: string;
  /** An alert (signed out by a refused key) or plain information (signed out on request). */
  readonly alert: boolean;
}

interface Props {
  readonly onSignedIn: (key: string) => void;
  readonly notice: Notice | null;
}

/** The key is checked against GET /v1/usage/live before it is kept (in sessionStorage, by the app). */
export function SignIn({ onSignedIn, notice }: Props) {
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => input.current?.focus(), []);

  const submit = async () => {
    const candidate = key.trim();
    if (candidate === '') {
      setError('Enter an API key.');
      input.current?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await createApi(candidate, () => undefined).json<LiveUsageView>('/v1/usage/live');
      onSignedIn(candidate);
    } catch (e) {
      setError(describeError(e));
      setBusy(false);
      input.current?.focus();
    }
  };

  return (
    <main id="main" class="sign-in" tabIndex={-1}>
      <h1>berth billing</h1>
      <p class="lede">
        Sign in with one of your tenant's API keys to see what you are billed, second by second.
      </p>
      {notice !== null &&
        (notice.alert ? (
          <p role="alert" class="notice notice-error">
            {notice.text}
          </p>
        ) : (
          <p class="notice">{notice.text}</p>
        ))}
      <form
        class="sign-in-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <label for="api-key">API key</label>
        <input
          ref={input}
          id="api-key"
          name="api-key"
          type="password"
          autocomplete="off"
          spellcheck={false}
          autocapitalize="off"
          value={key}
          aria-invalid={error !== null}
          aria-describedby={error !== null ? 'sign-in-error' : 'sign-in-hint'}
          onInput={(e) => setKey(e.currentTarget.value)}
        />
        <p id="sign-in-hint" class="hint">
          The key is kept in this browser tab only, and forgotten when you close it.
        </p>
        {error !== null && (
          <p id="sign-in-error" role="alert" class="notice notice-error">
            {error}
          </p>
        )}
        {busy && (
          <p role="status" class="loading">
            Checking the key…
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}
