// The API's wire types, as the server writes them (snake_case).
import type { Feature, FeatureCollection, Geometry } from 'geojson';

export interface DeclarationProperties {
  kind: string;
  owner: string;
  name?: string;
  alt_min_m?: number;
  alt_max_m?: number;
  start: string;
  end?: string | null;
  visibility?: 'private' | 'parties' | 'public';
  shared_with?: string[];
  radius_m?: number;
  corridor_m?: number;
  state?: string;
  version?: number;
  [other: string]: unknown;
}

export type ParleyFeature = Feature<Geometry, DeclarationProperties> & { id: string };

export interface FeaturePage {
  type: 'FeatureCollection';
  features: ParleyFeature[];
  next?: string;
}

export interface CoarseCell {
  west: number;
  south: number;
  east: number;
  north: number;
  resolution_metres: number;
}

export interface ConflictView {
  operation: string;
  type: 'zone' | 'operation' | 'term';
  owner: string;
  kind: string;
  id?: string;
  handle?: string;
  area?: CoarseCell;
  name?: string;
  exact?: boolean;
  redacted?: boolean;
  /** For a breach of a term: the term's id and why. */
  term?: string;
  reason?: string;
}

export interface RequestView {
  id: string;
  operation?: string;
  operation_handle?: string;
  area?: CoarseCell;
  operation_version: number;
  submitter: string;
  affected: string;
  target_type: 'zone' | 'operation' | 'term';
  target_id?: string;
  target_handle?: string;
  state: string;
  opened: string;
  deadline: string;
  closed?: string;
  reason?: string;
  counter_proposal?: string;
  version: number;
  operation_feature?: ParleyFeature;
}

export interface OperationResponse {
  id: string;
  state: string;
  version: number;
  operation: ParleyFeature;
  conflicts: ConflictView[];
  requests?: RequestView[];
  counter_proposal?: OperationResponse;
}

export interface CheckResponse {
  operation: string;
  conflicts: ConflictView[];
}

export interface AnswerReceipt {
  request: RequestView;
  operation_state?: string;
  counter_proposal?: { id: string; state: string; owner: string };
}

export interface ProbingReport {
  party: string;
  as_of: string;
  requesters: {
    party: string;
    last_hour: number;
    last_day: number;
    total: number;
    first: string;
    last: string;
    zones: { zone: string; count: number }[];
  }[];
}

export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: { feature?: string | null; field: string; message: string }[];
}

export interface DemoOffer {
  agreement: string;
  name: string;
  parties: { id: string; name: string; roles: string[] }[];
}

export interface DemoCredentials {
  agreement: string;
  party: string;
  role: string;
  token: string;
  key: string;
  public_key: string;
}

/** One event of the party's stream. */
export interface StreamEvent {
  id: string;
  type: string;
  data: Record<string, unknown>;
}

// The agreement, its terms and amendments (GET …/agreement, …/agreement/history).

/** A term of the agreement as the API writes it (the agreement's own form). */
export interface TermDoc {
  id: string;
  type: 'designated-area' | 'suspension' | 'limit' | string;
  name?: string;
  parties: string[];
  kinds: string[];
  alt_min_m?: number;
  alt_max_m?: number;
  start?: string;
  end?: string;
  on_breach?: 'refuse' | 'concurrence';
  areas?: FeatureCollection | Feature;
  area?: Geometry | Feature;
  max_per_day?: number;
  [other: string]: unknown;
}

export interface AgreementDoc {
  id: string;
  name?: string;
  version: number;
  parties: { id: string; name?: string; role: string }[];
  signatories?: string[];
  terms?: TermDoc[];
  [other: string]: unknown;
}

export interface SignatureView {
  party: string;
  signed: string;
}

/** What an amendment changes, in the form a proposal takes. */
export interface AmendmentChanges {
  add_terms?: TermDoc[];
  replace_terms?: TermDoc[];
  remove_terms?: string[];
  [other: string]: unknown;
}

export interface AmendmentView {
  id: string;
  state: 'proposed' | 'signed' | 'in-force' | 'lapsed' | string;
  proposer: string;
  reason: string;
  base_version: number;
  version: number;
  proposed: string;
  signing_deadline: string;
  effective: string;
  signatories: string[];
  signatures: SignatureView[];
  missing: string[];
  closed?: string | null;
  refused_by?: string | null;
  lapse_reason?: string | null;
  revision: number;
  changes: AmendmentChanges;
}

export interface AgreementHistory {
  agreement: string;
  version: number;
  versions: { version: number; amendment?: string | null; in_force?: string | null; signatures: SignatureView[] }[];
  amendments: AmendmentView[];
}

// Incidents (GET …/incidents, …/incidents/{id}). Fields the API leaves out when empty are optional.

export interface CandidateView {
  party: string;
  /** confirmed (its own admission), else the grade in force, else ungraded. */
  status: string;
  /** awaited, replied, replied-late or silent. */
  reply: string;
  deadline: string;
}

export interface SiteView {
  zone?: string | null;
  owner: string;
  kind: string;
  handle?: string | null;
  cell?: CoarseCell | null;
  exact?: boolean | null;
  named: boolean;
}

export interface DeclarationView {
  operation?: string | null;
  owner: string;
  kind: string;
  state?: string | null;
  handle?: string | null;
  cell?: CoarseCell | null;
}

export interface IncidentReportProperties {
  kind: string;
  reporter: string;
  uncertainty_m?: number;
  location_precision?: string;
  start?: string;
  end?: string;
  time_precision?: string;
  at?: string;
  suspected?: string[];
  affected_zone?: string;
  description?: string;
  sources?: { type: string; count: number; ref?: string; sha256?: string[] }[];
  visibility?: string;
  shared_with?: string[];
}

export interface IncidentView {
  id: string;
  kind: string;
  reporter: string;
  reported: string;
  reply_deadline: string;
  version: number;
  report: Feature<Geometry, IncidentReportProperties>;
  grade?: string | null;
  candidates: CandidateView[];
  sites: SiteView[];
  declarations: DeclarationView[];
  terms: { term: string; reason: string }[];
  replies: { party: string; reply: string; reason?: string | null; operation?: string | null; at: string; late: boolean }[];
  grades: { by: string; grade: string; reason: string; at: string }[];
  silences: { party: string; recorded: string }[];
  /** The radius or half-width the center correlates with; absent for a polygon. */
  uncertainty_m?: number | null;
}

export type ReplyKind = 'admit' | 'deny' | 'explain' | 'request-information';
export type GradeKind = 'weak' | 'fair' | 'contested' | 'discounted';

// Compliance (GET …/compliance): every figure with its denominator and pending count.

export interface Figure {
  count: number;
  of: number | null;
  pending: number | null;
  change?: { previous: number; band: string };
}

export interface CompliancePeriod {
  start: string;
  end: string;
  concurrence?: Record<string, Figure>;
  operations?: Record<string, Figure>;
  incidents: Record<string, Figure>;
}

export interface ComplianceDoc {
  agreement: string;
  generated: string;
  period: 'day' | 'week';
  from: string;
  to: string;
  parties: { party: string; role: string; periods: CompliancePeriod[] }[];
}

/** The caller's own party under the daily limits binding it, on one UTC day (GET …/agreement/limits). */
export interface LimitsToday {
  party: string;
  day: string;
  limits: { term: string; name?: string | null; max_per_day: number; count: number }[];
}
