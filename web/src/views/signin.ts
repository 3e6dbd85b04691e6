import { demoOffer, demoSignIn } from '../api/client';
import { generate, importPem, recall, remember } from '../api/keys';
import type { SubmissionKey } from '../api/signing';
import type { DemoOffer } from '../api/types';
import type { Actions } from '../store/actions';
import type { Session } from '../store/store';
import { field, h, render } from '../util/dom';

/** The claims of a bearer token, read (not verified: the server does that) to know the party and agreement. */
export function tokenClaims(token: string): { party: string; agreement: string; role: string } {
  const payload = token.split('.')[1];
  if (!payload) throw new Error('not a bearer token (JWT)');
  let claims: Record<string, unknown>;
  try {
    claims = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>;
  } catch {
    throw new Error('the token cannot be read');
  }
  const scope = Array.isArray(claims.scope) ? String(claims.scope[0]) : String(claims.scope ?? '').split(' ')[0] ?? '';
  if (typeof claims.sub !== 'string' || typeof claims.agreement !== 'string') throw new Error('the token names no party and agreement');
  return { party: claims.sub, agreement: claims.agreement, role: scope };
}

/**
 * The sign-in screen: a bearer token and a submission key (PKCS#8 PEM, or a pair generated here whose public key
 * goes into the agreement's `signing_keys`); on a demo server on loopback, the demo's parties and roles too.
 */
export function mountSignIn(root: HTMLElement, actions: Actions): void {
  const error = h('p', { class: 'signin-error', role: 'alert' });
  const fail = (e: unknown): void => {
    error.textContent = e instanceof Error ? e.message : String(e);
  };

  const token = h('textarea', { rows: 3, spellcheck: 'false', autocomplete: 'off', placeholder: 'eyJhbGciOi…' });
  const pem = h('textarea', { rows: 4, spellcheck: 'false', autocomplete: 'off', placeholder: '-----BEGIN PRIVATE KEY-----' });
  const pemFile = h('input', { type: 'file', accept: '.pem,.key,text/plain' });
  const generated = h('output', { class: 'generated-key' });
  let generatedKey: SubmissionKey | undefined;
  pemFile.addEventListener('change', () => {
    const file = pemFile.files?.[0];
    if (file) void file.text().then((t) => (pem.value = t));
  });

  const tokenForm = h('form', { class: 'card', 'aria-label': 'Sign in with a token' },
    h('h2', {}, 'Sign in with a token'),
    field('Bearer token', token, 'From your identity provider, or parley token. Kept for this tab only, never in an address.'),
    field('Submission key (PEM)', pem, 'PKCS#8, as parley keygen writes it. Imported as a non-extractable key and kept in this browser.'),
    field('Key file', pemFile),
    h('div', { class: 'row' },
      h('button', {
        type: 'button', class: 'secondary', onclick: () => void (async () => {
          generatedKey = await generate();
          generated.textContent = `New key pair made in this browser. Add its public key to the agreement's signing_keys: ${generatedKey.publicKey}`;
        })().catch(fail),
      }, 'Generate key pair'),
      h('button', { type: 'submit' }, 'Sign in')),
    generated);
  tokenForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void (async () => {
      const text = token.value.trim();
      const claims = tokenClaims(text);
      let key: SubmissionKey | undefined = generatedKey;
      if (pem.value.trim()) key = await importPem(pem.value);
      if (key) await remember(claims.agreement, claims.party, key);
      else key = await recall(claims.agreement, claims.party);
      pem.value = '';
      await actions.signIn({ ...claims, token: text, key });
    })().catch(fail);
  });

  const demo = h('div', {});
  render(root, h('div', { class: 'signin' },
    h('div', { class: 'signin-brand' }, h('img', { src: '/console/parley.svg', alt: '', width: 40, height: 40 }),
      h('div', {}, h('h1', {}, 'Parley'), h('p', {}, 'Joint deconfliction center — operator console'))),
    demo, tokenForm, error));

  void demoOffer().then((offer) => {
    if (offer) render(demo, demoForm(offer, actions, fail));
  }).catch(() => undefined);
}

function demoForm(offer: DemoOffer, actions: Actions, fail: (e: unknown) => void): HTMLElement {
  const party = h('select', {}, offer.parties.map((p) => h('option', { value: p.id }, `${p.name} (${p.id})`)));
  const role = h('select', {});
  const fillRoles = (): void => {
    const roles = offer.parties.find((p) => p.id === party.value)?.roles ?? [];
    render(role, roles.map((r) => h('option', { value: r }, r)));
  };
  party.addEventListener('change', fillRoles);
  fillRoles();
  const form = h('form', { class: 'card demo', 'aria-label': 'Sign in (demo)' },
    h('h2', {}, 'Demo'),
    h('p', { class: 'muted' }, `${offer.name}. This server runs the demo on loopback: any of its parties may be taken, with the development token and key the server holds.`),
    h('div', { class: 'row' }, field('Party', party), field('Role', role)),
    h('button', { type: 'submit' }, 'Sign in (demo)'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void (async () => {
      const credentials = await demoSignIn(party.value, role.value);
      const key = await importPem(credentials.key);
      const session: Session = { agreement: credentials.agreement, party: credentials.party, role: credentials.role, token: credentials.token, key };
      await remember(session.agreement, session.party, key);
      await actions.signIn(session);
    })().catch(fail);
  });
  return form;
}
