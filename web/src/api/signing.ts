import { canonicalize } from './canonical';
import { base64, base64url } from '../util/bytes';

/** Separates these signatures from any other use of the same key (as the server's SignedRequests). */
export const CONTEXT = 'parley-submission-v1';

/** The headers of a signed write. */
export interface SignatureHeaders {
  'Parley-Signature': string;
  'Parley-Timestamp': string;
  'Parley-Nonce': string;
  'Parley-Key': string;
}

/** A party's submission key: the private half (non-extractable) and its public `ed25519:` text. */
export interface SubmissionKey {
  privateKey: CryptoKey;
  publicKey: string;
}

/** The RFC 3339 form of a signing time: UTC, whole seconds. */
export function timestamp(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A fresh nonce: 18 random bytes in base64url (24 characters). */
export function nonce(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(18)));
}

/**
 * The exact text signed for a request: the canonical JSON of agreement, body (parsed; null when empty), context,
 * method, nonce, path (percent-decoded, without query) and timestamp.
 */
export function message(agreement: string, method: string, path: string, time: string, once: string, body: string | null): string {
  return canonicalize({
    agreement,
    body: body === null || body.length === 0 ? null : JSON.parse(body),
    context: CONTEXT,
    method: method.toUpperCase(),
    nonce: once,
    path: decodeURIComponent(path.split('?')[0] ?? ''),
    timestamp: time,
  });
}

/** Signs a request as the CLI does; returns the four headers to send with it. */
export async function sign(key: SubmissionKey, agreement: string, method: string, path: string, body: string | null, now = new Date()): Promise<SignatureHeaders> {
  const time = timestamp(now);
  const once = nonce();
  const text = message(agreement, method, path, time, once, body);
  const signature = await crypto.subtle.sign('Ed25519', key.privateKey, new TextEncoder().encode(text));
  return {
    'Parley-Signature': base64(new Uint8Array(signature)),
    'Parley-Timestamp': time,
    'Parley-Nonce': once,
    'Parley-Key': key.publicKey,
  };
}
