import { sign, type SubmissionKey } from './signing';
import type {
  AgreementDoc, AgreementHistory, AmendmentView, AnswerReceipt, CheckResponse, ComplianceDoc, DemoCredentials, DemoOffer, FeaturePage, GradeKind,
  IncidentView, OperationResponse, ParleyFeature, Problem, ProbingReport, ReplyKind, RequestView, LimitsToday } from './types';

/** A refusal or failure of the API, with its problem document. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly problem: Problem, readonly retryAfter?: number) {
    super(describe(status, problem));
  }
}

function describe(status: number, problem: Problem): string {
  const fields = (problem.errors ?? []).map((e) => `${e.feature ? e.feature + ': ' : ''}${e.field}: ${e.message}`);
  return [problem.detail ?? problem.title ?? `HTTP ${status}`, ...fields].join('; ');
}

/** The filters of a listing. */
export interface ListFilter {
  bbox?: [number, number, number, number];
  start?: string;
  end?: string;
  kind?: string[];
  owner?: string[];
  state?: string[];
  limit?: number;
}

/** Who calls: the agreement, the bearer token and the key that signs writes (none: read-only). */
export interface Credentials {
  agreement: string;
  token: string;
  key?: SubmissionKey;
}

/**
 * The API as the signed-in party sees it. Every call carries the bearer token in a header (never in a URL);
 * every write is signed with the party's submission key exactly as the CLI signs it.
 */
export class ApiClient {
  constructor(private readonly credentials: Credentials, private readonly origin = '') {}

  get agreement(): string {
    return this.credentials.agreement;
  }

  private base(): string {
    return `/v1/agreements/${encodeURIComponent(this.credentials.agreement)}`;
  }

