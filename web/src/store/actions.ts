import { ApiClient, ApiError, type ListFilter } from '../api/client';
import { EventStream } from '../api/events';
import type { AmendmentView, GradeKind, IncidentView, ParleyFeature, ReplyKind, RequestView, StreamEvent } from '../api/types';
import { audit } from '../ledger/audit';
import { utc } from '../util/dom';
import type { Selection, Session, State, Store } from './store';

function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    return e.status === 429 && e.retryAfter ? `${e.message} (retry in ${e.retryAfter} s)` : e.message;
  }
  return e instanceof Error ? e.message : String(e);
}

function byId(features: ParleyFeature[]): Map<string, ParleyFeature> {
  return new Map(features.map((f) => [String(f.id), f]));
}

/**
 * Everything the console does: each action calls the API and puts what it answers into the store. Views call
 * these and never the API themselves.
 */
export class Actions {
  private api: ApiClient | null = null;
  private stream: EventStream | null = null;
  private viewAbort: AbortController | null = null;
  private lastBox: [number, number, number, number] | null = null;
  /** The first reading of the agreement and the incidents: events about them are weighed against it. */
  private loaded: Promise<void> = Promise.resolve();

  constructor(private readonly store: Store) {}

  get client(): ApiClient | null {
    return this.api;
  }

  private need(): ApiClient {
    if (!this.api) throw new Error('sign in first');
    return this.api;
  }

  private get session(): Session {
    const session = this.store.state.session;
    if (!session) throw new Error('sign in first');
    return session;
  }

  /** Signs in: keeps the token in session storage (never in a URL), starts the stream and loads the party's requests. */
  async signIn(session: Session): Promise<void> {
    this.signOut(false);
    this.api = new ApiClient({ agreement: session.agreement, token: session.token, key: session.key });
    sessionStorage.setItem('parley.session', JSON.stringify({ agreement: session.agreement, party: session.party, role: session.role, token: session.token }));
    this.store.update(() => ({
      session, selection: null, zones: new Map(), operations: new Map(), requests: new Map(), conflicts: new Map(),
      agreement: null, amendments: new Map(), incidents: new Map(), compliance: null, centre: 'map',
    }));
    let connections = 0;
    this.stream = new EventStream(this.api.eventsUrl(), session.token, {
      onEvent: (e) => void this.onEvent(e),
      onState: (state, detail) => {
        this.store.update((s) => ({ stream: { ...s.stream, state, detail } }));
        if (state === 'live') {
          void this.refreshRequests();
          // A reconnection may have missed events of amendments and incidents: read them again.
          if (++connections > 1) {
            void this.loadAgreement();
            void this.loadIncidents();
          }
        }
      },
    });
    this.stream.start();
    this.loaded = Promise.all([this.loadAgreement(), this.loadIncidents(), this.refreshRequests()]).then(() => undefined);
    await this.loaded;
  }

  signOut(clear = true): void {
    this.stream?.stop();
    this.stream = null;
    this.api = null;
    if (clear) {
      sessionStorage.removeItem('parley.session');
      this.store.update(() => ({
        session: null, stream: { state: 'off' }, zones: new Map(), operations: new Map(), requests: new Map(), conflicts: new Map(), selection: null,
        agreement: null, amendments: new Map(), incidents: new Map(), compliance: null, centre: 'map',
      }));
    }
  }

  /** The network is gone: drop the stream now rather than when its silence gives it away. */
  streamLost(): void {
    this.stream?.reconnect();
  }

  /** The network is back: reconnect at once. */
  streamBack(): void {
    this.stream?.reconnect(true);
  }

  /** Replaces the key that signs writes (loaded or generated). */
  setKey(key: Session['key']): void {
    const session = this.session;
    this.api = new ApiClient({ agreement: session.agreement, token: session.token, key });
    this.store.update(() => ({ session: { ...session, key } }));
  }

