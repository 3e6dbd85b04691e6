import type { GradeKind, IncidentView, ReplyKind, SiteView } from '../api/types';
import type { MapView } from '../map/mapview';
import type { Actions } from '../store/actions';
import type { State } from '../store/store';
import { field, h, utc, type Child } from '../util/dom';
import { gradeKinds, incidentFeature, incidentWhen, incidentWhere, isConfirmed, replyKinds, standing } from '../model/incidents';

function siteLine(site: SiteView, map: MapView): HTMLElement {
  const cell = site.cell;
  const km = cell ? `${Math.round(cell.resolution_metres / 1000)} km cell` : '';
  return h('li', { class: site.zone ? '' : 'redacted' },
    h('strong', {}, `${site.owner} · ${site.kind}`), ' ',
    site.zone ? h('code', {}, site.zone) : h('span', { class: 'muted' }, `hidden site, handle ${(site.handle ?? '').slice(0, 14)}…`),
    site.named ? ' (named by the reporter)' : '',
    site.exact === true ? ' — the reported area touches it' : site.exact === false ? ' — only the cell and time slot are shared' : '',
    cell ? [' ', h('button', { type: 'button', class: 'link small', onclick: () => map.focusCell(cell) }, `show its ${km}`)] : null);
}

/** The forms of one incident, kept while the details are drawn again (a pan, an event). */
interface Forms { reply: HTMLSelectElement; reason: HTMLTextAreaElement; operation: HTMLInputElement; grade: HTMLSelectElement; gradeReason: HTMLInputElement }
const forms = new Map<string, Forms>();

function formsOf(id: string): Forms {
  let f = forms.get(id);
  if (!f) {
    f = {
      // No reply is preselected: an admission confirms the incident, and must never be sent by an unread default.
      reply: h('select', {}, h('option', { value: '' }, 'Choose a reply…'), replyKinds.map(([v, t]) => h('option', { value: v }, t))),
      reason: h('textarea', { rows: 2, placeholder: 'Required to deny; optional otherwise' }),
      operation: h('input', { type: 'text', list: 'own-operations', autocomplete: 'off', placeholder: 'one of your operations', disabled: true }),
      grade: h('select', {}, h('option', { value: '' }, 'Choose a grade…'), gradeKinds.map(([v, t]) => h('option', { value: v }, t))),
      gradeReason: h('input', { type: 'text', autocomplete: 'off', placeholder: 'Why this grade (required)' }),
    };
    const fields = f;
    fields.reply.addEventListener('change', () => {
      fields.operation.disabled = fields.reply.value !== 'explain';
    });
    forms.set(id, f);
  }
  return f;
}

function replyPanel(i: IncidentView, s: State, actions: Actions): HTMLElement {
  const f = formsOf(i.id);
  const own = [...s.operations.values()].filter((o) => o.properties.owner === s.session?.party).map((o) => o.id).sort();
  const send = async (): Promise<void> => {
    const kind = f.reply.value as ReplyKind;
    const reason = f.reason.value.trim();
    const operation = f.operation.value.trim();
    f.reason.removeAttribute('aria-invalid');
    f.operation.removeAttribute('aria-invalid');
    f.reply.removeAttribute('aria-invalid');
    if (!kind) {
      f.reply.setAttribute('aria-invalid', 'true');
      f.reply.focus();
      actions.notifyError('Choose a reply first');
      return;
    }
    if (kind === 'deny' && !reason) {
      f.reason.setAttribute('aria-invalid', 'true');
      f.reason.focus();
      actions.notifyError('A denial needs a reason');
      return;
    }
    if (kind === 'explain' && !operation) {
      f.operation.setAttribute('aria-invalid', 'true');
      f.operation.focus();
      actions.notifyError('An explanation names one of your own declared operations');
      return;
    }
    if (await actions.replyToIncident(i.id, kind, reason || undefined, kind === 'explain' ? operation : undefined)) {
      f.reply.value = '';
      f.operation.disabled = true;
      f.reason.value = '';
      f.operation.value = '';
    }
  };
  return h('section', { class: 'subpanel', role: 'region', 'aria-label': 'Reply' },
    h('h3', {}, 'Reply'),
    h('p', { class: 'hint' }, 'Your party is named as suspected. Admitting confirms the incident against your party: nothing else does. No reply by the deadline is recorded as silence.'),
    field('Reply', f.reply),
    field('Reason', f.reason),
    field('Operation', f.operation, 'To explain: the id of your own declared operation'),
    h('datalist', { id: 'own-operations' }, own.map((id) => h('option', { value: id }))),
    h('button', { type: 'button', class: 'small', onclick: () => void send() }, 'Send reply'));
}

