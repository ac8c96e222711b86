/** A modal dialog frame: Esc or the close button closes it; focus starts inside. */
import { useEffect, useRef, type ReactNode } from 'react';
import { ErrorBanner } from './ErrorBanner';
import { Icon } from './Icon';

export function Dialog(p: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  testid: string;
  wide?: boolean;
  /** Show the error banner inside (default); a question that is about the error itself leaves it out. */
  errors?: boolean;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const first = ref.current?.querySelector<HTMLElement>(
      'input, select, textarea, button:not(.dialog-close)',
    );
    first?.focus();
  }, []);
  return (
    <div className="dialog-backdrop" onMouseDown={(e) => e.target === e.currentTarget && p.onClose()}>
      <div
        className={`dialog${p.wide ? ' wide' : ''}`}
        role="dialog"
        aria-modal="true"
        aria-label={p.title}
        data-testid={p.testid}
        ref={ref}
      >
        <header className="dialog-head">
          <h1>{p.title}</h1>
          <button
            className="button icon-only dialog-close"
            aria-label="Close"
            title="Close (Esc)"
            onClick={p.onClose}
          >
            <Icon name="close" />
          </button>
        </header>
        <div className="dialog-body">
          {p.errors !== false && <ErrorBanner inDialog />}
          {p.children}
        </div>
      </div>
    </div>
  );
}
