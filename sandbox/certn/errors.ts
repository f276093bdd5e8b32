// The Certn sandbox's domain error: an HTTP status and a Certn error code, turned into Certn's error body by the routes.
export class SandboxError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
