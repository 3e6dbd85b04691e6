import type { TermDoc } from '../api/types';
import type { Actions } from '../store/actions';
import type { State, Store } from '../store/store';
import { h, render } from '../util/dom';
import { onBreach, termScope, termStatus, termType, termWindow } from '../model/terms';

const statusWords = { 'in-force': 'in force', upcoming: 'upcoming', ended: 'ended' } as const;

/** One term in a line or two: type, name, whom it binds, when, and what it asks. */
export function termSummary(term: TermDoc, now: number, used?: number): HTMLElement[] {
  const status = termStatus(term, now);
  const what = term.type === 'limit'
    ? `at most ${term.max_per_day ?? '?'} a day per party.${used === undefined ? '' : ` Yours today (UTC): ${used} of ${term.max_per_day ?? '?'}.`}`
    : term.type === 'suspension'
      ? (term.area ? `none in its area, ${termWindow(term)}.` : `none anywhere in the theater, ${termWindow(term)}.`)
      : `only inside its areas, ${termWindow(term)}.`;
  return [
    h('span', { class: 'term-head' },
      h('span', { class: `term-type term-${term.type}` }, termType(term)), ' ',
      h('code', {}, term.id), ' ',
      h('span', { class: `badge term-status-${status}` }, statusWords[status])),
    term.name ? h('span', { class: 'term-name' }, term.name) : null,
    h('span', { class: 'hint' }, `${termScope(term)}: ${what} ${onBreach(term)[0]!.toUpperCase()}${onBreach(term).slice(1)}.`),
  ].filter((e): e is HTMLElement => e !== null);
}

/**
 * The agreement's terms as every party sees them: designated areas and suspensions (drawn on the map while in force or
 * upcoming) and limits. A limit shows its maximum and, to a party it binds, how many of its own operations count today;
 * other parties' counts are theirs.
 */
export function mountTerms(root: HTMLElement, store: Store, actions: Actions): void {
  root.setAttribute('role', 'region');
  root.setAttribute('aria-label', 'Terms');
  const draw = (s: State): void => {
    const agreement = s.agreement;
    if (!agreement) {
      render(root, h('h2', {}, 'Terms'), h('p', { class: 'muted' }, 'Loading the agreement…'));
      return;
    }
    const now = Date.now();
    const terms = agreement.terms ?? [];
    render(root,
      h('h2', {}, 'Terms', h('span', { class: 'muted version' }, `version ${agreement.version}`)),
      terms.length === 0 ? h('p', { class: 'muted' }, 'The agreement has no terms.') : h('ul', { class: 'terms', 'aria-label': 'Terms of the agreement' },
        terms.map((t) => h('li', { class: `term status-${termStatus(t, now)}`, 'data-term': t.id },
          h('button', { type: 'button', class: 'link term-select', onclick: () => actions.select({ type: 'term', id: t.id }) }, termSummary(t, now, s.limitsUsed?.get(t.id)))))));
  };
  store.subscribe((s, p) => {
    if (s.agreement !== p.agreement || s.limitsUsed !== p.limitsUsed) draw(s);
  });
  draw(store.state);
}
