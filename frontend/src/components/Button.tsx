import type { ButtonHTMLAttributes, ComponentChildren } from 'preact';

type Variant = 'primary' | 'secondary' | 'danger' | 'ghost';

interface Props extends Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'size'> {
  variant?: Variant;
  size?: 'md' | 'sm';
  busy?: boolean;
  children: ComponentChildren;
}

/** A button with a large touch target; `busy` disables it and shows a spinner while a request runs. */
export function Button({ variant = 'primary', size = 'md', busy, disabled, children, class: cls, type, ...rest }: Props) {
  return (
    <button
      type={type ?? 'button'}
      class={`btn btn-${variant}${size === 'sm' ? ' btn-sm' : ''}${cls ? ` ${cls}` : ''}`}
      disabled={disabled || busy}
      aria-busy={busy || undefined}
      {...rest}
    >
      {busy && <span class="spinner" aria-hidden="true" />}
      {children}
    </button>
  );
}
