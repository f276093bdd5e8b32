// Child process of sqlite-processes.test.ts: claims tokens tok-0..tok-(n-1) on a shared settings file as fast as it
// can, hands each claim it wins, and prints one JSON line: how many it won and the errors it met.
import { SqliteSettingsStore } from '../../src/settings/sqlite-store';

async function main(): Promise<void> {
  const [file, n, startAt, keyHex] = process.argv.slice(2);
  const store = new SqliteSettingsStore({ filename: file!, masterKey: Buffer.from(keyHex!, 'hex') });
  while (Date.now() < Number(startAt)) await new Promise((r) => setTimeout(r, 5));
  const won: string[] = [];
  const errors: string[] = [];
  for (let i = 0; i < Number(n); i++) {
    const token = `tok-${i}`;
    try {
      const c = await store.claimLeverDelivery('team', token, { triggeredAt: 1, bodyHash: 'b', abandonedBefore: 0 });
      if (c.outcome === 'claimed') {
        won.push(token);
        await store.markLeverDeliveryHanded('team', token, c.claimId);
      }
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  await store.close();
  process.stdout.write(JSON.stringify({ won, errors }) + '\n');
}
void main();
