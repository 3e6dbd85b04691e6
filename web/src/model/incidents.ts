// Incidents in Parley's words: a violation candidate until its suspected party admits it; silence is silence.
import type { CandidateView, IncidentView, ParleyFeature } from '../api/types';
import { utc } from '../util/dom';

/** The incident's area as a map feature: a point or line widened by the uncertainty the center uses, or its polygon. */
export function incidentFeature(incident: IncidentView): ParleyFeature | null {
  const g = incident.report.geometry;
  if (!g) return null;
  const radius = incident.uncertainty_m ?? incident.report.properties.uncertainty_m ?? 0;
  const line = g.type === 'LineString' || g.type === 'MultiLineString';
  return {
    type: 'Feature', id: incident.id, geometry: g,
    properties: {
      kind: incident.kind, owner: incident.reporter, start: incident.report.properties.start ?? incident.report.properties.at ?? '',
      ...(line ? { corridor_m: radius } : g.type === 'Point' || g.type === 'MultiPoint' ? { radius_m: radius } : {}),
    },
  };
}

/** Confirmed only by the party's own admission, if any suspected party admitted. */
export function isConfirmed(incident: IncidentView): boolean {
  return incident.candidates.some((c) => c.status === 'confirmed');
}

const replyWords: Record<string, string> = {
  awaited: 'reply awaited', replied: 'replied', 'replied-late': 'replied after the deadline', silent: 'silent (no reply by the deadline)',
};

/** One suspected party's standing, in words. */
export function standing(c: CandidateView): string {
  if (c.status === 'confirmed') return `${c.party}: confirmed by its own admission`;
  return `${c.party}: violation candidate, ${c.status}; ${replyWords[c.reply] ?? c.reply}`;
}

/** The time of the incident as reported: an exact window, or a day, week or month. */
export function incidentWhen(incident: IncidentView): string {
  const p = incident.report.properties;
  if (p.time_precision && p.time_precision !== 'exact') return `some time in the ${p.time_precision} of ${p.at ?? '?'}`;
  return `${utc(p.start)} – ${utc(p.end)}`;
}

/** The place as reported: its uncertainty in words. */
export function incidentWhere(incident: IncidentView): string {
  const p = incident.report.properties;
  const g = incident.report.geometry;
  const radius = incident.uncertainty_m ?? p.uncertainty_m;
  const km = (m: number): string => (m >= 1000 ? `${(m / 1000).toLocaleString('en-GB', { maximumFractionDigits: 1 })} km` : `${Math.round(m)} m`);
  if (g?.type === 'Polygon' || g?.type === 'MultiPolygon') return 'somewhere within the area drawn';
  const shape = g?.type === 'LineString' || g?.type === 'MultiLineString' ? 'of the line' : 'of the point';
  const precision = p.location_precision ? ` (${p.location_precision})` : '';
  return radius ? `within ${km(radius)} ${shape}${precision}` : `at the ${g?.type ?? 'place'} given`;
}

export const replyKinds = [
  ['admit', 'Admit'], ['deny', 'Deny'], ['explain', 'Explain by an operation'], ['request-information', 'Request information'],
] as const;

export const gradeKinds = [
  ['weak', 'Weak'], ['fair', 'Fair'], ['contested', 'Contested'], ['discounted', 'Discounted'],
] as const;
