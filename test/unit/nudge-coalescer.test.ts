// The nudge coalescer on its own, with a scripted sender: one signal in flight per check, one follow-up behind it,
// and no caller answered before a signal sent after it arrived has been delivered.
import { NudgeCoalescer } from '../../src/api/nudge-coalescer';

interface Sent {
  wf: string;
  n: number;
  resolve(v: boolean): void;
  reject(e: Error): void;
}

function scripted() {
  const sent: Sent[] = [];
  const c = new NudgeCoalescer<number>(
    (wf, n) =>
      new Promise<boolean>((resolve, reject) => {
        sent.push({ wf, n, resolve, reject });
      }),
    0,
  );
  return { c, sent };
}

const flush = () => new Promise((r) => setImmediate(r));

it('200 concurrent nudges for one check send two signals, and all answer only after the follow-up is delivered', async () => {
  const { c, sent } = scripted();
  const answered: boolean[] = [];
  const first = c.nudge('wf', 0).then((v) => answered.push(v));
  const rest = Array.from({ length: 199 }, (_, i) => c.nudge('wf', i + 1).then((v) => answered.push(v)));
  await flush();
  expect(sent.map((s) => s.n)).toEqual([0]);

  sent[0]!.resolve(true);
  await first;
  await flush();
  // The first caller is covered by its own signal; the 199 that came while it was under way wait for the follow-up.
  expect(answered).toHaveLength(1);
  expect(sent.map((s) => s.n)).toEqual([0, 1]);

  sent[1]!.resolve(true);
  await Promise.all(rest);
  expect(answered).toHaveLength(200);
  expect(answered.every(Boolean)).toBe(true);
  expect(sent).toHaveLength(2);
  expect(c.pending).toBe(0);
});

it('a failed signal fails only the callers it covered; the follow-up is still sent and answers the rest', async () => {
  const { c, sent } = scripted();
  const a = c.nudge('wf', 1);
  const b = c.nudge('wf', 2);
  await flush();
  sent[0]!.reject(new Error('unavailable'));
  await expect(a).rejects.toThrow('unavailable');
  await flush();
  expect(sent).toHaveLength(2);
  sent[1]!.reject(new Error('still unavailable'));
  await expect(b).rejects.toThrow('still unavailable');
  expect(c.pending).toBe(0);
});

it('checks are independent, and a closed check answers false to everyone waiting', async () => {
  const { c, sent } = scripted();
  const x = c.nudge('x', 1);
  const y = c.nudge('y', 1);
  const x2 = c.nudge('x', 2);
  await flush();
  expect(sent.map((s) => s.wf)).toEqual(['x', 'y']);
  sent[1]!.resolve(false);
  expect(await y).toBe(false);
  sent[0]!.resolve(false);
  expect(await x).toBe(false);
  await flush();
  sent[2]!.resolve(false);
  expect(await x2).toBe(false);
  // After a burst, a new nudge is sent at once.
  void c.nudge('x', 3);
  await flush();
  expect(sent).toHaveLength(4);
});

it('signals at least minGapMs apart: a trickle of fast-delivered nudges is coalesced too', async () => {
  let signals = 0;
  const c = new NudgeCoalescer<number>(async () => {
    signals++;
    return true;
  }, 100);
  const answers: Promise<boolean>[] = [];
  const started = Date.now();
  // One nudge every 5 ms for 300 ms, each signal delivered at once: without the gap this would be 60 signals.
  for (let i = 0; Date.now() - started < 300; i++) {
    answers.push(c.nudge('wf', i));
    await new Promise((r) => setTimeout(r, 5));
  }
  expect(await Promise.all(answers)).toEqual(answers.map(() => true));
  expect(answers.length).toBeGreaterThan(20);
  expect(signals).toBeGreaterThanOrEqual(3);
  expect(signals).toBeLessThanOrEqual(6);
});
