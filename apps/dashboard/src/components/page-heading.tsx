import type { ComponentChildren } from 'preact';

/**
 * The page's heading. It takes focus after a navigation (see app.tsx), so that screen readers announce
 * the new page and the keyboard starts from it.
 */
export function PageHeading({ children }: { readonly children: ComponentChildren }) {
  return (
    <h1 tabIndex={-1} class="page-heading">
      {children}
    </h1>
  );
}