function gradePanel(i: IncidentView, actions: Actions): HTMLElement {
  const f = formsOf(i.id);
  const send = async (): Promise<void> => {
    const reason = f.gradeReason.value.trim();
    f.grade.removeAttribute('aria-invalid');
    if (!f.grade.value) {
      f.grade.setAttribute('aria-invalid', 'true');
      f.grade.focus();
      actions.notifyError('Choose a grade first');
      return;
    }
    if (!reason) {
      f.gradeReason.setAttribute('aria-invalid', 'true');
      f.gradeReason.focus();
      actions.notifyError('A grade needs a reason');
      return;
    }
    f.gradeReason.removeAttribute('aria-invalid');
    if (await actions.gradeIncident(i.id, f.grade.value as GradeKind, reason)) {
      f.gradeReason.value = '';
      f.grade.value = '';
    }
  };
  return h('section', { class: 'subpanel', role: 'region', 'aria-label': 'Grade' },
    h('h3', {}, 'Grade'),
    h('p', { class: 'hint' }, 'How well the report holds up. Confirmed is no grade: only the suspected party\'s own admission confirms.'),
    h('div', { class: 'row' }, field('Grade', f.grade), field('Reason for the grade', f.gradeReason)),
    h('button', { type: 'button', class: 'small', onclick: () => void send() }, 'Grade'));
}

/** One incident as the party may see it, with its correlation, history, and the reply or grade the party may give. */
export function incidentDetails(i: IncidentView, s: State, actions: Actions, map: MapView): Child[] {
  const party = s.session?.party ?? '';
  const role = s.session?.role ?? '';
  const p = i.report.properties;
  const suspected = i.candidates.some((c) => c.party === party);
  const area = incidentFeature(i);
  const admitted = i.candidates.filter((c) => c.status === 'confirmed').map((c) => c.party);
  return [
    h('h2', {}, `Incident ${i.id}`, ' ',
      h('span', { class: `badge ${isConfirmed(i) ? 'state-refused' : 'state-open'}` }, isConfirmed(i) ? `confirmed by ${admitted.join(', ')}'s own admission` : 'violation candidate')),
    h('p', { class: 'muted' }, `${i.kind} · reported by ${i.reporter} ${utc(i.reported)}`),
    h('dl', { class: 'props' },
      h('dt', {}, 'when'), h('dd', {}, incidentWhen(i)),
      h('dt', {}, 'where'), h('dd', {}, incidentWhere(i)),
      p.description ? [h('dt', {}, 'description'), h('dd', {}, p.description)] : null,
      h('dt', {}, 'sources'), h('dd', {}, (p.sources ?? []).map((x) => `${x.type} ×${x.count}${x.ref ? ` (${x.ref})` : ''}`).join('; ') || '—'),
      h('dt', {}, 'grade'), h('dd', {}, i.grade ?? 'ungraded'),
      h('dt', {}, 'reply by'), h('dd', {}, utc(i.reply_deadline)),
      h('dt', {}, 'visibility'), h('dd', {}, p.visibility ?? '—')),
    h('h3', {}, 'Suspected parties'),
    i.candidates.length ? h('ul', { class: 'requests' }, i.candidates.map((c) => h('li', { class: `candidate status-${c.status}` }, standing(c))))
      : h('p', { class: 'muted' }, 'None named.'),
    suspected && (role === 'operator' || role === 'approver') ? replyPanel(i, s, actions) : null,
    role === 'monitor' || role === 'admin' ? gradePanel(i, actions) : null,
    h('h3', {}, `Notified sites affected (${i.sites.length})`),
    i.sites.length ? h('ul', { class: 'conflicts' }, i.sites.map((site) => siteLine(site, map))) : null,
    h('p', { class: 'hint' }, 'Only notified sites are listed. A site never notified is still protected; notification is not permission.'),
    h('h3', {}, `Matching declarations (${i.declarations.length})`),
    i.declarations.length ? h('ul', { class: 'conflicts' }, i.declarations.map((d) => h('li', { class: d.operation ? '' : 'redacted' },
      h('strong', {}, `${d.owner} · ${d.kind}`), ' ',
      d.operation ? [h('code', {}, d.operation), d.state ? ` (${d.state} when reported)` : '']
        : h('span', { class: 'muted' }, `hidden operation, handle ${(d.handle ?? '').slice(0, 14)}…`),
      d.cell ? [' ', h('button', { type: 'button', class: 'link small', onclick: () => map.focusCell(d.cell!) }, 'show its cell')] : null))) : null,
    i.terms.length ? [h('h3', {}, 'Terms it would breach'), h('ul', { class: 'conflicts' }, i.terms.map((t) => h('li', {}, h('code', {}, t.term), `: ${t.reason}`)))] : null,
    h('h3', {}, 'Replies, grades and silences'),
    i.replies.length + i.grades.length + i.silences.length === 0 ? h('p', { class: 'muted' }, 'Nothing yet.') : h('ul', { class: 'requests history' },
      i.replies.map((r) => h('li', {}, h('strong', {}, r.party), ` ${r.reply}`, r.operation ? ` by operation ${r.operation}` : '', r.reason ? ` “${r.reason}”` : '', ` ${utc(r.at)}`, r.late ? ' (after the deadline)' : '')),
      i.grades.map((g) => h('li', {}, h('strong', {}, g.by), ` graded it ${g.grade} “${g.reason}” ${utc(g.at)}`)),
      i.silences.map((x) => h('li', {}, h('strong', {}, x.party), ` was silent by the deadline (${utc(x.recorded)}): neither an admission nor a denial`))),
    h('div', { class: 'row actions' },
      area ? h('button', { type: 'button', class: 'secondary small', onclick: () => map.focus(area) }, 'Show on map') : null),
  ];
}
