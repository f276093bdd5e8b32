// Secrets at rest: AES-256-GCM under a 32-byte master key. Each value gets a fresh 96-bit IV; the ciphertext is
// bound to its context (team id + field name) through GCM's additional data, so a sealed value copied into another
// team's row or another column does not open.
import { createCipheriv, createDecipheriv, randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const MASTER_KEY_FILE = 'master.key';
export const ADMIN_TOKEN_FILE = 'admin.token';

export class MasterKeyError extends Error {}

/** Accepts 64 hex characters or base64/base64url of exactly 32 bytes. */
export function parseMasterKey(text: string): Buffer {
  const s = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(s)) return Buffer.from(s, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(s)) {
    const b = Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (b.length === 32) return b;
  }
  throw new MasterKeyError('MASTER_KEY must be 32 bytes as 64 hex characters or base64');
}

function writeOwnerOnly(file: string, content: string): boolean {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    // 'wx': never overwrite (two processes starting at once keep the first key).
    fs.writeFileSync(file, content, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  fs.chmodSync(file, 0o600); // in case the umask narrowed or widened the mode
  return true;
}

/**
 * The master key: MASTER_KEY when given, otherwise `<dataDir>/master.key`, generated once (mode 0600).
 * Losing a generated key makes the stored secrets unreadable; back it up with the data folder.
 */
export function loadOrCreateMasterKey(dataDir: string, masterKey: string | undefined = process.env.MASTER_KEY): Buffer {
  if (masterKey !== undefined && masterKey !== '') return parseMasterKey(masterKey);
  const file = path.join(dataDir, MASTER_KEY_FILE);
  if (!fs.existsSync(file)) writeOwnerOnly(file, randomBytes(32).toString('base64') + '\n');
  return parseMasterKey(fs.readFileSync(file, 'utf8'));
}

/**
 * The admin bearer token: ADMIN_TOKEN when given, otherwise `<dataDir>/admin.token`, generated once (mode 0600).
 * `created` tells the caller to print it (once, at first start).
 */
export function loadOrCreateAdminToken(
  dataDir: string,
  adminToken: string | undefined = process.env.ADMIN_TOKEN,
): { token: string; created: boolean } {
  if (adminToken !== undefined && adminToken !== '') return { token: adminToken, created: false };
  const file = path.join(dataDir, ADMIN_TOKEN_FILE);
  let created = false;
  if (!fs.existsSync(file)) created = writeOwnerOnly(file, randomBytes(32).toString('base64url') + '\n');
  return { token: fs.readFileSync(file, 'utf8').trim(), created };
}

/** Opened secrets kept per process (each activity reads its team's keys: an AES-GCM open each, ~10 per check). */
const OPENED_CACHE_SIZE = 1024;

export class SecretBox {
  private readonly key: Buffer;
  /** (context, sealed value) → plaintext. Only values that opened are kept, so tampering still throws every time. */
  private readonly opened = new Map<string, string>();

  constructor(masterKey: Buffer) {
    if (masterKey.length !== 32) throw new MasterKeyError('master key must be 32 bytes');
    this.key = Buffer.from(masterKey);
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return `${VERSION}.${Buffer.concat([iv, tag, ct]).toString('base64url')}`;
  }

  /** Throws when the value was tampered with, sealed under another key or for another context. */
  open(sealed: string, context: string): string {
    const cacheKey = `${context}\n${sealed}`;
    const hit = this.opened.get(cacheKey);
    if (hit !== undefined) return hit;
    const plaintext = this.decrypt(sealed, context);
    // Oldest first out: a rotated key's old value is never asked for again and ages out.
    if (this.opened.size >= OPENED_CACHE_SIZE) this.opened.delete(this.opened.keys().next().value!);
    this.opened.set(cacheKey, plaintext);
    return plaintext;
  }

  private decrypt(sealed: string, context: string): string {
    const [version, payload] = sealed.split('.', 2);
    if (version !== VERSION || payload === undefined) throw new Error('unknown sealed-secret format');
    const raw = Buffer.from(payload, 'base64url');
    if (raw.length < IV_BYTES + TAG_BYTES) throw new Error('sealed secret too short');
    const iv = raw.subarray(0, IV_BYTES);
    const tag = raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
    const ct = raw.subarray(IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ct), decipher.final()]).toString('utf8');
  }
}

/** Constant-time string equality (lengths hidden by hashing first). */
export function constantTimeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

/** Unguessable id for webhook URLs: 24 random bytes, base64url (32 characters). */
export function randomWebhookId(): string {
  return randomBytes(24).toString('base64url');
}
