/**
 * A titled panel: a `<section>` named by its `<h2>` title (aria-labelledby), so screen readers list it
 * as a region with that name. Styles in styles/layout.css (`.panel`, `.panel__title`).
 */
import { useId, type ReactNode } from 'react';

export function Panel({
  title,
  className,
  testId,
  children,
}: {
  title: string;
  /** Extra classes (layout of this panel). */
  className?: string;
  testId?: string;
  children: ReactNode;
}) {
  const id = useId();
  return (
    <section className={className ? `panel ${className}` : 'panel'} aria-labelledby={id} data-testid={testId}>
      <h2 id={id} className="panel__title">
        {title}
      </h2>
      {children}
    </section>
  );
}
