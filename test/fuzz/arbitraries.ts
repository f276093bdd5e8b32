// fast-check generators for hostile input: injection strings, unicode, wrong JSON types, content types, bad
// percent-encoding. Shared by the webhook and report-route properties.
import fc from 'fast-check';

/** Strings that have broken other services: SQL, shell, template, path, HTML, header and JSON tricks. */
export const INJECTIONS = [
  "' OR 1=1 --",
  '"; DROP TABLE teams; --',
  '$(reboot)',
  '`id`',
  '{{7*7}}',
  '${process.exit(1)}',
  '../../../../etc/passwd',
  '<script>alert(1)</script>',
  '\r\nX-Injected: 1',
  '\u0000',
  '\ud800',
  '__proto__',
  'constructor',
  '%00%ff',
  'CERTN - Complete',
  'a'.repeat(5000),
];

export const hostileString = fc.oneof(
  fc.constantFrom(...INJECTIONS),
  fc.fullUnicodeString({ maxLength: 64 }),
  fc.string({ maxLength: 64 }),
);

/** What an HTTP header can carry (visible ASCII), hostile where it can be. */
export const headerValue = fc.oneof(
  fc.stringMatching(/^[\x21-\x7e]{1,200}$/),
  fc.constantFrom("' OR 1=1 --", '$(reboot)', '{{7*7}}', 'sha256=deadbeef', '../../x'),
);

/** JSON values of every type, with hostile strings among them. */
export const anyJson = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    hostileString,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(hostileString, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** A Lever body with every field present but possibly of the wrong type. */
export const leverShapedBody = fc.record(
  {
    triggeredAt: fc.oneof(fc.integer(), fc.double(), hostileString, fc.constant(null)),
    event: fc.oneof(fc.constantFrom('candidateStageChange', 'candidateHired', 'candidateDeleted'), anyJson),
    data: fc.oneof(fc.dictionary(hostileString, anyJson, { maxKeys: 5 }), anyJson),
    signature: fc.oneof(fc.hexaString({ minLength: 64, maxLength: 64 }), hostileString),
    token: fc.oneof(hostileString, fc.integer()),
  },
  { requiredKeys: [] },
);

export const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-16',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/xml',
  '',
  '*/*',
  'application/json; charset=%%%',
);

/** A raw body: JSON of any shape, broken JSON, or random bytes. */
export const rawBody = fc.oneof(
  anyJson.map((v) => JSON.stringify(v) ?? 'null'),
  fc.string().map((s) => '{' + s),
  fc.uint8Array({ maxLength: 512 }).map((a) => Buffer.from(a).toString('latin1')),
  fc.constantFrom('', '{', '[]', 'null', '{"a":1', '\ufeff{}', '{"__proto__":{"polluted":1}}'),
);

/** Percent-encodes any string (lone surrogates, which cannot travel in a URL, become U+FFFD as UTF-8 makes them). */
export function urlEncode(s: string): string {
  return encodeURIComponent(Buffer.from(s).toString());
}

/** A path segment: plain, percent-encoded unicode, or invalid percent-encoding. */
export const pathSegment = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/),
  hostileString.map((s) => urlEncode(s || 'x')),
  fc.constantFrom('%ff', '%E0%A4%A', '%', '%zz', '%c0%af', '..', '%2e%2e', '%2F'),
);
