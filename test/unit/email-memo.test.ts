// The worker-memory hand-over of the e-mail from the stage confirmation to the order: used once, never when old.
import { EmailMemo } from '../../src/activities/email-memo';

describe('EmailMemo', () => {
  it('gives the e-mail back once, for that team and opportunity only', () => {
    const memo = new EmailMemo();
    memo.remember('t1', 'o1', 'a@example.com');
    expect(memo.take('t2', 'o1')).toBeUndefined();
    expect(memo.take('t1', 'o1')).toBe('a@example.com');
    expect(memo.take('t1', 'o1')).toBeUndefined();
  });

  it('never gives back an entry older than its time to live, and sweeps old ones away', () => {
    let now = 0;
    const memo = new EmailMemo(1000, () => now);
    memo.remember('t1', 'o1', 'a@example.com');
    now = 1001;
    expect(memo.take('t1', 'o1')).toBeUndefined();
    memo.remember('t1', 'o2', 'b@example.com');
    now = 2500;
    memo.remember('t1', 'o3', 'c@example.com'); // o2 has expired: swept
    expect(memo.size).toBe(1);
    expect(memo.take('t1', 'o3')).toBe('c@example.com');
  });
});
