import type { SubmissionKey } from './signing';
import { base64, fromBase64 } from '../util/bytes';
import { idbGet, idbPut } from '../util/idb';

/** The `ed25519:` text of a raw public key, as agreements list it in `signing_keys`. */
export function keyText(raw: Uint8Array): string {
  return 'ed25519:' + base64(raw);
}

function pemBody(pem: string): Uint8Array {
  const match = /-----BEGIN PRIVATE KEY-----([\s\S]+?)-----END PRIVATE KEY-----/.exec(pem);
  if (!match?.[1]) {
    throw new Error('not a PKCS#8 PEM private key (-----BEGIN PRIVATE KEY-----)');
  }
  return fromBase64(match[1].replace(/\s+/g, ''));
}

/**
 * Imports a PKCS#8 PEM Ed25519 key (as `parley keygen` writes). The public half is read once through a
 * short-lived extractable copy; the key kept is non-extractable.
 */
export async function importPem(pem: string): Promise<SubmissionKey> {
  const der = pemBody(pem);
  let jwk: JsonWebKey;
  try {
    const probe = await crypto.subtle.importKey('pkcs8', der as BufferSource, { name: 'Ed25519' }, true, ['sign']);
    jwk = await crypto.subtle.exportKey('jwk', probe);
  } catch {
    throw new Error('not an Ed25519 private key');
  }
  const x = jwk.x ?? '';
  const raw = fromBase64(x.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (x.length % 4)) % 4));
  const privateKey = await crypto.subtle.importKey('pkcs8', der as BufferSource, { name: 'Ed25519' }, false, ['sign']);
  return { privateKey, publicKey: keyText(raw) };
}

/** A new key pair made in the browser: the private half never leaves it. */
export async function generate(): Promise<SubmissionKey> {
  const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as CryptoKeyPair;
  const raw = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  return { privateKey: pair.privateKey, publicKey: keyText(raw) };
}

const store = 'keys';

/** Keeps the key (a non-extractable CryptoKey, stored by structured clone) for this agreement and party. */
export async function remember(agreement: string, party: string, key: SubmissionKey): Promise<void> {
  await idbPut(store, `${agreement}/${party}`, key);
}

/** The key kept for this agreement and party, if any. */
export async function recall(agreement: string, party: string): Promise<SubmissionKey | undefined> {
  return idbGet<SubmissionKey>(store, `${agreement}/${party}`);
}
