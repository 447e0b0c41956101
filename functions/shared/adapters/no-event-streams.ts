/**
 * Stands in for `@smithy/core/event-streams` in the Lambda bundles only (an esbuild alias in
 * `BUNDLING`, lib/project-function.ts); the local runtime and the tests load the SDK's own.
 *
 * Why: the SDK's HTTP protocols load event-stream support with a dynamic `import()` the first time
 * an operation streams events. None of the operations these functions call does (DynamoDB, Step
 * Functions, SNS, SES, Secrets Manager), but without code splitting esbuild must make everything
 * that import can reach lazily evaluable: it wraps nearly the whole SDK in lazy-init functions,
 * which keeps code that tree shaking would otherwise drop. With the import answered by this file,
 * every bundle (the bare DynamoDB client's too) is about 20 KB smaller and imports about 5 ms faster.
 */

const absent = (): never => {
  throw new Error(
    'SDK event streams are left out of the Lambda bundles (functions/shared/adapters/no-event-streams.ts)',
  );
};

export function EventStreamSerde(): never {
  return absent();
}

export function eventStreamSerdeProvider(): never {
  return absent();
}
