import type { Store } from '../store/store';
import { h, render } from '../util/dom';

/** Short-lived messages: outcomes of actions and live events. Announced politely to screen readers. */
export function mountNotices(root: HTMLElement, store: Store): void {
  root.setAttribute('aria-live', 'polite');
  store.subscribe((s, p) => {
    if (s.notices === p.notices) return;
    render(root, s.notices.map((n) => h('div', { class: `notice notice-${n.tone}` }, n.text)));
  });
}
