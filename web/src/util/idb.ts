// One small IndexedDB database for what this browser keeps between sessions: submission keys (non-extractable)
// and the last ledger checkpoint verified per agreement.
const name = 'parley-console';
const stores = ['keys', 'ledger'];

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name, 1);
    request.onupgradeneeded = () => {
      for (const s of stores) {
        if (!request.result.objectStoreNames.contains(s)) {
          request.result.createObjectStore(s);
        }
      }
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB is not available'));
  });
}

async function run<T>(store: string, mode: IDBTransactionMode, act: (s: IDBObjectStore) => IDBRequest): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(store, mode);
      const request = act(tx.objectStore(store));
      tx.oncomplete = () => resolve(request.result as T);
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    });
  } finally {
    db.close();
  }
}

export function idbGet<T>(store: string, key: string): Promise<T | undefined> {
  return run<T | undefined>(store, 'readonly', (s) => s.get(key));
}

export function idbPut(store: string, key: string, value: unknown): Promise<void> {
  return run<void>(store, 'readwrite', (s) => s.put(value, key)).then(() => undefined);
}

export function idbDelete(store: string, key: string): Promise<void> {
  return run<void>(store, 'readwrite', (s) => s.delete(key)).then(() => undefined);
}
