import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { createApi } from './api';
import { ApiContext } from './api-context';
import { ByContainerPage } from './pages/by-container';
import { ContainersPage } from './pages/containers';
import { InvoicePage } from './pages/invoice';
import { InvoicesPage } from './pages/invoices';
import { LivePage } from './pages/live';
import { LogsPage } from './pages/logs';
import { NotFoundPage } from './pages/not-found';
import { SignIn, type Notice } from './pages/sign-in';
import { UsagePage } from './pages/usage';
import { hrefOf, sectionOf, titleOf, type Route } from './router';
import { clearKey, loadKey, saveKey } from './session';
import { useRoute } from './hooks/use-route';

const APP_NAME = 'berth billing';

const NAV: readonly { readonly route: Route; readonly label: string }[] = [
  { route: { page: 'live' }, label: 'Live' },
  { route: { page: 'usage' }, label: 'Usage' },
  { route: { page: 'by-container' }, label: 'By container' },
  { route: { page: 'invoices' }, label: 'Invoices' },
  { route: { page: 'containers' }, label: 'Containers' },
];

export function App() {
  const [key, setKey] = useState<string | null>(() => loadKey());
  const [notice, setNotice] = useState<Notice | null>(null);
  /** Signed in from the form (not from a kept key): focus moves to the page then too. */
  const [signedInNow, setSignedInNow] = useState(false);
  const route = useRoute();

  const signOut = useCallback((next: Notice | null) => {
    clearKey();
    setKey(null);
    setNotice(next);
  }, []);
  const api = useMemo(
    () =>
      key === null
        ? null
        : createApi(key, () =>
            signOut({
              text: 'You were signed out: the API no longer accepts that key. Sign in again.',
              alert: true,
            }),
          ),
    [key, signOut],
  );

  useEffect(() => {
    document.title = `${api === null ? 'Sign in' : titleOf(route)} · ${APP_NAME}`;
  }, [api, route]);

  if (api === null) {
    return (
      <SignIn
        notice={notice}
        onSignedIn={(k) => {
          saveKey(k);
          setNotice(null);
          setSignedInNow(true);
          setKey(k);
        }}
      />
    );
  }
  return (
    <ApiContext.Provider value={api}>
      <Shell
        route={route}
        focusFirst={signedInNow}
        onSignOut={() => signOut({ text: 'You have signed out.', alert: false })}
      />
    </ApiContext.Provider>
  );
}

interface ShellProps {
  readonly route: Route;
  /** Focus the heading of the first page too (after signing in, when the form is gone). */
  readonly focusFirst: boolean;
  readonly onSignOut: () => void;
}

function Shell({ route, focusFirst, onSignOut }: ShellProps) {
  const main = useRef<HTMLElement>(null);
  const href = hrefOf(route);
  const first = useRef(true);

  // After a navigation, focus goes to the new page's heading (the first load keeps the browser's).
  useEffect(() => {
    const isFirst = first.current;
    first.current = false;
    if (isFirst && !focusFirst) return;
    main.current?.querySelector<HTMLElement>('h1')?.focus();
  }, [href]);

  const section = sectionOf(route);
  return (
    <>
      <a
        class="skip-link"
        href="#main"
        onClick={(e) => {
          // "#main" is not a route: move focus without touching the hash.
          e.preventDefault();
          main.current?.focus();
        }}
      >
        Skip to main content
      </a>
      <header class="site-header">
        <a class="brand" href={hrefOf({ page: 'live' })}>
          {APP_NAME}
        </a>
        <nav aria-label="Dashboard">
          <ul>
            {NAV.map((item) => (
              <li key={item.route.page}>
                <a href={hrefOf(item.route)} aria-current={section === item.route.page ? 'page' : undefined}>
                  {item.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <button type="button" class="sign-out" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        <Page key={href} route={route} />
      </main>
    </>
  );
}

function Page({ route }: { readonly route: Route }) {
  switch (route.page) {
    case 'live':
      return <LivePage />;
    case 'usage':
      return <UsagePage />;
    case 'by-container':
      return <ByContainerPage />;
    case 'invoices':
      return <InvoicesPage />;
    case 'invoice':
      return <InvoicePage id={route.id} />;
    case 'containers':
      return <ContainersPage />;
    case 'logs':
      return <LogsPage id={route.id} />;
    case 'not-found':
      return <NotFoundPage />;
  }
}
