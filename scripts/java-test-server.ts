// Provisions Temporal's Java test server (the time-skipping server) into the git-ignored .tools folder, once: Maven
// fetches io.temporal:temporal-test-server and its dependencies from Maven Central, and a small wrapper `exec`s java
// on them. @temporalio/testing would download its own build at run time, which fails on a machine without internet.
// `npx tsx scripts/java-test-server.ts` provisions it ahead of time and prints the wrapper's path; the time-skipping
// tests call ensureJavaTestServer() on first use.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const JAVA_TEST_SERVER_VERSION = '1.31.0';
const PROJECT_ROOT = path.resolve(__dirname, '..');
const HOME = path.join(PROJECT_ROOT, '.tools', `temporal-test-server-${JAVA_TEST_SERVER_VERSION}`);
const WRAPPER = path.join(HOME, 'temporal-test-server');

export class JavaTestServerMissingError extends Error {}

// The SDK starts an `existing-path` executable as `<path> <port>` and stops it by killing that pid: the wrapper
// must become java (exec), and passes the port on. It adds no --enable-time-skipping: started without it the
// server begins with time skipping locked, which is what the SDK's time-skipping client expects (it unlocks while
// a test awaits a result or sleeps, and locks again after).
const WRAPPER_SCRIPT = `#!/bin/sh
# Temporal's Java test server ${JAVA_TEST_SERVER_VERSION}, for @temporalio/testing (written by scripts/java-test-server.ts).
here=$(cd "$(dirname "$0")" && pwd)
java=java
if [ -n "$JAVA_HOME" ]; then java="$JAVA_HOME/bin/java"; fi
exec "$java" -XX:+UseSerialGC -Xmx512m -cp "$here/lib/*" io.temporal.testserver.TestServer "$@"
`;

const POM = `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.tools</groupId>
  <artifactId>temporal-test-server-download</artifactId>
  <version>1</version>
  <dependencies>
    <dependency>
      <groupId>io.temporal</groupId>
      <artifactId>temporal-test-server</artifactId>
      <version>${JAVA_TEST_SERVER_VERSION}</version>
    </dependency>
  </dependencies>
</project>
`;

async function runs(cmd: string, args: string[]): Promise<boolean> {
  try {
    await execFileAsync(cmd, args, { timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

function ready(): boolean {
  return (
    fs.existsSync(WRAPPER) &&
    fs.existsSync(path.join(HOME, 'lib', `temporal-test-server-${JAVA_TEST_SERVER_VERSION}.jar`))
  );
}

/** Returns the wrapper's path, downloading the server on first use. Idempotent; concurrent callers are safe. */
export async function ensureJavaTestServer(
  log: (msg: string) => void = (m) => process.stderr.write(m + '\n'),
): Promise<string> {
  if (ready()) return WRAPPER;
  const java = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  if (!(await runs(java, ['-version']))) {
    throw new JavaTestServerMissingError(
      "The time-skipping tests need Java 11+ (`java` on PATH or JAVA_HOME) to run Temporal's Java test server.",
    );
  }
  if (!(await runs('mvn', ['-v']))) {
    throw new JavaTestServerMissingError(
      'The time-skipping tests need Maven (`mvn` on PATH) once, to fetch io.temporal:temporal-test-server:' +
        `${JAVA_TEST_SERVER_VERSION} from Maven Central into ${HOME}.`,
    );
  }
  log(`Fetching Temporal's Java test server ${JAVA_TEST_SERVER_VERSION} once into ${HOME} (mvn)...`);
  // Built beside the final folder and renamed into place, so a half-done download is never taken for a done one.
  const staging = `${HOME}.staging-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  try {
    fs.writeFileSync(path.join(staging, 'pom.xml'), POM);
    await execFileAsync(
      'mvn',
      [
        '-q',
        '-B',
        '-f',
        path.join(staging, 'pom.xml'),
        'dependency:copy-dependencies',
        '-DincludeScope=runtime',
        `-DoutputDirectory=${path.join(staging, 'lib')}`,
      ],
      { timeout: 15 * 60_000, maxBuffer: 16 * 1024 * 1024 },
    );
    fs.writeFileSync(path.join(staging, 'temporal-test-server'), WRAPPER_SCRIPT, { mode: 0o755 });
    if (!ready()) {
      fs.rmSync(HOME, { recursive: true, force: true }); // an earlier download cut short
      fs.renameSync(staging, HOME);
    }
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new JavaTestServerMissingError(`Fetching the Java test server with Maven failed: ${detail}`);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  log(`Java test server ready: ${WRAPPER}`);
  return WRAPPER;
}

if (require.main === module) {
  ensureJavaTestServer()
    .then((wrapper) => process.stdout.write(`${wrapper}\n`))
    .catch((err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    });
}
