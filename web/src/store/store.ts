import type { StreamState } from '../api/events';
import type { SubmissionKey } from '../api/signing';
import type { AgreementDoc, AmendmentView, ComplianceDoc, ConflictView, IncidentView, ParleyFeature, ProbingReport, RequestView } from '../api/types';

/** Who is signed in. The token lives in this object and in session storage only. */
export interface Session {
  agreement: string;
  party: string;
  role: string;
  token: string;
  key?: SubmissionKey;
}

export type LayerId = 'own-zones' | 'zones' | 'own-operations' | 'operations' | 'conflicts' | 'probing' | 'designated-areas' | 'suspensions' | 'incidents';

export type Selection =
  | { type: 'zone'; id: string }
  | { type: 'operation'; id: string }
  | { type: 'request'; id: string }
  | { type: 'incident'; id: string }
  | { type: 'term'; id: string }
  | { type: 'conflict'; operation: string; index: number };

export interface Notice {
  id: number;
  tone: 'info' | 'ok' | 'error';
  text: string;
}

export interface LedgerStatus {
  state: 'idle' | 'running' | 'ok' | 'alarm' | 'error';
  message: string;
  size?: number;
}

/** What the map filters by: an instant (or a window from it) and an altitude band. */
export interface ViewFilter {
  /** ISO instant; null shows every time. */
  time: string | null;
  /** Hours after `time` that count (0: the instant only). */
  windowHours: number;
  altMin: number;
  altMax: number;
}

/** The party's picture of the theater: everything the views render. Changed only through {@link Store.update}. */
export interface State {
  session: Session | null;
  zones: ReadonlyMap<string, ParleyFeature>;
  operations: ReadonlyMap<string, ParleyFeature>;
  /** Conflicts of the party's own operations (from their last read, check or submission), by operation id. */
  conflicts: ReadonlyMap<string, ConflictView[]>;
  requests: ReadonlyMap<string, RequestView>;
  selection: Selection | null;
  stream: { state: StreamState | 'off'; detail?: string; lastEventAt?: number };
  ledger: LedgerStatus;
  layers: Readonly<Record<LayerId, boolean>>;
  filter: ViewFilter;
  probing: ProbingReport | null;
  notices: readonly Notice[];
  /** Operations whose last check (not yet submitted) found these conflicts: drawn like the others. */
  draftConflicts: ConflictView[];
  loading: boolean;
  /** Set by the clock: the inbox's countdowns read it. */
  now: number;
  /** The agreement version in force (terms included), as every party sees it. */
  agreement: AgreementDoc | null;
  /** How many of the party's own operations count against each limit binding it today, by term id (null: not read). */
  limitsUsed: ReadonlyMap<string, number> | null;
  /** Every amendment in any state, by id. */
  amendments: ReadonlyMap<string, AmendmentView>;
  /** The incidents the party may see, by id, as the API answers them. */
  incidents: ReadonlyMap<string, IncidentView>;
  /** The compliance figures last read, as the API answers them. */
  compliance: ComplianceDoc | null;
  /** What the middle of the screen shows: the map, or the compliance dashboard. */
  centre: 'map' | 'compliance';
}

export const initialState: State = {
  session: null,
  zones: new Map(),
  operations: new Map(),
  conflicts: new Map(),
  requests: new Map(),
  selection: null,
  stream: { state: 'off' },
  ledger: { state: 'idle', message: 'Not verified in this session' },
  layers: {
    'own-zones': true, zones: true, 'own-operations': true, operations: true, conflicts: true, probing: true,
    'designated-areas': true, suspensions: true, incidents: true,
  },
  filter: { time: null, windowHours: 0, altMin: 0, altMax: 20000 },
  probing: null,
  notices: [],
  draftConflicts: [],
  loading: false,
  now: Date.now(),
  agreement: null,
  limitsUsed: null,
  amendments: new Map(),
  incidents: new Map(),
  compliance: null,
  centre: 'map',
};

type Listener = (state: State, previous: State) => void;

/** The one store of the console: views read it and subscribe; actions update it. */
export class Store {
  private current: State;
  private readonly listeners = new Set<Listener>();
  private noticeId = 0;

  constructor(state: State = initialState) {
    this.current = state;
  }

  get state(): State {
    return this.current;
  }

  update(change: (s: State) => Partial<State>): void {
    const previous = this.current;
    this.current = { ...previous, ...change(previous) };
    for (const listener of this.listeners) {
      listener(this.current, previous);
    }
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  notify(tone: Notice['tone'], text: string): void {
    const notice = { id: ++this.noticeId, tone, text };
    this.update((s) => ({ notices: [...s.notices.slice(-3), notice] }));
    setTimeout(() => this.update((s) => ({ notices: s.notices.filter((n) => n.id !== notice.id) })), tone === 'error' ? 12_000 : 6_000);
  }
}
