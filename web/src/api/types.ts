// The API's wire types, as the server writes them (snake_case).
import type { Feature, Geometry } from 'geojson';

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
  type: 'zone' | 'operation';
  owner: string;
  kind: string;
  id?: string;
  handle?: string;
  area?: CoarseCell;
  name?: string;
  exact?: boolean;
  redacted?: boolean;
}

export interface RequestView {
  id: string;
  operation?: string;
  operation_handle?: string;
  area?: CoarseCell;
  operation_version: number;
  submitter: string;
  affected: string;
  target_type: 'zone' | 'operation';
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
