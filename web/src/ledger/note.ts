// C2SP signed notes and tlog checkpoints, verified with WebCrypto Ed25519.
import { equalBytes, fromBase64, sha256 } from '../util/bytes';

export interface VerifierKey {
  name: string;
  id: Uint8Array;
  publicKey: Uint8Array;
  text: string;
}

export interface Checkpoint {
  origin: string;
  size: number;
  root: Uint8Array;
  rootText: string;
  note: string;
}

/** Parses a vkey: `<name>+<hex key id>+<base64(0x01 ‖ public key)>`. */
export async function parseVerifierKey(text: string): Promise<VerifierKey> {
  const trimmed = text.trim();
  // The key's base64 may itself hold '+': only the first two separate.
  const first = trimmed.indexOf('+');
  const second = trimmed.indexOf('+', first + 1);
  if (first <= 0 || second < 0) throw new Error('the center key is not a vkey (name+id+key)');
  const name = trimmed.slice(0, first);
  const hex = trimmed.slice(first + 1, second);
  const key = trimmed.slice(second + 1);
  const bytes = fromBase64(key);
  if (bytes.length !== 33 || bytes[0] !== 0x01) throw new Error('the center key is not an Ed25519 vkey');
  const publicKey = bytes.slice(1);
  const id = (await sha256(new TextEncoder().encode(name), new Uint8Array([0x0a]), bytes)).slice(0, 4);
  const expected = hex.toLowerCase();
  if ([...id].map((b) => b.toString(16).padStart(2, '0')).join('') !== expected) {
    throw new Error('the center key\'s id does not match its name and key');
  }
  return { name, id, publicKey, text: trimmed };
}

/** Verifies a signed checkpoint note by `key`; throws with the reason when it does not verify. */
export async function verifyCheckpoint(note: string, key: VerifierKey): Promise<Checkpoint> {
  if (!note.endsWith('\n')) throw new Error('the checkpoint does not end with a newline');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new Error('the checkpoint has no signature block');
  const text = note.slice(0, split + 1);
  const lines = note.slice(split + 2, -1).split('\n');
  const publicKey = await crypto.subtle.importKey('raw', key.publicKey as BufferSource, { name: 'Ed25519' }, false, ['verify']);
  let verified = false;
  for (const line of lines) {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!m || m[1] !== key.name) continue;
    const bytes = fromBase64(m[2]!);
    if (bytes.length !== 68 || !equalBytes(bytes.slice(0, 4), key.id)) continue;
    if (await crypto.subtle.verify('Ed25519', publicKey, bytes.slice(4) as BufferSource, new TextEncoder().encode(text))) {
      verified = true;
    }
  }
  if (!verified) throw new Error('no valid signature by the center\'s key on the checkpoint');
  const body = text.split('\n');
  const origin = body[0] ?? '';
  const size = Number(body[1]);
  const rootText = body[2] ?? '';
  if (!origin || !Number.isSafeInteger(size) || size < 0 || !/^\d+$/.test(body[1] ?? '')) throw new Error('the checkpoint body is malformed');
  const root = fromBase64(rootText);
  if (root.length !== 32) throw new Error('the checkpoint root is not a SHA-256 hash');
  return { origin, size, root, rootText, note };
}
