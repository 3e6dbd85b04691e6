// What an amendment changes, in words, against the version in force.
import type { AgreementDoc, AmendmentView, TermDoc } from '../api/types';
import { utc } from '../util/dom';
import { termScope, termType, termWindow } from './terms';

export interface ChangeLine {
  verb: 'Adds' | 'Replaces' | 'Removes' | 'Sets';
  subject: string;
  detail: string[];
}

const timeKeys = new Set(['start', 'end', 'signing_deadline']);

function show(key: string, value: unknown): string {
  if (value === undefined || value === null) return '—';
  if (timeKeys.has(key) && typeof value === 'string') return utc(value);
  if (Array.isArray(value) && value.every((v) => typeof v !== 'object')) return value.join(', ');
  if (typeof value === 'object') return key === 'area' || key === 'areas' ? 'an area' : JSON.stringify(value);
  return String(value);
}

/** What differs between a term in force and its replacement, field by field ("end: 2026-12-10 00:00Z → 2026-12-09 00:00Z"). */
export function termDifferences(before: TermDoc | undefined, after: TermDoc): string[] {
  if (!before) return [`not in force now: added as ${termType(after).toLowerCase()}`];
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => k !== 'id');
  const lines: string[] = [];
  for (const key of keys) {
    const a = JSON.stringify(before[key]);
    const b = JSON.stringify(after[key]);
    if (a === b) continue;
    lines.push(key === 'area' || key === 'areas' ? `${key}: the area changes` : `${key.replace(/_/g, ' ')}: ${show(key, before[key])} → ${show(key, after[key])}`);
  }
  return lines.length ? lines : ['no field changes'];
}

/** Every change of an amendment, against the terms in force. */
export function describeChanges(amendment: AmendmentView, agreement: AgreementDoc | null): ChangeLine[] {
  const inForce = new Map((agreement?.terms ?? []).map((t) => [t.id, t]));
  const c = amendment.changes ?? {};
  const lines: ChangeLine[] = [];
  for (const t of c.add_terms ?? []) {
    lines.push({ verb: 'Adds', subject: `term ${t.id}`, detail: [`${termType(t)}: ${termScope(t)}, ${termWindow(t)}`, ...(t.name ? [t.name] : [])] });
  }
  for (const t of c.replace_terms ?? []) {
    lines.push({ verb: 'Replaces', subject: `term ${t.id}`, detail: termDifferences(inForce.get(t.id), t) });
  }
  for (const id of c.remove_terms ?? []) {
    const t = inForce.get(id);
    lines.push({ verb: 'Removes', subject: `term ${id}`, detail: t ? [`${termType(t)}: ${termScope(t)}, ${termWindow(t)}`] : ['not in force now'] });
  }
  for (const [key, value] of Object.entries(c)) {
    if (key === 'add_terms' || key === 'replace_terms' || key === 'remove_terms' || value === undefined || value === null) continue;
    lines.push({ verb: 'Sets', subject: key.replace(/_/g, ' '), detail: [`${show(key, agreement?.[key])} → ${show(key, value)}`] });
  }
  return lines;
}

/** Whether an amendment still waits for signatures or for its effective time. */
export function isPending(a: AmendmentView): boolean {
  return a.state === 'proposed' || a.state === 'signed';
}
