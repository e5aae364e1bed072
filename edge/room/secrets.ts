// The graph's secrets: values encrypted at rest in the room's SQLite (AES-GCM, a key derived per graph from a
// Worker secret), write-only through the API, decrypted into memory only to go into a process's assignment.

export interface SecretInfo {
  name: string;
  updatedAt: string;
}

/** Bytes of one secret value. */
export const MAX_SECRET_BYTES = 64 * 1024;
/** Secrets per graph. */
export const MAX_SECRETS = 100;

interface Row extends Record<string, SqlStorageValue> {
  name: string;
  iv: ArrayBuffer;
  data: ArrayBuffer;
  updated_at: number;
}

/** Why a secret is not usable, for the node's blocked reason. */
export type SecretMissing = "unset" | "no_key" | "undecryptable";

export class SecretVault {
  private readonly values = new Map<string, { value: string; updatedAt: number }>();
  private readonly broken = new Set<string>();

  private constructor(
    private readonly sql: SqlStorage,
    private readonly key: CryptoKey | undefined,
    private readonly graphId: string,
  ) {}

  /** Opens the vault: derives the graph's key from `keyMaterial` (or none) and decrypts every stored secret. */
  static async open(sql: SqlStorage, keyMaterial: string | undefined, graphId: string): Promise<SecretVault> {
    sql.exec(
      "CREATE TABLE IF NOT EXISTS secrets (name TEXT PRIMARY KEY, iv BLOB NOT NULL, data BLOB NOT NULL, updated_at INTEGER NOT NULL)",
    );
    const key = keyMaterial ? await deriveKey(keyMaterial, graphId) : undefined;
    const vault = new SecretVault(sql, key, graphId);
    for (const row of sql.exec<Row>("SELECT name, iv, data, updated_at FROM secrets").toArray()) {
      const value = key ? await decrypt(key, graphId, row.name, row.iv, row.data) : undefined;
      if (value === undefined) vault.broken.add(row.name);
      else vault.values.set(row.name, { value, updatedAt: row.updated_at });
    }
    return vault;
  }

  get available(): boolean {
    return this.key !== undefined;
  }

  value(name: string): string | undefined {
    return this.values.get(name)?.value;
  }

  /** Changes whenever the value does, so processes using it restart with the new one. */
  version(name: string): number | undefined {
    return this.values.get(name)?.updatedAt;
  }

  /** Why `name` has no usable value. */
  missing(name: string): SecretMissing {
    if (!this.key) return "no_key";
    return this.broken.has(name) ? "undecryptable" : "unset";
  }

  list(): SecretInfo[] {
    const names = this.sql
      .exec<{ name: string; updated_at: number }>("SELECT name, updated_at FROM secrets ORDER BY name")
      .toArray();
    return names.map((r) => ({ name: r.name, updatedAt: new Date(r.updated_at).toISOString() }));
  }

  async set(name: string, value: string, now = Date.now()): Promise<SecretInfo> {
    if (!this.key) throw new Error("no key");
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const data = await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: aad(this.graphId, name) },
      this.key,
      utf8(value),
    );
    const updatedAt = Math.max(now, (this.values.get(name)?.updatedAt ?? 0) + 1);
    this.sql.exec(
      "INSERT OR REPLACE INTO secrets (name, iv, data, updated_at) VALUES (?, ?, ?, ?)",
      name,
      iv,
      new Uint8Array(data),
      updatedAt,
    );
    this.values.set(name, { value, updatedAt });
    this.broken.delete(name);
    return { name, updatedAt: new Date(updatedAt).toISOString() };
  }

  remove(name: string): boolean {
    const removed = this.sql.exec("DELETE FROM secrets WHERE name = ?", name).rowsWritten > 0;
    this.values.delete(name);
    this.broken.delete(name);
    return removed;
  }

  get size(): number {
    return Number(this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM secrets").one().n);
  }

  clear(): void {
    this.sql.exec("DELETE FROM secrets");
    this.values.clear();
    this.broken.clear();
  }
}

async function deriveKey(material: string, graphId: string): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey("raw", utf8(material), "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: utf8(`weft:${graphId}`), info: utf8("weft secrets v1") },
    base,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

async function decrypt(
  key: CryptoKey,
  graphId: string,
  name: string,
  iv: ArrayBuffer,
  data: ArrayBuffer,
): Promise<string | undefined> {
  try {
    const params = { name: "AES-GCM", iv: new Uint8Array(iv), additionalData: aad(graphId, name) };
    const plain = await crypto.subtle.decrypt(params, key, data);
    return new TextDecoder().decode(plain);
  } catch {
    return undefined;
  }
}

/** The ciphertext is bound to its graph and name: a row copied elsewhere does not decrypt. */
function aad(graphId: string, name: string): Uint8Array {
  return utf8(`${graphId}\u0000${name}`);
}

function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
