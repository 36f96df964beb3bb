import type { ComponentChildren } from 'preact';

/**
 * A table that scrolls sideways inside its own box on narrow screens; focusable so that keyboard users
 * can scroll it too.
 */
export function TableWrap({
  label,
  children,
}: {
  readonly label: string;
  readonly children: ComponentChildren;
}) {
  return (
    <div class="table-wrap" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}
