import type { Adapter, AdapterPayload } from "oidc-provider";

interface Entry {
  payload: AdapterPayload;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/**
 * An oidc-provider storage adapter class over one Map of its own, so two providers in one
 * process (two tests) share nothing. Entries expire after the `expiresIn` oidc-provider gives;
 * copies go in and out, so nothing outside changes a stored entry.
 */
export function memoryAdapter(now: () => number = Date.now): new (model: string) => Adapter {
  const entries = new Map<string, Entry>();
  /** Model-less indexes: Session uid → id, user code → id, grant id → keys of its tokens. */
  const sessionIds = new Map<string, string>();
  const userCodeIds = new Map<string, string>();
  const grantKeys = new Map<string, string[]>();

  function live(key: string): Entry | undefined {
    const entry = entries.get(key);
    if (entry && entry.expiresAt <= now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  }

  return class MemoryAdapter implements Adapter {
    constructor(private readonly model: string) {}

    private key(id: string): string {
      return `${this.model}:${id}`;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const key = this.key(id);
      entries.set(key, { payload: structuredClone(payload), expiresAt: now() + expiresIn * 1000 });
      if (this.model === "Session" && payload.uid) sessionIds.set(payload.uid, id);
      if (payload.userCode) userCodeIds.set(payload.userCode, id);
      if (payload.grantId) {
        const keys = grantKeys.get(payload.grantId) ?? [];
        if (!keys.includes(key)) keys.push(key);
        grantKeys.set(payload.grantId, keys);
      }
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      const entry = live(this.key(id));
      return entry && structuredClone(entry.payload);
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      const id = sessionIds.get(uid);
      return id === undefined ? undefined : this.find(id);
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      const id = userCodeIds.get(userCode);
      return id === undefined ? undefined : this.find(id);
    }

    async consume(id: string): Promise<void> {
      const entry = live(this.key(id));
      if (entry) entry.payload.consumed = Math.floor(now() / 1000);
    }

    async destroy(id: string): Promise<void> {
      entries.delete(this.key(id));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      for (const key of grantKeys.get(grantId) ?? []) entries.delete(key);
      grantKeys.delete(grantId);
    }
  };
}
