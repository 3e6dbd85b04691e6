import type { ComplianceDoc, CompliancePeriod } from '../api/types';
import type { Actions } from '../store/actions';
import type { State, Store } from '../store/store';
import { h, render, utc } from '../util/dom';
import { stackedBars } from './chart';

/** The incident figures by grade, stacked in this order (their sum is the incidents against the party). */
export const gradeSeries = [
  { key: 'confirmed', label: 'Confirmed (own admission)' },
  { key: 'fair', label: 'Fair' },
  { key: 'weak', label: 'Weak' },
  { key: 'contested', label: 'Contested' },
  { key: 'discounted', label: 'Discounted' },
  { key: 'ungraded', label: 'Ungraded' },
];

/** The table's columns: figure name and heading. */
const columns: [string, string, string][] = [
  ['against', 'Against', 'Incidents naming the party'], ['confirmed', 'Conf.', 'Confirmed by its own admission'], ['fair', 'Fair', 'Graded fair'],
  ['weak', 'Weak', 'Graded weak'], ['contested', 'Cont.', 'Graded contested'], ['discounted', 'Disc.', 'Graded discounted'],
  ['ungraded', 'Ungr.', 'Neither admitted nor graded'], ['never_replied', 'Silent', 'No reply by the deadline: neither an admission nor a denial'],
  ['notified_sites_affected', 'Sites', 'Notified sites affected (a site never notified is still protected)'],
];

/** A period's short label: the day (MM-DD) or the week's Monday (w/c MM-DD); the full date is its title. */
function periodLabel(doc: ComplianceDoc, p: CompliancePeriod): string {
  const day = p.start.slice(5, 10);
  return doc.period === 'week' ? `w/c ${day}` : day;
}

function count(p: CompliancePeriod, name: string): number {
  return p.incidents[name]?.count ?? 0;
}

/** One party: its chart of incidents against it by grade per period, and the table of the same figures beside it. */
function partySection(doc: ComplianceDoc, party: ComplianceDoc['parties'][number]): HTMLElement {
  const labels = party.periods.map((p) => periodLabel(doc, p));
  const chart = stackedBars({
    title: `Incidents against ${party.party} by grade, per ${doc.period}`,
    labels: labels.map((l) => (doc.period === 'week' ? l.slice(4) : l)),
    series: gradeSeries,
    values: party.periods.map((p) => gradeSeries.map((s) => count(p, s.key))),
  });
  const table = h('table', { class: 'grid figures', 'aria-label': `Incident figures of ${party.party}` },
    h('caption', {}, `${party.party} (${party.role}): incidents per ${doc.period}`),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, doc.period === 'week' ? 'Week' : 'Day'),
      columns.map(([name, title, long]) => h('th', { scope: 'col', 'data-figure': name, abbr: long, title: long }, title)),
      h('th', { scope: 'col', 'data-figure': 'against.pending', abbr: 'Open: neither admitted nor graded', title: 'Open: neither admitted nor graded' }, 'Open'))),
    h('tbody', {}, party.periods.map((p, i) => h('tr', {},
      h('th', { scope: 'row', title: p.start.slice(0, 10) }, labels[i]),
      columns.map(([name]) => {
        const f = p.incidents[name];
        const note = f ? [f.of !== null ? `of ${f.of}` : '', f.pending ? `${f.pending} pending` : '', f.change ? `${f.change.band} (previous ${f.change.previous})` : ''].filter(Boolean).join(', ') : '';
        return h('td', { 'data-figure': name, title: note || null }, count(p, name));
      }),
      h('td', { 'data-figure': 'against.pending', title: 'neither admitted nor graded' }, p.incidents.against?.pending ?? 0)))));
  return h('section', { class: 'party-figures', role: 'group', 'aria-label': `Compliance of ${party.party}` },
    h('h3', {}, party.party, h('span', { class: 'muted' }, ` ${party.role}`)),
    h('div', { class: 'figure-pair' }, h('div', { class: 'chart-box' }, chart), h('div', { class: 'table-box' }, table)));
}

/**
 * The compliance dashboard: per party, the incidents against it stacked by grade for each period, drawn in SVG with the
 * table of its figures beside it; the figures are exactly what the API answers for the signed-in party.
 */
export function mountCompliance(root: HTMLElement, store: Store, actions: Actions): void {
  root.setAttribute('role', 'region');
  root.setAttribute('aria-label', 'Compliance');
  const period = h('select', { 'aria-label': 'Period' }, h('option', { value: 'day' }, 'per day'), h('option', { value: 'week' }, 'per week'));
  period.addEventListener('change', () => void actions.loadCompliance(period.value as 'day' | 'week'));
  const body = h('div', { class: 'dashboard-body' });
  const legend = h('ul', { class: 'legend chart-legend', 'aria-label': 'Chart legend' },
    gradeSeries.map((s) => h('li', {}, h('span', { class: `swatch series-${s.key}`, 'aria-hidden': 'true' }), s.label)));
  const draw = (s: State): void => {
    const doc = s.compliance;
    if (!doc) {
      render(body, h('p', { class: 'muted' }, 'Loading the figures…'));
      return;
    }
    period.value = doc.period;
    render(body,
      h('p', { class: 'hint' }, `From ${utc(doc.from)} to ${utc(doc.to)}, computed from the ledger as ${s.session?.party ?? ''} may open it (${utc(doc.generated)}).`),
      doc.parties.map((p) => partySection(doc, p)));
  };
  render(root,
    h('div', { class: 'dashboard-head' },
      h('h2', {}, 'Compliance'),
      period,
      h('button', { type: 'button', class: 'link small', onclick: () => void actions.loadCompliance(period.value as 'day' | 'week') }, 'refresh'),
      h('button', { type: 'button', class: 'secondary small back', onclick: () => actions.showCentre('map') }, 'Back to the map')),
    h('p', { class: 'hint words' },
      'An incident is a violation candidate until its suspected party admits it: "confirmed" counts only the party\'s own admissions. ',
      'Silent counts deadlines passed with no reply: silence is neither an admission nor a denial. ',
      'Sites counts notified sites affected: a site never notified is still protected.'),
    legend,
    body);
  store.subscribe((s, p) => {
    if (s.compliance !== p.compliance || s.session !== p.session) draw(s);
  });
  draw(store.state);
}
