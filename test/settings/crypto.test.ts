// Unit tests of secrets at rest: AES-256-GCM sealing with context binding, master and admin key files.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto, { randomBytes } from 'node:crypto';
import {
  MASTER_KEY_FILE,
  SecretBox,
  constantTimeEqual,
  loadOrCreateAdminToken,
  loadOrCreateMasterKey,
  parseMasterKey,
  randomWebhookId,
} from '../../src/settings/crypto';

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'settings-crypto-'));
}

describe('SecretBox (AES-256-GCM)', () => {
  const box = new SecretBox(randomBytes(32));

  it('round-trips and never emits the plaintext', () => {
    const sealed = box.seal('lever-key-abcdef123456', 'team:1:lever.apiKey');
    expect(sealed).not.toContain('lever-key');
    expect(sealed.startsWith('v1.')).toBe(true);
    expect(box.open(sealed, 'team:1:lever.apiKey')).toBe('lever-key-abcdef123456');
  });

  it('uses a fresh IV each time', () => {
    expect(box.seal('same', 'c')).not.toBe(box.seal('same', 'c'));
  });

  it('refuses another context, another key and a tampered value', () => {
    const sealed = box.seal('secret', 'team:1:lever.apiKey');
    expect(() => box.open(sealed, 'team:2:lever.apiKey')).toThrow();
    expect(() => new SecretBox(randomBytes(32)).open(sealed, 'team:1:lever.apiKey')).toThrow();
    const raw = Buffer.from(sealed.slice(3), 'base64url');
    raw[raw.length - 1] = (raw[raw.length - 1] ?? 0) ^ 1;
    expect(() => box.open('v1.' + raw.toString('base64url'), 'team:1:lever.apiKey')).toThrow();
    expect(() => box.open('v9.xyz', 'team:1:lever.apiKey')).toThrow();
  });

  it('opens a value once per process, and still refuses another context after it opened', () => {
    const sealed = box.seal('certn-key', 'team:1:certn.apiKey');
    expect(box.open(sealed, 'team:1:certn.apiKey')).toBe('certn-key');
    const decipher = jest.spyOn(crypto, 'createDecipheriv');
    try {
      expect(box.open(sealed, 'team:1:certn.apiKey')).toBe('certn-key');
      expect(decipher).not.toHaveBeenCalled();
      // A cached plaintext is bound to its context: the same value in another team's row still does not open.
      expect(() => box.open(sealed, 'team:2:certn.apiKey')).toThrow();
      expect(decipher).toHaveBeenCalledTimes(1);
    } finally {
      decipher.mockRestore();
    }
  });

  it('rejects a key that is not 32 bytes', () => {
    expect(() => new SecretBox(randomBytes(16))).toThrow();
  });
});

describe('master key', () => {
  it('parses hex and base64', () => {
    const k = randomBytes(32);
    expect(parseMasterKey(k.toString('hex')).equals(k)).toBe(true);
    expect(parseMasterKey(k.toString('base64')).equals(k)).toBe(true);
    expect(parseMasterKey(k.toString('base64url')).equals(k)).toBe(true);
    expect(() => parseMasterKey('too-short-but-32-characters-long!!')).toThrow(/MASTER_KEY/);
  });

  it('uses MASTER_KEY when given and writes no file', () => {
    const dir = tmpDir();
    const k = randomBytes(32);
    expect(loadOrCreateMasterKey(dir, k.toString('hex')).equals(k)).toBe(true);
    expect(fs.existsSync(path.join(dir, MASTER_KEY_FILE))).toBe(false);
  });

  it('generates a key file once with owner-only permissions and reuses it', () => {
    const dir = path.join(tmpDir(), 'nested');
    const first = loadOrCreateMasterKey(dir, undefined);
    const file = path.join(dir, MASTER_KEY_FILE);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(first.length).toBe(32);
    expect(loadOrCreateMasterKey(dir, undefined).equals(first)).toBe(true);
  });
});

describe('admin token and ids', () => {
  it('generates the admin token once (0600) and reports creation', () => {
    const dir = tmpDir();
    const a = loadOrCreateAdminToken(dir, undefined);
    const b = loadOrCreateAdminToken(dir, undefined);
    expect(a.created).toBe(true);
    expect(b.created).toBe(false);
    expect(a.token).toBe(b.token);
    expect(a.token.length).toBeGreaterThanOrEqual(40);
    expect(fs.statSync(path.join(dir, 'admin.token')).mode & 0o777).toBe(0o600);
    expect(loadOrCreateAdminToken(dir, 'from-the-environment-123').token).toBe('from-the-environment-123');
  });

  it('compares in constant time and correctly', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
  });

  it('webhook ids are 24 random bytes in base64url', () => {
    const a = randomWebhookId();
    expect(a).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(randomWebhookId()).not.toBe(a);
  });
});