  /** Loads the zones and operations in the box (west, south, east, north); a newer call cancels an older one. */
  async loadView(box: [number, number, number, number]): Promise<void> {
    const api = this.api;
    if (!api) return;
    this.lastBox = box;
    this.viewAbort?.abort();
    const abort = new AbortController();
    this.viewAbort = abort;
    const filter: ListFilter = { bbox: box, limit: 10_000 };
    this.store.update(() => ({ loading: true }));
    try {
      const [zones, operations] = await Promise.all([api.zones(filter, 50_000, abort.signal), api.operations(filter, 50_000, abort.signal)]);
      if (abort.signal.aborted) return;
      this.store.update(() => ({ zones: byId(zones), operations: byId(operations), loading: false }));
    } catch (e) {
      if (abort.signal.aborted) return;
      this.store.update(() => ({ loading: false }));
      this.store.notify('error', `Loading the map: ${errorText(e)}`);
    }
  }

  reloadView(): Promise<void> {
    return this.lastBox ? this.loadView(this.lastBox) : Promise.resolve();
  }

  async refreshRequests(): Promise<void> {
    const api = this.api;
    if (!api) return;
    try {
      const requests = await api.requests();
      this.store.update(() => ({ requests: new Map(requests.map((r) => [r.id, r])) }));
    } catch (e) {
      this.store.notify('error', `Loading requests: ${errorText(e)}`);
    }
  }

  select(selection: Selection | null): void {
    this.store.update(() => ({ selection }));
    if (selection?.type === 'operation') void this.refreshOperation(selection.id);
    if (selection?.type === 'incident') void this.refreshIncident(selection.id);
  }

