import { recall } from './api/keys';
import { MapView } from './map/mapview';
import { Actions } from './store/actions';
import { Store } from './store/store';
import { h, render } from './util/dom';
import { mountAmendments } from './views/amendments';
import { mountBasemap } from './views/basemap';
import { mountCompliance } from './views/compliance';
import { mountDetails } from './views/details';
import { mountIncidents } from './views/incidents';
import { mountInbox } from './views/inbox';
import { mountFilters, mountLayers } from './views/layers';
import { mountLedger } from './views/ledger';
import { mountNotices } from './views/notices';
import { Planner, type PlanMode } from './views/planner';
import { mountSignIn } from './views/signin';
import { mountStatusBar } from './views/statusbar';
import { mountTerms } from './views/terms';
import { mountTopBar } from './views/topbar';

/** Light or dark: the operator's choice, else the system's. */
function initialTheme(): 'light' | 'dark' {
  const chosen = localStorage.getItem('parley.theme');
  if (chosen === 'light' || chosen === 'dark') return chosen;
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

function boot(): void {
  document.documentElement.dataset.theme = initialTheme();
  const store = new Store();
  const actions = new Actions(store);
  const app = document.getElementById('app')!;

  const signIn = h('div', { class: 'signin-screen' });
  const topbar = h('header', { class: 'topbar' });
  const mapEl = h('section', { class: 'map', id: 'map', role: 'region', 'aria-label': 'Map', tabindex: 0 });
  const left = h('aside', { class: 'left', 'aria-label': 'Layers, terms, filters, ledger and incidents' });
  const layers = h('section', { class: 'panel' });
  const terms = h('section', { class: 'panel terms-panel' });
  const filters = h('section', { class: 'panel' });
  const ledger = h('section', { class: 'panel' });
  const tiles = h('section', { class: 'panel' });
  const incidents = h('section', { class: 'panel incidents-panel' });
  left.append(layers, terms, incidents, filters, ledger, tiles);
  const right = h('aside', { class: 'right', 'aria-label': 'Details, amendments and requests' });
  const detailsEl = h('section', { class: 'panel details' });
  const plannerEl = h('section', { class: 'panel planner-panel', hidden: true });
  const amendmentsEl = h('section', { class: 'panel amendments' });
  const inboxEl = h('section', { class: 'panel inbox' });
  right.append(plannerEl, detailsEl, amendmentsEl, inboxEl);
  const statusbar = h('footer', { class: 'statusbar' });
  const notices = h('div', { class: 'notices' });
  const dashboard = h('section', { class: 'dashboard', hidden: true });
  const centre = h('div', { class: 'centre' }, mapEl, dashboard);
  const workspace = h('main', { class: 'workspace' }, left, centre, right);
  const shell = h('div', { class: 'shell', hidden: true }, topbar, workspace, statusbar);
  render(app, signIn, shell, notices);

  const map = new MapView(mapEl, store, actions);
  const planner = new Planner(store, actions, map, () => {
    plannerEl.hidden = true;
    detailsEl.hidden = false;
  });
  plannerEl.append(planner.element);
  const plan = (mode: PlanMode): void => {
    planner.open(mode);
    plannerEl.hidden = false;
    detailsEl.hidden = true;
  };
  const toggleTheme = (): void => {
    const next = document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark';
    document.documentElement.dataset.theme = next;
    localStorage.setItem('parley.theme', next);
    map.themeChanged();
  };

  mountTopBar(topbar, store, actions, map, plan, toggleTheme);
  mountLayers(layers, store, actions);
  mountFilters(filters, store, actions);
  mountLedger(ledger, store, actions);
  mountTerms(terms, store, actions);
  mountIncidents(incidents, store, actions);
  mountAmendments(amendmentsEl, store, actions);
  mountCompliance(dashboard, store, actions);
  mountBasemap(tiles, store, map);
  mountDetails(detailsEl, store, actions, map, plan);
  mountInbox(inboxEl, store, actions, map, plan);
  mountStatusBar(statusbar, store);
  mountNotices(notices, store);
  mountSignIn(signIn, actions);

  store.subscribe((s, p) => {
    if (s.centre !== p.centre) {
      dashboard.hidden = s.centre !== 'compliance';
      mapEl.hidden = s.centre === 'compliance';
      if (s.centre === 'map') map.map.updateSize();
    }
  });
  store.subscribe((s, p) => {
    if (s.session === p.session) return;
    const signedIn = s.session !== null;
    shell.hidden = !signedIn;
    signIn.hidden = signedIn;
    if (signedIn) {
      map.map.updateSize();
      if (s.session?.role !== 'approver') void actions.loadProbing();
      if (!p.session && !map.readHash()) {
        // The theater first (Corsica for the demo), then what is in view.
        map.centre([9.25, 42.2], 9);
      }
    }
  });
  // The network going away drops the stream at once (the status bar says so); its return reconnects it, and the
  // stream resumes after the last event seen.
  window.addEventListener('offline', () => actions.streamLost());
  window.addEventListener('online', () => {
    actions.streamBack();
    void actions.reloadView();
  });

  // A reload in the same tab keeps the session (token in session storage, key in IndexedDB).
  const kept = sessionStorage.getItem('parley.session');
  if (kept) {
    void (async () => {
      const s = JSON.parse(kept) as { agreement: string; party: string; role: string; token: string };
      await actions.signIn({ ...s, key: await recall(s.agreement, s.party) });
    })().catch(() => sessionStorage.removeItem('parley.session'));
  }
  (window as unknown as { parleyReady: boolean }).parleyReady = true;
}

boot();