  /** Sends one request; writes are signed. Answers the parsed JSON (or text) and the ETag. */
  async send<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ value: T; etag: string | null }> {
    const text = body === undefined ? null : JSON.stringify(body);
    const all: Record<string, string> = { Authorization: `Bearer ${this.credentials.token}`, ...headers };
    if (text !== null) {
      all['Content-Type'] = 'application/json';
    }
    if (method !== 'GET' && method !== 'HEAD') {
      if (!this.credentials.key) {
        throw new ApiError(0, { title: 'No submission key', detail: 'load or generate a submission key to sign writes' });
      }
      Object.assign(all, await sign(this.credentials.key, this.credentials.agreement, method, path, text));
    }
    const response = await fetch(this.origin + path, { method, headers: all, body: text, cache: 'no-store', credentials: 'omit' });
    const type = response.headers.get('Content-Type') ?? '';
    const payload: unknown = type.includes('json') ? await response.json() : await response.text();
    if (!response.ok) {
      const retry = Number(response.headers.get('Retry-After'));
      const problem: Problem = typeof payload === 'object' && payload !== null ? (payload as Problem) : { status: response.status, detail: String(payload) };
      throw new ApiError(response.status, problem, Number.isFinite(retry) && retry > 0 ? retry : undefined);
    }
    return { value: payload as T, etag: response.headers.get('ETag') };
  }

  private query(filter: ListFilter, cursor?: string): string {
    const q = new URLSearchParams();
    if (filter.bbox) q.set('bbox', filter.bbox.map((v) => v.toFixed(6)).join(','));
    if (filter.start) q.set('start', filter.start);
    if (filter.end) q.set('end', filter.end);
    if (filter.kind?.length) q.set('kind', filter.kind.join(','));
    if (filter.owner?.length) q.set('owner', filter.owner.join(','));
    if (filter.state?.length) q.set('state', filter.state.join(','));
    if (filter.limit) q.set('limit', String(filter.limit));
    if (cursor) q.set('cursor', cursor);
    const s = q.toString();
    return s ? '?' + s : '';
  }

  /** Every page of a listing, up to `max` features. */
  private async listAll(what: 'zones' | 'operations', filter: ListFilter, max: number, signal?: AbortSignal): Promise<ParleyFeature[]> {
    const features: ParleyFeature[] = [];
    let cursor: string | undefined;
    do {
      if (signal?.aborted) throw new DOMException('aborted', 'AbortError');
      const page = (await this.send<FeaturePage>('GET', `${this.base()}/${what}${this.query(filter, cursor)}`)).value;
      features.push(...page.features);
      cursor = page.next;
    } while (cursor && features.length < max);
    return features;
  }

  zones(filter: ListFilter, max = 50_000, signal?: AbortSignal): Promise<ParleyFeature[]> {
    return this.listAll('zones', filter, max, signal);
  }

  operations(filter: ListFilter, max = 50_000, signal?: AbortSignal): Promise<ParleyFeature[]> {
    return this.listAll('operations', filter, max, signal);
  }

  async zone(id: string): Promise<{ value: ParleyFeature; etag: string | null }> {
    return this.send<ParleyFeature>('GET', `${this.base()}/zones/${encodeURIComponent(id)}`);
  }

  async operation(id: string): Promise<{ value: OperationResponse; etag: string | null }> {
    return this.send<OperationResponse>('GET', `${this.base()}/operations/${encodeURIComponent(id)}`);
  }

  check(feature: ParleyFeature): Promise<{ value: CheckResponse; etag: string | null }> {
    return this.send<CheckResponse>('POST', `${this.base()}/check`, feature);
  }

  submit(feature: ParleyFeature): Promise<{ value: OperationResponse; etag: string | null }> {
    return this.send<OperationResponse>('POST', `${this.base()}/operations`, feature);
  }

  modify(feature: ParleyFeature, version: number): Promise<{ value: OperationResponse; etag: string | null }> {
    return this.send<OperationResponse>('PUT', `${this.base()}/operations/${encodeURIComponent(feature.id)}`, feature, { 'If-Match': `"${version}"` });
  }

  transition(id: string, action: 'activate' | 'complete' | 'cancel', version: number): Promise<{ value: OperationResponse; etag: string | null }> {
    return this.send<OperationResponse>('POST', `${this.base()}/operations/${encodeURIComponent(id)}/${action}`, undefined, { 'If-Match': `"${version}"` });
  }

  declareZone(feature: ParleyFeature): Promise<{ value: unknown; etag: string | null }> {
    return this.send('POST', `${this.base()}/zones`, feature);
  }

  replaceZone(feature: ParleyFeature, version: number): Promise<{ value: ParleyFeature; etag: string | null }> {
    return this.send<ParleyFeature>('PUT', `${this.base()}/zones/${encodeURIComponent(feature.id)}`, feature, { 'If-Match': `"${version}"` });
  }

  withdrawZone(id: string, version: number): Promise<{ value: unknown; etag: string | null }> {
    return this.send('DELETE', `${this.base()}/zones/${encodeURIComponent(id)}`, undefined, { 'If-Match': `"${version}"` });
  }

  async requests(): Promise<RequestView[]> {
    return (await this.send<{ requests: RequestView[] }>('GET', `${this.base()}/requests`)).value.requests;
  }

  async request(id: string): Promise<RequestView> {
    return (await this.send<RequestView>('GET', `${this.base()}/requests/${encodeURIComponent(id)}`)).value;
  }

  answer(id: string, version: number, answer: { answer: 'concur' | 'refuse' | 'counter-propose'; reason?: string; counter?: ParleyFeature }):
    Promise<{ value: AnswerReceipt; etag: string | null }> {
    return this.send<AnswerReceipt>('POST', `${this.base()}/requests/${encodeURIComponent(id)}/answer`, answer, { 'If-Match': `"${version}"` });
  }

  /** The agreement version in force, its terms included. */
  async agreementInForce(): Promise<AgreementDoc> {
    return (await this.send<AgreementDoc>('GET', `${this.base()}/agreement`)).value;
  }

  /** The caller's own party under each daily limit binding it: how many of its operations count today (UTC). */
  async limitsToday(): Promise<LimitsToday> {
    return (await this.send<LimitsToday>('GET', `${this.base()}/agreement/limits`)).value;
  }

  /** Every version and every amendment, in any state. */
  async agreementHistory(): Promise<AgreementHistory> {
    return (await this.send<AgreementHistory>('GET', `${this.base()}/agreement/history`)).value;
  }

  /** One amendment, with its revision (the ETag a signature or refusal sends as If-Match). */
  amendment(id: string): Promise<{ value: AmendmentView; etag: string | null }> {
    return this.send<AmendmentView>('GET', `${this.base()}/agreement/amendments/${encodeURIComponent(id)}`);
  }

  /** Signs an amendment: the signed request (body {}) is the signature. */
  signAmendment(id: string, revision: number): Promise<{ value: AmendmentView; etag: string | null }> {
    return this.send<AmendmentView>('POST', `${this.base()}/agreement/amendments/${encodeURIComponent(id)}/signatures`, {}, { 'If-Match': `"${revision}"` });
  }

  /** Refuses an amendment with a reason: it lapses. */
  refuseAmendment(id: string, revision: number, reason: string): Promise<{ value: AmendmentView; etag: string | null }> {
    return this.send<AmendmentView>('POST', `${this.base()}/agreement/amendments/${encodeURIComponent(id)}/refusals`, { reason }, { 'If-Match': `"${revision}"` });
  }

  async incidents(): Promise<IncidentView[]> {
    return (await this.send<{ incidents: IncidentView[] }>('GET', `${this.base()}/incidents`)).value.incidents;
  }

  incident(id: string): Promise<{ value: IncidentView; etag: string | null }> {
    return this.send<IncidentView>('GET', `${this.base()}/incidents/${encodeURIComponent(id)}`);
  }

  /** A suspected party's reply (signed). */
  replyToIncident(id: string, version: number, reply: { reply: ReplyKind; reason?: string; operation?: string }): Promise<{ value: IncidentView; etag: string | null }> {
    return this.send<IncidentView>('POST', `${this.base()}/incidents/${encodeURIComponent(id)}/replies`, reply, { 'If-Match': `"${version}"` });
  }

  /** A monitor's or the administrator's grade (signed). */
  gradeIncident(id: string, version: number, grade: { grade: GradeKind; reason: string }): Promise<{ value: IncidentView; etag: string | null }> {
    return this.send<IncidentView>('POST', `${this.base()}/incidents/${encodeURIComponent(id)}/grades`, grade, { 'If-Match': `"${version}"` });
  }

  /** The compliance figures the caller may see, per party and period. */
  async compliance(period: 'day' | 'week', from?: string, to?: string): Promise<ComplianceDoc> {
    const q = new URLSearchParams({ period });
    if (from) q.set('from', from);
    if (to) q.set('to', to);
    return (await this.send<ComplianceDoc>('GET', `${this.base()}/compliance?${q.toString()}`)).value;
  }

  async probing(): Promise<ProbingReport> {
    return (await this.send<ProbingReport>('GET', `${this.base()}/probing`)).value;
  }

  async ledgerText(path: string): Promise<string> {
    return (await this.send<string>('GET', `${this.base()}/ledger/${path}`)).value;
  }

  async ledgerJson<T>(path: string): Promise<T> {
    return (await this.send<T>('GET', `${this.base()}/ledger/${path}`)).value;
  }

  /** The exact bytes of one ledger entry. */
  async ledgerEntry(index: number): Promise<Uint8Array> {
    const response = await fetch(`${this.origin}${this.base()}/ledger/entries/${index}`, {
      headers: { Authorization: `Bearer ${this.credentials.token}` }, cache: 'no-store', credentials: 'omit',
    });
    if (!response.ok) throw new ApiError(response.status, { detail: `entry ${index}: HTTP ${response.status}` });
    return new Uint8Array(await response.arrayBuffer());
  }

  /** The stream endpoint, for the event reader. */
  eventsUrl(): string {
    return `${this.origin}${this.base()}/events`;
  }

  token(): string {
    return this.credentials.token;
  }
}

/** The demo sign-in: present only on a demo server on loopback (404 elsewhere). */
export async function demoOffer(origin = ''): Promise<DemoOffer | null> {
  const response = await fetch(`${origin}/console/demo-sign-in`, { cache: 'no-store', credentials: 'omit' });
  return response.ok ? ((await response.json()) as DemoOffer) : null;
}

export async function demoSignIn(party: string, role: string, origin = ''): Promise<DemoCredentials> {
  const response = await fetch(`${origin}/console/demo-sign-in`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ party, role }), cache: 'no-store', credentials: 'omit',
  });
  if (!response.ok) {
    throw new ApiError(response.status, (await response.json().catch(() => ({}))) as Problem);
  }
  return (await response.json()) as DemoCredentials;
}