  /** Reads one operation again: its state, version, conflicts (own) and requests. */
  async refreshOperation(id: string): Promise<void> {
    const api = this.api;
    if (!api) return;
    try {
      const { value } = await api.operation(id);
      this.store.update((s) => {
        const operations = new Map(s.operations);
        operations.set(id, value.operation);
        const conflicts = new Map(s.conflicts);
        if (value.operation.properties.owner === s.session?.party) conflicts.set(id, value.conflicts);
        const requests = new Map(s.requests);
        for (const r of value.requests ?? []) requests.set(r.id, r);
        return { operations, conflicts, requests };
      });
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        this.store.update((s) => {
          const operations = new Map(s.operations);
          operations.delete(id);
          return { operations };
        });
      }
    }
  }

  private async onEvent(event: StreamEvent): Promise<void> {
    this.store.update((s) => ({ stream: { ...s.stream, lastEventAt: performance.now() } }));
    const data = event.data;
    if (event.type === 'request.opened' && typeof data.request === 'string') {
      // The stream starts with the party's whole outbox: a request the first reading holds is no news.
      await this.loaded;
      if (this.store.state.requests.has(data.request)) return;
      // Shown at once from the event; the full view (with the asking operation as disclosed) follows.
      const provisional: RequestView = {
        id: data.request, submitter: String(data.submitter ?? ''), affected: this.store.state.session?.party ?? '',
        target_type: data.target_type === 'operation' ? 'operation' : data.target_type === 'term' ? 'term' : 'zone', target_id: typeof data.target_id === 'string' ? data.target_id : undefined,
        state: 'open', opened: String(data.opened ?? ''), deadline: String(data.deadline ?? ''), operation_version: 0, version: 1,
      };
      this.store.update((s) => {
        const requests = new Map(s.requests);
        if (!requests.has(provisional.id)) requests.set(provisional.id, provisional);
        return { requests };
      });
      this.store.notify('info', `Concurrence request ${data.request} from ${String(data.submitter)}`);
      await this.refreshRequest(data.request);
    } else if (event.type === 'request.closed' && typeof data.request === 'string') {
      await this.loaded;
      if (this.store.state.requests.get(data.request)?.state === data.state) return;
      this.store.update((s) => {
        const requests = new Map(s.requests);
        const known = requests.get(data.request as string);
        if (known) requests.set(known.id, { ...known, state: String(data.state), reason: typeof data.reason === 'string' ? data.reason : known.reason });
        return { requests };
      });
      this.store.notify(data.state === 'concurred' ? 'ok' : 'info',
        `${String(data.affected)} ${String(data.state)} request ${data.request}${typeof data.reason === 'string' ? `: “${data.reason}”` : ''}`);
      await this.refreshRequest(data.request);
      if (typeof data.operation === 'string') await this.refreshOperation(data.operation);
    } else if (event.type === 'operation.state' && typeof data.operation === 'string') {
      this.store.update((s) => {
        const operations = new Map(s.operations);
        const known = operations.get(data.operation as string);
        if (known) {
          operations.set(known.id, { ...known, properties: { ...known.properties, state: String(data.state), version: Number(data.version) } });
        }
        return { operations };
      });
      await this.refreshOperation(data.operation);
      await this.refreshLimits();
    } else if (event.type === 'zone.changed' || event.type === 'operation.changed') {
      await this.reloadView();
    } else if (event.type.startsWith('amendment.') && typeof data.amendment === 'string') {
      await this.loaded;
      if (!this.amendmentNews(event.type, data)) return;
      await this.onAmendmentEvent(event.type, data);
    } else if (event.type.startsWith('incident.') && typeof data.incident === 'string') {
      // The stream starts with the party's whole outbox: what the first reading already holds is no news.
      await this.loaded;
      if (!this.incidentNews(event.type, data)) return;
      const words: Record<string, string> = {
        'incident.opened': data.reply_requested === true ? `Incident ${data.incident} names you: your reply is asked by ${utc(String(data.reply_deadline ?? ''))}` : `Incident ${data.incident} reported by ${String(data.reporter)}`,
        'incident.replied': `${String(data.party)} replied to incident ${data.incident}: ${String(data.reply)}`,
        'incident.graded': `Incident ${data.incident} graded ${String(data.grade)} by ${String(data.by)}`,
      };
      this.store.notify('info', words[event.type] ?? `Incident ${data.incident}: ${event.type}`);
      await this.refreshIncident(data.incident);
      if (this.store.state.compliance) await this.loadCompliance(this.store.state.compliance.period);
    }
  }

  /** Whether an incident event tells something the store does not hold yet. */
  private incidentNews(type: string, data: Record<string, unknown>): boolean {
    const known = this.store.state.incidents.get(String(data.incident));
    if (!known) return true;
    if (type === 'incident.opened') return false;
    if (type === 'incident.replied') return !known.replies.some((r) => r.party === data.party && r.reply === data.reply);
    if (type === 'incident.graded') return !known.grades.some((g) => g.by === data.by && g.grade === data.grade);
    return true;
  }

  /** Whether an amendment event tells something the store does not hold yet. */
  private amendmentNews(type: string, data: Record<string, unknown>): boolean {
    const known = this.store.state.amendments.get(String(data.amendment));
    if (!known) return true;
    if (type === 'amendment.proposed') return false;
    if (type === 'amendment.signed') return !known.signatures.some((x) => x.party === data.party);
    if (type === 'amendment.in_force') return known.state !== 'in-force';
    if (type === 'amendment.lapsed') return known.state !== 'lapsed';
    return true;
  }

  /** An amendment proposed, signed, in force or lapsed: read the amendments again, and the agreement when a version changed. */
  private async onAmendmentEvent(type: string, data: Record<string, unknown>): Promise<void> {
    const id = String(data.amendment);
    const text: Record<string, string> = {
      'amendment.proposed': `Amendment ${id} proposed by ${String(data.proposer)}`,
      'amendment.signed': `Amendment ${id} signed by ${String(data.party)}`,
      'amendment.in_force': `Amendment ${id} in force: agreement version ${String(data.version)}`,
      'amendment.lapsed': `Amendment ${id} lapsed${typeof data.reason === 'string' ? `: ${data.reason}` : ''}`,
    };
    this.store.notify(type === 'amendment.in_force' ? 'ok' : 'info', text[type] ?? `Amendment ${id}: ${type}`);
    await this.loadAgreement();
    // Terms coming into force may mark operations in breach: read what is in view again.
    if (type === 'amendment.in_force') await this.reloadView();
  }

  /** How many of the party's own operations count against each limit binding it today (after its operations change). */
  private async refreshLimits(): Promise<void> {
    const api = this.api;
    if (!api || !(this.store.state.agreement?.terms ?? []).some((t) => t.type === 'limit')) return;
    try {
      const limits = await api.limitsToday();
      if (api === this.api) this.store.update(() => ({ limitsUsed: new Map(limits.limits.map((l) => [l.term, l.count])) }));
    } catch (e) {
      this.store.notify('error', `Reading today's limits: ${errorText(e)}`);
    }
  }

  /** The agreement in force (its terms) and every amendment. */
  async loadAgreement(): Promise<void> {
    const api = this.api;
    if (!api) return;
    try {
      const [agreement, history, limits] = await Promise.all([api.agreementInForce(), api.agreementHistory(), api.limitsToday()]);
      if (api !== this.api) return;
      this.store.update(() => ({
        agreement, amendments: new Map(history.amendments.map((a) => [a.id, a])),
        limitsUsed: new Map(limits.limits.map((l) => [l.term, l.count])),
      }));
    } catch (e) {
      this.store.notify('error', `Loading the agreement: ${errorText(e)}`);
    }
  }

  private putAmendment(amendment: AmendmentView): void {
    this.store.update((s) => {
      const amendments = new Map(s.amendments);
      amendments.set(amendment.id, amendment);
      return { amendments };
    });
  }

  /** Signs an amendment with the revision read just before (If-Match handled for the user). */
  async signAmendment(id: string): Promise<boolean> {
    try {
      const api = this.need();
      const { value: fresh, etag } = await api.amendment(id);
      const { value } = await api.signAmendment(id, Number(etag?.replace(/"/g, '') ?? fresh.revision));
      this.putAmendment(value);
      this.store.notify('ok', `Amendment ${id} signed: ${value.state}`);
      if (value.state === 'in-force') {
        await this.loadAgreement();
        await this.reloadView();
      }
      return true;
    } catch (e) {
      this.store.notify('error', `Signature refused: ${errorText(e)}`);
      await this.loadAgreement();
      return false;
    }
  }

  /** Refuses an amendment with a reason: it lapses. */
  async refuseAmendment(id: string, reason: string): Promise<boolean> {
    try {
      const api = this.need();
      const { value: fresh, etag } = await api.amendment(id);
      const { value } = await api.refuseAmendment(id, Number(etag?.replace(/"/g, '') ?? fresh.revision), reason);
      this.putAmendment(value);
      this.store.notify('ok', `Amendment ${id} refused: ${value.state}`);
      return true;
    } catch (e) {
      this.store.notify('error', `Refusal refused: ${errorText(e)}`);
      await this.loadAgreement();
      return false;
    }
  }

  /** The incidents the party may see. */
  async loadIncidents(): Promise<void> {
    const api = this.api;
    if (!api) return;
    try {
      const incidents = await api.incidents();
      if (api !== this.api) return;
      this.store.update(() => ({ incidents: new Map(incidents.map((i) => [i.id, i])) }));
    } catch (e) {
      this.store.notify('error', `Loading incidents: ${errorText(e)}`);
    }
  }

  private putIncident(incident: IncidentView): void {
    this.store.update((s) => {
      const incidents = new Map(s.incidents);
      incidents.set(incident.id, incident);
      return { incidents };
    });
  }

  async refreshIncident(id: string): Promise<void> {
    const api = this.api;
    if (!api) return;
    try {
      this.putIncident((await api.incident(id)).value);
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) this.store.notify('error', `Reading incident ${id}: ${errorText(e)}`);
    }
  }

  /** A suspected party's reply, signed, against the version read just before. */
  async replyToIncident(id: string, reply: ReplyKind, reason?: string, operation?: string): Promise<boolean> {
    try {
      const api = this.need();
      const { value: fresh } = await api.incident(id);
      const { value } = await api.replyToIncident(id, fresh.version, { reply, ...(reason ? { reason } : {}), ...(operation ? { operation } : {}) });
      this.putIncident(value);
      this.store.notify('ok', `Reply to ${id} recorded: ${reply}`);
      if (this.store.state.compliance) await this.loadCompliance(this.store.state.compliance.period);
      return true;
    } catch (e) {
      this.store.notify('error', `Reply refused: ${errorText(e)}`);
      return false;
    }
  }

  /** A monitor's or the administrator's grade, signed, against the version read just before. */
  async gradeIncident(id: string, grade: GradeKind, reason: string): Promise<boolean> {
    try {
      const api = this.need();
      const { value: fresh } = await api.incident(id);
      const { value } = await api.gradeIncident(id, fresh.version, { grade, reason });
      this.putIncident(value);
      this.store.notify('ok', `Incident ${id} graded ${grade}`);
      if (this.store.state.compliance) await this.loadCompliance(this.store.state.compliance.period);
      return true;
    } catch (e) {
      this.store.notify('error', `Grade refused: ${errorText(e)}`);
      return false;
    }
  }

  /** The compliance figures per party and period. */
  async loadCompliance(period: 'day' | 'week'): Promise<void> {
    const api = this.api;
    if (!api) return;
    try {
      const compliance = await api.compliance(period);
      if (api !== this.api) return;
      this.store.update(() => ({ compliance }));
    } catch (e) {
      this.store.notify('error', `Compliance: ${errorText(e)}`);
    }
  }

  /** A message about something refused before anything was sent. */
  notifyError(text: string): void {
    this.store.notify('error', text);
  }

  /** Shows the map or the compliance dashboard in the middle of the screen. */
  showCentre(centre: 'map' | 'compliance'): void {
    this.store.update(() => ({ centre }));
    if (centre === 'compliance' && !this.store.state.compliance) void this.loadCompliance('day');
  }

  private async refreshRequest(id: string): Promise<void> {
    try {
      const request = await this.need().request(id);
      this.store.update((s) => {
        const requests = new Map(s.requests);
        requests.set(id, request);
        return { requests };
      });
    } catch (e) {
      this.store.notify('error', `Reading request ${id}: ${errorText(e)}`);
    }
  }

  /** Dry run: the conflicts the draft would have, and what is left of the probing budget. */
  async check(feature: ParleyFeature): Promise<boolean> {
    try {
      const { value } = await this.need().check(feature);
      this.store.update(() => ({ draftConflicts: value.conflicts }));
      this.store.notify(value.conflicts.length ? 'info' : 'ok',
        value.conflicts.length ? `Check: ${value.conflicts.length} conflict(s)` : 'Check: no conflict');
      return true;
    } catch (e) {
      this.store.notify('error', `Check refused: ${errorText(e)}`);
      return false;
    }
  }

  async submitOperation(feature: ParleyFeature, version?: number): Promise<string | null> {
    try {
      const api = this.need();
      const { value } = version ? await api.modify(feature, version) : await api.submit(feature);
      this.store.update((s) => {
        const operations = new Map(s.operations);
        operations.set(value.id, value.operation);
        const conflicts = new Map(s.conflicts);
        conflicts.set(value.id, value.conflicts);
        const requests = new Map(s.requests);
        for (const r of value.requests ?? []) requests.set(r.id, r);
        return { operations, conflicts, requests, draftConflicts: [], selection: { type: 'operation', id: value.id } };
      });
      this.store.notify(value.state === 'refused' ? 'error' : 'ok', `Operation ${value.id}: ${value.state}` +
        (value.conflicts.length ? `, ${value.conflicts.length} conflict(s)` : ''));
      return value.state;
    } catch (e) {
      this.store.notify('error', `${version ? 'Modify' : 'Submit'} refused: ${await this.explain(e, 'operation', feature.id)}`);
      return null;
    }
  }

  async declareZone(feature: ParleyFeature, version?: number): Promise<boolean> {
    try {
      const api = this.need();
      if (version) await api.replaceZone(feature, version);
      else await api.declareZone(feature);
      this.store.update((s) => {
        const zones = new Map(s.zones);
        zones.set(feature.id, { ...feature, properties: { ...feature.properties, version: (version ?? 0) + 1 } });
        return { zones, selection: { type: 'zone', id: feature.id } };
      });
      this.store.notify('ok', `Zone ${feature.id} ${version ? 'replaced' : 'declared'}`);
      await this.reloadView();
      return true;
    } catch (e) {
      this.store.notify('error', `Zone refused: ${await this.explain(e, 'zone', feature.id)}`);
      return false;
    }
  }

  async withdrawZone(id: string): Promise<void> {
    try {
      const api = this.need();
      const { etag } = await api.zone(id);
      await api.withdrawZone(id, Number(etag?.replace(/"/g, '')));
      this.store.update((s) => {
        const zones = new Map(s.zones);
        zones.delete(id);
        return { zones, selection: null };
      });
      this.store.notify('ok', `Zone ${id} withdrawn`);
    } catch (e) {
      this.store.notify('error', `Withdraw refused: ${await this.explain(e, 'zone', id)}`);
    }
  }

  /** Activate, complete or cancel, with the version read just before (If-Match handled for the user). */
  async transition(id: string, action: 'activate' | 'complete' | 'cancel'): Promise<void> {
    try {
      const api = this.need();
      const { value: current } = await api.operation(id);
      const { value } = await api.transition(id, action, current.version);
      this.store.update((s) => {
        const operations = new Map(s.operations);
        operations.set(id, value.operation);
        return { operations };
      });
      this.store.notify('ok', `Operation ${id}: ${value.state}`);
    } catch (e) {
      this.store.notify('error', `${action} refused: ${await this.explain(e, 'operation', id)}`);
    }
  }

  /** Answers a request put to the party; the receipt updates the inbox. */
  async answer(request: RequestView, answer: 'concur' | 'refuse' | 'counter-propose', reason?: string, counter?: ParleyFeature): Promise<boolean> {
    try {
      const api = this.need();
      const fresh = await api.request(request.id);
      const { value } = await api.answer(request.id, fresh.version, { answer, ...(reason ? { reason } : {}), ...(counter ? { counter } : {}) });
      this.store.update((s) => {
        const requests = new Map(s.requests);
        requests.set(value.request.id, value.request);
        return { requests };
      });
      this.store.notify('ok', `Request ${request.id}: ${value.request.state}` +
        (value.counter_proposal ? `; counter-proposal ${value.counter_proposal.id} (${value.counter_proposal.state})` : ''));
      return true;
    } catch (e) {
      this.store.notify('error', `Answer refused: ${errorText(e)}`);
      await this.refreshRequests();
      return false;
    }
  }

  async verifyLedger(): Promise<void> {
    const session = this.session;
    this.store.update(() => ({ ledger: { state: 'running', message: 'Verifying…' } }));
    try {
      const result = await audit(this.need(), session.party);
      this.store.update(() => ({
        ledger: { state: result.ok ? 'ok' : result.alarm ? 'alarm' : 'error', message: result.message, size: result.size },
      }));
    } catch (e) {
      this.store.update(() => ({ ledger: { state: 'error', message: `Could not verify: ${errorText(e)}` } }));
    }
  }

  async loadProbing(): Promise<void> {
    try {
      const probing = await this.need().probing();
      this.store.update(() => ({ probing }));
    } catch (e) {
      this.store.update(() => ({ probing: null }));
      if (!(e instanceof ApiError && e.status === 403)) this.store.notify('error', `Probing report: ${errorText(e)}`);
    }
  }

  setLayer(layer: keyof State['layers'], on: boolean): void {
    this.store.update((s) => ({ layers: { ...s.layers, [layer]: on } }));
  }

  setFilter(filter: Partial<State['filter']>): void {
    this.store.update((s) => ({ filter: { ...s.filter, ...filter } }));
  }

  clearDraftConflicts(): void {
    this.store.update(() => ({ draftConflicts: [] }));
  }

  /** A 412 means someone changed the item meanwhile: read it again so the user sees the current version. */
  private async explain(e: unknown, type: 'zone' | 'operation', id: string): Promise<string> {
    if (e instanceof ApiError && e.status === 412) {
      if (type === 'operation') await this.refreshOperation(id);
      else await this.reloadView();
      return `${id} changed meanwhile; it was read again: review and retry`;
    }
    return errorText(e);
  }
}
