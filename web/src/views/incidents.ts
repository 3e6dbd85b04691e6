import type { ApiClient } from '../api/client';
import type { Actions } from '../store/actions';
import type { Store } from '../store/store';
import { h, render, utc } from '../util/dom';

/** A suspected party's standing on an incident, as the API answers it. */
interface Candidate { party: string; status: string; reply: string; deadline: string }

/** An incident as the signed-in party may see it (the fields this panel shows). */
interface IncidentView {
  id: string; kind: string; reporter: string; reported: string;
  candidates: Candidate[]; sites: { owner: string }[]; declarations: unknown[];
}

interface Figure { count: number; of: number | null; pending: number | null }
interface ComplianceDoc {
  from: string; to: string;
  parties: { party: string; role: string; periods: { incidents: Record<string, Figure> }[] }[];
}

const Columns: [string, string][] = [
  ['reported', 'Reported'], ['against', 'Against'], ['confirmed', 'Confirmed'], ['fair', 'Fair'], ['weak', 'Weak'],
  ['contested', 'Contested'], ['discounted', 'Discounted'], ['ungraded', 'Ungraded'], ['never_replied', 'Silent'],
];

/**
 * Incidents the party may see, each with where every suspected party stands, and the incident figures of the
 * compliance report (summed over its periods) as a table. Words: a violation candidate until its party admits it.
 */
export function mountIncidents(root: HTMLElement, store: Store, actions: Actions): void {
  const list = h('ul', { class: 'incidents', 'aria-label': 'Incidents' });
  const figures = h('div', { class: 'compliance' });
  const load = async (api: ApiClient): Promise<void> => {
    const base = `/v1/agreements/${encodeURIComponent(api.agreement)}`;
    try {
      const incidents = (await api.send<{ incidents: IncidentView[] }>('GET', `${base}/incidents`)).value.incidents;
      render(list, incidents.length === 0 ? h('li', { class: 'muted' }, 'No incident you may see.') : incidents.map((i) => h('li', { class: 'incident' },
        h('strong', {}, i.id), ` ${i.kind}, reported by ${i.reporter} ${utc(i.reported)}`,
        i.sites.length > 0 ? h('span', { class: 'hint' }, `${i.sites.length} notified site(s) in the area`) : null,
        i.declarations.length > 0 ? h('span', { class: 'hint' }, `${i.declarations.length} matching declaration(s)`) : null,
        i.candidates.map((c) => h('span', { class: `hint candidate status-${c.status}` },
          c.status === 'confirmed' ? `${c.party}: confirmed by its own admission` : `${c.party}: violation candidate, ${c.status}; ${c.reply === 'awaited' ? 'reply awaited' : c.reply === 'silent' ? 'silent (no reply by the deadline)' : c.reply}`)))));
    } catch (e) {
      render(list, h('li', { class: 'muted' }, `Incidents: ${e instanceof Error ? e.message : String(e)}`));
    }
    try {
      const doc = (await api.send<ComplianceDoc>('GET', `${base}/compliance?period=day`)).value;
      const sum = (p: ComplianceDoc['parties'][number], name: string): number => p.periods.reduce((n, k) => n + (k.incidents[name]?.count ?? 0), 0);
      render(figures, h('table', { class: 'grid' },
        h('caption', {}, `Incidents ${utc(doc.from)} to ${utc(doc.to)}`),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Party'), Columns.map(([, title]) => h('th', { scope: 'col' }, title)))),
        h('tbody', {}, doc.parties.map((p) => h('tr', {}, h('th', { scope: 'row' }, p.party), Columns.map(([name]) => h('td', {}, sum(p, name))))))));
    } catch (e) {
      render(figures, h('p', { class: 'muted' }, `Compliance: ${e instanceof Error ? e.message : String(e)}`));
    }
  };
  render(root,
    h('h2', {}, 'Incidents', h('button', { type: 'button', class: 'link small', onclick: () => { if (actions.client) void load(actions.client); } }, 'refresh')),
    h('p', { class: 'hint' }, 'An incident is a violation candidate until its suspected party admits it. A site never notified is still protected.'),
    list,
    h('h2', {}, 'Compliance'),
    figures);
  store.subscribe((s, p) => {
    if (s.session !== p.session && s.session && actions.client) void load(actions.client);
  });
}
