// The agreement's terms as the console shows them: where they apply, when, and whether they are in force now.
import type { Feature, Geometry } from 'geojson';
import type { ParleyFeature, TermDoc } from '../api/types';
import { utc } from '../util/dom';

export type TermStatus = 'in-force' | 'upcoming' | 'ended';

/** In force at `now`, upcoming (starts later) or ended; a window is half-open [start, end). */
export function termStatus(term: TermDoc, now: number): TermStatus {
  const start = term.start ? Date.parse(term.start) : -Infinity;
  const end = term.end ? Date.parse(term.end) : Infinity;
  if (now >= end) return 'ended';
  return now < start ? 'upcoming' : 'in-force';
}

/** The term's window in words: "from 2026-12-08 00:00Z to 2026-12-10 00:00Z", "always". */
export function termWindow(term: TermDoc): string {
  if (!term.start && !term.end) return 'at all times';
  if (!term.end) return `from ${utc(term.start)}`;
  if (!term.start) return `until ${utc(term.end)}`;
  return `${utc(term.start)} – ${utc(term.end)}`;
}

/** Who and what the term binds: "red · strike, flight". */
export function termScope(term: TermDoc): string {
  return `${term.parties.join(', ')} · ${term.kinds.join(', ')}`;
}

const typeNames: Record<string, string> = { 'designated-area': 'Designated area', suspension: 'Suspension', limit: 'Limit' };

export function termType(term: TermDoc): string {
  return typeNames[term.type] ?? term.type;
}

/** What happens on a breach, in words. */
export function onBreach(term: TermDoc): string {
  return term.on_breach === 'concurrence' ? 'a breach needs every other party\'s concurrence' : 'a breach is refused';
}

function asFeature(id: string, g: Geometry | Feature | undefined, term: TermDoc): ParleyFeature | null {
  if (!g) return null;
  const feature = g.type === 'Feature' ? g : ({ type: 'Feature', geometry: g, properties: {} } as Feature);
  if (!feature.geometry) return null;
  const p = (feature.properties ?? {}) as Record<string, unknown>;
  return {
    type: 'Feature', id, geometry: feature.geometry,
    properties: {
      ...p, kind: term.type, owner: '', start: String(p.start ?? term.start ?? ''), end: (p.end as string | undefined) ?? term.end ?? null,
      alt_min_m: (p.alt_min_m as number | undefined) ?? term.alt_min_m, alt_max_m: (p.alt_max_m as number | undefined) ?? term.alt_max_m,
    },
  };
}

/** The areas a term draws on the map: a designated area's areas, a suspension's or limit's area (none: the whole theater). */
export function termAreas(term: TermDoc): ParleyFeature[] {
  if (term.type === 'designated-area' && term.areas) {
    const features = term.areas.type === 'FeatureCollection' ? term.areas.features : [term.areas];
    return features.map((f, i) => asFeature(`${term.id}#${i}`, f, term)).filter((f): f is ParleyFeature => f !== null);
  }
  const one = asFeature(`${term.id}#0`, term.area, term);
  return one ? [one] : [];
}

/** The terms the map and the legend show: suspensions and designated areas in force or upcoming. */
export function drawnTerms(terms: readonly TermDoc[] | undefined, now: number): TermDoc[] {
  return (terms ?? []).filter((t) => (t.type === 'suspension' || t.type === 'designated-area') && termStatus(t, now) !== 'ended');
}
