// Replays recorded histories (committed fixtures, recorded by the end-to-end tests with RECORD_HISTORIES=1) against
// today's workflow code, and proves the check can fail: a deliberately non-deterministic copy must not replay.
import fs from 'node:fs';
import path from 'node:path';
import { Worker, bundleWorkflowCode } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';

const FIXTURES = path.resolve(__dirname, '../fixtures/histories');
const WORKFLOWS = path.resolve(__dirname, '../../src/workflows');

function fixtures(): { workflowId: string; history: ReturnType<typeof historyFromJSON> }[] {
  return fs
    .readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({
      workflowId: path.basename(f, '.json'),
      history: historyFromJSON(JSON.parse(fs.readFileSync(path.join(FIXTURES, f), 'utf8'))),
    }));
}

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} };

describe('replay of recorded check histories', () => {
  const recorded = fixtures();

  it('has recorded histories to replay', () => {
    expect(recorded.length).toBeGreaterThanOrEqual(3);
  });

  it('replays every recorded history with the current workflow code', async () => {
    const bundlePath = process.env.WORKFLOW_BUNDLE_PATH;
    const workflowBundle = bundlePath
      ? { codePath: bundlePath }
      : { code: (await bundleWorkflowCode({ workflowsPath: path.join(WORKFLOWS, 'index.ts'), logger: quiet })).code };
    const results = Worker.runReplayHistories({ workflowBundle }, recorded);
    for await (const result of results) {
      expect({ id: result.workflowId, error: result.error?.message }).toEqual({
        id: result.workflowId,
        error: undefined,
      });
    }
  });

  it('fails on a deliberately non-deterministic change', async () => {
    // Copy the workflow folder and schedule one extra activity before the first one: the recorded histories
    // then disagree with the code at their first activity.
    // Inside the project (git-ignored) so the copy resolves @temporalio/workflow like the real code does.
    const cache = path.resolve(__dirname, '../../.data/test-tmp');
    fs.mkdirSync(cache, { recursive: true });
    const dir = fs.mkdtempSync(path.join(cache, 'nondeterministic-'));
    const copy = path.join(dir, 'workflows');
    fs.cpSync(WORKFLOWS, copy, { recursive: true });
    const file = path.join(copy, 'confirm-and-order.ts');
    const original = fs.readFileSync(file, 'utf8');
    const mutated = original.replace(
      '    const opp = lean',
      "    await api.setStatusTag(teamId, opportunityId, 'Starting');\n    const opp = lean",
    );
    expect(mutated).not.toEqual(original);
    fs.writeFileSync(file, mutated); // its only import outside the folder is a type import, erased by the bundler
    const { code } = await bundleWorkflowCode({ workflowsPath: path.join(copy, 'index.ts'), logger: quiet });
    const [first] = recorded;
    if (!first) throw new Error('no recorded history');
    await expect(
      Worker.runReplayHistory({ workflowBundle: { code } }, first.history, first.workflowId),
    ).rejects.toThrow(DeterminismViolationError);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
